"""API shapes of the activities family (/api/v1/volunteers/…): projects and the library,
activities with their shifts, sign-ups, check-in, attendance and walk-ins.

Inputs refuse unknown members and NUL characters; the rules (times to come, spots, venues and
teams of the community, who may do what) are the actions', which answer 400 with per-field
``errors`` (403 refused, 404 not visible, 409 not possible now). Phone numbers are always
masked; a volunteer's own sign-ups carry their place on the waiting list.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from ninja import Field, Schema

from linli.core.schemas import AreaCode, Id, In, Text

from ..models import Activity, Project, Signup, Skill, TargetGroup

SkillCode = Literal[tuple(Skill.values)]  # type: ignore[valid-type]
GroupCode = Literal[tuple(TargetGroup.values)]  # type: ignore[valid-type]
ProjectStatus = Literal[tuple(Project.Status.values)]  # type: ignore[valid-type]
ActivityStatus = Literal[tuple(Activity.Status.values)]  # type: ignore[valid-type]
SignupStatus = Literal[tuple(Signup.Status.values)]  # type: ignore[valid-type]
Mark = Literal["attended", "no_show"]


# --- projects -----------------------------------------------------------------------------------


class ProjectIn(In):
    area_code: AreaCode = Field(..., description="a community, town or county you manage")
    name: Text = Field(..., max_length=100)
    summary: Text = Field(..., max_length=2000)
    target_groups: list[GroupCode] = Field(..., max_length=10)
    skills: list[SkillCode] = Field([], max_length=20)
    organisation_id: Id | None = None
    team_id: Id | None = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    in_library: bool = Field(False, description="offered in the library (counties and towns)")


class ProjectPatch(In):
    """Only the members sent are changed (``null`` clears an organisation, team or date)."""

    name: Text | None = Field(None, max_length=100)
    summary: Text | None = Field(None, max_length=2000)
    target_groups: list[GroupCode] | None = Field(None, max_length=10)
    skills: list[SkillCode] | None = Field(None, max_length=20)
    organisation_id: Id | None = None
    team_id: Id | None = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    in_library: bool | None = None


class CopyIn(In):
    area_code: AreaCode = Field(..., description="the community (or town) to copy it into")


class ProjectOut(Schema):
    id: int
    area_code: str
    area_name: str
    name: str
    summary: str
    target_groups: list[str]
    skills: list[str]
    organisation_id: int | None
    organisation_name: str
    team_id: int | None
    team_name: str
    in_library: bool
    copied_from_id: int | None
    status: ProjectStatus
    status_label: str
    starts_on: dt.date | None
    ends_on: dt.date | None
    activity_count: int
    copy_count: int
    copied_here: int | None = Field(None, description="library rows: your live copy of it, if any")


class ProjectFilters(Schema):
    status: Text = Field(
        "", max_length=10, json_schema_extra={"enum": ["", *Project.Status.values]}
    )
    target_group: Text = Field(
        "", max_length=30, json_schema_extra={"enum": ["", *TargetGroup.values]}
    )
    library: Text = Field("", max_length=1, description="1: library projects; 0: own ones")
    area: Text = Field("", max_length=15, description="an area code: that area and within it")
    q: Text = Field("", max_length=50, description="words of the name")


class LibraryFilters(Schema):
    target_group: Text = Field(
        "", max_length=30, json_schema_extra={"enum": ["", *TargetGroup.values]}
    )
    q: Text = Field("", max_length=50)


# --- activities and shifts ----------------------------------------------------------------------


class ShiftIn(In):
    starts_at: dt.datetime = Field(..., description="in the future; without an offset: local")
    ends_at: dt.datetime = Field(..., description="after the start, at most 24 hours later")
    spots: int = Field(..., ge=1, le=500)
    place: Text = Field("", max_length=200, description="when it differs from the activity's")
    role: Text = Field("", max_length=100)


class ShiftPatch(In):
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    spots: int | None = Field(None, ge=1, le=500)
    place: Text | None = Field(None, max_length=200)
    role: Text | None = Field(None, max_length=100)


class ActivityIn(In):
    area_code: AreaCode = Field(..., description="the community")
    title: Text = Field(..., max_length=100)
    description: Text = Field(..., max_length=2000)
    target_group: GroupCode = "all"
    beneficiaries: Text = Field("", max_length=200)
    skills: list[SkillCode] = Field([], max_length=20)
    place: Text = Field("", max_length=200, description="or give venue_id")
    venue_id: Id | None = Field(None, description="an open venue of the community")
    leader_name: Text = Field(..., max_length=50)
    team_id: Id | None = None
    project_id: Id | None = None
    organisation_id: Id | None = Field(None, description="by default the team's or project's")
    public: bool = Field(True, description="volunteers of other communities may sign up")
    shifts: list[ShiftIn] = Field(..., min_length=1, max_length=50)


class ActivityPatch(In):
    """A draft's members to change; only those sent are."""

    title: Text | None = Field(None, max_length=100)
    description: Text | None = Field(None, max_length=2000)
    target_group: GroupCode | None = None
    beneficiaries: Text | None = Field(None, max_length=200)
    skills: list[SkillCode] | None = Field(None, max_length=20)
    place: Text | None = Field(None, max_length=200)
    venue_id: Id | None = None
    leader_name: Text | None = Field(None, max_length=50)
    team_id: Id | None = None
    project_id: Id | None = None
    organisation_id: Id | None = None
    public: bool | None = None


