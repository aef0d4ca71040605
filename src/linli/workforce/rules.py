"""Training cycles: how often each kind of worker must be trained.

The nearest :class:`~linli.workforce.models.TrainingRule` up the area tree wins, for each kind of
worker separately; without one, the plans' rule applies: secretaries and directors every year,
everyone else every two years (每年至少对社区党组织书记、居委会主任培训一次，其他成员每2年至少一次).

Dates: a training on day ``d`` keeps a worker trained for a cycle of ``m`` months up to and
including :func:`due_date` ``(d, m)`` — ``d`` plus ``m`` calendar months (31 January + 1 month is
28 or 29 February). :func:`window_start` is the other side of the same rule: the first training
day that still counts on a given day. So a worker is trained on ``as_of`` exactly when a training
on or after ``window_start(as_of, m)`` (and not after ``as_of``) exists, and that is exactly
when ``due_date(last training, m) >= as_of``: the list of who is due and the coverage figure can
never disagree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q

from linli.core import areacodes

from .models import Attendance, TrainingRule, Worker

DEFAULT_CYCLE_MONTHS = {TrainingRule.AppliesTo.HEADS: 12, TrainingRule.AppliesTo.OTHERS: 24}
KINDS = (TrainingRule.AppliesTo.HEADS, TrainingRule.AppliesTo.OTHERS)


@dataclass(frozen=True)
class Cycle:
    applies_to: str
    months: int
    min_hours: Decimal
    area_code: str | None  # where the rule was set; None for the built-in rule


def _ancestors(area_code: str) -> list[str]:
    """The codes of an area and every area above it, nearest first."""
    codes = [area_code]
    code: str | None = area_code
    while code:
        try:
            code = areacodes.parent_code(code)
        except areacodes.AreaCodeError:
            break
        if code:
            codes.append(code)
    return codes


def _builtin(applies_to: str) -> Cycle:
    return Cycle(applies_to, DEFAULT_CYCLE_MONTHS[applies_to], Decimal(0), None)


def _cycle(rule: TrainingRule) -> Cycle:
    return Cycle(rule.applies_to, rule.cycle_months, Decimal(rule.min_hours), rule.area_code)


def cycles_for(area_code: str) -> dict[str, Cycle]:
    """The cycle of each kind of worker (heads, others) that applies in ``area_code``. One
    query."""
    codes = _ancestors(area_code)
    found = {
        (rule.area_code, rule.applies_to): rule
        for rule in TrainingRule.objects.filter(area_code__in=codes)
    }
    out: dict[str, Cycle] = {}
    for applies_to in KINDS:
        for code in codes:
            rule = found.get((code, applies_to))
            if rule is not None:
                out[applies_to] = _cycle(rule)
                break
        else:
            out[applies_to] = _builtin(applies_to)
    return out


def applies_to(worker: Worker) -> str:
    """Heads (书记, 主任, or both in one person) or everyone else."""
    return kind_of(worker.committee_role)


def kind_of(committee_role: str) -> str:
    if committee_role in Worker.HEADS:
        return TrainingRule.AppliesTo.HEADS
    return TrainingRule.AppliesTo.OTHERS


def _add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    month += 1
    return dt.date(year, month, min(day.day, _days_in_month(year, month)))


def due_date(trained_on: dt.date, months: int) -> dt.date:
    """The last day a training on ``trained_on`` keeps a worker trained, for a cycle of
    ``months``."""
    return _add_months(trained_on, months)


def window_start(as_of: dt.date, months: int) -> dt.date:
    """The first training day that counts for a cycle of ``months`` on ``as_of``: the earliest
    day whose :func:`due_date` is ``as_of`` or later."""
    start = _add_months(as_of, -months)
    if due_date(start, months) < as_of:  # as_of is a day the shorter month has not got
        start += dt.timedelta(days=1)
    return start


def _days_in_month(year: int, month: int) -> int:
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    return (following - dt.timedelta(days=1)).day


def significant_prefix(value: str) -> str:
    """``value`` as the significant prefix of an area ("" stays "": everything). Accepts a
    prefix (``220403``) or a full code (``220403000000``, ``220403001001``)."""
    if value == "":
        return ""
    return areacodes.prefix_of(value)


@dataclass(frozen=True)
class RuleBook:
    """The rules that may apply to workers under a prefix, to resolve many areas at once.

    ``ordered[kind]`` holds ``(prefix, cycle)`` pairs, the nearest (longest prefix) first: the
    first whose prefix starts a worker's area code is the worker's rule; else the built-in one.
    """

    ordered: dict[str, list[tuple[str, Cycle]]] = field(default_factory=dict)
    prefix: str = ""

    @classmethod
    def under(cls, prefix: str) -> RuleBook:
        """The rules set at, above or below ``prefix`` (a significant prefix; "" for all). One
        query."""
        qs = TrainingRule.objects.all()
        if prefix:
            codes = _ancestors(areacodes.normalize(prefix))
            qs = qs.filter(Q(area_code__in=codes) | Q(area_code__startswith=prefix))
        ordered: dict[str, list[tuple[str, Cycle]]] = {kind: [] for kind in KINDS}
        for rule in qs.only("area_code", "applies_to", "cycle_months", "min_hours"):
            if rule.applies_to in ordered:
                ordered[rule.applies_to].append((areacodes.prefix_of(rule.area_code), _cycle(rule)))
        for pairs in ordered.values():
            pairs.sort(key=lambda pair: (-len(pair[0]), pair[0]))
        return cls(ordered, prefix)

    def cycle(self, area_code: str, kind: str) -> Cycle:
        for prefix, cycle in self.ordered.get(kind, ()):
            if area_code.startswith(prefix):
                return cycle
        return _builtin(kind)

    def builtin(self, kind: str) -> Cycle:
        return _builtin(kind)

    def applicable(self, kind: str) -> list[tuple[str | None, Cycle]]:
        """The cycles some worker of ``kind`` under the prefix may have, nearest first: the
        rules below the prefix with theirs, then (prefix None) the cycle of everyone else —
        the nearest rule at or above the prefix, or the built-in cycle."""
        found: list[tuple[str | None, Cycle]] = []
        for prefix, cycle in self.ordered.get(kind, ()):
            if self.prefix.startswith(prefix):
                return [*found, (None, cycle)]
            found.append((prefix, cycle))
        return [*found, (None, _builtin(kind))]

    def months_used(self) -> set[int]:
        """Every cycle length that may apply under the prefix."""
        return {cycle.months for kind in KINDS for _p, cycle in self.applicable(kind)}


def due_dates(rows: list[Worker], book: RuleBook, as_of: dt.date) -> dict[int, dt.date | None]:
    """The due date of each worker of a page of the status list (``status``, ``last_on`` and
    ``committee_role`` read). None for those never trained or short of hours. With a minimum of hours, the training
    that keeps a worker trained is the oldest one needed to reach it, counting back from the
    newest (one query for the page)."""
    due: dict[int, dt.date | None] = {}
    counting: dict[int, Cycle] = {}
    for worker in rows:
        cycle = book.cycle(worker.area_code, kind_of(worker.committee_role))
        if worker.status in ("never", "short"):
            due[worker.pk] = None
        elif worker.status == "overdue" or cycle.min_hours <= 0:
            due[worker.pk] = due_date(worker.last_on, cycle.months)
        else:
            counting[worker.pk] = cycle
    if counting:
        earliest = min(window_start(as_of, c.months) for c in counting.values())
        found = (
            Attendance.objects.filter(
                worker_id__in=list(counting),
                attended=True,
                trained_on__gte=earliest,
                trained_on__lte=as_of,
            )
            .order_by("worker_id", "-trained_on")
            .values_list("worker_id", "trained_on", "hours")
        )
        total: dict[int, Decimal] = {}
        for worker_id, trained_on, hours in found:
            cycle = counting[worker_id]
            if worker_id in due or trained_on < window_start(as_of, cycle.months):
                continue
            total[worker_id] = total.get(worker_id, Decimal(0)) + Decimal(hours)
            if total[worker_id] >= cycle.min_hours:
                due[worker_id] = due_date(trained_on, cycle.months)
    return due


# --- the rule as SQL ----------------------------------------------------------------------------
#
# The figure and the list of who is due read the same SQL: a derived table ``w`` of the workers
# wanted (built by the caller with the ORM), joined to ``t``, one row per worker with their last
# attended training up to the day (``last_on``) and, per cycle length, the attended hours (in tenths) since
# that cycle's window start. Each worker's cycle is a CASE over ``w``'s columns, nearest rule
# first. Everything the rules contribute is a parameter except the minimum hours, which are
# written as numeric literals from the stored decimals (SQLite compares a sum with a text
# parameter as text).

STATUS_RANK = {"overdue": 0, "never": 1, "short": 2, "due_soon": 3, "ok": 4}


def _adapt(day: dt.date):
    from django.db import connection

    return connection.ops.adapt_datefield_value(day)


def _branches(book: RuleBook) -> tuple[list[tuple[str, list, Cycle]], Cycle]:
    """``(condition on w, its parameters, cycle)`` in the order they apply, and the cycle of
    everyone they leave (the others' nearest rule above the prefix, or the built-in one)."""
    heads = "w.committee_role IN (%s, %s, %s)"
    heads_params = [str(role) for role in Worker.HEADS]
    out: list[tuple[str, list, Cycle]] = []
    for prefix, cycle in book.applicable(TrainingRule.AppliesTo.HEADS):
        if prefix is None:
            out.append((heads, heads_params, cycle))
        else:
            out.append((f"{heads} AND w.area_code LIKE %s", [*heads_params, prefix + "%"], cycle))
    *others, (_none, default) = book.applicable(TrainingRule.AppliesTo.OTHERS)
    for prefix, cycle in others:
        out.append(("w.area_code LIKE %s", [prefix + "%"], cycle))
    return out, default


def _per_cycle(book: RuleBook, then) -> tuple[str, list]:
    """``CASE`` over the workers' cycles of ``then(cycle) -> (sql, params)``."""
    branches, default = _branches(book)
    sql, params = ["CASE"], []
    for where, where_params, cycle in branches:
        then_sql, then_params = then(cycle)
        sql.append(f" WHEN {where} THEN {then_sql}")
        params += where_params + then_params
    then_sql, then_params = then(default)
    sql.append(f" ELSE {then_sql} END")
    return "".join(sql), params + then_params


# Hours are summed as whole tenths: integer sums are exact on both databases (SQLite keeps
# decimals as floating point) and cheaper to aggregate than numerics.
TENTHS = "CAST(ROUND(a.hours * 10) AS INTEGER)"


def _tenths_literal(hours: Decimal) -> str:
    return str(int(Decimal(hours).quantize(Decimal("0.1")) * 10))


def _trainings(worker_sql: str, worker_params, as_of, sums: dict[str, dt.date], since=None):
    """``t``: per worker of ``w``, the last attended training up to ``as_of`` and the attended
    hours since each date of ``sums`` (column name → first day)."""
    table = Attendance._meta.db_table
    columns, params = ["a.worker_id", "MAX(a.trained_on) AS last_on"], []
    for name, start in sums.items():
        columns.append(f"SUM(CASE WHEN a.trained_on >= %s THEN {TENTHS} ELSE 0 END) AS {name}")
        params.append(_adapt(start))
    where, where_params = "a.attended = %s AND a.trained_on <= %s", [True, _adapt(as_of)]
    if since is not None:
        where += " AND a.trained_on >= %s"
        where_params.append(_adapt(since))
    sql = (
        f"SELECT {', '.join(columns)} FROM {table} a WHERE {where}"  # noqa: S608 - values are parameters
        f" AND a.worker_id IN (SELECT ww.id FROM ({worker_sql}) ww) GROUP BY a.worker_id"
    )
    return sql, params + where_params + list(worker_params)


def trained_sql(book: RuleBook, worker_sql: str, worker_params, as_of: dt.date):
    """``(community_id, live workers, trained)`` rows for the workers of ``worker_sql`` (which
    selects ``id``, ``community_id``, ``area_code`` and ``committee_role``)."""
    starts = {months: window_start(as_of, months) for months in book.months_used()}
    sums = {
        f"h_{months}": starts[months]
        for months in {c.months for k in KINDS for _p, c in book.applicable(k) if c.min_hours > 0}
    }

    def trained(cycle: Cycle):
        hours = ""
        if cycle.min_hours > 0:
            hours = f" AND t.h_{cycle.months} >= {_tenths_literal(cycle.min_hours)}"
        return f"(CASE WHEN t.last_on >= %s{hours} THEN 1 ELSE 0 END)", [
            _adapt(starts[cycle.months])
        ]

    case_sql, case_params = _per_cycle(book, trained)
    t_sql, t_params = _trainings(worker_sql, worker_params, as_of, sums, min(starts.values()))
    sql = (
        f"SELECT w.community_id, COUNT(*), SUM({case_sql}) FROM ({worker_sql}) w"  # noqa: S608
        f" LEFT JOIN ({t_sql}) t ON t.worker_id = w.id GROUP BY w.community_id"
    )
    return sql, case_params + list(worker_params) + t_params


def status_sql(book: RuleBook, worker_sql: str, worker_params, as_of: dt.date, soon: dt.date):
    """The workers of ``worker_sql`` (``id``, ``name``, ``community_id``, ``area_code``,
    ``committee_role``) with ``last_on``, ``status`` and ``tenths`` (tenths of an hour in the
    current cycle), as a derived table ``s`` to filter, count and page."""
    months_used = sorted(book.months_used())
    now = {m: window_start(as_of, m) for m in months_used}
    later = {m: window_start(soon, m) for m in months_used}
    sums = {f"h_now_{m}": now[m] for m in months_used}
    sums.update({f"h_soon_{m}": later[m] for m in months_used})

    def status(cycle: Cycle):
        m = cycle.months
        need_now = need_soon = ""
        if cycle.min_hours > 0:
            need = _tenths_literal(cycle.min_hours)
            need_now, need_soon = f" AND t.h_now_{m} >= {need}", f" AND t.h_soon_{m} >= {need}"
        sql = (
            f"(CASE WHEN t.last_on >= %s{need_soon} THEN 'ok'"
            f" WHEN t.last_on >= %s{need_now} THEN 'due_soon'"
            f" WHEN t.last_on >= %s THEN 'short' ELSE 'overdue' END)"
        )
        return sql, [_adapt(later[m]), _adapt(now[m]), _adapt(now[m])]

    status_case, status_params = _per_cycle(book, status)
    hours_case, hours_params = _per_cycle(book, lambda c: (f"COALESCE(t.h_now_{c.months}, 0)", []))
    t_sql, t_params = _trainings(worker_sql, worker_params, as_of, sums)
    sql = (
        "SELECT w.id, w.name, w.community_id, w.area_code, w.committee_role, t.last_on,"  # noqa: S608
        f" CASE WHEN t.last_on IS NULL THEN 'never' ELSE {status_case} END AS status,"
        f" {hours_case} AS tenths"
        f" FROM ({worker_sql}) w LEFT JOIN ({t_sql}) t ON t.worker_id = w.id"
    )
    return sql, status_params + hours_params + list(worker_params) + t_params


def rank_sql(column: str = "s.status") -> str:
    """``ORDER BY`` terms: the most urgent status first."""
    whens = " ".join(f"WHEN '{name}' THEN {rank}" for name, rank in STATUS_RANK.items())
    return f"CASE {column} {whens} END"
