"""The grid worker's day (phone first): care visits due, appeals with their grid, open tasks of
their grids and communities and today's daily log, each with its count, its first rows and a
link to the full list; a quick form writes today's log entry.

The day is also a block of the staff home (for ``grid.work`` holders), and the tasks assigned
over an officer's areas a block of the officer home (for ``task.assign`` holders).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.http import require_GET

from linli.core import scoping
from linli.core.roles import Cap
from linli.web.navigation import HOME_SECTIONS, HomeSection

from .. import queries
from ..forms import LogForm
from . import logs
from ._shared import optional_url, require_any, with_query, written_key


@login_required
@require_GET
def day(request):
    require_any(request, Cap.GRID_WORK)
    actor = request.user
    overview = queries.day_overview(actor=actor)
    for plan in overview.visits.top:
        plan.url = optional_url("care:subject", plan.subject_id)
    areas = queries.log_areas(actor=actor)
    context = {
        "day": overview,
        "form": LogForm(areas=areas, auto_id="day-%s"),
        "has_areas": bool(areas),
        "written": written_key(request),
        "links": {
            "visits": optional_url("care:plans", view="mine"),
            "appeals": optional_url("appeals:inbox", mine="1"),
            "tasks": with_query("gridwork:tasks", status="open"),
            "log": reverse("gridwork:log"),
        },
    }
    return render(request, "gridwork/day.html", context)


def _staff_block(request) -> dict | None:
    """Open and overdue tasks of the worker's grids and today's log: two queries."""
    user = request.user
    if not scoping.has_cap(user, Cap.GRID_WORK):
        return None
    return {
        "counts": queries.day_summary(actor=user),
        "day_url": reverse("gridwork:day"),
        "tasks_url": with_query("gridwork:tasks", status="open"),
        "log_url": reverse("gridwork:log"),
    }


def _officer_block(request) -> dict | None:
    """Tasks open over the officer's areas, overdue, and those they assigned: one query."""
    user = request.user
    if not scoping.has_cap(user, Cap.TASK_ASSIGN):
        return None
    return {
        "counts": queries.task_counts(actor=user),
        "tasks_url": with_query("gridwork:tasks", status="open"),
        "overdue_url": with_query("gridwork:tasks", overdue="1"),
        "mine_url": with_query("gridwork:tasks", status="open", mine="1"),
        "items_url": reverse("gridwork:items"),
    }


_BLOCKS = [
    HomeSection(home="staff", template="gridwork/_home_day.html", context=_staff_block, order=20),
    HomeSection(
        home="officer", template="gridwork/_home_tasks.html", context=_officer_block, order=60
    ),
]
HOME_SECTIONS.extend(
    block
    for block in _BLOCKS
    if not any(known.template == block.template for known in HOME_SECTIONS)
)

urlpatterns = [
    path("", day, name="day"),
    *logs.urlpatterns,
]
