"""A plan's values at /api/v1/plans/{plan}/…: the board of an area, its child areas, the
drill-down of one target, the trend, snapshots, recomputes and reported values.

Each operation parses, calls one action or query of :mod:`linli.plans`, and shapes the answer.
You see the areas of a plan within your own (a town officer sees the county's plan over the
town); anything else is a 404. Errors are problem+json.
"""

from __future__ import annotations

from typing import Annotated

from ninja import Path, Query, Router, Status

from ..actions import measure as actions
from ..models import Recompute, ReportedValue, Snapshot
from ..queries import values as q
from ..queries.access import plan_for
from ..queries.catalogue import indicator_label
from ..queries.status import Cell, TargetState
from ..queries.status import Status as ValueStatus
from ..schemas_values import (
    MAX_ID,
    BoardOut,
    ChildrenOut,
    DrillFilters,
    DrillOut,
    RecomputeIn,
    RecomputeOut,
    RecomputeStateOut,
    ReportedFilters,
    ReportedIn,
    ReportedOut,
    ReportedTableOut,
    SnapshotIn,
    SnapshotOut,
    TableFilters,
    TrendOut,
)

router = Router()

RowId = Annotated[int, Path(ge=1, le=MAX_ID)]


# --- shaping ------------------------------------------------------------------------------------


def _number(value):
    return None if value is None else float(value)


def _cell(cell: Cell) -> dict:
    return {
        "numerator": _number(cell.numerator),
        "denominator": _number(cell.denominator),
        "value": _number(cell.value),
        "source": cell.source,
        "counted": cell.counted,
        "below": cell.below,
    }


def _state(state: TargetState) -> dict:
    return {
        "status": str(state.status),
        "status_label": str(ValueStatus(state.status).label),
        "gap": _number(state.gap),
    }


def _pair(target_id: int, found: tuple[Cell, TargetState]) -> dict:
    cell, state = found
    return {"target_id": target_id, "cell": _cell(cell), "state": _state(state)}


def _head(target) -> dict:
    return {
        "target_id": target.pk,
        "indicator_key": target.indicator.key,
        "label": indicator_label(target.indicator),
        "unit": target.indicator.unit,
        "op": target.op,
        "target": float(target.value),
    }


def _run(run: Recompute | None) -> dict | None:
    if run is None:
        return None
    return {
        "id": run.pk,
        "plan_id": run.plan_id,
        "year": run.year,
        "status": run.status,
        "requested_at": run.requested_at,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "duration_ms": run.duration_ms,
        "areas": run.areas,
        "error": run.error,
    }


