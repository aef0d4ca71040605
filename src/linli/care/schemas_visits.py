"""API shapes of care visits, the needs they find and the care archive at /api/v1/care/.

Inputs refuse unknown members (a misspelt field is a 422) and NUL characters; the rules of the
domain — the visit's time window, the checklist, lengths, who may do what — are the actions',
which answer 400 with per-field ``errors`` (403 refused, 404 not visible, 409 not now). Phone
numbers are masked; the health and living notes travel only in the answer of the audited
``POST roster/{subject_id}/notes``, and a visit's own notes only to holders of ``care.notes``.
Times are ISO 8601 with their offset.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal, get_args

from ninja import Field, Schema

from linli.core.schemas import Id, In, Text

from .models import Need, Plan, Visit

ModeName = Literal["home", "phone", "video"]
SawName = Literal["person", "family", "carer", "nobody"]
CheckItem = Literal[
    "health", "safety_gas", "safety_electric", "safety_fire", "food", "hygiene", "mood",
    "loneliness",
]  # fmt: skip
CheckAnswer = Literal["ok", "concern", "na"]
NeedKind = Literal[
    "health", "daily_care", "meals", "housing", "finance", "company", "legal", "other"
]
UrgencyName = Literal["normal", "urgent"]
MonthState = Literal["met", "missed", "due", "dropped", "none"]
PlanStatus = Literal["open", "done", "dropped"]

# The literals spell out the models' vocabularies for the schema; they must not drift apart.
for _literal, _values in (
    (ModeName, Visit.Mode.values),
    (SawName, Visit.Saw.values),
    (CheckItem, list(Visit.CHECKS)),
    (CheckAnswer, Visit.Check.values),
    (NeedKind, Need.Kind.values),
    (UrgencyName, Need.Urgency.values),
    (PlanStatus, Plan.Status.values),
):
    assert list(get_args(_literal)) == list(_values), _literal

NOTES_MAX = 2000
NEED_TEXT_MAX = 1000


# --- inputs ------------------------------------------------------------------------------------


class NeedItemIn(In):
    kind: NeedKind
    description: Text = Field(..., max_length=NEED_TEXT_MAX)
    urgency: UrgencyName = "normal"


class VisitIn(In):
    subject_id: Id = Field(..., description="the person on the care roster (roster id)")
    visited_at: dt.datetime = Field(
        ..., description="when the visit was made: at most 10 minutes ahead, 60 days back"
    )
    mode: ModeName
    saw: SawName = Field(
        ..., description="whom the worker saw; `nobody` records an attempt, not a visit"
    )
    checks: dict[CheckItem, CheckAnswer] = Field(
        default_factory=dict, description="checklist item → ok | concern | na"
    )
    notes: Text = Field("", max_length=NOTES_MAX)
    needs: list[NeedItemIn] = Field(default_factory=list, max_length=10)
    client_key: uuid.UUID = Field(
        ...,
        description="the form's own id, made when it opened: sending it again answers with "
        "the visit already recorded (200) instead of recording another",
    )


class NeedIn(In):
    subject_id: Id
    kind: NeedKind
    description: Text = Field(..., max_length=NEED_TEXT_MAX)
    urgency: UrgencyName = "normal"
    visit_id: Id | None = Field(None, description="the visit that found it, if any")


class NeedAppealIn(In):
    category_id: Id | None = Field(
        None, description="an appeal category of the county; by default the usual one for the need"
    )


class NeedMetIn(In):
    met_on: dt.date | None = Field(None, description="default: today")


class NotesIn(In):
    health_notes: Text = Field("", max_length=NOTES_MAX)
    living_notes: Text = Field("", max_length=NOTES_MAX)


class VisitFilters(Schema):
    subject_id: Id | None = None
    area: Text = Field("", description="an area code: visits there and below")
    worker_id: Id | None = None
    month: Text = Field("", description="YYYY-MM")
    concerns: bool = Field(False, description="only visits that raised a concern")


class NeedFilters(Schema):
    area: Text = Field("", description="an area code: needs there and below")
    subject_id: Id | None = None
    open_only: bool = Field(True, description="only needs not met yet (urgent first)")
    urgent: bool = False


# --- answers -----------------------------------------------------------------------------------


class PersonRefOut(Schema):
    id: int
    name: str


class AppealRefOut(Schema):
    id: int
    number: str
    title: str
    state: str
    state_label: str
    url: str


class PhotoOut(Schema):
    id: int
    url: str
    width: int
    height: int
    size: int
    uploaded_at: dt.datetime


class NeedOut(Schema):
    id: int
    subject_id: int
    visit_id: int | None
    area_code: str
    kind: NeedKind
    kind_label: str
    urgency: UrgencyName
    description: str
    met_on: dt.date | None
    created_at: dt.datetime
    appeal: AppealRefOut | None


class VisitOut(Schema):
    id: int
    subject_id: int
    resident_name: str
    area_code: str
    worker: PersonRefOut
    visited_at: dt.datetime
    mode: ModeName
    mode_label: str
    saw: SawName
    saw_label: str
    counted: bool = Field(..., description="whether it counted towards the month's plan")
    plan_id: int | None
    concerns: int
    checks: dict[str, CheckAnswer]
    photo_count: int
    need_count: int


class VisitDetailOut(VisitOut):
    notes: str | None = Field(..., description="null unless you hold care.notes there")
    photos: list[PhotoOut]
    needs: list[NeedOut]
    replayed: bool = Field(False, description="true when the client_key was already used")


class PlanOut(Schema):
    id: int
    month: dt.date
    due_on: dt.date
    required: int
    done: int
    status: PlanStatus
    days_left: int
    worker: PersonRefOut | None


class MonthOut(Schema):
    month: dt.date
    state: MonthState
    label: str
    required: int | None
    done: int | None


class GroupOut(Schema):
    code: str
    name: str


class SubjectOut(Schema):
    id: int
    resident_id: int
    name: str
    age: int | None
    sex: str
    address: str
    phone_masked: str
    area_code: str
    kind: str
    frequency: str
    risk: str
    groups: list[GroupOut]
    started_on: dt.date
    ended_on: dt.date | None
    end_reason: str


class ArchiveOut(Schema):
    subject: SubjectOut
    plan: PlanOut | None = Field(..., description="this month's visit plan")
    worker: PersonRefOut | None = Field(..., description="the responsible worker")
    months: list[MonthOut] = Field(..., description="the last 12 months, oldest first")
    visits: list[VisitOut] = Field(..., description="the latest visits, newest first")
    visit_count: int
    needs: list[NeedOut] = Field(..., description="needs found, open ones first")
    appeals: list[AppealRefOut] = Field(..., description="appeals for the person you may see")
    notes_updated_at: dt.datetime | None
    can_visit: bool
    can_read_notes: bool
    can_raise_appeal: bool


class NeedAppealOut(Schema):
    need: NeedOut
    appeal: AppealRefOut


class NotesOut(Schema):
    health_notes: str
    living_notes: str
    updated_at: dt.datetime | None
    updated_by: str
