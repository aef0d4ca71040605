"""What the reads of a plan's values share: the statuses in the order they are shown, the
chosen snapshot, the stored row of an area and of its child areas, a value's cell and status,
the breadcrumbs, and the plan, area, year and snapshot a read is asked for."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from linli.core import areacodes
from linli.core.errors import NotFound
from linli.core.models import Area

from ...models import Indicator, Measurement, Plan, Snapshot, SnapshotValue, Target
from ..access import plan_area, plan_for, plan_prefixes
from ..catalogue import indicator_label
from ..status import Cell, Status, TargetState, cell_from_json, status_of
from .years import year_of

__all__ = ["STATUSES"]

# The order statuses are counted and shown in; ``worst`` ranks them the other way round.
STATUSES = (Status.MET, Status.AT_RISK, Status.NOT_MET, Status.NO_DATA)
_RANK = {Status.NO_DATA: 0, Status.MET: 1, Status.AT_RISK: 2, Status.NOT_MET: 3}


def _snapshot(plan: Plan, snapshot_id, *, field: str = "snapshot") -> Snapshot | None:
    if snapshot_id in (None, ""):
        return None
    try:
        pk = int(str(snapshot_id).strip())
    except (TypeError, ValueError):
        raise NotFound(_("No such snapshot of this plan."), field=field) from None
    found = Snapshot.objects.filter(plan=plan, pk=pk).select_related("taken_by").first()
    if found is None:
        raise NotFound(_("No such snapshot of this plan."), field=field)
    return found


def _label(indicator: Indicator) -> str:
    return indicator_label(indicator)


def _targets(plan: Plan) -> list[Target]:
    return list(
        Target.objects.filter(plan=plan).select_related("indicator").order_by("position", "id")
    )


def _cell(values: dict | None, indicator: Indicator) -> Cell:
    return cell_from_json((values or {}).get(indicator.key))


def _state(target: Target, cell: Cell) -> TargetState:
    return status_of(target, cell, target.indicator.decimals)


def _counts(states) -> dict[str, int]:
    counts = {str(s): 0 for s in STATUSES}
    for state in states:
        counts[str(state.status)] += 1
    return counts


def _worst(states) -> str:
    worst = Status.NO_DATA
    for state in states:
        if _RANK[state.status] > _RANK[worst]:
            worst = state.status
    return str(worst)


def _row(plan: Plan, year: int, snapshot: Snapshot | None, code: str):
    """The stored row of one area: (values, measured_at) or (None, None)."""
    if snapshot is not None:
        found = (
            SnapshotValue.objects.filter(snapshot=snapshot, area_code=code)
            .values_list("values", flat=True)
            .first()
        )
        return (found, snapshot.measured_at) if found is not None else (None, None)
    found = (
        Measurement.objects.filter(plan=plan, year=year, area_code=code)
        .values_list("values", "computed_at")
        .first()
    )
    return found if found is not None else (None, None)


def _children(plan: Plan, year: int, snapshot: Snapshot | None, code: str) -> list[tuple]:
    """(area_code, name, level, values) of the stored rows whose parent is ``code``."""
    if snapshot is not None:
        qs = SnapshotValue.objects.filter(snapshot=snapshot, parent_code=code)
    else:
        qs = Measurement.objects.filter(plan=plan, year=year, parent_code=code)
    return list(qs.order_by("area_code").values_list("area_code", "name", "level", "values"))


def _measured_at(snapshot: Snapshot | None, computed_at) -> dt.datetime | None:
    """When the values shown were measured: the snapshot's moment, or the live row's."""
    return snapshot.measured_at if snapshot is not None else computed_at


def _breadcrumbs(actor, plan: Plan, area: Area) -> list[tuple[str, str]]:
    """(code, name) from the widest area of the plan the actor sees down to ``area``."""
    top = next((p for p in plan_prefixes(actor, plan) if area.code.startswith(p)), area.prefix)
    codes = [
        code
        for code in [*areacodes.ancestors(area.code), area.code]
        if len(areacodes.prefix_of(code)) >= len(top)
    ]
    names = dict(Area.objects.filter(code__in=codes).values_list("code", "name"))
    return [(code, names.get(code, code)) for code in codes]


def _query(area: Area, year: int, snapshot: Snapshot | None, **more) -> str:
    kept = {"area": area.code, "year": year}
    if snapshot is not None:
        kept["snapshot"] = snapshot.pk
    kept.update({k: v for k, v in more.items() if v})
    return urlencode(kept)


def _drill_url(plan: Plan, target: Target, area: Area, year: int, snapshot) -> str:
    return f"{reverse('plans:drill', args=[plan.pk, target.pk])}?{_query(area, year, snapshot)}"


def _resolve(actor, plan_id, area_code, year, snapshot_id):
    plan = plan_for(actor, plan_id)
    area = plan_area(actor, plan, area_code)
    snapshot = _snapshot(plan, snapshot_id)
    chosen = snapshot.year if snapshot is not None else year_of(plan, year)
    return plan, area, chosen, snapshot
