"""Who may see which plan, and which of its areas.

A plan belongs to a jurisdiction. An actor holding a plan capability over an area sees:

- every built-in template (they are public texts);
- a plan whose jurisdiction contains one of the actor's areas (a town officer sees the county's
  plan, measured over the town) or lies inside one (a prefecture officer sees its counties'
  plans);
- of a plan, the areas inside both the jurisdiction and one of the actor's areas.

Anything else is "not found", never "forbidden", so that a neighbour cannot learn it exists.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from linli.core import areacodes, scoping
from linli.core.areacodes import Level
from linli.core.errors import ActionError, NotFound
from linli.core.models import Area
from linli.core.roles import Cap

from ..models import Plan

__all__ = [
    "plan_area",
    "plan_for",
    "plan_prefixes",
    "plans_visible",
    "prefix_of_plan",
]


def prefix_of_plan(plan: Plan) -> str:
    return areacodes.prefix_of(plan.area_code)


def plans_visible(actor, cap: str = Cap.PLAN_VIEW):
    """The plans ``actor`` may read with ``cap``: templates, and plans whose jurisdiction
    contains or lies inside one of the actor's areas."""
    granted = scoping.prefixes(actor, cap)
    if not granted:
        return Plan.objects.none()
    if "" in granted:
        return Plan.objects.all()
    q = Q(is_template=True)
    for prefix in granted:
        q |= Q(area_code__startswith=prefix)  # inside the actor's area
        for length in (2, 4, 6, 9, 12):  # jurisdictions above it
            if length <= len(prefix):
                q |= Q(area_code=prefix[:length].ljust(12, "0"))
    return Plan.objects.filter(q)


def plan_for(actor, plan_id, cap: str = Cap.PLAN_VIEW, *, field: str = "plan") -> Plan:
    """The plan ``plan_id`` if ``actor`` may see it with ``cap``; else :class:`NotFound`."""
    try:
        pk = int(plan_id)
    except (TypeError, ValueError):
        raise NotFound(_("No such plan."), field=field) from None
    plan = plans_visible(actor, cap).filter(pk=pk).first()
    if plan is None:
        raise NotFound(_("No such plan."), field=field)
    return plan


def plan_prefixes(actor, plan: Plan, cap: str = Cap.PLAN_VIEW) -> list[str]:
    """The prefixes of ``plan``'s areas that ``actor`` may see with ``cap``: the jurisdiction
    where the actor's area contains it, else the actor's areas inside it. Empty for a template
    (a template is measured nowhere)."""
    if plan.is_template:
        return []
    own = prefix_of_plan(plan)
    found: list[str] = []
    for prefix in scoping.prefixes(actor, cap):
        if own.startswith(prefix):
            return [own]
        if prefix.startswith(own):
            found.append(prefix)
    return sorted(found)


def plan_area(actor, plan: Plan, area_code=None, cap: str = Cap.PLAN_VIEW, *, field="area") -> Area:
    """The area of ``plan`` to show: ``area_code`` when the actor may see it (a community at the
    lowest), else the actor's widest area of the plan. Grids have no figures of their own."""
    granted = plan_prefixes(actor, plan, cap)
    missing = NotFound(_("No such area among yours."), field=field)
    if not granted:
        raise missing
    if area_code in (None, ""):
        code = granted[0].ljust(12, "0")
    else:
        try:
            code = areacodes.normalize(str(area_code).replace("\x00", ""))
        except areacodes.AreaCodeError as exc:
            raise ActionError(str(exc.args[0]), field=field) from None
    if not any(code.startswith(prefix) for prefix in granted):
        raise missing
    area = Area.objects.filter(code=code).first()
    if area is None:
        raise missing
    if area.level == Level.GRID:
        raise ActionError(_("Choose a community or a wider area, not a grid."), field=field)
    return area
