"""The daily log (民情日记) pages: the list with the form to write an entry, and one entry (which
its author may change within the week).

The form works without JavaScript. With it, ``gridwork/log.js`` keeps an unsent entry on the
phone (localStorage) with the form's key, so an entry typed where there is no signal is sent
later, once; the page after a successful write names the key so the draft is dropped.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from linli.core.errors import ActionError, NotFound
from linli.core.roles import Cap
from linli.core.views.glue import apply_errors, filter_errors, paginate

from .. import actions, queries
from ..forms import LogEditForm, LogForm
from ._shared import require_any, with_query, written_key

FILTERS = ("mine", "area", "since", "until")


def _values(source) -> dict[str, str]:
    values = {key: " ".join(str(source.get(key, "")).split())[:20] for key in FILTERS}
    values["mine"] = "1" if values["mine"] in ("1", "on", "true") else ""
    return values


def _list_context(request, values: dict[str, str]) -> dict:
    actor = request.user
    errors: dict = {}
    try:
        rows = queries.log_list(
            actor=actor,
            author="me" if values["mine"] else None,
            area=values["area"],
            since=values["since"] or None,
            until=values["until"] or None,
        )
    except ActionError as exc:
        errors = filter_errors(exc)
        rows = queries.log_list(actor=actor).none()
    page = paginate(request, rows)
    page.object_list = queries.logs_with_area_names(page.object_list)
    for entry in page.object_list:
        entry.changeable = queries.can_change(actor, entry)
    return {
        "values": values,
        "errors": errors,
        "page_obj": page,
        "filtered": any(values.values()),
        "areas": queries.log_areas(actor=actor),
        "written": written_key(request),
    }


@login_required
@require_http_methods(["GET", "POST"])
def log(request):
    require_any(request, Cap.GRID_WORK)
    actor = request.user
    areas = queries.log_areas(actor=actor)
    status = 200
    if request.method == "POST":
        form = LogForm(request.POST, areas=areas)
        if form.is_valid():
            data = form.cleaned_data
            try:
                entry = actions.log_write(actor=actor, **data)
            except ActionError as exc:
                apply_errors(form, exc)
                status = exc.status
            else:
                if entry.written_now:
                    messages.success(request, _("Your log entry is saved."))
                else:
                    messages.info(request, _("This entry was saved already."))
                back = "gridwork:day" if request.POST.get("next") == "day" else "gridwork:log"
                return redirect(with_query(back, written=str(entry.client_key)))
        else:
            status = 400
    else:
        form = LogForm(areas=areas)
    context = _list_context(request, _values(request.GET))
    context.update(form=form, fresh=request.method == "GET")
    return render(request, "gridwork/log.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def log_entry(request, log_id: int):
    require_any(request, Cap.GRID_WORK)
    actor = request.user
    try:
        entry = queries.log_get(actor=actor, log_id=log_id)
    except NotFound:
        raise Http404 from None
    changeable = queries.can_change(actor, entry)
    form = None
    status = 200
    if changeable:
        initial = {
            "area_code": entry.area_code,
            "day": entry.day.isoformat(),
            "saw": entry.saw,
            "heard": entry.heard,
            "resolved": entry.resolved,
        }
        data = request.POST if request.method == "POST" else None
        form = LogEditForm(data, initial=initial, areas=queries.log_areas(actor=actor))
        if request.method == "POST":
            if form.is_valid():
                try:
                    actions.log_update(actor=actor, log_id=entry.pk, **form.cleaned_data)
                except ActionError as exc:
                    apply_errors(form, exc)
                    status = exc.status
                else:
                    messages.success(request, _("Your log entry is saved."))
                    return redirect("gridwork:log_entry", log_id=entry.pk)
            else:
                status = 400
    elif request.method == "POST":
        raise PermissionDenied
    entry = queries.logs_with_area_names([entry])[0]
    context = {"entry": entry, "form": form, "changeable": changeable}
    return render(request, "gridwork/log_entry.html", context, status=status)


urlpatterns = [
    path("log/", log, name="log"),
    path("log/<int:log_id>/", log_entry, name="log_entry"),
]
