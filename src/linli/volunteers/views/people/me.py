"""The volunteer's own pages, phone first: registering (when not yet registered), the profile
card (star level, hours, the way to the next star, points, teams), changing preferences,
pausing, leaving and returning, withdrawing consent, joining and leaving teams.

Every form works without JavaScript: the "send me a code" button is a second submit button of
the registration form, which comes back with what was typed kept.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from linli.core.errors import ActionError, NotFound
from linli.core.pii import mask_phone
from linli.core.views.glue import apply_errors

from ...actions import people as actions
from ...actions.people import phone as verify
from ...forms.people import STATUS_STEPS, JoinForm, ProfileForm, availability_grid
from ...models import STAR_HOURS, Volunteer
from ._shared import kept_data, labels_of, messages_of, preference_initial, preferences, q
from .home import star_label


def _refused(form_class, post, exc: ActionError, prefix: str):
    """The form as posted, carrying only the errors of ``exc`` (a code that could not be
    sent is no reason to mark the other fields)."""
    form = form_class(post, auto_id=prefix)
    form.is_valid()
    form.errors.clear()
    apply_errors(form, exc)
    return form


def _consent():
    return {
        "title": actions.CONSENT_TITLE,
        "points": actions.CONSENT_POINTS,
        "version": actions.CONSENT_VERSION,
    }


def _join_page(request, form, home, *, status=200, sent_to=""):
    actor = request.user
    account_phone = actor.phone or ""
    context = {
        "form": form,
        "grid": availability_grid(form["availability"]),
        "home": home,
        "town": home.parent if home is not None and home.parent_id else None,
        "consent": _consent(),
        "account_verified": verify.account_phone_verified(actor),
        "account_phone_masked": mask_phone(account_phone),
        "sent_to": sent_to,
        "ttl_minutes": max(1, settings.OTP_TTL_SECONDS // 60),
    }
    return render(request, "volunteers/people/join.html", context, status=status)


def _profile_page(request, profile):
    volunteer = profile.volunteer
    context = {
        "profile": profile,
        "volunteer": volunteer,
        "stars_total": len(STAR_HOURS),
        "status_steps": STATUS_STEPS,
        "paused": volunteer.status == Volunteer.Status.PAUSED,
        "left": volunteer.status == Volunteer.Status.LEFT,
        "consent": _consent(),
        "phone_masked": mask_phone(volunteer.phone),
        "star_label": star_label(volunteer.star),
        **labels_of(volunteer),
    }
    return render(request, "volunteers/people/me.html", context)


@never_cache
@login_required
def me(request):
    """Registered: the profile card. Not yet: the registration page."""
    profile = q.my_profile(actor=request.user)
    if profile is not None:
        return _profile_page(request, profile)
    actor = request.user
    home = q.home_community(actor)
    form = JoinForm(
        initial={"phone": actor.phone or "", "name": actor.full_name}, auto_id="join-%s"
    )
    return _join_page(request, form, home)


@never_cache
@login_required
@require_POST
def join(request):
    """Register (or, with the "send me a code" button, text a code to the number typed)."""
    actor = request.user
    if q.my_profile(actor=actor) is not None:
        return redirect("volunteers:me")
    home = q.home_community(actor)
    if home is None:
        return _join_page(request, JoinForm(auto_id="join-%s"), None, status=400)
    if "send_code" in request.POST:
        form = JoinForm(initial=kept_data(request.POST, JoinForm), auto_id="join-%s")
        try:
            otp_phone = str(request.POST.get("phone", ""))[:20]
            actions.volunteer_code_send(actor=actor, phone=otp_phone)
        except ActionError as exc:
            bound = _refused(JoinForm, request.POST, exc, "join-%s")
            return _join_page(request, bound, home, status=exc.status)
        return _join_page(request, form, home, sent_to=mask_phone(form.initial.get("phone")))
    form = JoinForm(request.POST, auto_id="join-%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            volunteer = actions.volunteer_join(
                actor=actor,
                name=data["name"],
                id_number=data["id_number"],
                phone=data["phone"],
                code=data["code"],
                consent=data["consent"],
                **preferences(data, home),
            )
        except ActionError as exc:
            apply_errors(form, exc)
            return _join_page(request, form, home, status=exc.status)
        messages.success(
            request,
            _("Welcome, volunteer! Your volunteer number is %(number)s.")
            % {"number": volunteer.number},
        )
        return redirect("volunteers:me")
    return _join_page(request, form, home, status=400)


def _own_or_404(request) -> Volunteer:
    found = q.my_profile(actor=request.user)
    if found is None:
        raise Http404
    return found.volunteer


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def me_edit(request):
    volunteer = _own_or_404(request)
    home = volunteer.area
    sent_to = ""
    status = 200
    if request.method == "GET":
        form = ProfileForm(initial=preference_initial(volunteer), auto_id="profile-%s")
    elif "send_code" in request.POST:
        form = ProfileForm(initial=kept_data(request.POST, ProfileForm), auto_id="profile-%s")
        try:
            actions.volunteer_code_send(actor=request.user, phone=request.POST.get("phone", ""))
        except ActionError as exc:
            form = _refused(ProfileForm, request.POST, exc, "profile-%s")
            status = exc.status
        else:
            sent_to = mask_phone(form.initial.get("phone"))
    else:
        form = ProfileForm(request.POST, auto_id="profile-%s")
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            new_phone = {"phone": data["phone"], "code": data["code"]} if data["phone"] else {}
            try:
                actions.volunteer_update_own(
                    actor=request.user, **new_phone, **preferences(data, home)
                )
            except ActionError as exc:
                apply_errors(form, exc)
                status = exc.status
            else:
                messages.success(request, _("Your volunteer details are saved."))
                return redirect("volunteers:me")
    context = {
        "form": form,
        "grid": availability_grid(form["availability"]),
        "volunteer": volunteer,
        "phone_masked": mask_phone(volunteer.phone),
        "town": home.parent if home.parent_id else None,
        "sent_to": sent_to,
        "ttl_minutes": max(1, settings.OTP_TTL_SECONDS // 60),
    }
    return render(request, "volunteers/people/me_edit.html", context, status=status)


_STATUS_DONE = {
    "active": gettext_lazy("Welcome back: you are an active volunteer again."),
    "paused": gettext_lazy("Your volunteering is paused. Come back whenever you like."),
    "left": gettext_lazy("You have left volunteering. Your service records are kept."),
}


@login_required
@require_POST
def me_status(request):
    _own_or_404(request)
    status = str(request.POST.get("status", ""))[:10]
    try:
        actions.volunteer_set_own_status(
            actor=request.user, status=status, consent=request.POST.get("consent", "")
        )
    except NotFound:
        raise Http404 from None
    except ActionError as exc:
        for text in messages_of(exc):
            messages.error(request, text)
    else:
        messages.success(request, str(_STATUS_DONE.get(status, "")))
    return redirect("volunteers:me")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def me_withdraw(request):
    """Withdraw consent: a page that says what is erased and what is kept, then a POST."""
    volunteer = _own_or_404(request)
    error = ""
    if request.method == "POST":
        if request.POST.get("confirm") != "1":
            error = _("Tick the box to confirm that you withdraw your consent.")
        else:
            try:
                actions.volunteer_withdraw(actor=request.user)
            except ActionError as exc:
                error = str(exc.message)
            else:
                messages.success(
                    request,
                    _(
                        "Your consent is withdrawn: your phone number and preferences are "
                        "erased and you have left volunteering."
                    ),
                )
                return redirect("volunteers:me")
    return render(
        request,
        "volunteers/people/me_withdraw.html",
        {"volunteer": volunteer, "consent": _consent(), "error": error},
        status=400 if error else 200,
    )


def _team_step(request, team_id: int, act, message: str):
    try:
        membership = act(actor=request.user, team_id=team_id)
    except NotFound:
        raise Http404 from None
    except ActionError as exc:
        for text in messages_of(exc):
            messages.error(request, text)
    else:
        messages.success(request, message % {"team": membership.team.name})
    return redirect("volunteers:me")


@login_required
@require_POST
def me_team_join(request, team_id: int):
    return _team_step(request, team_id, actions.team_join, _("You are now in %(team)s."))


@login_required
@require_POST
def me_team_leave(request, team_id: int):
    return _team_step(request, team_id, actions.team_leave, _("You have left %(team)s."))


__all__ = ["join", "me", "me_edit", "me_status", "me_team_join", "me_team_leave", "me_withdraw"]
