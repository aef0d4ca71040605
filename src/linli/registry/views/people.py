"""Registry pages: residents, households and buildings.

Each view parses, calls one query or action, and renders; rules live in ``actions`` and
``queries``. Personal numbers appear masked; "show in full" is a POST that calls the audited
``core.actions.pii_reveal`` and answers with the page itself (``no-store``), so a full number
never travels in a URL, a redirect or the session. Every form works without JavaScript; htmx
only refreshes the result list and the revealed field in place.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from linli.core import actions as core_actions
from linli.core import scoping
from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.roles import Cap
from linli.core.views.glue import apply_errors, filter_errors, is_htmx, paginate

from .. import actions, queries
from ..forms import (
    BuildingCreateForm,
    DeathForm,
    HouseholdCreateForm,
    MemberAddForm,
    MoveForm,
    MoveOutForm,
    ResidentEditForm,
    TagAddForm,
    TagEndForm,
)
from ..models import Resident

CHOICES_MAX = 400  # areas or buildings offered in one <select>
MOVE_CANDIDATES = 20
REVEALABLE = ("id_number", "phone")
# A search for a full ID or phone number is never put in an address (logs keep addresses).
LONG_NUMBER = re.compile(r"\d{5,}")
RESIDENT_FILTERS = ("q", "tag", "age_band", "area", "status")
STATUS_CHOICES = [
    ("active", gettext_lazy("Living here")),
    ("moved_out", gettext_lazy("Moved out")),
    ("deceased", gettext_lazy("Deceased")),
    ("all", gettext_lazy("Everyone")),
]
AGE_BAND_LABELS = {
    "0-17": gettext_lazy("0 to 17"),
    "18-59": gettext_lazy("18 to 59"),
    "60-69": gettext_lazy("60 to 69"),
    "70-79": gettext_lazy("70 to 79"),
    "80+": gettext_lazy("80 and over"),
    "60+": gettext_lazy("60 and over"),
}


# --- shared by the registry's pages ----------------------------------------------------------


def require_cap(request, cap: str = Cap.REGISTRY_VIEW) -> None:
    """Pages of the registry are for those who hold ``cap`` somewhere."""
    if not scoping.has_cap(request.user, cap):
        raise PermissionDenied


def with_masks(residents) -> list:
    """Residents with their ID and phone masked: templates never receive the full numbers."""
    residents = list(residents)
    for resident in residents:
        resident.id_masked = queries.masked_id(resident)
        resident.phone_masked = queries.masked_phone(resident)
    return residents


def with_tags(actor, residents) -> list:
    """Residents with their open, visible group memberships: one query for the whole page."""
    residents = with_masks(residents)
    found = queries.tags_by_resident(actor=actor, resident_ids=[r.pk for r in residents])
    for resident in residents:
        resident.tag_list = found.get(resident.pk, [])
    return residents


def communities_with(actor, cap: str) -> list:
    """The communities and villages over which the actor holds ``cap``, for a <select>."""
    return queries.communities_with(actor=actor, cap=cap, limit=CHOICES_MAX)


def area_options(actor) -> list:
    """Communities and their grids the actor may read, grouped for a <select>."""
    communities = communities_with(actor, Cap.REGISTRY_VIEW)
    groups: dict[str, dict] = {
        c.code: {"label": c.name, "options": [(c.code, _("the whole community"))]}
        for c in communities
    }
    for grid in queries.my_grids(actor=actor).select_related("parent")[:CHOICES_MAX]:
        group = groups.setdefault(
            grid.parent_id or "",
            {"label": grid.parent.name if grid.parent else _("Grids"), "options": []},
        )
        group["options"].append((grid.code, grid.name))
    return [(g["label"], g["options"]) for g in groups.values()]


# --- residents: the search -------------------------------------------------------------------


def _resident_filters(source) -> dict[str, str]:
    values = {key: str(source.get(key, "")).strip() for key in RESIDENT_FILTERS}
    values["q"] = " ".join(values["q"].split())[: queries.SEARCH_MAX_LENGTH]
    values["status"] = values["status"] or "active"
    return values


def _kept(values: dict[str, str]) -> dict[str, str]:
    """The filters worth an address: set, and not the default status."""
    return {k: v for k, v in values.items() if v and not (k == "status" and v == "active")}


def _list_url(values: dict[str, str]) -> str:
    kept = _kept(values)
    url = reverse("registry:resident_list")
    return f"{url}?{urlencode(kept)}" if kept else url


@login_required
@require_http_methods(["GET", "POST"])
def resident_list(request):
    """Search residents: one box (name, pinyin initials, number tails, full numbers, address)
    and filters. The box is sent by POST: a search for a full ID or phone number is answered
    at once and never put in the address; any other search is redirected to a GET address
    that can be bookmarked and paged."""
    require_cap(request)
    actor = request.user
    values = _resident_filters(request.POST if request.method == "POST" else request.GET)
    hidden_search = bool(LONG_NUMBER.search(values["q"]))
    if request.method == "POST" and not hidden_search and not is_htmx(request):
        return redirect(_list_url(values))
    if request.method == "GET" and hidden_search:
        # A full number typed into the address: take it out (the page echoes its address).
        return redirect(_list_url({**values, "q": ""}))
    errors: dict = {}
    try:
        search = queries.resident_search(
            actor=actor,
            filters=queries.ResidentFilters(
                q=values["q"],
                tag=values["tag"],
                age_band=values["age_band"],
                area=values["area"],
                status=values["status"],
            ),
        )
        residents, capped = search.rows, search.capped
    except ActionError as exc:
        errors = filter_errors(exc)
        residents, capped = queries.resident_list(actor=actor).none(), False
    keep = None
    if request.method == "POST":
        keep = _kept({**values, "q": "" if hidden_search else values["q"]})
    page_obj = paginate(request, residents, keep=keep)
    page_obj.object_list = with_tags(actor, page_obj.object_list)
    context = {
        "page_obj": page_obj,
        "values": values,
        "search_hidden": hidden_search and request.method == "POST",
        "search_tail": values["q"][-4:] if hidden_search else "",
        "filtered": any(v for k, v in values.items() if not (k == "status" and v == "active")),
        "errors": errors,
        "tags": queries.visible_tags(actor),
        "age_bands": [(band, AGE_BAND_LABELS.get(band, band)) for band in queries.AGE_BANDS],
        "statuses": STATUS_CHOICES,
        "areas": area_options(actor),
        "can_add": bool(communities_with(actor, Cap.REGISTRY_EDIT)),
        # The export takes the list's filters; a search for a full number stays out of it.
        "capped": capped,
        "search_cap": queries.SEARCH_CAP,
        "export_query": urlencode(_kept({**values, "q": "" if hidden_search else values["q"]})),
    }
    # htmx swaps only successful answers: the errors are part of the results it shows.
    status = 400 if errors and not is_htmx(request) else 200
    if is_htmx(request):
        response = render(request, "registry/resident_list.html#results", context, status=status)
        if not hidden_search:
            response["HX-Push-Url"] = _list_url(values)
    else:
        response = render(request, "registry/resident_list.html", context, status=status)
    if hidden_search:
        response["Cache-Control"] = "no-store"
    return response


# --- one resident ----------------------------------------------------------------------------


def _resident(request, resident_id: int):
    require_cap(request)
    try:
        return queries.resident_get(actor=request.user, resident_id=resident_id)
    except NotFound:
        raise Http404 from None


def _editable(request, resident_id: int):
    resident = _resident(request, resident_id)
    if not queries.can_edit(request.user, resident.area_code):
        raise PermissionDenied
    return resident


def _render_resident(
    request,
    resident,
    *,
    revealed: dict | None = None,
    reveal_error: str = "",
    tag_form: TagAddForm | None = None,
    end_form: TagEndForm | None = None,
    status: int = 200,
):
    actor = request.user
    memberships = queries.resident_tags(actor=actor, resident=resident)
    can_edit = queries.can_edit(actor, resident.area_code)
    active = resident.status == Resident.Status.ACTIVE
    if tag_form is None and can_edit and active:
        tag_form = TagAddForm(
            tags=queries.visible_tags(actor, resident.area_code), auto_id="tag_%s"
        )
    context = {
        "resident": resident,
        "household": resident.household,
        "id_masked": queries.masked_id(resident),
        "phone_masked": queries.masked_phone(resident),
        "revealed": revealed or {},
        "reveal_error": reveal_error,
        "can_edit": can_edit,
        "can_reveal": queries.can_reveal(actor, resident.area_code),
        "active": active,
        "current_tags": [m for m in memberships if m.ended_on is None],
        "past_tags": [m for m in memberships if m.ended_on is not None],
        "history": queries.resident_history(actor=actor, resident=resident),
        "tag_form": tag_form,
        "end_form": end_form,
        "end_membership": end_form["membership_id"].value() if end_form is not None else None,
    }
    return render(request, "registry/resident_detail.html", context, status=status)


@login_required
@require_GET
def resident_detail(request, resident_id: int):
    return _render_resident(request, _resident(request, resident_id))


@never_cache
@login_required
@require_POST
def resident_reveal(request, resident_id: int):
    """Show one personal field in full: audited; answered with the page, never redirected."""
    resident = _resident(request, resident_id)
    field = request.POST.get("field", "")
    if field not in REVEALABLE:
        raise Http404
    try:
        value = core_actions.pii_reveal(actor=request.user, instance=resident, field_name=field)
    except Forbidden:
        raise PermissionDenied from None
    except ActionError as exc:
        return _render_resident(request, resident, reveal_error=exc.message, status=400)
    return _render_resident(request, resident, revealed={field: value})


@login_required
@require_POST
def resident_tag_add(request, resident_id: int):
    resident = _editable(request, resident_id)
    form = TagAddForm(
        request.POST, tags=queries.visible_tags(request.user, resident.area_code), auto_id="tag_%s"
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            membership = actions.resident_tag_add(
                actor=request.user,
                resident_id=resident.pk,
                tag_code=data["tag_code"],
                started_on=data["started_on"],
                grade=data["grade"],
                note=data["note"],
            )
        except Forbidden:
            raise PermissionDenied from None
        except ActionError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s is now in the group “%(group)s”.")
                % {"name": resident.name, "group": membership.tag.name},
            )
            return redirect("registry:resident_detail", resident_id=resident.pk)
    return _render_resident(request, resident, tag_form=form, status=400)


@login_required
@require_POST
def resident_tag_end(request, resident_id: int):
    resident = _editable(request, resident_id)
    form = TagEndForm(request.POST, auto_id="end_%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            membership = actions.resident_tag_end(
                actor=request.user, membership_id=data["membership_id"], ended_on=data["ended_on"]
            )
        except Forbidden:
            raise PermissionDenied from None
        except NotFound:
            raise Http404 from None
        except ActionError as exc:
            apply_errors(form, exc, aliases={"membership_id": "ended_on"})
        else:
            messages.success(
                request,
                _("The membership of “%(group)s” ended on %(date)s.")
                % {"group": membership.tag.name, "date": membership.ended_on.isoformat()},
            )
            return redirect("registry:resident_detail", resident_id=membership.resident_id)
    return _render_resident(request, resident, end_form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def resident_edit(request, resident_id: int):
    resident = _editable(request, resident_id)
    form = ResidentEditForm(
        request.POST if request.method == "POST" else None,
        initial={
            "name": resident.name,
            "ethnicity": resident.ethnicity,
            "language": resident.language,
        },
        id_masked=queries.masked_id(resident),
        phone_masked=queries.masked_phone(resident),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        # A number left blank is kept (None): it is never sent to the browser to edit.
        try:
            actions.resident_update(
                actor=request.user,
                resident_id=resident.pk,
                name=data["name"],
                id_number=data["id_number"] or None,
                phone="" if data.get("clear_phone") else (data["phone"] or None),
                ethnicity=data["ethnicity"],
                language=data["language"],
            )
        except Forbidden:
            raise PermissionDenied from None
        except ActionError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The changes are saved."))
            return redirect("registry:resident_detail", resident_id=resident.pk)
    context = {"resident": resident, "form": form}
    status = 400 if request.method == "POST" else 200
    return render(request, "registry/resident_edit.html", context, status=status)


def _confirm(request, resident, form, *, kind: str, status: int = 200, **extra):
    context = {"resident": resident, "form": form, "kind": kind, **extra}
    return render(request, "registry/resident_change.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def resident_move(request, resident_id: int):
    """Move to another household: find it by address (GET), then confirm (POST)."""
    resident = _editable(request, resident_id)
    if resident.status == Resident.Status.DECEASED:
        raise Http404
    hq = " ".join(request.GET.get("hq", "").split())[: queries.SEARCH_MAX_LENGTH]
    candidates = []
    if hq:
        found = queries.household_list(actor=request.user, filters=queries.HouseholdFilters(q=hq))
        candidates = [h for h in found[: MOVE_CANDIDATES + 1] if h.pk != resident.household_id]
        candidates = candidates[:MOVE_CANDIDATES]
    form = MoveForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            moved = actions.resident_move(
                actor=request.user,
                resident_id=resident.pk,
                household_id=data["household_id"],
                relationship=data["relationship"],
                on=data["on"],
                reason=data["reason"],
            )
        except Forbidden:
            raise PermissionDenied from None
        except ActionError as exc:
            apply_errors(form, exc, aliases={"resident_id": "household_id"})
        else:
            messages.success(
                request,
                _("%(name)s now lives at %(address)s.")
                % {"name": moved.name, "address": moved.household.address},
            )
            return redirect("registry:resident_detail", resident_id=resident.pk)
    chosen = form["household_id"].value()
    return _confirm(
        request,
        resident,
        form,
        kind="move",
        hq=hq,
        candidates=candidates,
        chosen=str(chosen) if chosen else "",
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def resident_move_out(request, resident_id: int):
    resident = _editable(request, resident_id)
    form = MoveOutForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.resident_move_out(
                actor=request.user,
                resident_id=resident.pk,
                on=form.cleaned_data["on"],
                reason=form.cleaned_data["reason"],
            )
        except Forbidden:
            raise PermissionDenied from None
        except ActionError as exc:
            apply_errors(form, exc, aliases={"resident_id": None})
        else:
            messages.success(
                request, _("%(name)s is recorded as moved away.") % {"name": resident.name}
            )
            return redirect("registry:resident_detail", resident_id=resident.pk)
    status = 400 if request.method == "POST" else 200
    return _confirm(request, resident, form, kind="move_out", status=status)


@login_required
@require_http_methods(["GET", "POST"])
def resident_record_death(request, resident_id: int):
    resident = _editable(request, resident_id)
    form = DeathForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.resident_record_death(
                actor=request.user, resident_id=resident.pk, on=form.cleaned_data["on"]
            )
        except Forbidden:
            raise PermissionDenied from None
        except ActionError as exc:
            apply_errors(form, exc, aliases={"resident_id": None})
        else:
            messages.success(
                request, _("The death of %(name)s is recorded.") % {"name": resident.name}
            )
            return redirect("registry:resident_detail", resident_id=resident.pk)
    status = 400 if request.method == "POST" else 200
    return _confirm(request, resident, form, kind="death", status=status)


# --- households ------------------------------------------------------------------------------


@login_required
@require_GET
def household_list(request):
    require_cap(request)
    actor = request.user
    values = {
        "q": " ".join(request.GET.get("q", "").split())[: queries.SEARCH_MAX_LENGTH],
        "area": request.GET.get("area", "").strip(),
        "building": request.GET.get("building", "").strip(),
        "unassigned": request.GET.get("unassigned", "") == "1",
    }
    building = int(values["building"]) if values["building"].isdigit() else None
    errors: dict = {}
    try:
        households = queries.household_list(
            actor=actor,
            filters=queries.HouseholdFilters(
                q=values["q"],
                area=values["area"],
                building=building,
                unassigned=values["unassigned"],
            ),
        )
    except ActionError as exc:
        errors = filter_errors(exc)
        households = queries.household_list(actor=actor).none()
    context = {
        "page_obj": paginate(request, households),
        "values": values,
        "errors": errors,
        "filtered": any(values.values()),
        "areas": area_options(actor),
        "can_add": bool(communities_with(actor, Cap.REGISTRY_EDIT)),
    }
    template = "registry/household_list.html"
    if is_htmx(request):
        template += "#results"
    status = 400 if errors and not is_htmx(request) else 200
    return render(request, template, context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def household_create(request):
    require_cap(request, Cap.REGISTRY_EDIT)
    actor = request.user
    communities = communities_with(actor, Cap.REGISTRY_EDIT)
    if not communities:
        raise PermissionDenied
    codes = {c.code for c in communities}
    buildings = [
        b for b in queries.building_list(actor=actor)[:CHOICES_MAX] if b.community_id in codes
    ]
    initial = {"community_code": communities[0].code} if len(communities) == 1 else {}
    if request.GET.get("building", "").isdigit():
        initial["building_id"] = request.GET["building"]
    form = HouseholdCreateForm(
        request.POST if request.method == "POST" else None,
        communities=communities,
        buildings=buildings,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            household = actions.household_create(
                actor=actor,
                community_code=data["community_code"],
                residence_type=data["residence_type"],
                address=data["address"],
                building_id=data["building_id"],
                unit=data["unit"],
                room=data["room"],
            )
        except Forbidden as exc:
            form.add_error("community_code", exc.message)
        except ActionError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("The household at %(address)s is registered. Add its members now.")
                % {"address": household.address},
            )
            return redirect("registry:household_detail", household_id=household.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "registry/household_form.html", {"form": form}, status=status)


def _household(request, household_id: int):
    require_cap(request)
    try:
        return queries.household_get(actor=request.user, household_id=household_id)
    except NotFound:
        raise Http404 from None


def _render_household(request, household, *, member_form=None, status: int = 200):
    actor = request.user
    members = with_tags(actor, queries.household_members(actor=actor, household=household))
    can_edit = queries.can_edit(actor, household.area_code)
    if member_form is None and can_edit:
        member_form = MemberAddForm(auto_id="member_%s")
    context = {
        "household": household,
        "members": members,
        "can_edit": can_edit,
        "member_form": member_form,
        "open_form": status != 200,
    }
    return render(request, "registry/household_detail.html", context, status=status)


@login_required
@require_GET
def household_detail(request, household_id: int):
    return _render_household(request, _household(request, household_id))


@login_required
@require_POST
def household_member_add(request, household_id: int):
    household = _household(request, household_id)
    if not queries.can_edit(request.user, household.area_code):
        raise PermissionDenied
    form = MemberAddForm(request.POST, auto_id="member_%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            resident = actions.resident_add(
                actor=request.user,
                household_id=household.pk,
                name=data["name"],
                id_number=data["id_number"],
                phone=data["phone"],
                ethnicity=data["ethnicity"],
                language=data["language"],
                relationship=data["relationship"],
                sex=data["sex"],
                birth_date=data["birth_date"] or None,
                moved_in_on=data["moved_in_on"],
                reason=data["reason"],
            )
        except Forbidden:
            raise PermissionDenied from None
        except ActionError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request, _("%(name)s is registered in this household.") % {"name": resident.name}
            )
            return redirect("registry:household_detail", household_id=household.pk)
    return _render_household(request, household, member_form=form, status=400)


@login_required
@require_POST
def household_set_head(request, household_id: int):
    household = _household(request, household_id)
    resident_id = request.POST.get("resident_id", "")
    try:
        updated = actions.household_set_head(
            actor=request.user,
            household_id=household.pk,
            resident_id=int(resident_id) if resident_id.isdigit() else 0,
        )
    except Forbidden:
        raise PermissionDenied from None
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("%(name)s is now the household head.") % {"name": updated.head.name}
        )
    return redirect("registry:household_detail", household_id=household.pk)


# --- buildings -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def building_list(request):
    require_cap(request)
    actor = request.user
    communities = communities_with(actor, Cap.REGISTRY_EDIT)
    form = None
    if communities:
        form = BuildingCreateForm(
            request.POST if request.method == "POST" else None, communities=communities
        )
    elif request.method == "POST":
        raise PermissionDenied
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            building = actions.building_create(
                actor=actor,
                community_code=data["community_code"],
                name=data["name"],
                address=data["address"],
                units=data["units"],
                floors=data["floors"],
                lat=data["lat"],
                lng=data["lng"],
            )
        except Forbidden as exc:
            form.add_error("community_code", exc.message)
        except ActionError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("%(name)s is registered.") % {"name": building.name})
            return redirect(
                f"{reverse('registry:building_list')}?community={building.community_id}"
            )
    community = request.GET.get("community", "").strip()
    viewable = communities_with(actor, Cap.REGISTRY_VIEW)
    if community not in {c.code for c in viewable}:
        community = ""
    context = {
        "page_obj": paginate(request, queries.building_list(actor=actor, community_code=community)),
        "community": community,
        "communities": viewable,
        "form": form,
        "open_form": request.method == "POST",
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "registry/building_list.html", context, status=status)


urlpatterns = [
    path("people/", resident_list, name="resident_list"),
    path("people/<int:resident_id>/", resident_detail, name="resident_detail"),
    path("people/<int:resident_id>/reveal/", resident_reveal, name="resident_reveal"),
    path("people/<int:resident_id>/edit/", resident_edit, name="resident_edit"),
    path("people/<int:resident_id>/groups/", resident_tag_add, name="resident_tag_add"),
    path("people/<int:resident_id>/groups/end/", resident_tag_end, name="resident_tag_end"),
    path("people/<int:resident_id>/move/", resident_move, name="resident_move"),
    path("people/<int:resident_id>/move-out/", resident_move_out, name="resident_move_out"),
    path("people/<int:resident_id>/death/", resident_record_death, name="resident_record_death"),
    path("households/", household_list, name="household_list"),
    path("households/new/", household_create, name="household_create"),
    path("households/<int:household_id>/", household_detail, name="household_detail"),
    path(
        "households/<int:household_id>/members/", household_member_add, name="household_member_add"
    ),
    path("households/<int:household_id>/head/", household_set_head, name="household_set_head"),
    path("buildings/", building_list, name="building_list"),
]
