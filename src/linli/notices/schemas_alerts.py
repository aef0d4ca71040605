"""API shapes of emergency alerts: what /api/v1/notices/alerts/ and …/officers accept and answer.

Inputs refuse unknown members and NUL characters; the rules (lengths, vocabularies, who may do
what) are the actions', which answer 400 with per-field ``errors`` (403 refused, 404 not
visible, 409 not now). People appear with their phone numbers masked; times are ISO 8601 with
their offset.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from linli.core.schemas import Id, In, Text

from .models import Alert, AlertRecipient

KindName = Literal[
    "rainstorm",
    "earthquake",
    "cold_wave",
    "heat_wave",
    "snow",
    "wind",
    "fire",
    "gas",
    "geological",
    "public_health",
    "other",
]
SeverityName = Literal["blue", "yellow", "orange", "red"]
StatusName = Literal["sending", "active", "ended"]
AnswerName = Literal["known", "help"]
ResultName = Literal["safe", "help", "unreached"]

for _literal, _values in (
    (KindName, Alert.Kind.values),
    (SeverityName, Alert.Severity.values),
    (StatusName, Alert.Status.values),
    (AnswerName, [v for v in AlertRecipient.Ack.values if v]),
    (ResultName, [v for v in AlertRecipient.CheckResult.values if v]),
):
    assert set(_literal.__args__) == set(_values), _values  # type: ignore[attr-defined]


class ShelterIn(In):
    name: Text = Field(..., description="the shelter's name, at most 100 characters")
    address: Text = Field("", description="where it is, at most 200 characters")


class AlertIn(In):
    area_code: Text = Field(
        ...,
        description="a county, town or community code (12 digits; 220403 reads as 220403000000)",
    )
    kind: KindName
    severity: SeverityName
    title: Text = Field(..., description="at most 100 characters")
    instructions: Text = Field(..., description="what to do, at most 3000 characters")
    shelters: list[ShelterIn] = Field(default_factory=list, description="at most 50")
    check_after: int = Field(
        30, description="minutes after which silent vulnerable residents are checked (5–1440)"
    )
    ends_at: dt.datetime | None = Field(None, description="in force until (within 31 days)")


class AlertFilters(Schema):
    status: Literal["in_force", "sending", "active", "ended"] | None = Field(
        None, description="in_force: sending or active"
    )
    kind: KindName | None = None
    area: str = Field("", max_length=15, description="alerts of this area code and below")


class ShelterOut(Schema):
    name: str
    address: str


class AlertOut(Schema):
    id: int
    area_code: str
    area_name: str
    kind: str
    kind_label: str
    severity: str
    severity_label: str
    title: str
    status: str
    status_label: str
    issued_at: dt.datetime
    check_after: int
    ends_at: dt.datetime | None
    ended_at: dt.datetime | None
    recipients_total: int
    recipients_done: int


class MyAnswerOut(Schema):
    ack: str = Field(..., description="'' (no answer yet), known or help")
    ack_at: dt.datetime | None
    checked: str = Field(..., description="'', safe, help or unreached")


class AlertDetailOut(AlertOut):
    instructions: str
    shelters: list[ShelterOut]
    fanout_started_at: dt.datetime | None
    fanout_finished_at: dt.datetime | None
    mine: MyAnswerOut | None = Field(None, description="your own answer, if the alert reached you")


class LiveRowOut(Schema):
    code: str
    name: str
    outside_grids: bool
    reached: int
    acknowledged: int
    need_help: int
    vulnerable: int
    checked_safe: int
    checked_help: int
    not_reached: int
    awaiting: int


class LiveOut(Schema):
    alert: AlertOut
    area_code: str
    area_name: str
    check_due: bool
    rows: list[LiveRowOut]
    total: LiveRowOut


class LiveFilters(Schema):
    area: str = Field("", max_length=15, description="break the counts down below this area")


class AckIn(In):
    answer: AnswerName


class CheckIn(In):
    result: ResultName
    note: Text = Field("", description="at most 500 characters")


class CheckFilters(Schema):
    alert_id: Id | None = Field(None, description="one alert only")


class PersonOut(Schema):
    recipient_id: int
    alert_id: int
    alert_title: str
    severity: str
    area_code: str
    name: str
    address: str
    phone_masked: str
    vulnerable: bool
    ack: str
    checked: str
    checked_at: dt.datetime | None
    appeal_id: int | None


class OfficerIn(In):
    community_code: Text
    name: Text = Field(..., description="at most 50 characters")
    phone: Text = Field(..., description="a mobile number, or a landline with its area code")
    user_id: Id | None = Field(None, description="their account, if they have one")
    trained_on: dt.date | None = None


class OfficerOut(Schema):
    id: int
    community_code: str
    community_name: str
    name: str
    phone_masked: str
    user_id: int | None
    trained_on: dt.date | None
    started_on: dt.date
    ended_on: dt.date | None


class CommunityOut(Schema):
    code: str
    name: str
    town_code: str | None
    town_name: str


class OfficerFilters(Schema):
    area: str = Field("", max_length=15, description="communities of this area code and below")
