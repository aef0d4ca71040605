"""The organiser's pages: the activities of one's areas (filtered by status, team, project,
area, days and title), the form to create or change one, an activity with its shifts, rosters
and waiting lists and its steps (publish, cancel, finish), the shift form, the big QR code of a
shift and its attendance sheet with walk-ins.

Managers (``volunteer.manage``) see every step; staff who only read see the rosters; the
leader of the activity's team reaches the activity page, the QR code and the attendance sheet
of the team's activities (from "my activities")."""

from __future__ import annotations

import uuid

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from linli.core import scoping
from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.roles import Cap
from linli.core.views.glue import filter_errors, is_htmx, paginate, read, submit

from ...actions import activities as actions
from ...forms.activities import ActivityForm, CancelForm, ShiftForm, WalkInForm
from ...models import Activity, Signup
from ...queries import activities as q
from ...queries.activities import _common as rules
from ._shared import back_to, require_staff, step, texts_of

FILTERS = ("status", "team", "project", "area", "date_from", "date_to", "q")
MOMENT = "%Y-%m-%dT%H:%M"


def _values(source) -> dict[str, str]:
    return {key: " ".join(str(source.get(key, "")).split())[:40] for key in FILTERS}


@login_required
@require_GET
def activity_list(request):
    require_staff(request)
    actor = request.user
    values = _values(request.GET)
    errors: dict = {}
    try:
        rows = q.activity_list(actor=actor, filters={k: v for k, v in values.items() if v})
    except ActionError as exc:
        errors = filter_errors(exc)
        rows = Activity.objects.none()
    context = {
        "values": values,
        "errors": errors,
        "page_obj": paginate(request, rows),
        "statuses": Activity.Status.choices,
        "teams": q.team_choices(actor) if scoping.has_cap(actor, Cap.VOLUNTEER_MANAGE) else [],
        "projects": q.project_choices(actor)
        if scoping.has_cap(actor, Cap.VOLUNTEER_MANAGE)
        else [],
        "can_manage": scoping.has_cap(actor, Cap.VOLUNTEER_MANAGE),
        "htmx": is_htmx(request),
    }
    status = 400 if errors and not context["htmx"] else 200
    return render(request, "volunteers/activities/manage_list.html", context, status=status)


def _activity_form(actor, data=None, *, initial=None, first_shift=True, editing=False):
    return ActivityForm(
        data,
        initial=initial or {},
        areas=q.area_choices(actor),
        venues=q.venue_choices(actor),
        teams=q.team_choices(actor),
        projects=q.project_choices(actor),
        organisations=q.organisation_choices(actor),
        first_shift=first_shift,
        editing=editing,
        auto_id="act-%s",
    )


_ALIASES = {
    "shifts.0.starts_at": "shift_starts_at",
    "shifts.0.ends_at": "shift_ends_at",
    "shifts.0.place": "shift_place",
    "shifts.0.role": "shift_role",
    "shifts.0.spots": "shift_spots",
}


@login_required
@require_http_methods(["GET", "POST"])
def activity_create(request):
    require_staff(request, Cap.VOLUNTEER_MANAGE)
    actor = request.user
    if request.method == "GET":
        initial = {"leader_name": actor.full_name, "public": True, "shift_spots": 5}
        form = _activity_form(actor, initial=initial)
        return render(request, "volunteers/activities/form.html", {"form": form})
    form = _activity_form(actor, request.POST)
    answer, status = submit(
        request,
        form,
        lambda data: actions.activity_create(
            actor=actor,
            area_code=data["area_code"],
            shifts=[form.first_shift()],
            **form.activity_fields(),
        ),
        message=_("The activity is saved as a draft: add shifts if needed, then publish it."),
        to=lambda made: reverse("volunteers:activity_manage", args=[made.pk]),
        aliases=_ALIASES,
    )
    return answer or render(
        request, "volunteers/activities/form.html", {"form": form}, status=status
    )


def _view(actor, activity_id):
    view = read(q.activity_detail, actor=actor, activity_id=activity_id)
    if not (view.reads or view.organises):
        raise Http404
    return view


@login_required
@require_GET
def activity_manage(request, activity_id: int):
    actor = request.user
    view = _view(actor, activity_id)
    rosters = q.activity_roster(actor=actor, activity=view.activity)
    for roster in rosters:
        roster.key = str(uuid.uuid4())  # the "sign someone up" form's own key
    return render(
        request,
        "volunteers/activities/manage.html",
        {
            "view": view,
            "a": view.activity,
            "rosters": rosters,
            "cancel_form": CancelForm(auto_id="cancel-%s"),
            "here": request.get_full_path(),
            "now": timezone.now(),
        },
    )


