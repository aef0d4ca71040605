"""Where the recompute of a plan's year stands, and the reported values page: the entries of
one reported indicator for an area and its child areas."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from linli.core import scoping
from linli.core.areacodes import Level
from linli.core.errors import NotFound
from linli.core.models import Area
from linli.core.roles import Cap

from ...models import Indicator, Measurement, Plan, Recompute, ReportedValue, Target
from ..access import plan_area, plan_for, plan_prefixes
from ._common import _breadcrumbs, _label, _targets
from .years import plan_years, year_of

__all__ = [
    "RecomputeState",
    "ReportedRow",
    "ReportedTable",
    "recompute_state",
    "reported_table",
]


@dataclass(frozen=True)
class RecomputeState:
    """The newest recompute of a plan's year and when its values were last measured."""

    plan: Plan
    year: int
    run: Recompute | None
    measured_at: dt.datetime | None

    @property
    def running(self) -> bool:
        return self.run is not None and self.run.status in (
            Recompute.Status.QUEUED,
            Recompute.Status.RUNNING,
        )


def recompute_state(*, actor, plan_id, year=None) -> RecomputeState:
    """Where the recompute of a plan's year (the newest by default) stands."""
    plan = plan_for(actor, plan_id)
    if not plan_prefixes(actor, plan):
        raise NotFound(_("No such plan."), field="plan")
    chosen = year_of(plan, year)
    run = (
        Recompute.objects.filter(plan=plan, year=chosen)
        .select_related("requested_by")
        .order_by("-requested_at", "-id")
        .first()
    )
    measured_at = (
        Measurement.objects.filter(plan=plan, year=chosen, area_code=plan.area_code)
        .values_list("computed_at", flat=True)
        .first()
    )
    return RecomputeState(plan=plan, year=chosen, run=run, measured_at=measured_at)


@dataclass(frozen=True)
class ReportedRow:
    """An area of the reported values page with its entry of the year (or none)."""

    area_code: str
    name: str
    level: int
    value: object  # ReportedValue | None
    can_report: bool
    is_area: bool  # the area itself (the others are its child areas)
    has_children: bool


@dataclass(frozen=True)
class ReportedTable:
    plan: Plan
    indicators: list[Indicator]
    indicator: Indicator | None
    target: Target | None
    year: int
    years: list[int]
    area: Area
    rows: list[ReportedRow]
    breadcrumbs: list[tuple[str, str]]
    choices: list[tuple[Indicator, str]] = field(default_factory=list)  # (indicator, label)
    label: str = ""  # the chosen indicator's

    @property
    def can_report(self) -> bool:
        return any(row.can_report for row in self.rows)


def reported_table(
    *, actor, plan_id, indicator_id=None, year=None, area_code=None
) -> ReportedTable:
    """The entries of one reported indicator of the plan (the first by default) for a year: the
    area's own (the actor's widest of the plan by default) and its child areas', each with who
    entered it and when, and whether the actor may report it."""
    plan = plan_for(actor, plan_id)
    area = plan_area(actor, plan, area_code)
    chosen = year_of(plan, year)
    targets = [t for t in _targets(plan) if t.indicator.source == Indicator.Source.REPORTED]
    indicators = [t.indicator for t in targets]
    target = targets[0] if targets else None
    if indicator_id not in (None, ""):
        try:
            pk = int(str(indicator_id).strip())
        except (TypeError, ValueError):
            pk = 0
        target = next((t for t in targets if t.indicator_id == pk), None)
        if target is None:
            raise NotFound(_("No such reported indicator of this plan."), field="indicator")
    children = list(
        Area.objects.filter(parent_id=area.code, level__lte=Level.COMMUNITY)
        .order_by("code")
        .values_list("code", "name", "level")
    )
    places = [(area.code, area.name, area.level), *children]
    values = {}
    if target is not None:
        values = {
            row.area_code: row
            for row in ReportedValue.objects.filter(
                indicator=target.indicator, year=chosen, area_code__in=[p[0] for p in places]
            ).select_related("entered_by")
        }
    rows = [
        ReportedRow(
            area_code=code,
            name=name,
            level=level,
            value=values.get(code),
            can_report=target is not None and scoping.has_cap(actor, Cap.PLAN_REPORT, code),
            is_area=code == area.code,
            has_children=level < Level.COMMUNITY,
        )
        for code, name, level in places
    ]
    return ReportedTable(
        plan=plan,
        indicators=indicators,
        indicator=target.indicator if target is not None else None,
        target=target,
        year=chosen,
        years=plan_years(plan),
        area=area,
        rows=rows,
        breadcrumbs=_breadcrumbs(actor, plan, area),
        choices=[(indicator, _label(indicator)) for indicator in indicators],
        label=_label(target.indicator) if target is not None else "",
    )
