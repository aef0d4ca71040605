"""Counting in the database: the conditional aggregates every rate and median is made of (the
medians in SQL on PostgreSQL, in Python on SQLite), a :class:`Rate` and a breakdown's
:class:`Row`, and :func:`metrics_rates`, the three rates alone."""

from __future__ import annotations

import datetime as dt
import operator
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import reduce

from django.db import connection
from django.db.models import (
    Aggregate,
    Avg,
    BooleanField,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
)

from .formulas import FORMULAS, THE_THREE, Counting, Formula, Rules
from .scope import Scope


class Median(Aggregate):
    """PostgreSQL's interpolated median of an interval (``percentile_cont(0.5)``)."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()


def _duration(formula: Formula) -> ExpressionWrapper:
    return ExpressionWrapper(F(formula.end) - F(formula.start), output_field=DurationField())


def _sql_medians() -> bool:
    return connection.vendor == "postgresql"


def _part(f: Formula, which: str) -> Callable[[Counting], Q]:
    return f.numerator if which == "n" else f.denominator


def _shared_aliases() -> dict[tuple[str, str], str]:
    """(formula key, "n" or "d") → the aggregate alias counting it; a condition shared by
    several rates (their common denominator) is counted once."""
    by_condition: dict[tuple, str] = {}
    aliases = {}
    for f in FORMULAS.values():
        if f.source == "appeals" and f.kind == "rate":
            for part in ("n", "d"):
                if (f.key, part) != ("repeat", "n"):  # counted over callers, see _headline
                    alias = by_condition.setdefault((f.within, _part(f, part)), f"{f.key}_{part}")
                    aliases[(f.key, part)] = alias
    return aliases


_ALIASES = _shared_aliases()
# What every appeal rate ranges over (appeals not rejected or merged): the rates alone filter
# on it in the WHERE clause, so the database tests it once a row rather than once a count.
_WITHIN = {FORMULAS[key].within for key, _part_ in _ALIASES}
APPEALS_WITHIN = next(iter(_WITHIN)) if len(_WITHIN) == 1 else None


def _alias(key: str, part: str) -> str:
    return _ALIASES[(key, part)]


def _condition(rules: Rules, f: Formula, build, *, prefiltered: bool = False) -> Q:
    """``build`` among the rows of ``f.within`` (taken as given when ``prefiltered``)."""
    if prefiltered:
        return rules.q(build)
    return rules.q(lambda c: f.within(c) & build(c))


def _count(condition: Q) -> Count:
    return Count("pk", filter=condition) if condition else Count("pk")


def _appeal_aggregates(rules: Rules, *, medians: bool, prefiltered: bool = False) -> dict:
    """Conditional counts for every appeal rate, plus the medians on PostgreSQL. Keys:
    ``received`` (unless ``prefiltered``: the rows are already those of
    :data:`APPEALS_WITHIN`), the aliases of :data:`_ALIASES` and ``<median key>_s``."""
    out: dict = {} if prefiltered else {"received": Count("pk")}
    for (key, part), alias in _ALIASES.items():
        if alias not in out:
            f = FORMULAS[key]
            out[alias] = _count(_condition(rules, f, _part(f, part), prefiltered=prefiltered))
    if medians:
        for f in FORMULAS.values():
            if f.kind == "median":
                out[f"{f.key}_s"] = Median(
                    _duration(f), filter=_condition(rules, f, f.numerator, prefiltered=prefiltered)
                )
    return out


def _rating_aggregates(rules: Rules, *, scores: bool = True) -> dict:
    f = FORMULAS["satisfaction"]
    out = {
        "ratings": _count(_condition(rules, f, f.denominator)),
        "satisfied": _count(_condition(rules, f, f.numerator)),
    }
    if scores:
        out.update(
            level=Avg("level"),
            efficiency=Avg("efficiency"),
            attitude=Avg("attitude"),
            result=Avg("result"),
        )
    return out


def _python_medians(qs: QuerySet, rules: Rules, key=None) -> dict:
    """SQLite: the durations of the filtered appeals fetched in one query (with the group and
    whether each median counts the row), their medians taken in Python. Answers
    ``{group: {"<median key>_s": seconds}}`` (group ``None`` without ``key``)."""
    medians = [f for f in FORMULAS.values() if f.kind == "median"]
    conditions = [_condition(rules, f, f.numerator) for f in medians]
    columns = {}
    for i, (f, condition) in enumerate(zip(medians, conditions, strict=True)):
        columns[f"_d{i}"] = _duration(f)
        columns[f"_c{i}"] = ExpressionWrapper(condition, output_field=BooleanField())
    qs = qs.filter(reduce(operator.or_, conditions)).order_by()
    if key is not None:
        columns["_k"] = key
    values: dict = {}
    for row in qs.annotate(**columns).values_list(*columns):
        group = row[-1] if key is not None else None
        bucket = values.setdefault(group, [[] for _f in medians])
        for i in range(len(medians)):
            duration, counts = row[2 * i], row[2 * i + 1]
            if counts and duration is not None:
                bucket[i].append(duration.total_seconds())
    return {
        group: {
            f"{f.key}_s": statistics.median(lists[i]) if lists[i] else None
            for i, f in enumerate(medians)
        }
        for group, lists in values.items()
    }


def _seconds(value) -> float | None:
    if value is None:
        return None
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


@dataclass(frozen=True)
class Rate:
    key: str
    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return round(self.numerator / self.denominator, 4) if self.denominator else None

    @property
    def percent(self) -> str:
        value = self.value
        return "—" if value is None else f"{value * 100:.1f}%"

    @property
    def label(self) -> str:
        return str(FORMULAS[self.key].label)


@dataclass
class Row:
    """One line of a breakdown: a unit, an area, a month or a category."""

    key: str
    name: str
    kind: str = ""
    received: int = 0
    ratings: int = 0
    rates: dict[str, Rate] = field(default_factory=dict)
    accept_hours: float | None = None
    resolve_hours: float | None = None
    level: float | None = None


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


def _avg(value) -> float | None:
    return None if value is None else round(float(value), 2)


def _fill(row: Row, appeals: dict | None, ratings: dict | None) -> Row:
    appeals = appeals or {}
    ratings = ratings or {}
    row.received = appeals.get("received", 0)
    for key in ("response", "resolution", "on_time"):
        row.rates[key] = Rate(
            key, appeals.get(_alias(key, "n"), 0), appeals.get(_alias(key, "d"), 0)
        )
    row.rates["satisfaction"] = Rate(
        "satisfaction", ratings.get("satisfied", 0), ratings.get("ratings", 0)
    )
    row.ratings = ratings.get("ratings", 0)
    row.level = _avg(ratings.get("level"))
    row.accept_hours = _hours(_seconds(appeals.get("accept_time_s")))
    row.resolve_hours = _hours(_seconds(appeals.get("resolve_time_s")))
    return row


def _grouped(scope: Scope, key, *, medians: bool = True) -> tuple[dict, dict]:
    """Appeal and rating aggregates grouped by ``key`` (an expression valid on both tables):
    two queries, three on SQLite when medians are wanted."""
    sql = _sql_medians()
    appeals = {
        row["_k"]: row
        for row in scope.appeal_rows()
        .annotate(_k=key)
        .values("_k")
        .annotate(**_appeal_aggregates(scope.rules, medians=medians and sql))
        .order_by()
    }
    if medians and not sql:
        for group, values in _python_medians(scope.appeal_rows(), scope.rules, key).items():
            appeals.setdefault(group, {"_k": group}).update(values)
    ratings = {
        row["_k"]: row
        for row in scope.rating_rows()
        .annotate(_k=key)
        .values("_k")
        .annotate(**_rating_aggregates(scope.rules))
        .order_by()
    }
    return appeals, ratings


def metrics_rates(*, scope: Scope) -> dict[str, Rate]:
    """The three rates (and the on-time rate): two aggregate queries."""
    rows = scope.appeal_rows()
    if APPEALS_WITHIN is not None:
        rows = rows.filter(scope.rules.q(APPEALS_WITHIN))
    appeals = rows.aggregate(
        **_appeal_aggregates(scope.rules, medians=False, prefiltered=APPEALS_WITHIN is not None)
    )
    ratings = scope.rating_rows().aggregate(**_rating_aggregates(scope.rules, scores=False))
    row = _fill(Row("", ""), appeals, ratings)
    return {key: row.rates[key] for key in (*THE_THREE, "on_time")}
