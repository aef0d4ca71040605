"""The reporting rate and the on-time rate of a plan's ledger, by area and by task."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Q
from django.db.models.functions import Substr
from django.utils.translation import gettext as _

from linli.core.areacodes import PREFIX_LENGTH, Level
from linli.core.errors import ActionError
from linli.core.models import Area

from ...models import Plan, PlanTask, ProgressReport
from ..access import plan_area, plan_for
from ._common import DONE, _parts
from .periods import period_label, period_range, task_periods, today

__all__ = ["RateRow", "Rates", "TaskRate", "ledger_rates"]


class _Rated:
    """The two rates of a row of figures (percent with one decimal; None when none expected)."""

    expected: int
    submitted: int
    on_time: int

    @staticmethod
    def _percent(part: int, whole: int) -> float | None:
        return round(part * 100 / whole, 1) if whole else None

    @property
    def reporting_rate(self) -> float | None:
        return self._percent(self.submitted, self.expected)

    @property
    def on_time_rate(self) -> float | None:
        return self._percent(self.on_time, self.expected)


@dataclass
class RateRow(_Rated):
    code: str
    name: str
    level: int
    own: bool  # the area's own reports (not a child area's)
    expected: int = 0
    submitted: int = 0
    approved: int = 0
    on_time: int = 0


@dataclass
class TaskRate(_Rated):
    """The figures of one task over the whole area."""

    task: PlanTask
    expected: int = 0
    submitted: int = 0
    approved: int = 0
    on_time: int = 0


@dataclass
class Rates:
    plan: Plan
    area: Area
    selection: str
    periods: list[str]
    rows: list[RateRow]
    total: RateRow
    choices: list[str]
    tasks: list[TaskRate]  # the same figures by task (their sums are the total too)

    @property
    def selection_label(self) -> str:
        return period_label(self.selection)


def _selection(value, day: dt.date) -> str:
    text = str(value or "").strip().upper() or str(day.year)
    if _parts(text) is None:
        raise ActionError(_("Choose a year (2026) or a period (2026H1, 2026Q3)."), field="period")
    return text


def _level_q(level: int) -> Q:
    """Report rows whose 12-digit area code is of ``level`` (read from its trailing zeros)."""
    if level == Level.COMMUNITY:
        return ~Q(area_code__endswith="000")
    if level == Level.TOWN:
        return Q(area_code__endswith="000") & ~Q(area_code__endswith="000000")
    return Q(area_code__endswith="000000") & ~Q(area_code__endswith="00000000")


def ledger_rates(*, actor, plan_id, period=None, area_code=None) -> Rates:
    """Reporting rate and on-time rate of a plan's ledger for an area (the actor's widest by
    default): a row per child area (and one for the area's own reports when it is a reporting
    area), the totals their sums.

    Expected: for each task, its reporting areas inside the row's area × the task's periods in
    the selection (a year: every period of that year; or one period) that have begun.
    Submitted: those reports submitted or approved; on time: submitted by the due date.
    Reporting rate = submitted ÷ expected; on-time rate = on time ÷ expected. ``tasks`` gives
    the same figures by task. Seven queries whatever the number of areas."""
    plan = plan_for(actor, plan_id)
    area = plan_area(actor, plan, area_code)
    day = today()
    selection = _selection(period, day)
    tasks = list(PlanTask.objects.filter(plan=plan).order_by("position", "id"))
    chosen: dict[int, list[str]] = {}
    choices: set[str] = set()
    for task in tasks:
        begun = [p for p in task_periods(task) if period_range(p)[0] <= day]
        choices.update(p[:4] for p in begun)
        choices.update(p for p in begun if len(p) > 4)
        chosen[task.pk] = [p for p in begun if p == selection or p[:4] == selection]
    children = list(Area.objects.filter(parent=area).exclude(level=Level.GRID).order_by("code"))
    rows: dict[str, RateRow] = {}
    levels = {t.report_level for t in tasks if chosen[t.pk]}
    if area.level in levels or not children:
        rows[area.code] = RateRow(area.code, area.name, area.level, own=True)
    for child in children:
        rows[child.prefix] = RateRow(child.code, child.name, child.level, own=False)
    size = PREFIX_LENGTH[Level(min(area.level + 1, Level.GRID))]
    counts: dict[tuple[str, int], int] = {}
    below = (
        Area.objects.filter(code__startswith=area.prefix, level__in=levels, level__gt=area.level)
        .annotate(row=Substr("code", 1, size))
        .values("row", "level")
        .annotate(n=Count("code"))
    )
    for item in below:
        counts[(item["row"], item["level"])] = item["n"]
    by_task = {task.pk: TaskRate(task) for task in tasks}
    for task in tasks:
        n = len(chosen[task.pk])
        for key, row in rows.items():
            if row.own:
                expected = n if area.level == task.report_level else 0
            else:
                expected = n * counts.get((key, task.report_level), 0)
            row.expected += expected
            by_task[task.pk].expected += expected
    wanted = sorted({p for found in chosen.values() for p in found})
    level_q = Q(pk__in=[])
    for level in levels:
        level_q |= Q(task__report_level=level) & _level_q(level)
    done = (
        ProgressReport.objects.filter(
            level_q,
            task__plan=plan,
            area_code__startswith=area.prefix,
            status__in=DONE,
            period__in=wanted,
        )
        .annotate(row=Substr("area_code", 1, size))
        .values("row", "task_id")
        .annotate(
            submitted=Count("pk"),
            approved=Count("pk", filter=Q(status=ProgressReport.Status.APPROVED)),
            on_time=Count("pk", filter=Q(submitted_at__date__lte=F("due_on"))),
        )
    )
    own_key = area.code[:size]
    for item in done:
        key = area.code if item["row"] == own_key else item["row"]
        for figures in (rows.get(key), by_task.get(item["task_id"])):
            if figures is not None:
                figures.submitted += item["submitted"]
                figures.approved += item["approved"]
                figures.on_time += item["on_time"]
    listed = list(rows.values())
    total = RateRow(area.code, area.name, area.level, own=False)
    for row in listed:
        total.expected += row.expected
        total.submitted += row.submitted
        total.approved += row.approved
        total.on_time += row.on_time
    ordered = sorted(choices, key=lambda p: (-int(p[:4]), len(p), p))
    return Rates(plan, area, selection, wanted, listed, total, ordered, list(by_task.values()))
