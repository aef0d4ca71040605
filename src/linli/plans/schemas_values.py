"""API shapes of a plan's values (/api/v1/plans/{plan}/…): the board of an area, its child
areas, the drill-down of a target, the trend, snapshots, recomputes and reported values.

A value is a *cell*: numerator, denominator, value (numerator ÷ denominator × the indicator's
factor; a total's value is its numerator), where it comes from (``computed`` or ``reported``),
how many communities it covers (``counted``; towns for a town-level indicator) and how many of
them miss the target (``below``). Its *state* is the status against the plan's target (``met``,
``at_risk``, ``not_met``, ``no_data``) and the gap in the indicator's unit.

Inputs refuse unknown members and NUL characters; the rules are the actions', which answer 400
with per-field ``errors`` (403 refused, 404 not visible, 409 not now).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Schema

from linli.core.schemas import MAX_ID, Id, In, Text  # noqa: F401

from .models import Recompute
from .queries.status import Status

StatusName = Literal["met", "at_risk", "not_met", "no_data"]
RunStatus = Literal["queued", "running", "done", "failed"]
SourceName = Literal["computed", "reported", "none"]
assert set(StatusName.__args__) == set(Status.values)  # type: ignore[attr-defined]
assert set(RunStatus.__args__) == set(Recompute.Status.values)  # type: ignore[attr-defined]

Code = Annotated[Text, Field(max_length=15, description="an area code: 220403 or 220403000000")]
Year = Annotated[int, Field(ge=2000, le=2100)]
Amount = Annotated[
    Decimal,
    Field(ge=0, le=Decimal("999999999999"), max_digits=16, decimal_places=4),
]


class CellOut(Schema):
    numerator: float | None
    denominator: float | None
    value: float | None
    source: SourceName
    counted: int | None = Field(..., description="communities (towns) the value covers")
    below: int | None = Field(..., description="of them, those missing the target")


class StateOut(Schema):
    status: StatusName
    status_label: str
    gap: float | None = Field(..., description="how far from the target, in the unit (0: met)")


class TargetCellOut(Schema):
    target_id: int
    cell: CellOut
    state: StateOut


class RecomputeOut(Schema):
    id: int
    plan_id: int
    year: int
    status: RunStatus
    requested_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    duration_ms: int | None
    areas: int = Field(..., description="areas written")
    error: str


class SnapshotOut(Schema):
    id: int
    label: str
    year: int
    note: str
    measured_at: dt.datetime = Field(..., description="when the frozen values were measured")
    taken_at: dt.datetime
    taken_by: str


class BoardItemOut(Schema):
    target_id: int
    indicator_id: int
    indicator_key: str
    label: str
    unit: str
    op: str
    target: float
    binding: bool
    per_community: bool
    due_year: int | None
    decimals: int
    cell: CellOut
    state: StateOut


class AreaOut(Schema):
    area_code: str
    name: str


class BoardOut(Schema):
    plan_id: int
    plan_title: str
    area_code: str
    area_name: str
    area_level: int
    year: int
    measured_at: dt.datetime | None = Field(..., description="null: never computed")
    snapshot: SnapshotOut | None
    stale: bool = Field(..., description="no values, or older than the site's limit")
    counts: dict[str, int]
    last_run: RecomputeOut | None
    breadcrumbs: list[AreaOut]
    items: list[BoardItemOut]


class TargetHeadOut(Schema):
    target_id: int
    indicator_key: str
    label: str
    unit: str
    op: str
    target: float


class ChildRowOut(Schema):
    area_code: str
    name: str
    level: int
    worst: StatusName
    counts: dict[str, int]
    cells: list[TargetCellOut]


class ChildrenOut(Schema):
    plan_id: int
    area_code: str
    area_name: str
    year: int
    measured_at: dt.datetime | None
    snapshot_id: int | None
    targets: list[TargetHeadOut]
    rows: list[ChildRowOut]


class DrillRowOut(Schema):
    area_code: str
    name: str
    level: int
    is_community: bool
    records_url: str | None = Field(..., description="the page listing the records behind it")
    cell: CellOut
    state: StateOut


class DrillOut(Schema):
    plan_id: int
    target: TargetHeadOut
    area_code: str
    area_name: str
    year: int
    measured_at: dt.datetime | None
    snapshot_id: int | None
    total: TargetCellOut
    records_url: str | None
    breadcrumbs: list[AreaOut]
    rows: list[DrillRowOut]


class TrendPointOut(Schema):
    label: str
    year: int
    measured_at: dt.datetime | None
    snapshot_id: int | None = Field(..., description="null: the live values")
    cells: list[TargetCellOut]


class TrendOut(Schema):
    plan_id: int
    area_code: str
    area_name: str
    targets: list[TargetHeadOut]
    points: list[TrendPointOut]


class RecomputeStateOut(Schema):
    plan_id: int
    year: int
    measured_at: dt.datetime | None
    running: bool
    run: RecomputeOut | None


class RecomputeIn(In):
    year: Year | None = Field(None, description="a year of the plan; the newest by default")


class SnapshotIn(In):
    label: Annotated[Text, Field(min_length=1, max_length=60)]
    year: Year | None = Field(None, description="a year of the plan; the newest by default")
    note: Annotated[Text, Field(max_length=300)] = ""


class ReportedOut(Schema):
    id: int
    indicator_id: int
    area_code: str
    year: int
    numerator: float
    denominator: float | None
    note: str
    evidence_name: str
    entered_by: str
    entered_at: dt.datetime


class ReportedRowOut(Schema):
    area_code: str
    name: str
    level: int
    is_area: bool = Field(..., description="the area itself (the others are its child areas)")
    can_report: bool
    value: ReportedOut | None


class ReportedTableOut(Schema):
    plan_id: int
    indicator_id: int | None
    year: int
    area_code: str
    rows: list[ReportedRowOut]


class ReportedIn(In):
    indicator_id: Id
    area_code: Code
    year: Year
    numerator: Amount
    denominator: Amount | None = Field(None, description="above 0 for a ratio; empty for a total")
    note: Annotated[Text, Field(max_length=300)] = ""


class TableFilters(Schema):
    area: Annotated[Text, Field(max_length=15)] = ""
    year: Year | None = None
    snapshot: Id | None = None


class DrillFilters(TableFilters):
    below: bool = False


class ReportedFilters(Schema):
    indicator: Id | None = None
    year: Year | None = None
    area: Annotated[Text, Field(max_length=15)] = ""
