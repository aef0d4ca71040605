"""The plans' block of the officer home: a link at first, filled after the page (htmx) with
each active plan's targets counted by status. The block is registered once, when this module
is first imported."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from linli.core import scoping
from linli.core.errors import ActionError, NotFound
from linli.core.roles import Cap
from linli.web.navigation import HOME_SECTIONS, HomeSection
from linli.web.views import optional_url

from ...models import Plan
from ...queries import values as q
from ...queries.catalogue import plan_list
from ._common import _counts, _url, _when

__all__ = ["HOME_PLANS", "dashboard_home", "officer_block"]

HOME_PLANS = 3


def officer_block(request) -> dict | None:
    """The home page's block asks for nothing but where to load itself from: the plans' values
    are read after the page (htmx), so the home page stays quick. Without JavaScript it is a
    link to the plans."""
    if not scoping.has_cap(request.user, Cap.PLAN_VIEW):
        return None
    return {
        "lazy": True,
        "block_url": reverse("plans:dashboard_home"),
        "plans_url": optional_url("plans:plans"),
    }


@login_required
@require_GET
def dashboard_home(request):
    """The officer home's plan block, filled (htmx): each active plan over the officer's area
    with its targets counted by status."""
    actor = request.user
    if not scoping.has_cap(actor, Cap.PLAN_VIEW):
        raise PermissionDenied
    shown_plans = []
    for plan in plan_list(actor=actor, status=Plan.Status.ACTIVE)[:HOME_PLANS]:
        try:
            board = q.plan_board(actor=actor, plan_id=plan.pk)
        except (NotFound, ActionError):
            continue
        shown_plans.append(
            {"plan": plan, "area": board.area, "year": board.year, "counts": _counts(board.counts),
             "when": _when(board.measured_at), "never": board.measured_at is None,
             "url": _url("plans:dashboard", plan.pk)}
        )  # fmt: skip
    section = {"lazy": False, "plans": shown_plans, "plans_url": optional_url("plans:plans")}
    return render(request, "plans/dashboard/home_block.html", {"section": section})


_BLOCK = HomeSection(
    home="officer", template="plans/dashboard/home_block.html", context=officer_block, order=30
)

if not any(known.template == _BLOCK.template for known in HOME_SECTIONS):
    HOME_SECTIONS.append(_BLOCK)
