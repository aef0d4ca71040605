"""API shapes of the community worker roster (/api/v1/workforce/): workers, certificates, post
levels, the summary and the import.

Inputs refuse unknown members (a misspelt field is a 422) and NUL characters; the rules (valid
ID numbers, one secretary per community, dates that fit together, levels of the right ladder,
who may do what) are the actions', which answer 400 with per-field ``errors`` (403 refused,
404 not visible, 409 not now). ID numbers and phones are masked in every answer.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from linli.core.schemas import MAX_ID, Id, In, Text  # noqa: F401

from .models import Certificate, Worker

PostValue = Literal["committee", "social_work", "grid", "other"]
RoleValue = Literal[
    "", "secretary", "director", "both", "deputy_secretary", "deputy_director", "member"
]
EducationValue = Literal["", "junior", "senior", "vocational", "college", "bachelor", "master"]
GenderValue = Literal["", "f", "m"]
LevelValue = Literal["assistant", "social_worker", "senior"]
assert set(PostValue.__args__) == set(Worker.Post.values)  # type: ignore[attr-defined]
assert set(RoleValue.__args__) == set(Worker.CommitteeRole.values)  # type: ignore[attr-defined]
assert set(EducationValue.__args__) == set(Worker.Education.values)  # type: ignore[attr-defined]
assert set(GenderValue.__args__) == set(Worker.Gender.values)  # type: ignore[attr-defined]
assert set(LevelValue.__args__) == set(Certificate.Level.values)  # type: ignore[attr-defined]


class ProblemOut(Schema):
    type: str
    title: str
    status: int
    instance: str
    errors: dict[str, list[str]] | None = None


# --- workers ----------------------------------------------------------------------------------


class CertificateOut(Schema):
    id: int
    level: str
    level_label: str
    number: str
    obtained_on: dt.date
    expires_on: dt.date | None


class LevelRef(Schema):
    id: int
    code: str
    name: str


class AccountRef(Schema):
    id: int
    username: str
    full_name: str


class WorkerOut(Schema):
    id: int
    community_code: str = Field(..., description="the community's 12-digit code")
    community_name: str
    name: str
    gender: str
    birth_date: dt.date | None
    id_number_masked: str = Field(..., description="e.g. 2204**********1234; '' if none")
    phone_masked: str = Field(..., description="masked, e.g. 139****0000; '' if none")
    post: str
    post_label: str
    committee_role: str
    committee_role_label: str
    level: LevelRef | None
    party_member: bool
    education: str
    social_work_major: bool
    hired_on: dt.date
    left_on: dt.date | None
    leave_reason: str
    live: bool = Field(..., description="in post (not left)")
    certificates: list[CertificateOut]


class WorkerDetailOut(WorkerOut):
    account: AccountRef | None = Field(..., description="the linked account, if any")
    can_manage: bool
    can_reveal: bool


class WorkerIn(In):
    community_code: Text = Field(..., max_length=15, description="the community's code")
    name: Text = Field(..., max_length=100)
    post: PostValue
    hired_on: dt.date
    gender: GenderValue = ""
    birth_date: dt.date | None = Field(None, description="read from the ID number if given")
    id_number: Text = Field("", max_length=30)
    phone: Text = Field("", max_length=30)
    committee_role: RoleValue = Field("", description="members of the two committees only")
    level_id: Id | None = Field(None, description="a level of the ladder that applies")
    party_member: bool = False
    education: EducationValue = ""
    social_work_major: bool = False


class WorkerUpdateIn(In):
    name: Text = Field(..., max_length=100)
    post: PostValue
    hired_on: dt.date
    gender: GenderValue = ""
    birth_date: dt.date | None = None
    id_number: Text | None = Field(
        None, max_length=30, description="null or left out keeps the number; '' removes it"
    )
    phone: Text | None = Field(
        None, max_length=30, description="null or left out keeps the number; '' removes it"
    )
    committee_role: RoleValue = ""
    level_id: Id | None = None
    party_member: bool = False
    education: EducationValue = ""
    social_work_major: bool = False


class LeaveIn(In):
    reason: Text = Field(..., max_length=300)
    left_on: dt.date | None = Field(None, description="today when not given")


class LinkIn(In):
    login: Text = Field(..., max_length=150, description="the account's username or mobile")


class RevealIn(In):
    field: Literal["id_number", "phone"]


class RevealOut(Schema):
    field: str
    value: str


class CertificateIn(In):
    level: LevelValue
    obtained_on: dt.date
    number: Text = Field("", max_length=100)
    expires_on: dt.date | None = Field(None, description="the end of the registration, if any")


class WorkerQuery(Schema):
    area: Text = Field("", max_length=15, description="an area code: that area and within")
    post: Text = Field("", max_length=20, json_schema_extra={"enum": ["", *Worker.Post.values]})
    committee_role: Text = Field(
        "",
        max_length=20,
        description="a role, or 'heads' for secretaries and directors",
        json_schema_extra={"enum": ["heads", *Worker.CommitteeRole.values]},
    )
    party_member: bool | None = None
    education: Text = Field("", max_length=20, json_schema_extra={"enum": Worker.Education.values})
    certified: Text = Field(
        "",
        max_length=20,
        description="'any', 'none' or a certificate level",
        json_schema_extra={"enum": ["", "any", "none", *Certificate.Level.values]},
    )
    status: Text = Field("live", max_length=10, json_schema_extra={"enum": ["live", "left", "all"]})
    q: Text = Field("", max_length=50, description="part of the name")


# --- the summary -------------------------------------------------------------------------------


class SummaryRowOut(Schema):
    code: str
    name: str
    communities: int
    live: int
    by_post: dict[str, int]
    party: int
    certified: int
    by_level: dict[str, int]
    secretary: int
    director: int
    both: int
    with_secretary: int = Field(..., description="communities with a secretary in post")
    with_director: int = Field(..., description="communities with a director in post")


class SummaryOut(Schema):
    area_code: str
    area_name: str
    as_of: dt.date
    rows: list[SummaryRowOut]
    total: SummaryRowOut


# --- post levels -------------------------------------------------------------------------------


class LevelOut(Schema):
    id: int
    area_code: str = Field(..., description="the province or prefecture of the ladder")
    code: str
    name: str
    sort: int


class LadderOut(Schema):
    area_code: str = Field(..., description="the area asked about")
    source: str = Field(..., description="the province or prefecture whose ladder applies")
    levels: list[LevelOut]


class LevelIn(In):
    area_code: Text = Field(..., max_length=15, description="a province or prefecture")
    code: Text = Field(..., max_length=40)
    name: Text = Field(..., max_length=100)
    sort: int | None = Field(None, ge=0, le=32767)


class LevelUpdateIn(In):
    code: Text = Field(..., max_length=40)
    name: Text = Field(..., max_length=100)
    sort: int | None = Field(None, ge=0, le=32767)


class LadderDefaultsIn(In):
    area_code: Text = Field(..., max_length=15, description="a province or prefecture")


class LadderDefaultsOut(Schema):
    created: int = Field(..., description="levels added (codes the ladder has are kept)")


# --- the import ---------------------------------------------------------------------------------


class ImportOut(Schema):
    ok: bool
    dry_run: bool
    applied: bool = Field(..., description="written (false for a dry run)")
    rows: int
    created: int
    updated: int
    unchanged: int