class CancelIn(In):
    reason: Text = Field(..., max_length=200)


class MySignupOut(Schema):
    id: int
    status: SignupStatus
    place: int | None = Field(None, description="your place on the waiting list")


class ShiftOut(Schema):
    id: int
    activity_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str
    role: str
    spots: int
    confirmed: int
    waitlisted: int
    attended: int
    no_show: int
    spots_left: int
    mine: MySignupOut | None = Field(None, description="your own sign-up for it")


class ActivityOut(Schema):
    id: int
    area_code: str
    area_name: str
    title: str
    description: str
    target_group: str
    target_group_label: str
    beneficiaries: str
    skills: list[str]
    place: str
    venue_id: int | None
    leader_name: str = Field(..., description="masked for readers outside its community")
    team_id: int | None
    team_name: str
    project_id: int | None
    project_name: str
    organisation_id: int | None
    public: bool
    status: ActivityStatus
    status_label: str
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    published_at: dt.datetime | None
    finished_at: dt.datetime | None
    cancel_reason: str
    shifts: list[ShiftOut]
    roles: list[Literal["manage", "organise", "read"]] = Field(
        ..., description="manage: change it; organise: run sign-ups and attendance"
    )


class ActivityRowOut(Schema):
    id: int
    area_code: str
    area_name: str
    title: str
    target_group: str
    place: str
    team_id: int | None
    team_name: str
    project_id: int | None
    status: ActivityStatus
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    shift_count: int
    confirmed: int = Field(..., description="confirmed and attended")
    waitlisted: int
    spots_total: int


class PublicActivityOut(Schema):
    id: int
    title: str
    target_group: str
    target_group_label: str
    place: str
    area_code: str
    area_name: str
    team_name: str
    next_start: dt.datetime | None
    spots_total: int = Field(..., description="over the shifts to come")
    spots_left: int
    mine: bool = Field(..., description="you are signed up")


class ActivityFilters(Schema):
    status: Text = Field(
        "", max_length=10, json_schema_extra={"enum": ["", *Activity.Status.values]}
    )
    team: Id | None = None
    project: Id | None = None
    area: Text = Field("", max_length=15, description="an area code: that area and within it")
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    q: Text = Field("", max_length=50, description="words of the title")


class PublicFilters(Schema):
    target_group: Text = Field(
        "", max_length=30, json_schema_extra={"enum": ["", *TargetGroup.values]}
    )
    date: dt.date | None = Field(None, description="a shift starts that day")


# --- sign-ups and attendance --------------------------------------------------------------------


class SignupIn(In):
    client_key: uuid.UUID = Field(
        ..., description="made by the client when the form opens: sending it again signs up once"
    )
    volunteer_id: Id | None = Field(
        None, description="organisers only: whom to sign up (yourself when not given)"
    )


class SignupOut(Schema):
    id: int
    shift_id: int
    activity_id: int
    activity_title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    status: SignupStatus
    status_label: str
    place: int | None = Field(None, description="the place on the waiting list")
    walk_in: bool
    checked_in_at: dt.datetime | None
    checked_out_at: dt.datetime | None
    created_at: dt.datetime
    cancelled_at: dt.datetime | None


class RosterRowOut(Schema):
    id: int
    volunteer_id: int
    volunteer_name: str
    volunteer_number: str
    phone_masked: str
    status: SignupStatus
    place: int | None
    walk_in: bool
    checked_in_at: dt.datetime | None
    checked_out_at: dt.datetime | None


class RosterOut(Schema):
    shift_id: int
    confirmed: list[RosterRowOut] = Field(..., description="confirmed, attended, not come")
    waitlist: list[RosterRowOut] = Field(..., description="in order: the first gets a spot next")
    cancelled: int


class CheckinIn(In):
    step: Literal["in", "out"] = "in"


class MarkIn(In):
    signup_id: Id
    status: Mark


class AttendanceIn(In):
    marks: list[MarkIn] = Field(..., min_length=1, max_length=1000)


class WalkInIn(In):
    number: Text = Field("", max_length=20, description="the volunteer number")
    phone: Text = Field("", max_length=20, description="or the mobile phone number")


class MyFilters(Schema):
    when: Literal["upcoming", "past"] = "upcoming"
