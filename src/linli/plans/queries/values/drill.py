"""Below an area: its child areas × the plan's targets, the drill-down of one target over the
child areas, and the page listing the records behind a value."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from linli.core.areacodes import Level
from linli.core.errors import NotFound
from linli.core.models import Area

from ...models import Indicator, Measurement, Plan, Snapshot, Target
from ..status import Cell, Status, TargetState
from ._common import (
    _breadcrumbs,
    _cell,
    _children,
    _counts,
    _label,
    _measured_at,
    _resolve,
    _row,
    _state,
    _targets,
    _worst,
)
from .years import as_of_for, visit_month

__all__ = [
    "ChildRow",
    "ChildTable",
    "Drill",
    "DrillRow",
    "plan_children",
    "records_url",
    "target_drill",
]


@dataclass(frozen=True)
class ChildRow:
    area_code: str
    name: str
    level: int
    cells: dict[int, tuple[Cell, TargetState]]
    worst: str
    counts: dict[str, int]


@dataclass(frozen=True)
class ChildTable:
    plan: Plan
    area: Area
    year: int
    measured_at: dt.datetime | None
    snapshot: Snapshot | None
    targets: list[Target]
    rows: list[ChildRow]
    breadcrumbs: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class DrillRow:
    area_code: str
    name: str
    level: int
    cell: Cell
    state: TargetState
    records_url: str | None
    is_community: bool


@dataclass(frozen=True)
class Drill:
    plan: Plan
    target: Target
    indicator: Indicator
    label: str
    area: Area
    year: int
    measured_at: dt.datetime | None
    snapshot: Snapshot | None
    total: tuple[Cell, TargetState]
    rows: list[DrillRow]
    breadcrumbs: list[tuple[str, str]]
    records_url: str | None = None  # the records behind the area's own value (its row level)
    only_below: bool = False


def plan_children(*, actor, plan_id, area_code=None, year=None, snapshot_id=None) -> ChildTable:
    """The child areas of an area (towns of a county, communities of a town …) × the plan's
    targets: each cell's value and status, each row's worst status and counts. A community
    has no child areas: no rows."""
    plan, area, chosen, snapshot = _resolve(actor, plan_id, area_code, year, snapshot_id)
    targets = _targets(plan)
    measured_at = None
    if snapshot is None:
        measured_at = (
            Measurement.objects.filter(plan=plan, year=chosen, area_code=area.code)
            .values_list("computed_at", flat=True)
            .first()
        )
    rows = []
    for code, name, level, values in _children(plan, chosen, snapshot, area.code):
        cells = {}
        for target in targets:
            cell = _cell(values, target.indicator)
            cells[target.pk] = (cell, _state(target, cell))
        states = [state for _cell_, state in cells.values()]
        rows.append(
            ChildRow(
                area_code=code,
                name=name,
                level=level,
                cells=cells,
                worst=_worst(states),
                counts=_counts(states),
            )
        )
    return ChildTable(
        plan=plan,
        area=area,
        year=chosen,
        measured_at=_measured_at(snapshot, measured_at),
        snapshot=snapshot,
        targets=targets,
        rows=rows,
        breadcrumbs=_breadcrumbs(actor, plan, area),
    )


def _target(plan: Plan, target_id) -> Target:
    try:
        pk = int(str(target_id).strip())
    except (TypeError, ValueError):
        raise NotFound(_("No such target of this plan."), field="target") from None
    found = Target.objects.filter(plan=plan, pk=pk).select_related("indicator").first()
    if found is None:
        raise NotFound(_("No such target of this plan."), field="target")
    return found


def _row_level(indicator: Indicator) -> int:
    from ..sources import FUNCTIONS

    if indicator.source == Indicator.Source.COMPUTED:
        spec = FUNCTIONS.get(indicator.function)
        if spec is not None:
            return spec.row_level
    return Level.COMMUNITY


def _records_key(indicator: Indicator) -> str:
    if indicator.source == Indicator.Source.COMPUTED and indicator.function:
        return indicator.function
    return indicator.key


def target_drill(
    *,
    actor,
    plan_id,
    target_id,
    area_code=None,
    year=None,
    snapshot_id=None,
    only_below=False,
) -> Drill:
    """One target for an area and each of its child areas, in code order: value, numerator,
    denominator, status and gap; a community (the level the value is counted at) links to the
    records behind its value. ``only_below`` keeps the child areas that miss the target or hold
    communities that do."""
    plan, area, chosen, snapshot = _resolve(actor, plan_id, area_code, year, snapshot_id)
    target = _target(plan, target_id)
    indicator = target.indicator
    values, computed_at = _row(plan, chosen, snapshot, area.code)
    total_cell = _cell(values, indicator)
    row_level = _row_level(indicator)
    key = _records_key(indicator)
    rows = []
    for code, name, level, child_values in _children(plan, chosen, snapshot, area.code):
        cell = _cell(child_values, indicator)
        state = _state(target, cell)
        if only_below and not (
            (cell.below or 0) > 0 or state.status in (Status.NOT_MET, Status.AT_RISK)
        ):
            continue
        rows.append(
            DrillRow(
                area_code=code,
                name=name,
                level=level,
                cell=cell,
                state=state,
                records_url=records_url(key, code, chosen) if level == row_level else None,
                is_community=level == Level.COMMUNITY,
            )
        )
    return Drill(
        plan=plan,
        target=target,
        indicator=indicator,
        label=_label(indicator),
        area=area,
        year=chosen,
        measured_at=_measured_at(snapshot, computed_at),
        snapshot=snapshot,
        total=(total_cell, _state(target, total_cell)),
        rows=rows,
        breadcrumbs=_breadcrumbs(actor, plan, area),
        records_url=records_url(key, area.code, chosen) if area.level == row_level else None,
        only_below=bool(only_below),
    )


# --- the records behind a value ------------------------------------------------------------------


def _url(name: str, **query) -> str:
    kept = {k: v for k, v in query.items() if v not in (None, "")}
    url = reverse(name)
    return f"{url}?{urlencode(kept)}" if kept else url


_FACILITY_KINDS = {
    "facility_coverage": "comprehensive",
    "facility_coverage_urban": "comprehensive",
    "facility_coverage_rural": "comprehensive",
    "facility_area_per_100_households": "comprehensive",
    "activity_area_ratio": "comprehensive",
    "facility_daily_open_hours": "comprehensive",
    "day_care_coverage_urban": "day_care",
    "social_work_station_coverage": "social_work",
    "self_service_coverage_urban": "",
}
_WORKERS = {
    "workers_per_10k_urban": {},
    "social_work_talent_total": {},
    "certified_social_workers_per_urban_community": {"certified": "any"},
}
_APPEALS = ("appeal_response_rate", "appeal_resolution_rate", "appeal_satisfaction_rate")


def records_url(indicator_key: str, area_code: str, year: int) -> str | None:
    """The page listing the records behind an area's value of a computed indicator (its
    facilities, workers, who is due for training, the month's visit rate, the information
    officers, the active teams led by party members, the appeals), filtered to the area; None
    when no page lists them (a reported value: its evidence is on the reported values page)."""
    key = indicator_key or ""
    if key in _FACILITY_KINDS:
        return _url("facilities:list", area=area_code, kind=_FACILITY_KINDS[key])
    if key == "new_facility_area_ratio":
        return _url("facilities:list", area=area_code, new_build="1")
    if key in _WORKERS:
        return _url("workforce:workers", area=area_code, **_WORKERS[key])
    if key == "worker_training_coverage":
        return _url(
            "workforce:training_due", area=area_code, as_of=as_of_for(int(year)).isoformat()
        )
    if key == "special_elderly_monthly_visit_rate":
        return _url("care:rate", area=area_code, month=f"{visit_month(int(year)):%Y-%m}")
    if key == "disaster_officer_coverage":
        return _url("notices:officers", community=area_code)
    if key == "volunteer_team_coverage":
        return _url("volunteers:teams", area=area_code, party_led="yes", active="yes")
    if key in _APPEALS:
        return _url("appeals:inbox", area=area_code, tab="all")
    return None
