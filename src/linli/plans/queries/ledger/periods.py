"""The periods of a task (a year, a half year, a quarter), their due dates, and the ledger's
clock."""

from __future__ import annotations

import calendar
import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.errors import ActionError

from ...models import PlanTask
from ._common import _parts

__all__ = [
    "clean_period",
    "now",
    "open_periods",
    "period_choices",
    "period_due",
    "period_label",
    "period_of",
    "period_range",
    "started_periods",
    "task_periods",
    "today",
]


def now() -> dt.datetime:
    return timezone.now()


def today() -> dt.date:
    return timezone.localdate(now())


def task_periods(task: PlanTask) -> list[str]:
    """The periods of ``task``, oldest first."""
    found: list[str] = []
    for year in range(task.first_year, task.last_year + 1):
        if task.frequency == PlanTask.Frequency.HALF:
            found += [f"{year}H1", f"{year}H2"]
        elif task.frequency == PlanTask.Frequency.QUARTER:
            found += [f"{year}Q{n}" for n in range(1, 5)]
        else:
            found.append(str(year))
    return found


def period_range(period: str) -> tuple[dt.date, dt.date]:
    """The first and last day of a period."""
    parts = _parts(period)
    if parts is None:
        raise ValueError(period)
    year, kind, index = parts
    if kind == "H":
        first, last = (1, 6) if index == 1 else (7, 12)
    elif kind == "Q":
        first, last = 3 * index - 2, 3 * index
    else:
        first, last = 1, 12
    return dt.date(year, first, 1), dt.date(year, last, calendar.monthrange(year, last)[1])


def period_due(task: PlanTask, period: str) -> dt.date:
    """The due date of ``task``'s report for ``period`` (see the module's docstring)."""
    year, kind, _index = _parts(period) or (0, "", 0)
    if not kind:
        return dt.date(year, task.due_month, task.due_day)
    end = period_range(period)[1]
    month_year, month = (end.year + 1, 1) if end.month == 12 else (end.year, end.month + 1)
    return dt.date(month_year, month, min(task.due_day, calendar.monthrange(month_year, month)[1]))


def period_of(task: PlanTask, day: dt.date) -> str:
    """The period of ``task``'s kind that holds ``day`` (whether the task runs then or not)."""
    if task.frequency == PlanTask.Frequency.HALF:
        return f"{day.year}H{1 if day.month <= 6 else 2}"
    if task.frequency == PlanTask.Frequency.QUARTER:
        return f"{day.year}Q{(day.month - 1) // 3 + 1}"
    return str(day.year)


def _previous(task: PlanTask, period: str) -> str:
    start = period_range(period)[0]
    return period_of(task, start - dt.timedelta(days=1))


def open_periods(task: PlanTask, day: dt.date) -> list[str]:
    """The task's periods to report now: the last one and the current one (those it has)."""
    current = period_of(task, day)
    have = set(task_periods(task))
    return [p for p in (_previous(task, current), current) if p in have]


def started_periods(task: PlanTask, day: dt.date) -> list[str]:
    """The task's periods that have begun by ``day``, newest first."""
    return [p for p in reversed(task_periods(task)) if period_range(p)[0] <= day]


def period_label(period: str) -> str:
    parts = _parts(period)
    if parts is None:
        return str(period)
    year, kind, index = parts
    if kind == "H":
        if index == 1:
            return _("%(year)d, first half") % {"year": year}
        return _("%(year)d, second half") % {"year": year}
    if kind == "Q":
        return _("%(year)d, quarter %(n)d") % {"year": year, "n": index}
    return str(year)


def period_choices(periods) -> list[tuple[str, str]]:
    """(period, label) pairs for a choice of periods."""
    return [(p, period_label(p)) for p in periods]


def clean_period(task: PlanTask, value, *, day: dt.date | None = None, field="period") -> str:
    """``value`` as one of the task's periods that has begun; else :class:`ActionError`."""
    period = str(value or "").strip().upper()
    if period not in task_periods(task):
        raise ActionError(
            _("Choose a period of this task, e.g. %(example)s.")
            % {"example": task_periods(task)[0]},
            field=field,
        )
    if period_range(period)[0] > (day or today()):
        raise ActionError(_("This period has not begun yet."), field=field)
    return period