def _who(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username


def _snapshot(snapshot: Snapshot | None) -> dict | None:
    if snapshot is None:
        return None
    return {
        "id": snapshot.pk,
        "label": snapshot.label,
        "year": snapshot.year,
        "note": snapshot.note,
        "measured_at": snapshot.measured_at,
        "taken_at": snapshot.taken_at,
        "taken_by": _who(snapshot.taken_by),
    }


def _reported(row: ReportedValue | None) -> dict | None:
    if row is None:
        return None
    return {
        "id": row.pk,
        "indicator_id": row.indicator_id,
        "area_code": row.area_code,
        "year": row.year,
        "numerator": float(row.numerator),
        "denominator": _number(row.denominator),
        "note": row.note,
        "evidence_name": row.evidence_name if row.evidence else "",
        "entered_by": _who(row.entered_by),
        "entered_at": row.entered_at,
    }


def _crumbs(found) -> list[dict]:
    return [{"area_code": code, "name": name} for code, name in found]


def _filters(filters) -> dict:
    return {
        "area_code": filters.area or None,
        "year": filters.year,
        "snapshot_id": filters.snapshot,
    }


# --- reads --------------------------------------------------------------------------------------


@router.get("{int:plan_id}/board", response=BoardOut, summary="A plan's targets for an area")
def board(request, plan_id: RowId, filters: Query[TableFilters]):
    """Each target with the area's value, status and gap (your widest area of the plan and its
    newest year unless chosen; a snapshot's values with ``snapshot``), the counts by status,
    when the values were measured and whether they are out of date."""
    found = q.plan_board(actor=request.user, plan_id=plan_id, **_filters(filters))
    return {
        "plan_id": found.plan.pk,
        "plan_title": found.plan.title,
        "area_code": found.area.code,
        "area_name": found.area.name,
        "area_level": found.area.level,
        "year": found.year,
        "measured_at": found.measured_at,
        "snapshot": _snapshot(found.snapshot),
        "stale": found.stale,
        "counts": found.counts,
        "last_run": _run(found.last_run),
        "breadcrumbs": _crumbs(found.breadcrumbs),
        "items": [
            {
                "target_id": item.target.pk,
                "indicator_id": item.indicator.pk,
                "indicator_key": item.indicator.key,
                "label": item.label,
                "unit": item.unit,
                "op": item.target.op,
                "target": float(item.target.value),
                "binding": item.binding,
                "per_community": item.target.per_community,
                "due_year": item.target.due_year,
                "decimals": item.decimals,
                "cell": _cell(item.cell),
                "state": _state(item.state),
            }
            for item in found.items
        ],
    }


@router.get("{int:plan_id}/children", response=ChildrenOut, summary="The child areas × the targets")
def children(request, plan_id: RowId, filters: Query[TableFilters]):
    """The child areas of an area (towns of a county, communities of a town …), each with every
    target's value and status, its worst status and its counts."""
    found = q.plan_children(actor=request.user, plan_id=plan_id, **_filters(filters))
    return {
        "plan_id": found.plan.pk,
        "area_code": found.area.code,
        "area_name": found.area.name,
        "year": found.year,
        "measured_at": found.measured_at,
        "snapshot_id": found.snapshot.pk if found.snapshot else None,
        "targets": [_head(t) for t in found.targets],
        "rows": [
            {
                "area_code": row.area_code,
                "name": row.name,
                "level": row.level,
                "worst": row.worst,
                "counts": row.counts,
                "cells": [_pair(t.pk, row.cells[t.pk]) for t in found.targets],
            }
            for row in found.rows
        ],
    }


@router.get(
    "{int:plan_id}/targets/{int:target_id}/drill",
    response=DrillOut,
    summary="One target for an area and its child areas",
)
def drill(request, plan_id: RowId, target_id: RowId, filters: Query[DrillFilters]):
    """The area's value of the target and each child area's (``below``: only those missing it
    or holding communities that do); a community links to the records behind its value."""
    found = q.target_drill(
        actor=request.user,
        plan_id=plan_id,
        target_id=target_id,
        only_below=filters.below,
        **_filters(filters),
    )
    return {
        "plan_id": found.plan.pk,
        "target": _head(found.target),
        "area_code": found.area.code,
        "area_name": found.area.name,
        "year": found.year,
        "measured_at": found.measured_at,
        "snapshot_id": found.snapshot.pk if found.snapshot else None,
        "total": _pair(found.target.pk, found.total),
        "records_url": found.records_url,
        "breadcrumbs": _crumbs(found.breadcrumbs),
        "rows": [
            {
                "area_code": row.area_code,
                "name": row.name,
                "level": row.level,
                "is_community": row.is_community,
                "records_url": row.records_url,
                "cell": _cell(row.cell),
                "state": _state(row.state),
            }
            for row in found.rows
        ],
    }


@router.get("{int:plan_id}/trend", response=TrendOut, summary="The targets over the snapshots")
def trend(request, plan_id: RowId, area: str = ""):
    """Each target of an area over the snapshots (oldest first), then the live values."""
    found = q.plan_trend(actor=request.user, plan_id=plan_id, area_code=area[:15] or None)
    return {
        "plan_id": found.plan.pk,
        "area_code": found.area.code,
        "area_name": found.area.name,
        "targets": [_head(t) for t in found.targets],
        "points": [
            {
                "label": point.label,
                "year": point.year,
                "measured_at": point.measured_at,
                "snapshot_id": point.snapshot_id,
                "cells": [_pair(t.pk, point.cells[t.pk]) for t in found.targets],
            }
            for point in found.points
        ],
    }


# --- snapshots ----------------------------------------------------------------------------------


@router.get("{int:plan_id}/snapshots", response=list[SnapshotOut], summary="A plan's snapshots")
def snapshot_list(request, plan_id: RowId):
    """The values frozen for reporting, the newest first."""
    return [_snapshot(s) for s in q.snapshot_list(actor=request.user, plan_id=plan_id)]


@router.post(
    "{int:plan_id}/snapshots", response={201: SnapshotOut}, summary="Freeze a year's values"
)
def snapshot_take(request, plan_id: RowId, payload: SnapshotIn):
    """Copies the plan's live values of the year (never computed: 400) under a label unique
    in the plan (taken: 409). Needs ``plan.manage`` over the plan's jurisdiction."""
    snapshot = actions.snapshot_take(actor=request.user, plan_id=plan_id, **payload.dict())
    return Status(201, _snapshot(snapshot))


@router.delete(
    "{int:plan_id}/snapshots/{int:snapshot_id}", response={204: None}, summary="Remove a snapshot"
)
def snapshot_remove(request, plan_id: RowId, snapshot_id: RowId):
    """Needs ``plan.manage`` over the plan's jurisdiction."""
    actions.snapshot_remove(actor=request.user, snapshot_id=snapshot_id, plan_id=plan_id)
    return Status(204, None)


# --- recompute ----------------------------------------------------------------------------------


@router.post(
    "{int:plan_id}/recompute", response={202: RecomputeOut}, summary="Recompute a plan's values"
)
def recompute(request, plan_id: RowId, payload: RecomputeIn):
    """Queues a recompute of the year (the newest of the plan's by default) for every area of
    the jurisdiction; while one is queued or running, that one is answered. Follow it with
    ``GET …/recompute``. Needs ``plan.manage`` over the plan's jurisdiction."""
    run = actions.plan_recompute(actor=request.user, plan_id=plan_id, year=payload.year)
    run.refresh_from_db()
    return Status(202, _run(run))


@router.get(
    "{int:plan_id}/recompute", response=RecomputeStateOut, summary="Where the recompute stands"
)
def recompute_status(request, plan_id: RowId, year: int | None = None):
    """The newest recompute of the year (the newest of the plan's by default) and when the
    values were last measured."""
    state = q.recompute_state(actor=request.user, plan_id=plan_id, year=year)
    return {
        "plan_id": state.plan.pk,
        "year": state.year,
        "measured_at": state.measured_at,
        "running": state.running,
        "run": _run(state.run),
    }


# --- reported values ----------------------------------------------------------------------------


@router.get(
    "{int:plan_id}/reported", response=ReportedTableOut, summary="Reported values of an area"
)
def reported_table(request, plan_id: RowId, filters: Query[ReportedFilters]):
    """One reported indicator of the plan (the first unless chosen) for a year: the area's own
    value and its child areas', who entered each and when, and whether you may report it."""
    found = q.reported_table(
        actor=request.user,
        plan_id=plan_id,
        indicator_id=filters.indicator,
        year=filters.year,
        area_code=filters.area or None,
    )
    return {
        "plan_id": found.plan.pk,
        "indicator_id": found.indicator.pk if found.indicator else None,
        "year": found.year,
        "area_code": found.area.code,
        "rows": [
            {
                "area_code": row.area_code,
                "name": row.name,
                "level": row.level,
                "is_area": row.is_area,
                "can_report": row.can_report,
                "value": _reported(row.value),
            }
            for row in found.rows
        ],
    }


@router.put("{int:plan_id}/reported", response=ReportedOut, summary="Report an area's value")
def reported_set(request, plan_id: RowId, payload: ReportedIn):
    """Enters or replaces an area's value of one of the plan's reported indicators for a year
    (the evidence file is added on the page). Needs ``plan.report`` over the area."""
    plan_for(request.user, plan_id)
    row = actions.reported_value_set(actor=request.user, plan_id=plan_id, **payload.dict())
    return _reported(row)


@router.delete(
    "{int:plan_id}/reported/{int:reported_id}",
    response={204: None},
    summary="Remove a reported value",
)
def reported_remove(request, plan_id: RowId, reported_id: RowId):
    """Removes the value and its evidence file. Needs ``plan.report`` over its area."""
    plan_for(request.user, plan_id)
    actions.reported_value_remove(actor=request.user, reported_id=reported_id, plan_id=plan_id)
    return Status(204, None)
