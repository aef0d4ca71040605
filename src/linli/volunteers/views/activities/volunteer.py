"""The volunteer's pages, phone first: activities to sign up for (filtered by whom they serve
and by day), one activity with its shifts and spots left and a sign-up button per shift, my
activities (to come with "cancel" and waiting-list places, past, and those of the teams I
lead), and the check-in page a QR code opens.

Every form works without JavaScript; each sign-up button carries the key made when the page
was shown, so sending it twice signs up once."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.views.glue import filter_errors, is_htmx, paginate, read

from ...actions import activities as actions
from ...actions.activities._common import when
from ...models import Signup, Skill, TargetGroup
from ...queries import activities as q
from ...queries._common import own_volunteer
from ._shared import back_to, step, texts_of

UPCOMING_MAX = 50
LED_MAX = 20


@login_required
@require_GET
def activity_list(request):
    actor = request.user
    values = {
        "target_group": str(request.GET.get("target_group", ""))[:30],
        "date": str(request.GET.get("date", ""))[:10],
    }
    errors: dict = {}
    try:
        rows = q.public_list(actor=actor, filters=values)
    except ActionError as exc:
        errors = filter_errors(exc)
        rows = q.public_list(actor=actor)
    page = paginate(request, rows)
    context = {
        "page_obj": page,
        "values": values,
        "errors": errors,
        "groups": TargetGroup.choices,
        "volunteer": own_volunteer(actor),
        "htmx": is_htmx(request),
    }
    status = 400 if errors and not context["htmx"] else 200
    return render(request, "volunteers/activities/list.html", context, status=status)


@login_required
@require_GET
def activity(request, activity_id: int):
    view = read(q.activity_detail, actor=request.user, activity_id=activity_id)
    for shift in view.shifts:
        shift.form_key = str(uuid.uuid4())  # sent twice, the sign-up is made once
    return render(
        request,
        "volunteers/activities/detail.html",
        {
            "view": view,
            "a": view.activity,
            "skills": skill_labels(view.activity.skills),
            "here": request.get_full_path(),
        },
    )


def skill_labels(codes) -> list[str]:
    known = dict(Skill.choices)
    return [str(known[code]) for code in codes if code in known]


def _signed_up_text(signup: Signup) -> str:
    shift = signup.shift
    words = {"title": shift.activity.title, "when": when(shift)}
    if signup.status == Signup.Status.WAITLISTED:
        words["place"] = signup.place or 0
        return (
            _(
                "The shift is full: you are number %(place)d on the waiting list of %(title)s, "
                "%(when)s. We will tell you when a spot opens."
            )
            % words
        )
    return _("You are signed up for %(title)s, %(when)s.") % words


@login_required
@require_POST
def signup(request, shift_id: int):
    actor = request.user
    key = str(request.POST.get("client_key", ""))[:40] or str(uuid.uuid4())
    default = reverse("volunteers:activities")
    try:
        made = actions.signup_create(actor=actor, shift_id=shift_id, client_key=key)
    except NotFound:
        raise Http404 from None
    except Forbidden as exc:
        messages.error(request, str(exc.message))
        if exc.code == "not_volunteer":
            return redirect("volunteers:me")
        return redirect(back_to(request, default))
    except ActionError as exc:
        for text in texts_of(exc):
            messages.error(request, text)
        return redirect(back_to(request, default))
    messages.success(request, _signed_up_text(made))
    return redirect(back_to(request, reverse("volunteers:activity", args=[made.shift.activity_id])))


@login_required
@require_POST
def signup_cancel(request, signup_id: int):
    reason = str(request.POST.get("reason", ""))[:300]
    return step(
        request,
        lambda: actions.signup_cancel(actor=request.user, signup_id=signup_id, reason=reason),
        done=_("The sign-up is cancelled."),
        back=back_to(request, reverse("volunteers:my_activities")),
    )


@login_required
@require_GET
def my_activities(request):
    actor = request.user
    volunteer = own_volunteer(actor)
    page = paginate(request, q.my_signups(actor=actor, when="past"))
    return render(
        request,
        "volunteers/activities/mine.html",
        {
            "volunteer": volunteer,
            "upcoming": list(q.my_signups(actor=actor)[:UPCOMING_MAX]),
            "page_obj": page,
            "led": list(q.led_activities(actor=actor)[:LED_MAX]),
            "here": request.get_full_path(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def checkin(request, token: str):
    actor = request.user
    if request.method == "POST":
        out = request.POST.get("step") == "out"
        act = actions.checkout_by_token if out else actions.checkin_by_token
        return step(
            request,
            lambda: act(actor=actor, token=token),
            done=_("Checked out. Thank you for your help!") if out else _("You are checked in."),
            back=reverse("volunteers:checkin", args=[token]),
        )
    view = read(q.checkin_view, actor=actor, token=token)
    return render(request, "volunteers/activities/checkin.html", {"view": view})
