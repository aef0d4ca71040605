"""Every figure of a scope (:func:`metrics_figures`): the headline, and the breakdowns by
handling unit, by area one level down, by month, by top-level category and the hotspots."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce, Substr, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import areacodes
from linli.core.areacodes import PREFIX_LENGTH, Level
from linli.core.models import Area

from ...models import Category, State, Unit
from ...models import local_tz as _local_tz
from ..units import category_label
from .counting import (
    Rate,
    Row,
    _alias,
    _appeal_aggregates,
    _avg,
    _condition,
    _count,
    _fill,
    _grouped,
    _python_medians,
    _rating_aggregates,
    _sql_medians,
)
from .formulas import FORMULAS, RATE_KEYS, THE_THREE, FormulaText, formula_texts
from .periods import _month_start
from .scope import Scope

REPEAT_MIN = 2  # appeals from one contact number in the period that make them repeats
TOP_CATEGORIES = 8
TOP_PLACES = 10
CHILD_AREAS_MAX = 500


@dataclass
class Headline:
    received: int
    rejected: int
    merged: int
    rates: dict[str, Rate]
    accept_hours: float | None
    resolve_hours: float | None
    ratings: int
    scores: dict[str, float | None]
    repeat_callers: int


def _headline(scope: Scope) -> Headline:
    sql = _sql_medians()
    aggregates = _appeal_aggregates(scope.rules, medians=sql)
    aggregates["rejected"] = Count("pk", filter=Q(state=State.REJECTED))
    aggregates["merged"] = Count("pk", filter=Q(state=State.MERGED))
    appeals = scope.appeal_rows().aggregate(**aggregates)
    if not sql:
        appeals.update(_python_medians(scope.appeal_rows(), scope.rules).get(None, {}))
    ratings = scope.rating_rows().aggregate(**_rating_aggregates(scope.rules))
    repeated = (
        scope.appeal_rows()
        .filter(_condition(scope.rules, FORMULAS["repeat"], FORMULAS["repeat"].numerator))
        .exclude(contact_phone_bidx__isnull=True)
        .exclude(contact_phone_bidx="")
        .values("contact_phone_bidx")
        .annotate(n=Count("pk"))
        .filter(n__gte=REPEAT_MIN)
        .order_by()
        .aggregate(callers=Count("contact_phone_bidx"), appeals=Coalesce(Sum("n"), 0))
    )
    row = _fill(Row("", ""), appeals, ratings)
    rates = dict(row.rates)
    rates["repeat"] = Rate("repeat", repeated["appeals"], appeals.get(_alias("repeat", "d"), 0))
    return Headline(
        received=appeals["received"],
        rejected=appeals["rejected"],
        merged=appeals["merged"],
        rates={key: rates[key] for key in RATE_KEYS},
        accept_hours=row.accept_hours,
        resolve_hours=row.resolve_hours,
        ratings=row.ratings,
        scores={k: _avg(ratings[k]) for k in ("level", "efficiency", "attitude", "result")},
        repeat_callers=repeated["callers"],
    )


def _by_unit(scope: Scope) -> list[Row]:
    appeals, ratings = _grouped(scope, F("unit_id"))
    ids = {k for k in (*appeals, *ratings) if k is not None}
    units = {u.pk: u for u in Unit.objects.filter(pk__in=ids).only("pk", "name", "kind")}
    rows = []
    for key in sorted(set(appeals) | set(ratings), key=lambda k: (k is None, k or 0)):
        unit = units.get(key)
        if key is None:
            row = Row("", _("Not yet with a unit"))
        elif unit is None:
            continue
        else:
            row = Row(str(unit.pk), unit.name, str(Unit.Kind(unit.kind).label))
        rows.append(_fill(row, appeals.get(key), ratings.get(key)))
    rows.sort(key=lambda r: (-r.received, -r.ratings, r.key == "", r.name))
    return rows


def _child_length(scope: Scope) -> int:
    if scope.area is None:
        return PREFIX_LENGTH[Level.PROVINCE]
    return PREFIX_LENGTH.get(Level(min(scope.area.level + 1, Level.GRID)), 15)


def _canonical(key: str) -> str:
    return key if len(key) in (12, 15) else key.ljust(12, "0")


def _place_length(scope: Scope) -> int:
    """Hotspots are communities, or grids inside a community."""
    if scope.area is not None and scope.area.level >= Level.COMMUNITY:
        return PREFIX_LENGTH[Level.GRID]
    return PREFIX_LENGTH[Level.COMMUNITY]


def _by_area(scope: Scope, names: dict[str, str]) -> list[Row]:
    length = _child_length(scope)
    appeals, ratings = _grouped(scope, Substr("area_code", 1, length))
    keys = set(appeals) | set(ratings)
    if scope.whole_area:
        keys |= {code[:length] for code in names if _is_child(scope, code)}
    rows = []
    for key in sorted(keys):
        code = _canonical(key)
        name = names.get(code, code)
        if scope.area is not None and code == scope.area.code:
            name = scope.area.name if scope.area.level == Level.GRID else _("Not in a grid")
        rows.append(_fill(Row(code, name), appeals.get(key), ratings.get(key)))
    return rows


def _is_child(scope: Scope, code: str) -> bool:
    if scope.area is None:
        return _level(code) == Level.PROVINCE
    return code.startswith(scope.prefix) and _level(code) == scope.area.level + 1


def _level(code: str) -> int:
    try:
        return areacodes.level_of(code)
    except areacodes.AreaCodeError:
        return 0


def _trend(scope: Scope) -> list[Row]:
    months = scope.period.trend_months()
    tz = _local_tz()
    start = dt.datetime.combine(months[0], dt.time(), tzinfo=tz)
    end = dt.datetime.combine(_month_start(months[-1], 1), dt.time(), tzinfo=tz)
    aggregates = _appeal_aggregates(scope.rules, medians=False)
    appeals = {
        timezone.localtime(row["month"], tz).date(): row
        for row in scope.appeal_rows(start, end)
        .annotate(month=TruncMonth("submitted_at", tzinfo=tz))
        .values("month")
        .annotate(**aggregates)
        .order_by()
    }
    ratings = {
        timezone.localtime(row["month"], tz).date(): row
        for row in scope.rating_rows(start, end)
        .annotate(month=TruncMonth("at", tzinfo=tz))
        .values("month")
        .annotate(**_rating_aggregates(scope.rules))
        .order_by()
    }
    return [_fill(Row(f"{m:%Y-%m}", f"{m:%Y-%m}"), appeals.get(m), ratings.get(m)) for m in months]


def _top_category() -> Coalesce:
    return Coalesce("category__parent__parent_id", "category__parent_id", "category_id")


def _categories(scope: Scope) -> list[Row]:
    f = FORMULAS["resolution"]
    grouped = (
        scope.appeal_rows()
        .annotate(_k=_top_category())
        .values("_k")
        .annotate(
            received=Count("pk"),
            resolution_n=_count(_condition(scope.rules, f, f.numerator)),
            resolution_d=_count(_condition(scope.rules, f, f.denominator)),
        )
        .order_by("-received", "_k")
    )
    rows = list(grouped)
    categories = {c.pk: c for c in Category.objects.filter(pk__in=[r["_k"] for r in rows])}
    out = []
    for r in rows:
        category = categories.get(r["_k"])
        name = category_label(category) if category is not None else str(r["_k"])
        row = Row(str(r["_k"]), name, received=r["received"])
        row.rates["resolution"] = Rate("resolution", r["resolution_n"], r["resolution_d"])
        out.append(row)
    return out


@dataclass
class Hotspots:
    categories: list[Row]  # the columns... rows of the matrix: top categories
    places: list[tuple[str, str]]  # (code, name) of the top places
    counts: list[list[int]]  # counts[category][place]

    @property
    def rows(self) -> list[tuple[Row, list[int]]]:
        return list(zip(self.categories, self.counts, strict=True))


def _hotspot_cells(scope: Scope) -> list[dict]:
    return list(
        scope.appeal_rows()
        .annotate(_c=_top_category(), _p=Substr("area_code", 1, _place_length(scope)))
        .values("_c", "_p")
        .annotate(n=Count("pk"))
        .order_by()
    )


def _hotspots(cells: list[dict], categories: list[Row], names: dict[str, str]) -> Hotspots:
    top = categories[:TOP_CATEGORIES]
    wanted = {int(row.key) for row in top}
    totals: dict[str, int] = {}
    for cell in cells:
        if cell["_c"] in wanted:
            totals[cell["_p"]] = totals.get(cell["_p"], 0) + cell["n"]
    places = sorted(totals, key=lambda p: (-totals[p], p))[:TOP_PLACES]
    index = {p: i for i, p in enumerate(places)}
    rows = {int(row.key): i for i, row in enumerate(top)}
    counts = [[0] * len(places) for _row in top]
    for cell in cells:
        if cell["_c"] in rows and cell["_p"] in index:
            counts[rows[cell["_c"]]][index[cell["_p"]]] = cell["n"]
    return Hotspots(
        categories=top,
        places=[(_canonical(p), names.get(_canonical(p), _canonical(p))) for p in places],
        counts=counts,
    )


def _area_names(scope: Scope, codes: set[str]) -> dict[str, str]:
    """Names of the areas one level down (all of them, for a whole area) and of ``codes``."""
    q = Q(code__in=sorted(codes))
    if scope.whole_area:
        q |= Q(level=Level.PROVINCE) if scope.area is None else Q(parent_id=scope.area.code)
    return dict(Area.objects.filter(q).order_by("code").values_list("code", "name")[:5000])


@dataclass
class Figures:
    scope: Scope
    headline: Headline
    by_unit: list[Row]
    by_area: list[Row]
    trend: list[Row]
    categories: list[Row]
    hotspots: Hotspots
    formulas: list[FormulaText]

    @property
    def three(self) -> list[Rate]:
        return [self.headline.rates[key] for key in THE_THREE]


def metrics_figures(*, scope: Scope) -> Figures:
    """Every figure for the scope: a fixed number of aggregate queries, whatever the volume."""
    headline = _headline(scope)
    by_unit = _by_unit(scope)
    categories = _categories(scope)
    cells = _hotspot_cells(scope)
    place_len = _place_length(scope)
    codes = {_canonical(c["_p"]) for c in cells if len(c["_p"]) == place_len}
    names = _area_names(scope, codes)
    by_area = _by_area(scope, names)
    if len(by_area) > CHILD_AREAS_MAX:
        by_area = sorted(by_area, key=lambda r: -r.received)[:CHILD_AREAS_MAX]
    return Figures(
        scope=scope,
        headline=headline,
        by_unit=by_unit,
        by_area=by_area,
        trend=_trend(scope),
        categories=categories,
        hotspots=_hotspots(cells, categories, names),
        formulas=formula_texts(scope.rules),
    )