def _initial(activity: Activity) -> dict:
    return {
        "title": activity.title,
        "description": activity.description,
        "target_group": activity.target_group,
        "beneficiaries": activity.beneficiaries,
        "skills": activity.skills,
        "place": activity.place,
        "venue_id": activity.venue_id or "",
        "leader_name": activity.leader_name,
        "team_id": activity.team_id or "",
        "project_id": activity.project_id or "",
        "organisation_id": activity.organisation_id or "",
        "public": activity.public,
    }


@login_required
@require_http_methods(["GET", "POST"])
def activity_edit(request, activity_id: int):
    actor = request.user
    view = _view(actor, activity_id)
    if not view.manages:
        raise PermissionDenied
    activity = view.activity
    context = {"a": activity}
    if request.method == "GET":
        form = _activity_form(actor, initial=_initial(activity), first_shift=False, editing=True)
        return render(request, "volunteers/activities/form.html", {**context, "form": form})
    form = _activity_form(actor, request.POST, first_shift=False, editing=True)
    answer, status = submit(
        request,
        form,
        lambda data: actions.activity_update(
            actor=actor, activity_id=activity.pk, **form.activity_fields()
        ),
        message=_("The activity is saved."),
        to=reverse("volunteers:activity_manage", args=[activity.pk]),
    )
    return answer or render(
        request, "volunteers/activities/form.html", {**context, "form": form}, status=status
    )


def _manage_url(activity_id: int) -> str:
    return reverse("volunteers:activity_manage", args=[activity_id])


@login_required
@require_POST
def activity_publish(request, activity_id: int):
    return step(
        request,
        lambda: actions.activity_publish(actor=request.user, activity_id=activity_id),
        done=_("The activity is open for sign-up."),
        back=_manage_url(activity_id),
    )


@login_required
@require_POST
def activity_cancel(request, activity_id: int):
    reason = str(request.POST.get("reason", ""))[:300]
    return step(
        request,
        lambda: actions.activity_cancel(actor=request.user, activity_id=activity_id, reason=reason),
        done=_("The activity is cancelled; everyone signed up is told."),
        back=_manage_url(activity_id),
    )


@login_required
@require_POST
def activity_finish(request, activity_id: int):
    def done(activity) -> str:
        return _(
            "The activity is finished: %(absent)d marked not come, %(closed)d taken off the "
            "waiting list. Correct the attendance within 7 days if needed."
        ) % {"absent": activity.absent_count, "closed": activity.closed_count}

    return step(
        request,
        lambda: actions.activity_finish(actor=request.user, activity_id=activity_id),
        done=done,
        back=_manage_url(activity_id),
    )


# --- shifts -------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def shift_add(request, activity_id: int):
    actor = request.user
    view = _view(actor, activity_id)
    if not view.manages:
        raise PermissionDenied
    activity = view.activity
    form = ShiftForm(request.POST or None, initial={"spots": 5}, auto_id="shift-%s")
    if request.method == "POST":
        answer, status = submit(
            request,
            form,
            lambda data: actions.shift_add(actor=actor, activity_id=activity.pk, **data),
            message=_("The shift is added."),
            to=_manage_url(activity.pk),
        )
        if answer:
            return answer
    else:
        status = 200
    return render(
        request,
        "volunteers/activities/shift_form.html",
        {"a": activity, "form": form},
        status=status,
    )


def _organiser_shift(actor, shift_id):
    return read(q.organiser_shift, actor=actor, shift_id=shift_id)


@login_required
@require_http_methods(["GET", "POST"])
def shift_edit(request, shift_id: int):
    actor = request.user
    shift = _organiser_shift(actor, shift_id)
    activity = shift.activity
    if not rules.manages(actor, activity.area_code):
        raise PermissionDenied
    if request.method == "GET":
        local = timezone.localtime
        form = ShiftForm(
            initial={
                "starts_at": local(shift.starts_at).strftime(MOMENT),
                "ends_at": local(shift.ends_at).strftime(MOMENT),
                "place": shift.place,
                "role": shift.role,
                "spots": shift.spots,
            },
            auto_id="shift-%s",
        )
        status = 200
    else:
        form = ShiftForm(request.POST, auto_id="shift-%s")

        def done(changed) -> str:
            text = _("The shift is saved.")
            if changed.moved_count:
                text += " " + _("%(count)d moved to the waiting list (they are told).") % {
                    "count": changed.moved_count
                }
            if changed.promoted_count:
                text += " " + _("%(count)d confirmed from the waiting list (they are told).") % {
                    "count": changed.promoted_count
                }
            return text

        answer, status = submit(
            request,
            form,
            lambda data: actions.shift_update(actor=actor, shift_id=shift.pk, **data),
            message=done,
            to=_manage_url(activity.pk),
        )
        if answer:
            return answer
    return render(
        request,
        "volunteers/activities/shift_form.html",
        {"a": activity, "shift": shift, "form": form},
        status=status,
    )


