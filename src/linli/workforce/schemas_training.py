"""API shapes of the training of community workers (/api/v1/workforce/training/…).

Inputs refuse unknown members and NUL characters; the rules (lengths, dates, whose workers,
who may write) are the actions', which answer 400 with per-field ``errors`` (403 refused, 404
not visible, 409 not now). Hours are numbers with at most one decimal.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from ninja import Field, Schema

from linli.core.schemas import MAX_ID, Id, In, Text  # noqa: F401

from .models import Course, TrainingRule

AppliesTo = Literal["heads", "others"]
Mode = Literal["in_person", "online", "mixed"]
StatusName = Literal["ok", "due_soon", "short", "overdue", "never"]
assert set(AppliesTo.__args__) == set(TrainingRule.AppliesTo.values)  # type: ignore[attr-defined]
assert set(Mode.__args__) == set(Course.Mode.values)  # type: ignore[attr-defined]

Hours = Annotated[float, Field(gt=0, le=1000, allow_inf_nan=False)]
Code = Annotated[Text, Field(max_length=15, description="an area code: 220403 or 220403000000")]
FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2100, 12, 31)
Day = Annotated[dt.date, Field(ge=FIRST_DAY, le=LAST_DAY)]


# --- rules --------------------------------------------------------------------------------------


class CycleOut(Schema):
    applies_to: AppliesTo
    months: int = Field(..., description="trained at least once every so many months")
    min_hours: float = Field(..., description="hours needed in each cycle (0: any training)")
    area_code: str | None = Field(..., description="where the rule was set; null: built in")
    area_name: str


class RuleOut(Schema):
    id: int
    area_code: str
    applies_to: AppliesTo
    cycle_months: int
    min_hours: float
    updated_at: dt.datetime


class RulesOut(Schema):
    area_code: str
    area_name: str
    cycles: list[CycleOut] = Field(..., description="what applies in the area, per kind")
    rules: list[RuleOut] = Field(..., description="rules set at the area and under it")
    can_manage: bool


class RuleIn(In):
    area_code: Code = Field(..., description="a county or a higher area")
    applies_to: AppliesTo
    cycle_months: int = Field(..., ge=1, le=120)
    min_hours: float = Field(0, ge=0, le=1000, allow_inf_nan=False)


# --- courses and sessions -----------------------------------------------------------------------


class SessionOut(Schema):
    id: int
    course_id: int
    area_code: str
    starts_on: dt.date
    ends_on: dt.date
    place: str
    hours: float
    attended: int = Field(..., description="workers of yours marked present")


class CourseOut(Schema):
    id: int
    area_code: str = Field(..., description="the area the course is organised for")
    area_name: str
    title: str
    organiser: str
    mode: Mode
    hours: float
    description: str
    session_count: int
    first_on: dt.date | None
    last_on: dt.date | None
    attended: int = Field(..., description="marks present of workers of yours")
    can_manage: bool
    created_at: dt.datetime


class CourseDetailOut(CourseOut):
    sessions: list[SessionOut]


class CourseIn(In):
    area_code: Code = Field(..., description="the prefecture, county or town it is for")
    title: Text = Field(..., max_length=200)
    organiser: Text = Field(..., max_length=200)
    mode: Mode
    hours: Hours
    description: Text = Field("", max_length=4000)


class SessionIn(In):
    starts_on: Day
    ends_on: Day | None = Field(None, description="the first day when not given")
    place: Text = Field("", max_length=400)
    hours: Hours | None = Field(None, description="the course's hours when not given")


class CourseFilters(Schema):
    q: Text = Field("", max_length=100, description="words of the title or organiser")
    mode: Text = Field("", max_length=20, json_schema_extra={"enum": ["", *Course.Mode.values]})
    area: Text = Field("", max_length=15, description="courses for this area or under it")


# --- attendance ---------------------------------------------------------------------------------


class AttendanceOut(Schema):
    worker_id: int
    worker_name: str
    area_code: str = Field(..., description="the worker's community")
    attended: bool
    hours: float = Field(..., description="hours credited (0 when absent)")
    trained_on: dt.date


class AttendanceIn(In):
    worker_ids: list[Id] = Field(..., max_length=500)
    attended: bool = Field(True, description="false marks them absent")
    hours: Hours | None = Field(None, description="hours credited; the session's when not given")


class AttendanceResultOut(Schema):
    written: int = Field(..., description="marks written or changed")
    session: SessionOut


# --- status and coverage ------------------------------------------------------------------------


class StatusOut(Schema):
    worker_id: int
    name: str
    area_code: str
    community_name: str
    applies_to: AppliesTo
    cycle_months: int
    min_hours: float
    rule_area_code: str | None = Field(..., description="where the rule was set; null: built in")
    last_trained_on: dt.date | None
    hours_in_cycle: float
    due_on: dt.date | None = Field(..., description="the last day trained without more training")
    status: StatusName
    status_label: str


class StatusFilters(Schema):
    area: Text = Field("", max_length=15, description="your widest area when not given")
    as_of: Day | None = Field(None, description="today when not given")
    status: Text = Field(
        "",
        max_length=20,
        json_schema_extra={
            "enum": ["", "ok", "due_soon", "short", "overdue", "never", "untrained"]
        },
    )
    community: Text = Field("", max_length=15)
    kind: Text = Field("", max_length=10, json_schema_extra={"enum": ["", "heads", "others"]})
    q: Text = Field("", max_length=100)


class CoverageFilters(Schema):
    area: Text = Field("", max_length=15, description="your widest area when not given")
    as_of: Day | None = Field(None, description="today when not given")


class CoverageRowOut(Schema):
    area_code: str
    area_name: str
    trained: int
    workers: int
    rate: float | None = Field(..., description="trained ÷ workers; null when no workers")


class CoverageOut(Schema):
    as_of: dt.date
    total: CoverageRowOut
    rows: list[CoverageRowOut] = Field(..., description="each child area (none for a community)")


class WorkerAttendanceOut(Schema):
    session_id: int
    course_id: int
    course_title: str
    starts_on: dt.date
    ends_on: dt.date
    attended: bool
    hours: float


class WorkerTrainingOut(Schema):
    worker_id: int
    name: str
    area_code: str
    status: StatusOut | None = Field(..., description="null when not a live worker on the day")
    attendances: list[WorkerAttendanceOut]
