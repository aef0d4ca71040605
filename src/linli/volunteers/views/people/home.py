"""The staff overview at /volunteers/ (url name ``home``), and the resident home page's
"Volunteering" block."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from linli.core import scoping
from linli.core.errors import ActionError
from linli.core.roles import Cap
from linli.web.navigation import HOME_SECTIONS, HomeSection

from ...models import STAR_HOURS
from ._shared import can_manage_any, q


def star_label(level: int) -> str:
    if not level:
        return _("No star yet")
    return ngettext("%(n)d-star volunteer", "%(n)d-star volunteer", level) % {"n": level}


@login_required
@require_GET
def volunteer_home(request):
    """Figures of the actor's area and its children; residents go to their own page."""
    actor = request.user
    if not scoping.has_cap(actor, Cap.VOLUNTEER_VIEW):
        return redirect("volunteers:me")
    code = " ".join(str(request.GET.get("area", "")).split())[:15]
    error = ""
    try:
        figures = q.overview(actor=actor, area_code=code)
    except ActionError as exc:
        error = str(exc.message)
        figures = q.overview(actor=actor)
    rows = figures.rows
    chart = {
        "stars": [star_label(level) for level in q.LEVELS],
        "counts": list(figures.total.by_star),
        "labels": {"volunteers": _("Volunteers")},
    }
    context = {
        "figures": figures,
        "rows": rows,
        "star_rows": [(star_label(level), n) for level, n in figures.star_table],
        "thresholds": STAR_HOURS,
        "chart_data": chart,
        "error": error,
        "areas": q.overview_areas(actor=actor),
        "can_manage": can_manage_any(actor),
        "can_see_lists": scoping.has_cap(actor, Cap.MATCH_VIEW),
        "can_add_project": scoping.has_cap(actor, Cap.PROJECT_MANAGE),
    }
    return render(request, "volunteers/people/home.html", context, status=400 if error else 200)


def _resident_block(request) -> dict | None:
    """Star and hours of the resident's volunteering, or an invitation (one query)."""
    found = q.home_block(actor=request.user)
    context = {"me_url": reverse("volunteers:me"), "volunteer": found}
    if found is not None:
        context["star_label"] = star_label(found["star"])
        context["stars"] = range(found["star"])
    return context


_BLOCK = HomeSection(
    home="resident",
    template="volunteers/people/_home_block.html",
    context=_resident_block,
    order=40,
)
if not any(known.template == _BLOCK.template for known in HOME_SECTIONS):
    HOME_SECTIONS.append(_BLOCK)

__all__ = ["star_label", "volunteer_home"]
