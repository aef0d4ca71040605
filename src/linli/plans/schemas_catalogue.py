"""API shapes of the catalogue (/api/v1/plans/…): plans, templates, targets, indicators.

Inputs refuse unknown members and NUL characters; the rules (jurisdictions, years, values, keys,
who may write) are the actions', which answer 400 with per-field ``errors`` (403 refused, 404
not visible, 409 not now). Numbers are finite; a percentage is at most 100.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from ninja import Field, Schema

from linli.core.schemas import MAX_ID, Id, In, Text  # noqa: F401

from .models import Indicator, Plan, Scope, Target, Unit

StatusName = Literal["draft", "active", "closed"]
OpName = Literal[">=", ">", "=", "<="]
UnitName = Literal["percent", "square_metres", "hours", "persons", "count"]
ScopeName = Literal["all", "urban", "rural"]
SourceName = Literal["computed", "reported"]
AggregationName = Literal["ratio", "total"]
assert set(StatusName.__args__) == set(Plan.Status.values)  # type: ignore[attr-defined]
assert set(OpName.__args__) == set(Target.Op.values)  # type: ignore[attr-defined]
assert set(UnitName.__args__) == set(Unit.values)  # type: ignore[attr-defined]
assert set(ScopeName.__args__) == set(Scope.values)  # type: ignore[attr-defined]
assert set(SourceName.__args__) == set(Indicator.Source.values)  # type: ignore[attr-defined]
assert set(AggregationName.__args__) == set(Indicator.Aggregation.values)  # type: ignore[attr-defined]

Code = Annotated[Text, Field(max_length=15, description="an area code: 220403 or 220403000000")]
Year = Annotated[int, Field(ge=2000, le=2100)]
Number = Annotated[float, Field(ge=0, le=9_999_999_999, allow_inf_nan=False)]
Title = Annotated[Text, Field(max_length=200)]
OtherTargets = Annotated[
    list[Annotated[Text, Field(max_length=300)]],
    Field(max_length=30, description="targets of the text that are not measured"),
]


# --- out ----------------------------------------------------------------------------------------


class TargetOut(Schema):
    id: int
    indicator_id: int
    indicator_key: str
    label: str = Field(..., description="the indicator's name in your language")
    unit: UnitName
    op: OpName
    value: float
    binding: bool = Field(..., description="binding (约束性); false: expected (预期性)")
    due_year: int | None
    baseline: float | None
    baseline_year: int | None
    per_community: bool = Field(..., description="the target applies to each community")
    at_risk_margin: float | None
    note: str
    position: int


class PlanOut(Schema):
    id: int
    title: str
    area_code: str
    area_name: str
    start_year: int
    end_year: int
    status: StatusName
    status_label: str
    is_template: bool
    template_key: str = Field(..., description="a built-in template's key; empty for a plan")
    template_id: int | None = Field(..., description="the template a plan was adopted from")
    source_document: str
    section: str
    other_targets: list[str]
    target_count: int
    task_count: int
    can_manage: bool
    created_at: dt.datetime
    updated_at: dt.datetime


class PlanDetailOut(PlanOut):
    targets: list[TargetOut]


class IndicatorOut(Schema):
    id: int
    key: str
    area_code: str = Field(..., description="the jurisdiction; empty for a built-in indicator")
    builtin: bool
    name: str
    label: str = Field(..., description="the name in your language")
    definition: str
    unit: UnitName
    scope: ScopeName
    source: SourceName
    function: str = Field(..., description="the engine function of a computed indicator")
    aggregation: AggregationName
    factor: float
    decimals: int
    can_manage: bool


# --- in -----------------------------------------------------------------------------------------


class PlanFilters(Schema):
    status: StatusName | None = None
    q: Annotated[Text, Field(max_length=40, description="words of the title")] = ""


class PlanIn(In):
    area_code: Code = Field(..., description="a prefecture or county you manage plans for")
    title: Title
    start_year: Year
    end_year: Year = Field(..., description="the horizon")
    other_targets: OtherTargets = []


class PlanPatch(In):
    title: Title | None = None
    start_year: Year | None = None
    end_year: Year | None = None
    other_targets: OtherTargets | None = None


class AdoptIn(In):
    template_id: Id
    area_code: Code = Field(..., description="a prefecture or county you manage plans for")
    title: Title | None = Field(
        None, description="blank: the template's title with the area's name"
    )


class TargetIn(In):
    op: OpName
    value: Number
    binding: bool = False
    due_year: Year | None = Field(None, description="blank: the plan's horizon")
    baseline: Number | None = None
    baseline_year: Year | None = Field(None, description="blank: the year before the plan starts")
    per_community: bool = False
    at_risk_margin: Number | None = Field(None, description="blank: a tenth of the target")
    note: Annotated[Text, Field(max_length=300)] = ""


class IndicatorFilters(Schema):
    area: Annotated[Text, Field(max_length=15)] = Field(
        "", description="those a plan of this area may use"
    )


class IndicatorIn(In):
    area_code: Code = Field(..., description="a province, prefecture or county you manage")
    key: Annotated[Text, Field(max_length=60, description="lowercase letters, digits, _")]
    name: Annotated[Text, Field(max_length=200)]
    definition: Annotated[Text, Field(max_length=2000)] = ""
    unit: UnitName
    scope: ScopeName = "all"
    source: SourceName
    function: Annotated[Text, Field(max_length=60)] = ""
    aggregation: AggregationName = "ratio"
    factor: Annotated[float, Field(gt=0, le=99_999_999, allow_inf_nan=False)] | None = None
    decimals: Annotated[int, Field(ge=0, le=4)] = 1


class IndicatorPatch(In):
    name: Annotated[Text, Field(max_length=200)] | None = None
    definition: Annotated[Text, Field(max_length=2000)] | None = None
    unit: UnitName | None = None
    scope: ScopeName | None = None
    source: SourceName | None = None
    function: Annotated[Text, Field(max_length=60)] | None = None
    aggregation: AggregationName | None = None
    factor: Annotated[float, Field(gt=0, le=99_999_999, allow_inf_nan=False)] | None = None
    decimals: Annotated[int, Field(ge=0, le=4)] | None = None
