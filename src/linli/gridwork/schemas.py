"""API shapes of grid work (/api/v1/grid/): the work-item list, tasks, the daily log, the day.

Inputs refuse unknown members (a misspelt field is a 422) and NUL characters; the rules — lengths,
dates, which list and which places, who may do what — are the actions', which answer 400 with
per-field ``errors`` (403 refused, 404 not visible, 409 not now). Lists carry no personal data.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from ninja import Field, Schema

from linli.core.schemas import MAX_ID, Id, In, Text  # noqa: F401

from .models import Task

TaskStatus = Literal["open", "done", "cancelled"]
assert set(TaskStatus.__args__) == set(Task.Status.values)  # type: ignore[attr-defined]


# --- work items -------------------------------------------------------------------------------


class WorkItemOut(Schema):
    id: int
    county: str = Field(..., description="the county's code", alias="area_code")
    code: str = Field(..., description="the item's number in the county's list")
    name: str = Field(..., description="as stored")
    label: str = Field(..., description="in the reader's language for built-in items")
    department: str = Field(..., description="the department that may assign tasks under it")
    department_label: str
    description: str
    basis: str = Field(..., description="the law, regulation or plan that allows it")
    active: bool = Field(..., description="in force; false once withdrawn")
    approved_on: dt.date | None
    withdrawn_on: dt.date | None
    sort: int
    updated_at: dt.datetime


class WorkItemIn(In):
    county: Text = Field(..., description="the county's code (220403 or 220403000000)")
    code: Text = Field(..., description="the item's number, unique in the county, no spaces")
    name: Text
    department: Text
    description: Text = ""
    basis: Text = ""
    approved_on: dt.date | None = None


class WorkItemUpdateIn(In):
    code: Text
    name: Text
    department: Text
    description: Text = ""
    basis: Text = ""
    approved_on: dt.date | None = None


class WithdrawIn(In):
    withdrawn_on: dt.date | None = Field(None, description="today when not given")


class DefaultsIn(In):
    county: Text = Field(..., description="the county's code")


class DefaultsOut(Schema):
    created: int = Field(..., description="items added (numbers the county already has are kept)")


# --- tasks ------------------------------------------------------------------------------------


class ItemRef(Schema):
    id: int
    code: str
    label: str


class TaskOut(Schema):
    id: int
    item: ItemRef
    area_code: str = Field(..., description="the grid or community it is assigned to")
    area_name: str
    title: str
    due_on: dt.date | None
    status: TaskStatus
    status_label: str
    overdue: bool
    assigned_by: str = Field(..., description="the assigner's name")
    assigned_at: dt.datetime
    batch: uuid.UUID | None = Field(..., description="shared by the tasks of one assignment")
    done_at: dt.datetime | None


class TaskDetailOut(TaskOut):
    description: str
    result: str = Field(..., description="what was done, or why it was cancelled")
    done_by: str
    can_do: bool
    can_cancel: bool


class TaskFilters(Schema):
    status: Text = Field(
        "",
        description="open | done | cancelled",
        json_schema_extra={"enum": ["", *Task.Status.values]},
    )
    area: Text = Field("", description="an area code: that area and everything within it")
    item: Id | None = Field(None, description="a work item id")
    overdue: bool = Field(False, description="only open tasks past their date")
    mine: bool = Field(False, description="only those you assigned")
    batch: uuid.UUID | None = Field(None, description="one assignment's tasks")


class TaskAssignIn(In):
    item_id: Id
    area_codes: list[Text] = Field(
        ..., description="grids and communities of the item's county (12 or 15 digits)"
    )
    title: Text
    description: Text = ""
    due_on: dt.date | None = None


class AssignOut(Schema):
    batch: uuid.UUID
    tasks: list[TaskOut]


class DoneIn(In):
    result: Text = Field(..., description="what was done")


class CancelIn(In):
    reason: Text


# --- the daily log ----------------------------------------------------------------------------


class LogOut(Schema):
    id: int
    area_code: str
    area_name: str
    author: str = Field(..., description="the author's name")
    author_id: int
    day: dt.date
    saw: str
    heard: str
    resolved: str
    appeal_id: int | None
    can_change: bool
    created_at: dt.datetime
    updated_at: dt.datetime


class LogFilters(Schema):
    author: Text = Field("", description="an account id, or me")
    area: Text = Field("", description="an area code: that area and everything within it")
    since: dt.date | None = None
    until: dt.date | None = None


class LogIn(In):
    area_code: Text = Field(..., description="the grid or community walked")
    day: dt.date
    saw: Text = ""
    heard: Text = ""
    resolved: Text = ""
    appeal_id: Id | None = Field(None, description="an appeal raised from what was found")
    client_key: uuid.UUID = Field(
        ..., description="made by the client when the form opens: sending it again writes once"
    )


class LogUpdateIn(In):
    area_code: Text | None = None
    day: dt.date | None = None
    saw: Text | None = None
    heard: Text | None = None
    resolved: Text | None = None


# --- the day ----------------------------------------------------------------------------------


class VisitRef(Schema):
    id: int = Field(..., description="the visit plan")
    area_code: str
    due_on: dt.date
    required: int
    done: int


class AppealRef(Schema):
    id: int
    number: str
    title: str
    area_code: str
    state: str
    due_at: dt.datetime | None


class DayTaskRef(Schema):
    id: int
    title: str
    area_code: str
    area_name: str
    due_on: dt.date | None
    overdue: bool


class VisitsPart(Schema):
    count: int
    overdue: int
    top: list[VisitRef]


class AppealsPart(Schema):
    count: int
    overdue: int
    top: list[AppealRef]


class TasksPart(Schema):
    count: int
    overdue: int
    top: list[DayTaskRef]


class DayOut(Schema):
    today: dt.date
    visits: VisitsPart = Field(..., description="care visits due (探访)")
    appeals: AppealsPart = Field(..., description="open appeals with the units you act for")
    tasks: TasksPart = Field(..., description="open tasks of your grids and communities")
    logs: list[LogOut] = Field(..., description="your daily log entries of today")
