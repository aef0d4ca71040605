"""A value against its target: the cell of one indicator for one area, and its status.

A :class:`Cell` is what a recompute stores for an indicator and an area (numerator,
denominator, value, how many communities were counted and how many of them miss the target).
:func:`status_of` compares it with a :class:`~linli.plans.models.Target`:

- **met**: the value satisfies the target — and, for a target that applies to each community,
  no community misses it;
- **at risk**: not met, but within the target's at-risk margin (by default a tenth of the target
  value, in the indicator's unit), or met as a whole while some communities miss a
  per-community target;
- **not met**: anything further off;
- **no data**: no value (nothing to count, or nothing reported).

The gap is how far the value is from the target in the indicator's unit (0 when met).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import models
from django.utils.translation import gettext_lazy as _

from ..models import Target

__all__ = [
    "Cell",
    "Status",
    "TargetState",
    "cell_from_json",
    "cell_to_json",
    "met",
    "status_of",
]

DEFAULT_MARGIN_SHARE = Decimal("0.1")


class Status(models.TextChoices):
    MET = "met", _("met")
    AT_RISK = "at_risk", _("at risk")
    NOT_MET = "not_met", _("not met")
    NO_DATA = "no_data", _("no data")


@dataclass(frozen=True, slots=True)
class Cell:
    """One indicator's value for one area. ``source`` is ``computed`` or ``reported``;
    ``counted`` is how many communities (towns for a town-level indicator) the value covers and
    ``below`` how many of them miss the target."""

    numerator: Decimal | None
    denominator: Decimal | None
    value: Decimal | None
    source: str = "computed"
    counted: int | None = None
    below: int | None = None

    @property
    def empty(self) -> bool:
        return self.value is None


EMPTY = Cell(None, None, None, source="none")


def _dec(text) -> Decimal | None:
    if text is None or text == "":
        return None
    try:
        return Decimal(str(text))
    except (InvalidOperation, ValueError):
        return None


def cell_to_json(cell: Cell) -> list:
    """The compact JSON form kept in ``Measurement.values``: ``[n, d, v, source, counted,
    below]`` with decimals as strings."""

    def text(value):
        return None if value is None else format(Decimal(value).normalize(), "f")

    return [
        text(cell.numerator),
        text(cell.denominator),
        text(cell.value),
        cell.source,
        cell.counted,
        cell.below,
    ]


def cell_from_json(data) -> Cell:
    if not data:
        return EMPTY
    n, d, v, source, counted, below = (list(data) + [None] * 6)[:6]
    return Cell(_dec(n), _dec(d), _dec(v), source or "computed", counted, below)


def met(op: str, value: Decimal, goal: Decimal) -> bool:
    if op == ">":
        return value > goal
    if op == "=":
        return value == goal
    if op == "<=":
        return value <= goal
    return value >= goal


def _gap(op: str, value: Decimal, goal: Decimal) -> Decimal:
    if met(op, value, goal):
        return Decimal(0)
    if op == "<=":
        return value - goal
    if op == "=":
        return abs(goal - value)
    return goal - value  # ">" and ">=": how much more is needed


@dataclass(frozen=True, slots=True)
class TargetState:
    status: str
    gap: Decimal | None


def status_of(target: Target, cell: Cell, decimals: int = 1) -> TargetState:
    """The status of ``cell`` against ``target`` and the gap, rounded to ``decimals``."""
    if cell is None or cell.value is None:
        return TargetState(Status.NO_DATA, None)
    step = Decimal(1).scaleb(-decimals)
    value = cell.value.quantize(step, rounding=ROUND_HALF_UP)
    goal = Decimal(target.value)
    gap = _gap(target.op, value, goal).quantize(step, rounding=ROUND_HALF_UP)
    if met(target.op, value, goal):
        if target.per_community and cell.below:
            return TargetState(Status.AT_RISK, Decimal(0))
        return TargetState(Status.MET, Decimal(0))
    margin = target.at_risk_margin
    if margin is None:
        margin = abs(goal) * DEFAULT_MARGIN_SHARE
    if gap <= margin:
        return TargetState(Status.AT_RISK, gap)
    return TargetState(Status.NOT_MET, gap)
