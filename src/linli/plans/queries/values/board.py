"""An area's board: the plan's targets for one area and year (live values, or a
snapshot's), each with its value and status, the counts by status, and whether the values are
out of date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from linli.core.models import Area

from ...models import Indicator, Plan, Recompute, Snapshot, Target
from ..status import Cell, TargetState
from ._common import (
    _breadcrumbs,
    _cell,
    _counts,
    _drill_url,
    _label,
    _measured_at,
    _resolve,
    _row,
    _state,
    _targets,
)
from .years import plan_years, stale_minutes

__all__ = ["Board", "BoardItem", "plan_board"]


@dataclass(frozen=True)
class BoardItem:
    """One target of the plan for the area: its value (cell) and status."""

    target: Target
    indicator: Indicator
    label: str
    unit: str
    cell: Cell
    state: TargetState
    binding: bool
    decimals: int
    rows_url: str


@dataclass(frozen=True)
class Board:
    """A plan's targets for one area and year (live values, or a snapshot's)."""

    plan: Plan
    area: Area
    year: int
    measured_at: dt.datetime | None  # None: never computed
    snapshot: Snapshot | None
    items: list[BoardItem]
    counts: dict[str, int]
    last_run: Recompute | None
    stale: bool
    breadcrumbs: list[tuple[str, str]] = field(default_factory=list)
    years: list[int] = field(default_factory=list)


def plan_board(*, actor, plan_id, area_code=None, year=None, snapshot_id=None) -> Board:
    """The plan's targets for an area (the actor's widest of the plan by default) and a year
    (the newest by default): each with its value, status and gap, the counts by status, when the
    values were measured and whether they are out of date. With ``snapshot_id``, the snapshot's
    values (and its year)."""
    plan, area, chosen, snapshot = _resolve(actor, plan_id, area_code, year, snapshot_id)
    values, computed_at = _row(plan, chosen, snapshot, area.code)
    targets = _targets(plan)
    items = []
    for target in targets:
        indicator = target.indicator
        cell = _cell(values, indicator)
        items.append(
            BoardItem(
                target=target,
                indicator=indicator,
                label=_label(indicator),
                unit=indicator.unit,
                cell=cell,
                state=_state(target, cell),
                binding=target.binding,
                decimals=indicator.decimals,
                rows_url=_drill_url(plan, target, area, chosen, snapshot),
            )
        )
    measured_at = _measured_at(snapshot, computed_at)
    last_run = (
        Recompute.objects.filter(plan=plan, year=chosen).order_by("-requested_at", "-id").first()
    )
    stale = snapshot is None and (
        measured_at is None or measured_at < timezone.now() - dt.timedelta(minutes=stale_minutes())
    )
    return Board(
        plan=plan,
        area=area,
        year=chosen,
        measured_at=measured_at,
        snapshot=snapshot,
        items=items,
        counts=_counts(item.state for item in items),
        last_run=last_run,
        stale=stale,
        breadcrumbs=_breadcrumbs(actor, plan, area),
        years=plan_years(plan),
    )