@login_required
@require_POST
def shift_remove(request, shift_id: int):
    shift = _organiser_shift(request.user, shift_id)
    return step(
        request,
        lambda: actions.shift_remove(actor=request.user, shift_id=shift.pk),
        done=_("The shift is removed."),
        back=_manage_url(shift.activity_id),
    )


@login_required
@require_GET
def shift_qr(request, shift_id: int):
    shift = _organiser_shift(request.user, shift_id)
    url = request.build_absolute_uri(reverse("volunteers:checkin", args=[shift.token]))
    svg = segno.make(url, error="m").svg_inline(scale=1, border=2, omitsize=True)
    return render(
        request,
        "volunteers/activities/qr.html",
        {"shift": shift, "a": shift.activity, "svg": mark_safe(svg), "url": url},  # noqa: S308
    )


# --- attendance ---------------------------------------------------------------------------------


def _marks(post, rows: list[Signup]) -> list[dict]:
    """The marks of the sheet: ``all`` (attended / no_show) for everyone on the list who is
    not waiting, else one ``mark-<id>`` per row."""
    everyone = post.get("all")
    marks = []
    for signup in rows:
        if everyone in ("attended", "no_show"):
            if signup.status != Signup.Status.WAITLISTED:
                marks.append({"signup_id": signup.pk, "status": everyone})
            continue
        wanted = post.get(f"mark-{signup.pk}", "")
        if wanted in ("attended", "no_show") and wanted != signup.status:
            marks.append({"signup_id": signup.pk, "status": wanted})
    return marks


@login_required
@require_http_methods(["GET", "POST"])
def attendance(request, shift_id: int):
    actor = request.user
    shift = _organiser_shift(actor, shift_id)
    rows = q.attendance_sheet(actor=actor, shift=shift)
    here = reverse("volunteers:attendance", args=[shift.pk])
    if request.method == "POST":
        marks = _marks(request.POST, rows)
        if not marks:
            messages.info(request, _("Nothing was changed."))
            return redirect(here)
        return step(
            request,
            lambda: actions.attendance_mark(actor=actor, shift_id=shift.pk, marks=marks),
            done=lambda changed: (
                _("Attendance saved: %(count)d changed.") % {"count": len(changed)}
            ),
            back=here,
        )
    return render(
        request,
        "volunteers/activities/attendance.html",
        {
            "shift": shift,
            "a": shift.activity,
            "rows": rows,
            "walkin_form": WalkInForm(auto_id="walkin-%s"),
            "now": timezone.now(),
            "late": shift.ends_at + rules.ATTENDANCE_LATE,
        },
    )


@login_required
@require_POST
def walkin(request, shift_id: int):
    actor = request.user
    shift = _organiser_shift(actor, shift_id)
    form = WalkInForm(request.POST)
    here = reverse("volunteers:attendance", args=[shift.pk])
    if not form.is_valid():
        messages.error(request, _("Give the volunteer number or the mobile phone number."))
        return redirect(here)
    data = form.cleaned_data
    return step(
        request,
        lambda: actions.walkin_add(
            actor=actor, shift_id=shift.pk, number=data["number"], phone=data["phone"]
        ),
        done=lambda signup: _("%(name)s is checked in.") % {"name": signup.volunteer.name},
        back=here,
    )


@login_required
@require_POST
def signup_for(request, shift_id: int):
    """An organiser signs a volunteer up, found by number or phone."""
    actor = request.user
    shift = _organiser_shift(actor, shift_id)
    activity = shift.activity
    back = back_to(request, _manage_url(activity.pk))
    form = WalkInForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    volunteer = q.volunteer_for(
        actor=actor,
        activity=activity,
        number=" ".join(str(data.get("number") or "").split()).upper(),
        phone="".join(str(data.get("phone") or "").split()),
    )
    if volunteer is None:
        messages.error(request, _("No volunteer with this number among those you may add."))
        return redirect(back)
    try:
        made = actions.signup_create(
            actor=actor,
            shift_id=shift.pk,
            volunteer_id=volunteer.pk,
            client_key=data.get("client_key") or "",
        )
    except (NotFound, Forbidden):
        raise PermissionDenied from None
    except ActionError as exc:
        for text in texts_of(exc):
            messages.error(request, text)
        return redirect(back)
    if made.status == Signup.Status.WAITLISTED:
        text = _("%(name)s is number %(place)d on the waiting list.") % {
            "name": volunteer.name,
            "place": made.place or 0,
        }
    else:
        text = _("%(name)s is signed up.") % {"name": volunteer.name}
    messages.success(request, text)
    return redirect(back)
