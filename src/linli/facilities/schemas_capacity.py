"""API shapes of the capacity figures (/api/v1/facilities/capacity…)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from .models import Facility
from .queries.capacity_specs import KEYS

FigureKey = Literal[KEYS]  # type: ignore[valid-type]
KindName = Literal[tuple(Facility.Kind.values)]  # type: ignore[valid-type]
ScopeName = Literal["all", "urban", "rural"]
UnitName = Literal["percent", "square_metres", "hours", "persons", "count"]
Number = int | float
Scalar = str | int | float | bool | None


class CapacityTargetOut(Schema):
    op: Literal[">=", ">", "="]
    value: Number
    text: str = Field(description="e.g. ≥ 30")


class CapacityRowOut(Schema):
    area_code: str
    name: str
    numerator: Number | None
    denominator: Number | None
    value: Number | None
    below: bool | None = Field(description="misses the target; null without a target or value")
    extra: dict[str, Scalar] = Field(
        description="what the row adds: urban_rural, households_source, population_source, "
        "open_days, facilities, officers…"
    )


class CapacityFigureOut(Schema):
    key: FigureKey
    label: str
    what: str = Field(description="how it is counted")
    unit: UnitName
    scope: ScopeName
    numerator: Number | None
    denominator: Number | None = Field(description="null for a plain total")
    value: Number | None
    target: CapacityTargetOut | None = Field(
        description="the target most plans set, as a hint; a county's own plan may differ"
    )
    meets: bool | None
    extra: dict[str, Scalar]
    rows: list[CapacityRowOut] = Field(
        description="communities (towns for social_work_station_coverage); empty unless asked"
    )


class CapacityOut(Schema):
    area_code: str
    area_name: str
    as_of: dt.date
    figures: list[CapacityFigureOut]


class CapacityChildOut(Schema):
    area_code: str
    name: str
    level: int
    figures: list[CapacityFigureOut]


class CapacityRollupOut(Schema):
    area_code: str
    area_name: str
    as_of: dt.date
    total: list[CapacityFigureOut]
    children: list[CapacityChildOut]


class CapacityConditionOut(Schema):
    key: str
    label: str


class CapacityFailureOut(Schema):
    key: str = Field(description="lacks:<kind>, area_per_100_below, workers_per_10k_below, …")
    label: str
    value: Number | None


class CapacityGapOut(Schema):
    area_code: str
    name: str
    town_code: str
    town_name: str
    urban_rural: str
    failures: list[CapacityFailureOut]


class CapacityGapsOut(Schema):
    area_code: str
    area_name: str
    as_of: dt.date
    conditions: list[CapacityConditionOut]
    checked: int = Field(description="communities looked at")
    count: int = Field(description="communities failing any condition")
    limit: int
    offset: int
    items: list[CapacityGapOut]
