"""API shapes of the task ledger (/api/v1/plans/ledger/…): tasks and milestones, progress
reports with their files and history, the actor's reports to write and to approve, and the
reporting rates.

Inputs refuse unknown members and NUL characters; the rules (levels, years, periods, who may
write or approve, locked reports) are the actions', which answer 400 with per-field ``errors``
(403 refused, 404 not visible, 409 not now).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from ninja import Field, Schema

from linli.core.schemas import MAX_ID, Id, In, Text  # noqa: F401

from .models import PlanTask, ProgressReport

Frequency = Literal["year", "half", "quarter"]
Status = Literal["draft", "submitted", "approved", "returned"]
StatusOrMissing = Literal["missing", "draft", "submitted", "approved", "returned"]
assert set(Frequency.__args__) == set(PlanTask.Frequency.values)  # type: ignore[attr-defined]
assert set(Status.__args__) == set(ProgressReport.Status.values)  # type: ignore[attr-defined]

ReportLevel = Annotated[
    int, Field(ge=3, le=5, description="who reports: 5 each community, 4 each town, 3 the county")
]
Year = Annotated[int, Field(ge=1900, le=2200)]
Code = Annotated[Text, Field(max_length=15, description="an area code: 220403 or 220403000000")]
Period = Annotated[Text, Field(max_length=7, description="a period: 2026 (yearly), 2026H1, 2026Q3")]
FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(2200, 12, 31)
Day = Annotated[dt.date, Field(ge=FIRST_DAY, le=LAST_DAY)]


# --- tasks and milestones -----------------------------------------------------------------------


class TaskFields(In):
    number: Text = Field(..., max_length=20, description="unique in the plan, e.g. 2.3")
    title: Text = Field(..., max_length=200)
    group: Text = Field("", max_length=200, description="the heading it comes under")
    requirement: Text = Field("", max_length=4000)
    lead_units: Text = Field(..., max_length=300, description="牵头单位")
    co_units: Text = Field("", max_length=300, description="配合单位")
    report_level: ReportLevel
    frequency: Frequency
    due_month: int = Field(..., ge=1, le=12)
    due_day: int = Field(..., ge=1, le=31)
    first_year: Year
    last_year: Year


class TaskIn(TaskFields):
    plan_id: Id


class TaskUpdateIn(TaskFields):
    pass


class MilestoneIn(In):
    year: Year
    title: Text = Field(..., max_length=300)
    due_on: Day


class MilestoneOut(Schema):
    id: int
    task_id: int
    year: int
    title: str
    due_on: dt.date


class DutyOut(Schema):
    plan_id: int
    task_id: int
    task_number: str
    task_title: str
    area_code: str
    area_name: str
    period: str
    period_label: str
    due_on: dt.date
    status: StatusOrMissing
    report_id: int | None = Field(..., description="null: not written yet")
    overdue: bool


class TaskOut(Schema):
    id: int
    plan_id: int
    group: str
    number: str
    title: str
    requirement: str
    lead_units: str
    co_units: str
    report_level: int
    report_level_label: str
    frequency: Frequency
    due_month: int
    due_day: int
    first_year: int
    last_year: int
    position: int


class TaskRowOut(TaskOut):
    my_reports: list[DutyOut] = Field(
        ..., description="your reports of this task for the last and current periods"
    )


class TaskDetailOut(TaskOut):
    milestones: list[MilestoneOut]
    periods: list[str] = Field(..., description="every period of the task")
    can_manage: bool


class TaskFilters(Schema):
    plan: Id
    group: Text = Field("", max_length=200)
    lead: Text = Field("", max_length=100, description="text in the lead units")
    status: Literal["", "missing", "draft", "submitted", "approved", "returned"] = Field(
        "", description="tasks where one of your reports is in this status"
    )


class AreaReportOut(Schema):
    area_code: str
    area_name: str
    level: int
    required: bool = Field(..., description="a reporting area (false: the area's own summary)")
    status: StatusOrMissing
    report_id: int | None
    percent: int | None
    submitted_at: dt.datetime | None


class TaskReportsOut(Schema):
    task_id: int
    period: str | None
    due_on: dt.date | None
    periods: list[str] = Field(..., description="the periods begun so far, newest first")
    counts: dict[str, int] = Field(..., description="reporting areas by status")
    rows: list[AreaReportOut]


# --- reports ------------------------------------------------------------------------------------


class ReportIn(In):
    task_id: Id
    area_code: Code
    period: Period
    text: Text = Field("", max_length=4000)
    percent: int = Field(0, ge=0, le=100)


class ReasonIn(In):
    reason: Text = Field(..., max_length=300)


class EvidenceOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    uploaded_at: dt.datetime
    url: str


class HistoryOut(Schema):
    at: dt.datetime
    who: str
    action: str
    label: str


class ReportOut(Schema):
    id: int
    task_id: int
    plan_id: int
    task_number: str
    task_title: str
    area_code: str
    area_name: str
    period: str
    period_label: str
    due_on: dt.date
    text: str
    percent: int
    status: Status
    submitted_at: dt.datetime | None
    submitted_by: str | None
    on_time: bool | None = Field(..., description="submitted by the due date; null: not yet")
    decided_at: dt.datetime | None
    decided_by: str | None
    decision_note: str
    updated_at: dt.datetime


class ReportDetailOut(ReportOut):
    evidence: list[EvidenceOut]
    history: list[HistoryOut]
    approver_area_code: str
    can_edit: bool
    can_decide: bool
    can_reopen: bool
    locked_by_above: bool = Field(
        ..., description="the report of the area above (same task and period) is approved"
    )


# --- rates --------------------------------------------------------------------------------------


class RatesFilters(Schema):
    period: Period = Field("", description="a year (every period of it) or one period")
    area: Code = ""


class RateRowOut(Schema):
    area_code: str
    area_name: str
    level: int
    own: bool = Field(..., description="the area's own reports (not a child area's)")
    expected: int
    submitted: int = Field(..., description="submitted or approved")
    approved: int
    on_time: int
    reporting_rate: float | None = Field(..., description="submitted ÷ expected, in percent")
    on_time_rate: float | None = Field(..., description="on time ÷ expected, in percent")


class TaskRateOut(Schema):
    task_id: int
    number: str
    title: str
    lead_units: str
    expected: int
    submitted: int
    approved: int
    on_time: int
    reporting_rate: float | None
    on_time_rate: float | None


class RatesOut(Schema):
    plan_id: int
    area_code: str
    area_name: str
    period: str
    periods: list[str] = Field(..., description="the periods counted")
    choices: list[str]
    rows: list[RateRowOut]
    total: RateRowOut
    tasks: list[TaskRateOut] = Field(..., description="the same figures by task")
