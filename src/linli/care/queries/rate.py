"""care queries: the monthly visit rate (月探访率) of an area and of its child areas.

The rule: the rate of a month is the plans met (visits made ≥ visits required) divided by the
plans of people on the roster that month. A dropped plan (the person died, moved away or left
the roster during the month) counts in neither the numerator nor the denominator — unless it
had already been met before it was dropped, when it counts in both.

Everything is one aggregate over the plans of the month and the area prefix (the plan table's
``(month, area_code)`` index), grouped by the first digits of the area code that name the child
area: towns of a county, communities of a town, grids of a community (plus the people of the
community who live in no grid).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.areacodes import Level
from linli.core.errors import ActionError
from linli.core.models import Area

from ..models import MonthFigure, Plan, month_start
from .roster import area_prefix_of, parse_month, visible_area

# Digits of the area code that name a child area, by the level of the parent.
CHILD_DIGITS = {
    Level.PROVINCE: 4,
    Level.PREFECTURE: 6,
    Level.COUNTY: 9,
    Level.TOWN: 12,
    Level.COMMUNITY: 15,
}
TREND_MONTHS_MAX = 60

MET = Q(done__gte=F("required"))
COUNTED = ~Q(status=Plan.Status.DROPPED) | MET
NOT_VISITED = Q(status=Plan.Status.OPEN) & ~MET


@dataclass
class RateRow:
    """One area's figures for a month. ``area`` is None for the row of a community's people
    living in no grid (``code`` is then the community's code)."""

    code: str
    name: str
    area: Area | None = None
    numerator: int = 0
    denominator: int = 0
    not_visited: int = 0
    overdue: int = 0
    unassigned: int = 0

    @property
    def rate(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    @property
    def percent(self) -> float | None:
        rate = self.rate
        return None if rate is None else round(rate * 100, 1)

    def add(self, other: RateRow) -> None:
        self.numerator += other.numerator
        self.denominator += other.denominator
        self.not_visited += other.not_visited
        self.overdue += other.overdue
        self.unassigned += other.unassigned


@dataclass
class RateTable:
    area: Area
    month: dt.date
    rows: list[RateRow] = field(default_factory=list)
    total: RateRow | None = None


@dataclass
class RatePoint:
    month: dt.date
    numerator: int
    denominator: int

    @property
    def rate(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    @property
    def percent(self) -> float | None:
        rate = self.rate
        return None if rate is None else round(rate * 100, 1)


def _figures(today: dt.date) -> dict:
    unmet = Q(status=Plan.Status.OPEN) & ~MET
    return {
        "numerator": Count("pk", filter=MET),
        "denominator": Count("pk", filter=COUNTED),
        "not_visited": Count("pk", filter=NOT_VISITED),
        "overdue": Count("pk", filter=unmet & Q(due_on__lt=today)),
        "unassigned": Count("pk", filter=unmet & Q(worker__isnull=True)),
    }


def _month_plans(month: dt.date, prefix: str):
    qs = Plan.objects.filter(month=month)
    return qs.filter(area_code__startswith=prefix) if prefix else qs


def visit_rate(*, actor, month, area_code=None, today: dt.date | None = None) -> RateTable:
    """The visit rate of a month for an area (``total``) and each of its child areas (``rows``,
    in code order, every child area listed even with no plans). One aggregate query and one
    for the child areas' names."""
    month = parse_month(month)
    area = visible_area(actor, area_code)
    today = today or timezone.localdate()
    total = RateRow(code=area.code, name=area.name, area=area)
    table = RateTable(area=area, month=month, total=total)
    digits = CHILD_DIGITS.get(Level(area.level))
    if digits is None:  # a grid: no child areas
        found = _month_plans(month, area.prefix).aggregate(**_figures(today))
        for key, value in found.items():
            setattr(total, key, value or 0)
        return table
    grouped = (
        _month_plans(month, area.prefix)
        .annotate(part=Substr("area_code", 1, digits))
        .values("part")
        .annotate(**_figures(today))
        .order_by()
    )
    rows: dict[str, RateRow] = {}
    for child in Area.objects.filter(parent=area).only("code", "name", "level", "prefix"):
        rows[child.prefix] = RateRow(code=child.code, name=child.name, area=child)
    loose: RateRow | None = None
    for found in grouped:
        part = found.pop("part")
        row = rows.get(part)
        if row is None:
            if Level(area.level) == Level.COMMUNITY and part == area.code:
                loose = row = RateRow(code=area.code, name=str(_("not in a grid")))
            else:  # plans under an area missing from the tree: counted, shown by code
                row = rows[part] = RateRow(code=part.ljust(12, "0"), name=part)
        for key, value in found.items():
            setattr(row, key, value)
        total.add(row)
    table.rows = sorted(rows.values(), key=lambda r: r.code)
    if loose is not None:
        table.rows.append(loose)
    return table


def _month_add(month: dt.date, months: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def visit_rate_trend(
    *, actor, area_code, months=12, until=None, latest: RateRow | None = None
) -> list[RatePoint]:
    """The visit rate of an area month by month, oldest first, up to ``until`` (default: this
    month). Past months kept in :class:`MonthFigure` are read from there; the others (the
    current month, months not kept yet) are counted live in one aggregate. ``latest``, the
    area's row of ``visit_rate`` for the ``until`` month when the caller has it, saves counting
    that month again."""
    area = visible_area(actor, area_code)
    try:
        months = int(months)
    except (TypeError, ValueError):
        months = 0
    if not 1 <= months <= TREND_MONTHS_MAX:
        raise ActionError(
            _("Choose from 1 to %(n)d months.") % {"n": TREND_MONTHS_MAX}, field="months"
        )
    current = month_start(timezone.localdate())
    last = parse_month(until, field="until") if until else current
    first = _month_add(last, -(months - 1))
    found: dict[dt.date, tuple[int, int]] = {}
    kept: set[dt.date] = set()
    past = min(last, _month_add(current, -1))
    if first <= past:
        figures = MonthFigure.objects.filter(month__gte=first, month__lte=past)
        kept = set(figures.filter(area_code="").values_list("month", flat=True))
        if kept:
            in_area = figures.filter(month__in=kept, area_code__startswith=area.prefix)
            if not area.prefix:
                in_area = in_area.exclude(area_code="")
            for row in (
                in_area.values("month")
                .annotate(numerator=Sum("numerator"), denominator=Sum("denominator"))
                .order_by()
            ):
                found[row["month"]] = (row["numerator"] or 0, row["denominator"] or 0)
    live = [
        month
        for step in range(months)
        if (month := _month_add(first, step)) not in kept
        and not (month == last and latest is not None)
    ]
    if latest is not None:
        found[last] = (latest.numerator, latest.denominator)
    if live:
        for row in (
            Plan.objects.filter(month__in=live, area_code__startswith=area.prefix)
            .values("month")
            .annotate(numerator=Count("pk", filter=MET), denominator=Count("pk", filter=COUNTED))
            .order_by()
        ):
            found[row["month"]] = (row["numerator"], row["denominator"])
    points = []
    for step in range(months):
        month = _month_add(first, step)
        numerator, denominator = found.get(month, (0, 0))
        points.append(RatePoint(month, numerator, denominator))
    return points


def visit_rate_of(area_code: str, month) -> tuple[int, int]:
    """``(numerator, denominator)`` of an area's visit rate for a month, unscoped (for the
    indicator engine, which measures plan targets)."""
    month = parse_month(month)
    prefix = area_prefix_of(area_code)
    found = _month_plans(month, prefix).aggregate(
        numerator=Count("pk", filter=MET), denominator=Count("pk", filter=COUNTED)
    )
    return found["numerator"] or 0, found["denominator"] or 0


def visit_rate_by_place(
    prefix: str, month, *, kind: str | None = None
) -> dict[str, tuple[int, int]]:
    """``(numerator, denominator)`` of a month's visit rate per place under ``prefix``: the
    first 12 digits of the plans' area codes (a community; a town for people recorded on the
    town itself), of the people on the roster of visit ``kind`` (every kind when None). One
    grouped query, unscoped (for the indicator engine, which adds the places up the area
    tree)."""
    month = parse_month(month)
    plans = _month_plans(month, prefix)
    if kind is not None:
        plans = plans.filter(subject__kind=kind)
    rows = (
        plans.annotate(place=Substr("area_code", 1, 12))
        .values_list("place")
        .annotate(numerator=Count("pk", filter=MET), denominator=Count("pk", filter=COUNTED))
        .order_by()
    )
    return {place: (numerator, denominator) for place, numerator, denominator in rows}


__all__ = [
    "RatePoint",
    "RateRow",
    "RateTable",
    "visit_rate",
    "visit_rate_by_place",
    "visit_rate_of",
    "visit_rate_trend",
]
