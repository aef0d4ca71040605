"""Training cycles: how often each kind of worker must be trained.

The nearest :class:`~linli.workforce.models.TrainingRule` up the area tree wins; without one,
the plans' rule applies: secretaries and directors every year, everyone else every two years
(每年至少对社区党组织书记、居委会主任培训一次，其他成员每2年至少一次).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from linli.core import areacodes

from .models import TrainingRule, Worker

DEFAULT_CYCLE_MONTHS = {TrainingRule.AppliesTo.HEADS: 12, TrainingRule.AppliesTo.OTHERS: 24}


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


def cycles_for(area_code: str) -> dict[str, Cycle]:
    """The cycle of each kind of worker (heads, others) that applies in ``area_code``. One
    query."""
    codes = _ancestors(area_code)
    found = {
        (rule.area_code, rule.applies_to): rule
        for rule in TrainingRule.objects.filter(area_code__in=codes)
    }
    out: dict[str, Cycle] = {}
    for applies_to, default in DEFAULT_CYCLE_MONTHS.items():
        for code in codes:
            rule = found.get((code, applies_to))
            if rule is not None:
                out[applies_to] = Cycle(applies_to, rule.cycle_months, rule.min_hours, code)
                break
        else:
            out[applies_to] = Cycle(applies_to, default, Decimal(0), None)
    return out


def applies_to(worker: Worker) -> str:
    """Heads (书记, 主任, or both in one person) or everyone else."""
    if worker.committee_role in Worker.HEADS:
        return TrainingRule.AppliesTo.HEADS
    return TrainingRule.AppliesTo.OTHERS


def window_start(as_of: dt.date, months: int) -> dt.date:
    """The first day a training counts for a cycle of ``months`` ending on ``as_of``."""
    month_index = as_of.year * 12 + as_of.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    day = min(as_of.day, _days_in_month(year, month))
    return dt.date(year, month, day) + dt.timedelta(days=1)


def _days_in_month(year: int, month: int) -> int:
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    return (following - dt.timedelta(days=1)).day
