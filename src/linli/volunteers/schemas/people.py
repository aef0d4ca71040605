"""API shapes of volunteers, teams and organisations (/api/v1/volunteers/…).

Inputs refuse unknown members and NUL characters; the rules (a valid ID number, a verified
phone, one record per person, a party member leading a party-led team…) are the actions',
which answer 400 with per-field ``errors`` (403 refused, 404 not visible, 409 not possible
now, 429 too many codes). ID and phone numbers are always masked; ``…/reveal`` shows one in
full to those who hold ``pii.reveal`` and records it in the audit log.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from linli.core.schemas import MAX_ID, Id, In, Text  # noqa: F401

from ..models import AVAILABILITY, Membership, Organisation, Skill, TargetGroup, Volunteer

VolunteerStatus = Literal["active", "paused", "left"]
assert set(VolunteerStatus.__args__) == set(Volunteer.Status.values)  # type: ignore[attr-defined]
Role = Literal["member", "leader", "deputy"]
assert set(Role.__args__) == set(Membership.Role.values)  # type: ignore[attr-defined]
Kind = Literal["station", "association", "social", "unit"]
assert set(Kind.__args__) == set(Organisation.Kind.values)  # type: ignore[attr-defined]

_SKILLS = {"items": {"enum": list(Skill.values)}}
_TIMES = {"items": {"enum": list(AVAILABILITY)}}
_GROUPS = {"items": {"enum": list(TargetGroup.values)}}
_SERVED = "area codes: the home community, and its town if wished (the community when none)"


# --- answers -------------------------------------------------------------------------------------


class MembershipOut(Schema):
    team_id: int
    team_name: str
    area_code: str
    role: Role
    role_label: str
    joined_on: dt.date


class RecordOut(Schema):
    id: int
    served_on: dt.date
    activity_name: str
    organisation_name: str
    kind: Literal["service", "correction"]
    hours: float


class VolunteerOut(Schema):
    id: int
    number: str
    name: str
    area_code: str
    area_name: str
    status: VolunteerStatus
    status_label: str
    star: int = Field(..., ge=0, le=5)
    hours_total: float
    points_balance: int
    party_member: bool
    skills: list[str]
    languages: list[str]
    availability: list[str] = Field(..., description="day and part of it: mon_am, sat_eve…")
    service_areas: list[str]
    organisation_id: int | None
    organisation_name: str
    id_number_masked: str
    phone_masked: str
    phone_verified: bool
    account_linked: bool
    source: Literal["self", "staff", "import"]
    consent_at: dt.datetime
    consent_version: str
    created_at: dt.datetime


class VolunteerDetailOut(VolunteerOut):
    sex: Literal["M", "F", ""] = Field(..., description="read from the ID number")
    age: int | None = Field(..., description="read from the ID number")
    next_star: int
    hours_to_next_star: float | None = Field(..., description="None at five stars")
    teams: list[MembershipOut]
    recent_records: list[RecordOut]


class TeamBriefOut(Schema):
    id: int
    name: str
    area_code: str
    area_name: str
    party_led: bool


class MyVolunteerOut(VolunteerDetailOut):
    progress: int = Field(..., description="per cent of the way to the next star")
    joinable_teams: list[TeamBriefOut] = Field(..., description="active teams you may join")


class ConsentPointOut(Schema):
    heading: str
    text: str


class ConsentOut(Schema):
    version: str
    title: str
    points: list[ConsentPointOut]


class MeOut(Schema):
    registered: bool
    account_phone_verified: bool = Field(
        ..., description="your account's number needs no code (it was verified when opened)"
    )
    volunteer: MyVolunteerOut | None
    consent: ConsentOut = Field(..., description="the text you agree to when registering")


class CodeOut(Schema):
    detail: str
    ttl_seconds: int


class RevealOut(Schema):
    field: Literal["id_number", "phone"]
    value: str


class OrganisationOut(Schema):
    id: int
    name: str
    kind: Kind
    kind_label: str
    area_code: str
    area_name: str
    credit_code: str
    contact_name: str
    contact_phone_masked: str
    active: bool
    team_count: int = Field(..., description="active teams")
    volunteer_count: int = Field(..., description="active or paused volunteers")
    created_at: dt.datetime


class TeamOut(Schema):
    id: int
    name: str
    area_code: str
    area_name: str
    organisation_id: int | None
    organisation_name: str
    leader_id: int | None
    leader_name: str
    party_led: bool
    skills: list[str]
    target_groups: list[str]
    description: str
    active: bool
    members: int = Field(..., description="members now")
    created_at: dt.datetime


class MemberOut(Schema):
    team_id: int
    volunteer_id: int
    volunteer_name: str
    volunteer_number: str
    phone_masked: str
    role: Role
    role_label: str
    joined_on: dt.date
    left_on: dt.date | None


class OverviewRowOut(Schema):
    code: str
    name: str
    current: int = Field(..., description="volunteers who have not left")
    active: int
    paused: int
    left: int
    party: int = Field(..., description="current volunteers who are party members")
    this_year: int = Field(..., description="registered since 1 January")
    by_star: list[int] = Field(..., description="current volunteers at 0, 1 … 5 stars")
    teams: int = Field(..., description="active teams")
    party_led: int


class OverviewOut(Schema):
    area_code: str
    area_name: str
    year: int
    total: OverviewRowOut
    rows: list[OverviewRowOut] = Field(..., description="one per child area")


# --- filters -------------------------------------------------------------------------------------


class VolunteerQuery(Schema):
    q: Text = Field("", max_length=50, description="part of the name, or the number")
    skill: Text = Field("", max_length=20, json_schema_extra={"enum": ["", *Skill.values]})
    star: Text = Field("", max_length=2, description="0 to 5")
    party: Literal["", "yes", "no"] = ""
    status: Literal["current", "active", "paused", "left", "all"] = "current"
    team: Text = Field("", max_length=20, description="a team id")
    area: Text = Field("", max_length=15, description="an area code: its volunteers")


class TeamQuery(Schema):
    q: Text = Field("", max_length=50)
    area: Text = Field("", max_length=15)
    skill: Text = Field("", max_length=20)
    target_group: Text = Field("", max_length=24)
    party_led: Literal["", "yes", "no"] = ""
    active: Literal["yes", "no", "all"] = "yes"


class OrganisationQuery(Schema):
    q: Text = Field("", max_length=50)
    kind: Literal["", "station", "association", "social", "unit"] = ""
    area: Text = Field("", max_length=15)
    active: Literal["yes", "no", "all"] = "yes"


# --- inputs --------------------------------------------------------------------------------------


class Preferences(In):
    skills: list[Text] = Field(default_factory=list, json_schema_extra=_SKILLS)
    languages: list[Text] = Field(default_factory=list, description="registry language codes")
    availability: list[Text] = Field(default_factory=list, json_schema_extra=_TIMES)
    service_areas: list[Text] | None = Field(None, description=_SERVED)
    party_member: bool = False


class JoinIn(Preferences):
    name: Text = Field(..., max_length=50)
    id_number: Text = Field(..., max_length=30)
    phone: Text = Field(..., max_length=20)
    code: Text = Field(
        "",
        max_length=10,
        description="from POST me/code; not needed for your account's verified number",
    )
    consent: bool = Field(False, description="you agree to the consent text of GET me")


class MePatchIn(In):
    skills: list[Text] | None = Field(None, json_schema_extra=_SKILLS)
    languages: list[Text] | None = None
    availability: list[Text] | None = Field(None, json_schema_extra=_TIMES)
    service_areas: list[Text] | None = Field(None, description=_SERVED)
    party_member: bool | None = None
    phone: Text | None = Field(None, max_length=20, description="a new number, with its code")
    code: Text = Field("", max_length=10)


class CodeIn(In):
    phone: Text = Field(..., max_length=20)


class OwnStatusIn(In):
    status: VolunteerStatus
    consent: bool = Field(False, description="needed to come back after leaving")


class RegisterIn(Preferences):
    community_code: Text = Field(..., max_length=15)
    name: Text = Field(..., max_length=50)
    id_number: Text = Field(..., max_length=30)
    phone: Text = Field("", max_length=20)
    consent: bool = Field(False, description="the person signed the paper consent form")
    login: Text = Field("", max_length=150, description="their account: username or mobile")
    organisation_id: Id | None = None


class VolunteerPatchIn(In):
    name: Text | None = Field(None, max_length=50)
    id_number: Text | None = Field(None, max_length=30)
    phone: Text | None = Field(None, max_length=20, description='"" erases it')
    skills: list[Text] | None = Field(None, json_schema_extra=_SKILLS)
    languages: list[Text] | None = None
    availability: list[Text] | None = Field(None, json_schema_extra=_TIMES)
    service_areas: list[Text] | None = Field(None, description=_SERVED)
    party_member: bool | None = None
    login: Text | None = Field(None, max_length=150, description='"" unlinks the account')


class StatusIn(In):
    status: VolunteerStatus
    consent: bool = Field(False, description="the paper form signed again, after leaving")


class RevealIn(In):
    field: Literal["id_number", "phone"]


class OrganisationIn(In):
    area_code: Text = Field(..., max_length=15)
    name: Text = Field(..., max_length=100)
    kind: Kind
    credit_code: Text = Field("", max_length=30)
    contact_name: Text = Field("", max_length=50)
    contact_phone: Text = Field("", max_length=20)


class OrganisationPatchIn(In):
    name: Text | None = Field(None, max_length=100)
    credit_code: Text | None = Field(None, max_length=30)
    contact_name: Text | None = Field(None, max_length=50)
    contact_phone: Text | None = Field(None, max_length=20)
    active: bool | None = None


class TeamIn(In):
    community_code: Text = Field(..., max_length=15)
    name: Text = Field(..., max_length=100)
    organisation_id: Id | None = None
    leader_id: Id | None = Field(None, description="a volunteer: they become a member")
    party_led: bool = False
    skills: list[Text] = Field(default_factory=list, json_schema_extra=_SKILLS)
    target_groups: list[Text] = Field(default_factory=list, json_schema_extra=_GROUPS)
    description: Text = Field("", max_length=1000)


class TeamPatchIn(In):
    name: Text | None = Field(None, max_length=100)
    organisation_id: Id | None = None
    leader_id: Id | None = Field(None, description="null: no leader")
    party_led: bool | None = None
    skills: list[Text] | None = Field(None, json_schema_extra=_SKILLS)
    target_groups: list[Text] | None = Field(None, json_schema_extra=_GROUPS)
    description: Text | None = Field(None, max_length=1000)
    active: bool | None = None


class MemberIn(In):
    volunteer_id: Id
    role: Role = "member"


class MemberRoleIn(In):
    role: Role
