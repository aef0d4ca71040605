"""Teams and organisations: their lists (member counts counted in SQL), a team's page with its
members (a search to add volunteers of the town, roles, removal), the team and organisation
forms, deactivating and reactivating."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from linli.core import scoping
from linli.core.areacodes import Level
from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.models import Area
from linli.core.pii import mask_phone
from linli.core.roles import Cap
from linli.core.views.glue import apply_errors, filter_errors, is_htmx, paginate

from ...actions import people as actions
from ...forms.people import MemberForm, OrganisationForm, TeamForm
from ...models import Membership, Organisation, Skill, TargetGroup, Team
from ._shared import messages_of, q, require_view, team_url

TEAM_FILTERS = ("q", "area", "skill", "target_group", "party_led", "active")
ORG_FILTERS = ("q", "kind", "area", "active")


def _values(source, keys) -> dict[str, str]:
    values = {key: " ".join(str(source.get(key, "")).split())[:50] for key in keys}
    values["active"] = values.get("active") or "yes"
    return values


def _active_choices():
    return [("yes", _("Active")), ("no", _("Inactive")), ("all", _("All"))]


# --- teams ------------------------------------------------------------------------------------


@login_required
@require_GET
def team_list(request):
    require_view(request)
    actor = request.user
    values = _values(request.GET, TEAM_FILTERS)
    errors: dict = {}
    try:
        rows = q.team_list(actor=actor, filters=q.TeamFilters(**values))
    except ActionError as exc:
        errors = filter_errors(exc)
        rows = Team.objects.none()
    page = paginate(request, rows)
    context = {
        "page_obj": page,
        "values": values,
        "errors": errors,
        "filtered": any(v for k, v in values.items() if k != "active") or values["active"] != "yes",
        "skills": Skill.choices,
        "groups": TargetGroup.choices,
        "actives": _active_choices(),
        "can_create": bool(q.communities_managed(actor=actor)),
        "htmx": is_htmx(request),
    }
    status = 400 if errors and not context["htmx"] else 200
    return render(request, "volunteers/people/team_list.html", context, status=status)


def _team(request, team_id: int) -> Team:
    require_view(request)
    try:
        return q.team_get(actor=request.user, team_id=team_id)
    except NotFound:
        raise Http404 from None


def _managed_team(request, team_id: int) -> Team:
    team = _team(request, team_id)
    if not q.can_manage(request.user, team.area_code):
        raise PermissionDenied
    return team


@login_required
@require_GET
def team_detail(request, team_id: int):
    team = _team(request, team_id)
    actor = request.user
    manage = q.can_manage(actor, team.area_code)
    search = " ".join(str(request.GET.get("find", "")).split())[:50]
    candidates = []
    if manage and team.active and search:
        candidates = q.team_member_candidates(actor=actor, team=team, q=search)
    members = q.team_members(team)
    for membership in members:
        membership.volunteer.phone_masked = mask_phone(membership.volunteer.phone)
    skills = dict(Skill.choices)
    groups = dict(TargetGroup.choices)
    context = {
        "team": team,
        "skill_names": [skills[c] for c in team.skills or [] if c in skills],
        "group_names": [groups[c] for c in team.target_groups or [] if c in groups],
        "members": members,
        "manage": manage,
        "find": search,
        "candidates": candidates,
        "roles": Membership.Role.choices,
        "here": request.get_full_path(),
        "htmx": is_htmx(request),
    }
    return render(request, "volunteers/people/team_detail.html", context)


def _team_form(request, *, team: Team | None):
    actor = request.user
    if team is None:
        communities = q.communities_managed(actor=actor)
        if not communities:
            raise PermissionDenied
        return TeamForm(
            request.POST if request.method == "POST" else None,
            communities=communities,
            organisations=q.organisation_choices(*communities),
            initial={"community_code": communities[0].code} if len(communities) == 1 else None,
            auto_id="team-%s",
        )
    initial = {
        "name": team.name,
        "organisation_id": str(team.organisation_id or ""),
        "leader_id": str(team.leader_id or ""),
        "party_led": team.party_led,
        "skills": list(team.skills or []),
        "target_groups": list(team.target_groups or []),
        "description": team.description,
    }
    return TeamForm(
        request.POST if request.method == "POST" else None,
        organisations=q.organisation_choices(team.area),
        members=q.team_members(team),
        initial=initial,
        auto_id="team-%s",
    )


def _team_args(data: dict) -> dict:
    args = {
        "name": data["name"],
        "organisation_id": data["organisation_id"] or None,
        "party_led": data["party_led"],
        "skills": data["skills"],
        "target_groups": data["target_groups"],
        "description": data["description"],
    }
    if "leader_id" in data:
        args["leader_id"] = data["leader_id"] or None
    return args


@login_required
@require_http_methods(["GET", "POST"])
def team_new(request):
    require_view(request)
    form = _team_form(request, team=None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                team = actions.team_create(
                    actor=request.user,
                    community_code=form.cleaned_data["community_code"],
                    **_team_args(form.cleaned_data),
                )
            except Forbidden:
                raise PermissionDenied from None
            except ActionError as exc:
                apply_errors(form, exc)
                status = exc.status
            else:
                messages.success(
                    request,
                    _("The team %(name)s is formed: add its members.") % {"name": team.name},
                )
                return redirect(team_url(team))
    return render(request, "volunteers/people/team_form.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def team_edit(request, team_id: int):
    team = _managed_team(request, team_id)
    form = _team_form(request, team=team)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                actions.team_update(
                    actor=request.user, team_id=team.pk, **_team_args(form.cleaned_data)
                )
            except Forbidden:
                raise PermissionDenied from None
            except ActionError as exc:
                apply_errors(form, exc)
                status = exc.status
            else:
                messages.success(request, _("The changes are saved."))
                return redirect(team_url(team))
    context = {"form": form, "team": team}
    return render(request, "volunteers/people/team_form.html", context, status=status)


def _team_step(request, team: Team, act, message: str):
    back = team_url(team)
    try:
        act()
    except Forbidden:
        raise PermissionDenied from None
    except ActionError as exc:
        for text in messages_of(exc):
            messages.error(request, text)
    else:
        messages.success(request, message)
    return redirect(back)


@login_required
@require_POST
def team_active(request, team_id: int):
    team = _managed_team(request, team_id)
    active = request.POST.get("active") == "1"
    return _team_step(
        request,
        team,
        lambda: actions.team_update(actor=request.user, team_id=team.pk, active=active),
        _("The team is active again.") if active else _("The team is deactivated."),
    )


@login_required
@require_POST
def team_member_add(request, team_id: int):
    team = _managed_team(request, team_id)
    form = MemberForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a volunteer to add."))
        return redirect(team_url(team))
    data = form.cleaned_data
    return _team_step(
        request,
        team,
        lambda: actions.team_member_add(
            actor=request.user,
            team_id=team.pk,
            volunteer_id=data["volunteer_id"],
            role=data["role"] or Membership.Role.MEMBER,
        ),
        _("The volunteer is added to the team."),
    )


@login_required
@require_POST
def team_member_role(request, team_id: int):
    team = _managed_team(request, team_id)
    form = MemberForm(request.POST)
    if not form.is_valid() or not form.cleaned_data["role"]:
        messages.error(request, _("Choose a role from the list."))
        return redirect(team_url(team))
    data = form.cleaned_data
    return _team_step(
        request,
        team,
        lambda: actions.team_member_set_role(
            actor=request.user,
            team_id=team.pk,
            volunteer_id=data["volunteer_id"],
            role=data["role"],
        ),
        _("The role is changed."),
    )


@login_required
@require_POST
def team_member_remove(request, team_id: int):
    team = _managed_team(request, team_id)
    volunteer_id = str(request.POST.get("volunteer_id", ""))[:20]
    return _team_step(
        request,
        team,
        lambda: actions.team_member_remove(
            actor=request.user, team_id=team.pk, volunteer_id=volunteer_id
        ),
        _("The volunteer is no longer in the team."),
    )


# --- organisations ---------------------------------------------------------------------------


@login_required
@require_GET
def organisation_list(request):
    require_view(request)
    actor = request.user
    values = _values(request.GET, ORG_FILTERS)
    errors: dict = {}
    try:
        rows = q.organisation_list(actor=actor, filters=q.OrganisationFilters(**values))
    except ActionError as exc:
        errors = filter_errors(exc)
        rows = Organisation.objects.none()
    page = paginate(request, rows)
    for org in page.object_list:
        org.phone_masked = mask_phone(org.contact_phone)
        org.can_manage = q.can_manage(actor, org.area_code)
    context = {
        "page_obj": page,
        "values": values,
        "errors": errors,
        "kinds": Organisation.Kind.choices,
        "actives": _active_choices(),
        "can_create": scoping.has_cap(actor, Cap.VOLUNTEER_MANAGE),
        "htmx": is_htmx(request),
    }
    status = 400 if errors and not context["htmx"] else 200
    return render(request, "volunteers/people/organisation_list.html", context, status=status)


def _org_areas(actor) -> list[Area]:
    """Counties, towns and communities where the actor may record an organisation."""
    return list(
        scoping.scope(
            Area.objects.filter(level__in=[Level.COUNTY, Level.TOWN, Level.COMMUNITY]),
            actor,
            Cap.VOLUNTEER_MANAGE,
            field="code",
        ).order_by("code")[:400]
    )


def _org_url() -> str:
    return reverse("volunteers:organisations")


@login_required
@require_http_methods(["GET", "POST"])
def organisation_new(request):
    require_view(request)
    areas = _org_areas(request.user)
    if not areas:
        raise PermissionDenied
    form = OrganisationForm(
        request.POST if request.method == "POST" else None, areas=areas, auto_id="org-%s"
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                org = actions.organisation_create(actor=request.user, **form.cleaned_data)
            except Forbidden:
                raise PermissionDenied from None
            except ActionError as exc:
                apply_errors(form, exc)
                status = exc.status
            else:
                messages.success(request, _("%(name)s is recorded.") % {"name": org.name})
                return redirect(_org_url())
    return render(
        request, "volunteers/people/organisation_form.html", {"form": form}, status=status
    )


def _managed_org(request, organisation_id: int) -> Organisation:
    require_view(request)
    try:
        org = q.organisation_get(actor=request.user, organisation_id=organisation_id)
    except NotFound:
        raise Http404 from None
    if not q.can_manage(request.user, org.area_code):
        raise PermissionDenied
    return org


@login_required
@require_http_methods(["GET", "POST"])
def organisation_edit(request, organisation_id: int):
    org = _managed_org(request, organisation_id)
    initial = {
        "name": org.name,
        "credit_code": org.credit_code,
        "contact_name": org.contact_name,
    }
    form = OrganisationForm(
        request.POST if request.method == "POST" else None, initial=initial, auto_id="org-%s"
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = dict(form.cleaned_data)
            if not data["contact_phone"]:
                data.pop("contact_phone")  # blank keeps the number on record
            try:
                actions.organisation_update(actor=request.user, organisation_id=org.pk, **data)
            except Forbidden:
                raise PermissionDenied from None
            except ActionError as exc:
                apply_errors(form, exc)
                status = exc.status
            else:
                messages.success(request, _("The changes are saved."))
                return redirect(_org_url())
    context = {"form": form, "organisation": org, "phone_masked": mask_phone(org.contact_phone)}
    return render(request, "volunteers/people/organisation_form.html", context, status=status)


@login_required
@require_POST
def organisation_active(request, organisation_id: int):
    org = _managed_org(request, organisation_id)
    active = request.POST.get("active") == "1"
    try:
        actions.organisation_update(actor=request.user, organisation_id=org.pk, active=active)
    except Forbidden:
        raise PermissionDenied from None
    except ActionError as exc:
        for text in messages_of(exc):
            messages.error(request, text)
    else:
        messages.success(
            request,
            _("%(name)s is active again.") % {"name": org.name}
            if active
            else _("%(name)s is deactivated.") % {"name": org.name},
        )
    return redirect(_org_url())


__all__ = [
    "organisation_active",
    "organisation_edit",
    "organisation_list",
    "organisation_new",
    "team_active",
    "team_detail",
    "team_edit",
    "team_list",
    "team_member_add",
    "team_member_remove",
    "team_member_role",
    "team_new",
]
