"""The volunteers of a worker's areas: the list with its filters (htmx refreshes it in place),
registering someone at the window, one volunteer's page (teams, totals, recent service, masked
numbers with an audited "show in full"), corrections, status and a withdrawal on paper.

"Show in full" is a POST answered with the page itself (``no-store``): a full number never
travels in a URL, a redirect or the session.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.pii import mask_id_number, mask_phone
from linli.core.views.glue import apply_errors, filter_errors, is_htmx, paginate

from ...actions import people as actions
from ...forms.people import RegisterForm, StatusForm, VolunteerEditForm, availability_grid
from ...models import STAR_HOURS, Skill, Volunteer
from ...queries._common import next_star
from ._shared import (
    labels_of,
    messages_of,
    preference_initial,
    preferences,
    q,
    require_view,
    volunteer_url,
)

FILTERS = ("q", "skill", "star", "party", "status", "team", "area")
STATUS_CHOICES = [
    ("current", gettext_lazy("Active or paused")),
    ("active", gettext_lazy("Active")),
    ("paused", gettext_lazy("Paused")),
    ("left", gettext_lazy("Left")),
    ("all", gettext_lazy("Everyone")),
]
PARTY_CHOICES = [("yes", gettext_lazy("Party members")), ("no", gettext_lazy("Not members"))]


def _values(source) -> dict[str, str]:
    values = {key: " ".join(str(source.get(key, "")).split())[:50] for key in FILTERS}
    values["status"] = values["status"] or "current"
    return values


def _kept(values: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in values.items() if v and not (k == "status" and v == "current")}


@login_required
@require_GET
def volunteer_list(request):
    require_view(request)
    actor = request.user
    values = _values(request.GET)
    errors: dict = {}
    try:
        rows = q.volunteer_list(actor=actor, filters=q.VolunteerFilters(**values))
    except ActionError as exc:
        errors = filter_errors(exc)
        rows = Volunteer.objects.none()
    page = paginate(request, rows)
    page.object_list = q.with_masks(page.object_list)
    teams = list(q.teams_seen(actor).filter(active=True).values_list("pk", "name")[:200])
    context = {
        "page_obj": page,
        "values": values,
        "errors": errors,
        "filtered": bool(_kept(values)),
        "skills": Skill.choices,
        "stars": [(str(n), n) for n in range(len(STAR_HOURS) + 1)],
        "parties": PARTY_CHOICES,
        "statuses": STATUS_CHOICES,
        "teams": [(str(pk), name) for pk, name in teams],
        "can_register": bool(q.communities_managed(actor=actor)),
        "htmx": is_htmx(request),
    }
    status = 400 if errors and not context["htmx"] else 200
    return render(request, "volunteers/people/volunteer_list.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def volunteer_new(request):
    require_view(request)
    actor = request.user
    communities = q.communities_managed(actor=actor)
    if not communities:
        raise PermissionDenied
    form = RegisterForm(
        request.POST if request.method == "POST" else None,
        communities=communities,
        organisations=q.organisation_choices(*communities),
        initial={"community_code": communities[0].code} if len(communities) == 1 else None,
        auto_id="vol-%s",
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            home = next(c for c in communities if c.code == data["community_code"])
            try:
                volunteer = actions.volunteer_register(
                    actor=actor,
                    community_code=home.code,
                    name=data["name"],
                    id_number=data["id_number"],
                    phone=data["phone"],
                    login=data["login"],
                    organisation_id=data["organisation_id"] or None,
                    consent=data["consent"],
                    **preferences(data, home),
                )
            except Forbidden:
                raise PermissionDenied from None
            except ActionError as exc:
                apply_errors(form, exc)
                status = exc.status
            else:
                messages.success(
                    request,
                    _("%(name)s is registered as volunteer %(number)s.")
                    % {"name": volunteer.name, "number": volunteer.number},
                )
                return redirect(volunteer_url(volunteer))
    context = {
        "form": form,
        "grid": availability_grid(form["availability"]),
        "consent": {
            "title": actions.CONSENT_TITLE,
            "points": actions.CONSENT_POINTS,
            "version": actions.CONSENT_VERSION,
            "note": actions.PAPER_FORM_NOTE % {"version": actions.CONSENT_VERSION},
        },
    }
    return render(request, "volunteers/people/volunteer_form.html", context, status=status)


def _found(request, volunteer_id: int) -> Volunteer:
    require_view(request)
    try:
        return q.volunteer_get(actor=request.user, volunteer_id=volunteer_id)
    except NotFound:
        raise Http404 from None


def _managed(request, volunteer_id: int) -> Volunteer:
    volunteer = _found(request, volunteer_id)
    if not q.can_manage(request.user, volunteer.area_code):
        raise PermissionDenied
    return volunteer


def _detail(request, volunteer, *, revealed=None, reveal_error="", status=200):
    actor = request.user
    sex, age = q.identity(volunteer)
    level, missing = next_star(volunteer.hours_total)
    context = {
        "volunteer": volunteer,
        "id_masked": mask_id_number(volunteer.id_number),
        "phone_masked": mask_phone(volunteer.phone),
        "sex": sex,
        "age": age,
        "memberships": q.volunteer_teams(volunteer),
        "records": q.volunteer_records(volunteer),
        "next_level": level,
        "hours_to_next": missing,
        "revealed": revealed or {},
        "reveal_error": reveal_error,
        "can_manage": q.can_manage(actor, volunteer.area_code),
        "can_reveal": q.can_reveal(actor, volunteer.area_code),
        "status_form": StatusForm(initial={"status": volunteer.status}, auto_id="status-%s"),
        "volunteer_stars": range(volunteer.star),
        **labels_of(volunteer),
    }
    response = render(request, "volunteers/people/volunteer_detail.html", context, status=status)
    if revealed:
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def volunteer_detail(request, volunteer_id: int):
    return _detail(request, _found(request, volunteer_id))


@never_cache
@login_required
@require_POST
def volunteer_reveal(request, volunteer_id: int):
    found = _found(request, volunteer_id)
    field = str(request.POST.get("field", ""))
    if field not in actions.REVEALABLE:
        raise Http404
    try:
        value = actions.volunteer_reveal(actor=request.user, volunteer_id=found.pk, field=field)
    except Forbidden:
        raise PermissionDenied from None
    except ActionError as exc:
        return _detail(request, found, reveal_error=str(exc.message), status=400)
    return _detail(request, found, revealed={field: value})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def volunteer_edit(request, volunteer_id: int):
    found = _managed(request, volunteer_id)
    initial = preference_initial(found) | {"name": found.name}
    form = VolunteerEditForm(
        request.POST if request.method == "POST" else None, initial=initial, auto_id="vol-%s"
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            changes = {"name": data["name"], **preferences(data, found.area)}
            if data["id_number"]:
                changes["id_number"] = data["id_number"]
            if data["clear_phone"]:
                changes["phone"] = ""
            elif data["phone"]:
                changes["phone"] = data["phone"]
            if data["unlink"]:
                changes["login"] = ""
            elif data["login"]:
                changes["login"] = data["login"]
            try:
                actions.volunteer_update(actor=request.user, volunteer_id=found.pk, **changes)
            except Forbidden:
                raise PermissionDenied from None
            except ActionError as exc:
                apply_errors(form, exc)
                status = exc.status
            else:
                messages.success(request, _("The changes are saved."))
                return redirect(volunteer_url(found))
    context = {
        "form": form,
        "grid": availability_grid(form["availability"]),
        "volunteer": found,
        "phone_masked": mask_phone(found.phone),
        "id_masked": mask_id_number(found.id_number),
    }
    return render(request, "volunteers/people/volunteer_form.html", context, status=status)


@login_required
@require_POST
def volunteer_status(request, volunteer_id: int):
    found = _managed(request, volunteer_id)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status from the list."))
        return redirect(volunteer_url(found))
    try:
        actions.volunteer_set_status(
            actor=request.user,
            volunteer_id=found.pk,
            status=form.cleaned_data["status"],
            consent=form.cleaned_data["consent"],
        )
    except Forbidden:
        raise PermissionDenied from None
    except ActionError as exc:
        for text in messages_of(exc):
            messages.error(request, text)
    else:
        messages.success(request, _("The status is recorded."))
    return redirect(volunteer_url(found))


@login_required
@require_POST
def volunteer_withdraw(request, volunteer_id: int):
    """Record a withdrawal of consent the person asked for on paper (confirmed by a box)."""
    found = _managed(request, volunteer_id)
    if request.POST.get("confirm") != "1":
        messages.error(request, _("Tick the box to confirm the person's written request."))
        return redirect(volunteer_url(found))
    try:
        actions.volunteer_withdraw(actor=request.user, volunteer_id=found.pk)
    except Forbidden:
        raise PermissionDenied from None
    except ActionError as exc:
        for text in messages_of(exc):
            messages.error(request, text)
    else:
        messages.success(
            request, _("The withdrawal is recorded: the phone number and preferences are erased.")
        )
    return redirect(volunteer_url(found))


def list_url(**params) -> str:
    kept = {k: v for k, v in params.items() if v not in (None, "")}
    url = reverse("volunteers:volunteers")
    return f"{url}?{urlencode(kept)}" if kept else url


__all__ = [
    "list_url",
    "volunteer_detail",
    "volunteer_edit",
    "volunteer_list",
    "volunteer_new",
    "volunteer_reveal",
    "volunteer_status",
    "volunteer_withdraw",
]
