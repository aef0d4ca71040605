"""A plan's values over time: each target for an area over the snapshots and the live values
of the newest year, and the snapshots of a plan."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from linli.core.models import Area

from ...models import Measurement, Plan, Snapshot, SnapshotValue, Target
from ..access import plan_area, plan_for, plan_prefixes
from ..status import Cell, TargetState
from ._common import _cell, _state, _targets
from .years import current_year

__all__ = ["Trend", "TrendPoint", "plan_trend", "snapshot_list"]


@dataclass(frozen=True)
class TrendPoint:
    label: str
    year: int
    measured_at: dt.datetime | None
    snapshot_id: int | None
    cells: dict[int, tuple[Cell, TargetState]]


@dataclass(frozen=True)
class Trend:
    plan: Plan
    area: Area
    targets: list[Target]
    points: list[TrendPoint]


def plan_trend(*, actor, plan_id, area_code=None) -> Trend:
    """Each target of the plan for an area over time: the snapshots (oldest first), then the
    live values of the newest year."""
    plan = plan_for(actor, plan_id)
    area = plan_area(actor, plan, area_code)
    targets = _targets(plan)
    snapshots = list(Snapshot.objects.filter(plan=plan).order_by("measured_at", "id"))
    frozen = dict(
        SnapshotValue.objects.filter(snapshot__plan=plan, area_code=area.code).values_list(
            "snapshot_id", "values"
        )
    )

    def cells(values) -> dict[int, tuple[Cell, TargetState]]:
        out = {}
        for target in targets:
            cell = _cell(values, target.indicator)
            out[target.pk] = (cell, _state(target, cell))
        return out

    points = [
        TrendPoint(
            label=snapshot.label,
            year=snapshot.year,
            measured_at=snapshot.measured_at,
            snapshot_id=snapshot.pk,
            cells=cells(frozen.get(snapshot.pk)),
        )
        for snapshot in snapshots
    ]
    year = current_year(plan)
    if year is not None:
        live = (
            Measurement.objects.filter(plan=plan, year=year, area_code=area.code)
            .values_list("values", "computed_at")
            .first()
        )
        if live is not None:
            points.append(
                TrendPoint(
                    label=_("Live, %(year)s") % {"year": year},
                    year=year,
                    measured_at=live[1],
                    snapshot_id=None,
                    cells=cells(live[0]),
                )
            )
    return Trend(plan=plan, area=area, targets=targets, points=points)


def snapshot_list(*, actor, plan_id) -> list[Snapshot]:
    """The snapshots of a plan the actor sees (any of its areas), the newest first."""
    plan = plan_for(actor, plan_id)
    if not plan_prefixes(actor, plan):
        return []
    return list(
        Snapshot.objects.filter(plan=plan)
        .select_related("taken_by")
        .order_by("-measured_at", "-id")
    )
