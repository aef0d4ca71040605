"""Matches as pages: the list of matches of the needs one sees, and ending one (done or
cancelled)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from linli.core import scoping
from linli.core.errors import ActionError
from linli.core.roles import Cap
from linli.core.views.glue import filter_errors, is_htmx, paginate

from ...actions import lists as actions
from ...models import Match, Resource
from ...queries import lists as queries
from ._shared import CSS, back_to, clean_values, require_cap, step

FILTERS = ("status", "kind", "area")


@login_required
@require_GET
def match_list(request):
    require_cap(request)
    actor = request.user
    values = clean_values(request.GET, FILTERS)
    filters = {key: values[key] for key in FILTERS if values[key]}
    errors: dict = {}
    try:
        rows = queries.match_list(actor=actor, filters=filters)
    except ActionError as exc:
        errors = filter_errors(exc)
        rows = Match.objects.none()
    context = {
        "css": CSS,
        "values": values,
        "errors": errors,
        "page_obj": paginate(request, rows),
        "statuses": Match.Status.choices,
        "kinds": Resource.Kind.choices,
        "areas": queries.filter_areas(actor=actor),
        "can_manage": scoping.has_cap(actor, Cap.MATCH_MANAGE),
    }
    status = 400 if errors and not is_htmx(request) else 200
    return render(request, "matching/lists/match_list.html", context, status=status)


@login_required
@require_POST
def match_end(request, match_id: int):
    require_cap(request, Cap.MATCH_MANAGE)
    outcome = request.POST.get("outcome", "")
    response, _result = step(
        request,
        lambda: actions.match_end(
            actor=request.user,
            match_id=match_id,
            outcome=outcome,
            note=request.POST.get("note", ""),
        ),
        message=_("The match is done and the need is met.")
        if outcome == Match.Status.DONE
        else _("The match is cancelled; its place is free again."),
        back=back_to(request, reverse("matching:matches")),
    )
    return response
