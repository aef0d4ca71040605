"""Livelihood projects as staff pages: the list with its filters and the budget totals of its
header, one project (milestones, updates, linked needs, what may be done next) and the summary
per child area with its chart.

Filters are a plain GET form (htmx refreshes the results in place when it is there).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from linli.core import scoping
from linli.core.errors import ActionError
from linli.core.roles import Cap
from linli.core.views.glue import filter_errors, is_htmx, paginate, read

from ...models import Category, LivelihoodProject
from ...queries import projects as q

FILTERS = ("area", "status", "category", "funding", "published", "q")


def require_cap(request, cap: str = Cap.MATCH_VIEW) -> None:
    if not scoping.has_cap(request.user, cap):
        raise PermissionDenied


def get_project(request, pk: int) -> LivelihoodProject:
    """The project with its milestones, updates and needs, or the 404 page."""
    return read(q.project_get, actor=request.user, project_id=pk)


def _values(source) -> dict[str, str]:
    values = {key: " ".join(str(source.get(key, "")).split())[:40] for key in FILTERS}
    if values["published"] not in ("1", "0"):
        values["published"] = ""
    return values


@login_required
@require_GET
def project_list(request):
    require_cap(request)
    actor = request.user
    values = _values(request.GET)
    filters = {key: values[key] for key in FILTERS if values[key]}
    errors: dict = {}
    try:
        rows = q.project_list(actor=actor, filters=filters)
        totals = q.project_totals(actor=actor, filters=filters)
    except ActionError as exc:
        errors = filter_errors(exc)
        rows = q.project_list(actor=actor).none()
        totals = q.Totals()
    context = {
        "values": values,
        "errors": errors,
        "page_obj": paginate(request, rows),
        "totals": totals,
        "statuses": LivelihoodProject.Status.choices,
        "categories": Category.choices,
        "fundings": LivelihoodProject.Funding.choices,
        "areas": q.project_filter_areas(actor=actor),
        "can_manage": scoping.has_cap(actor, Cap.PROJECT_MANAGE),
    }
    status = 400 if errors and not is_htmx(request) else 200
    return render(request, "matching/projects/list.html", context, status=status)


@login_required
@require_GET
def project(request, pk: int):
    require_cap(request)
    actor = request.user
    found = get_project(request, pk)
    manage = q.project_can_manage(actor, found.area_code)
    open_ = found.status != LivelihoodProject.Status.CANCELLED
    context = {
        "project": found,
        "milestones": found.milestone_rows,
        "updates": list(found.updates.all()),
        "needs": list(found.needs.all()),
        "can_manage": manage,
        "can_change": manage and open_,
        "can_cancel": manage and found.status not in ("done", "cancelled"),
        "public_url": reverse("matching:public_project", args=[found.pk])
        if found.published
        else "",
    }
    return render(request, "matching/projects/detail.html", context)


# --- the summary per area ----------------------------------------------------------------------


def _summary_url(code: str) -> str:
    return reverse("matching:project_summary") + "?" + urlencode({"area": code})


def _list_url(code: str) -> str:
    return reverse("matching:projects") + "?" + urlencode({"area": code})


@login_required
@require_GET
def project_summary(request):
    require_cap(request)
    actor = request.user
    chosen = " ".join(str(request.GET.get("area", "")).split())[:20]
    errors: dict = {}
    try:
        found = q.project_summary(actor=actor, area_code=chosen or None)
    except ActionError as exc:
        if getattr(exc, "status", 400) == 403:
            raise PermissionDenied from None
        errors = filter_errors(exc)
        found = read(q.project_summary, actor=actor)
    rows = [
        {
            "row": row,
            "list_url": _list_url(row.code),
            "drill_url": _summary_url(row.code) if row.drill else "",
        }
        for row in found.rows
    ]
    shown = [row for row in found.rows if row.count or not row.own]
    chart = {
        "names": [
            _("%(area)s itself") % {"area": row.name} if row.own else row.name for row in shown
        ],
        "progress": [row.progress for row in shown],
        "budget": [float(row.budget) for row in shown],
        "count": [row.count for row in shown],
        "overdue": [row.overdue for row in shown],
        "urls": [_summary_url(row.code) if row.drill else _list_url(row.code) for row in shown],
        "labels": {
            "progress": _("Average progress (%)"),
            "budget": _("Budget (yuan)"),
            "count": _("Projects"),
            "overdue": _("Milestones overdue"),
        },
    }
    context = {
        "summary": found,
        "rows": rows,
        "chart_data": chart,
        "errors": errors,
        "value": chosen or found.area.code,
        "up_url": _summary_url(found.up) if found.up else "",
        "list_url": _list_url(found.area.code),
    }
    return render(request, "matching/projects/summary.html", context, status=400 if errors else 200)


__all__ = ["get_project", "project", "project_list", "project_summary", "require_cap"]
