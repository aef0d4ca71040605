"""The hours sheet of an activity (谁组织谁记录): its organiser — a worker of the community or
the leader of its team, often on a phone after the activity — sees every volunteer who came
with the hours offered, edits what needs editing and records them all at once. Below, the
records written already, each with its corrections and a link to correct it.

Sending the sheet again (a double tap, the back button) writes nothing new: the page says
those volunteers were recorded already."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.views.glue import apply_errors, read

from ...actions import records as actions
from ...forms.records import HoursSheetForm
from ...queries import records as q


def _initial(sheet: q.HoursSheet) -> dict:
    activity = sheet.activity
    return {
        "activity_name": activity.title,
        "place": activity.place,
        "beneficiaries": sheet.beneficiaries,
        "content": activity.description,
        "leader_name": activity.leader_name,
    }


def _told(request, written: int, already: int) -> None:
    if written:
        messages.success(
            request,
            ngettext(
                "Recorded the hours of %(count)d volunteer.",
                "Recorded the hours of %(count)d volunteers.",
                written,
            )
            % {"count": written},
        )
    if already:
        messages.info(
            request,
            ngettext(
                "%(count)d volunteer was recorded already: nothing new was written for them.",
                "%(count)d volunteers were recorded already: nothing new was written for them.",
                already,
            )
            % {"count": already},
        )


def _posted_already(request, sheet: q.HoursSheet) -> int:
    """Rows of a sheet sent again whose sign-ups have their record by now (the page no longer
    offers them, so the form does not see them)."""
    recorded = {record.signup_id for record in sheet.recorded}
    posted = set()
    for key in request.POST:
        name, _sep, pk = key.partition("-")
        if name == "record" and pk.isdigit() and request.POST.get(key):
            posted.add(int(pk))
    return len(posted & recorded)


@login_required
@require_http_methods(["GET", "POST"])
def activity_hours(request, activity_id: int):
    actor = request.user
    sheet = read(q.activity_hours, actor=actor, activity_id=activity_id)
    form = HoursSheetForm(request.POST or None, initial=_initial(sheet), rows=sheet.rows)
    status = 200
    if request.method == "POST":
        already = _posted_already(request, sheet)
        if not sheet.rows:
            if already:
                _told(request, 0, already)
            else:
                messages.info(request, _("Everyone who came is recorded already."))
            return redirect("volunteers:activity_hours", sheet.activity.pk)
        if not form.is_valid():
            status = 400
        elif not form.rows_data():
            form.add_error(None, _("Tick at least one volunteer whose hours to record."))
            status = 400
        else:
            data = form.cleaned_data
            try:
                result = actions.activity_hours_record(
                    actor=actor,
                    activity_id=sheet.activity.pk,
                    rows=form.rows_data(),
                    activity_name=data["activity_name"],
                    place=data["place"],
                    beneficiaries=data["beneficiaries"],
                    content=data["content"],
                    leader_name=data["leader_name"],
                )
            except NotFound:
                raise Http404 from None
            except Forbidden:
                raise PermissionDenied from None
            except ActionError as exc:
                apply_errors(form, exc)
                status = exc.status
            else:
                _told(request, len(result.written), len(result.already) + already)
                return redirect("volunteers:activity_hours", sheet.activity.pk)
    return render(
        request,
        "volunteers/records/activity_hours.html",
        {
            "sheet": sheet,
            "form": form,
            "rows": form.bound_rows(),
            "points_per_hour": actions.POINTS_PER_HOUR,
        },
        status=status,
    )


urlpatterns = [
    path("records/activity/<int:activity_id>/", activity_hours, name="activity_hours"),
]
