"""API shapes of the appeal figures (``GET /api/v1/appeals/figures/``).

Every rate carries its numerator and denominator as well as its value, so a caller can add
rates up across areas correctly (sum the parts, never average the percentages). Times are
hours; a rate or a time with nothing to count is ``null``.
"""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema


class RateOut(Schema):
    key: str
    label: str
    numerator: int = Field(description="what is counted (see `formulas`)")
    denominator: int = Field(description="out of what")
    value: float | None = Field(description="numerator ÷ denominator, 0 to 1; null when 0 ÷ 0")


class RatesOut(Schema):
    response: RateOut = Field(description="响应率")
    resolution: RateOut = Field(description="解决率")
    satisfaction: RateOut = Field(description="满意率")
    on_time: RateOut = Field(description="on-time resolution rate")
    repeat: RateOut = Field(description="share of repeat appeals")


class RowRatesOut(Schema):
    response: RateOut
    resolution: RateOut
    satisfaction: RateOut
    on_time: RateOut


class RowOut(Schema):
    key: str = Field(description="unit id, area code or month (YYYY-MM); empty: no unit yet")
    name: str
    kind: str = Field("", description="the unit's kind (units only)")
    received: int = Field(description="appeals submitted, in any state")
    ratings: int
    rates: RowRatesOut
    accept_hours: float | None = Field(None, description="median time to accept")
    resolve_hours: float | None = Field(None, description="median time to resolve")
    average_level: float | None = Field(None, description="mean overall rating, 1 to 5")


class ScoresOut(Schema):
    level: float | None = Field(description="mean overall level, 1 to 5")
    efficiency: float | None
    attitude: float | None
    result: float | None


class HeadlineOut(Schema):
    received: int = Field(description="appeals submitted in the period, in any state")
    rejected: int
    merged: int
    ratings: int = Field(description="ratings given in the period")
    repeat_callers: int = Field(description="contact numbers with two or more appeals")
    accept_hours: float | None = Field(description="median time to accept")
    resolve_hours: float | None = Field(description="median time to resolve")
    scores: ScoresOut


class CategoryOut(Schema):
    key: str = Field(description="top-level category id")
    name: str
    received: int
    resolution: RateOut


class PlaceOut(Schema):
    code: str
    name: str


class HotspotsOut(Schema):
    categories: list[CategoryOut] = Field(description="rows: the busiest categories")
    places: list[PlaceOut] = Field(description="columns: the busiest communities (or grids)")
    counts: list[list[int]] = Field(description="counts[row][column]")


class FormulaOut(Schema):
    key: str
    kind: str = Field(description="rate, median, average or count")
    label: str
    numerator: str = Field(description="what is counted or measured")
    denominator: str = Field(description="out of what, or over which appeals")
    note: str = Field(description="how the county's appeal policy applies")


class PeriodOut(Schema):
    kind: str = Field(description="month, quarter, year or range")
    code: str
    label: str
    first: dt.date
    last: dt.date = Field(description="the last day, included")


class FiguresAreaOut(Schema):
    code: str
    name: str
    level: int


class FiguresOut(Schema):
    area: FiguresAreaOut | None = Field(description="null: every area (the platform itself)")
    period: PeriodOut
    unit_kind: str = Field(description="the unit kind counted; empty for all")
    own_units_only: bool = Field(
        description="true when only the caller's own units' appeals are counted"
    )
    rates: RatesOut
    headline: HeadlineOut
    by_unit: list[RowOut]
    by_area: list[RowOut] = Field(description="the areas one level down")
    trend: list[RowOut] = Field(description="the 12 months ending with the period's last")
    categories: list[CategoryOut]
    hotspots: HotspotsOut
    formulas: list[FormulaOut] = Field(description="how every figure is counted")
