"""Registry pages: the grid worker's phone view ("My grid") and grid management.

My grid: grids → one grid (staff, buildings) → a building's households → a household's
people, with big targets and little text; a phone number becomes a ``tel:`` link only after
it is shown in full (audited). Grid management (``grid.manage``): a community's coverage, its
buildings and households put in or taken out of grids, and each grid's staff.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, re_path, reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from linli.core import actions as core_actions
from linli.core.areacodes import Level
from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.queries import areas as area_queries
from linli.core.roles import Cap
from linli.core.views.glue import apply_errors, paginate

from .. import actions, queries
from ..forms import GridMembershipForm, StaffAssignForm, StaffEndForm
from .people import communities_with, require_cap, with_tags

GRID_CODE = r"[0-9]{15}"
TILES_PAGE = 30


# --- my grid ---------------------------------------------------------------------------------


@login_required
@require_GET
def my_grid(request):
    """The grids one serves; a grid worker with one grid goes straight to it."""
    require_cap(request)
    page_obj = paginate(request, queries.my_grids(actor=request.user).select_related("parent"))
    if page_obj.paginator.count == 1 and "page" not in request.GET:
        return redirect("registry:grid_detail", code=page_obj.object_list[0].code)
    return render(request, "registry/my_grid.html", {"page_obj": page_obj})


def _grid_view(request, code: str):
    require_cap(request)
    try:
        return queries.grid_view(actor=request.user, grid_code=code)
    except NotFound:
        raise Http404 from None


@login_required
@require_GET
def grid_detail(request, code: str):
    """One grid: its figures, buildings and staff; with ``?building=`` that building's homes."""
    view = _grid_view(request, code)
    building = None
    households = None
    raw = request.GET.get("building", "")
    if raw:
        building = next((b for b in view.buildings if str(b.pk) == raw), None)
        if building is None:
            raise Http404
        households = paginate(
            request,
            queries.household_list(
                actor=request.user,
                filters=queries.HouseholdFilters(building=building.pk, area=view.grid.code),
            ),
            per_page=TILES_PAGE,
        )
    context = {
        "view": view,
        "grid": view.grid,
        "building": building,
        "households": households,
        "buildings": paginate(request, view.buildings, param="bpage", per_page=TILES_PAGE),
        "loose": paginate(request, view.loose_households, param="lpage", per_page=TILES_PAGE),
    }
    return render(request, "registry/grid_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def grid_household(request, code: str, household_id: int):
    """A household's people on the phone; POST shows one person's number in full (audited)."""
    require_cap(request)
    actor = request.user
    try:
        household = queries.household_get(actor=actor, household_id=int(household_id))
    except NotFound:
        raise Http404 from None
    if household.grid_id != code:
        raise Http404
    revealed: dict[int, str] = {}
    error = ""
    if request.method == "POST":
        raw = request.POST.get("resident_id", "")
        try:
            resident = queries.resident_get(
                actor=actor, resident_id=int(raw) if raw.isdigit() else 0
            )
        except NotFound:
            raise Http404 from None
        if resident.household_id != household.pk:
            raise Http404
        try:
            revealed[resident.pk] = core_actions.pii_reveal(
                actor=actor, instance=resident, field_name="phone"
            )
        except Forbidden:
            raise PermissionDenied from None
        except ActionError as exc:
            error = exc.message
    members = with_tags(actor, queries.household_members(actor=actor, household=household))
    for member in members:
        member.phone_full = revealed.get(member.pk, "")
    context = {
        "household": household,
        "grid": household.grid,
        "members": members,
        "can_reveal": queries.can_reveal(actor, household.area_code),
        "error": error,
    }
    response = render(
        request, "registry/grid_household.html", context, status=400 if error else 200
    )
    if request.method == "POST":
        add_never_cache_headers(response)
    return response


# --- grid management -------------------------------------------------------------------------


class _Place:
    """The community being managed and its grids, read once per request."""

    def __init__(self, request, community_code: str = "", grid_code: str = ""):
        actor = request.user
        self.communities = communities_with(actor, Cap.GRID_MANAGE)
        if not community_code and len(self.communities) == 1:
            community_code = self.communities[0].code
        self.asked = community_code
        self.community = next((c for c in self.communities if c.code == community_code), None)
        self.grids = []
        if self.community is not None:
            self.grids = [
                area
                for area in area_queries.area_children(actor=actor, code=self.community.code)
                if area.level == Level.GRID
            ]
        self.grid = next((g for g in self.grids if g.code == grid_code), None)

    def url(self) -> str:
        params = {}
        if self.community is not None:
            params["community_code"] = self.community.code
        if self.grid is not None:
            params["grid"] = self.grid.code
        base = reverse("registry:grid_manage")
        return f"{base}?{urlencode(params)}" if params else base


def _render_manage(
    request,
    place: _Place,
    *,
    membership_form=None,
    staff_form=None,
    end_form=None,
    grid_view=None,
    status: int = 200,
):
    actor = request.user
    context: dict = {"place": place, "communities": place.communities}
    if place.community is None:
        context["unknown_community"] = bool(place.asked)
        return render(request, "registry/grid_manage.html", context, status=status)
    community = place.community
    try:
        coverage = queries.grid_coverage(actor=actor, community_code=community.code)
        if grid_view is None and place.grid is not None:
            grid_view = queries.grid_view(actor=actor, grid_code=place.grid.code)
    except NotFound:
        raise Http404 from None
    total, in_grid = coverage["total"], coverage["in_grid"]
    show_all = request.GET.get("households") == "all"
    if membership_form is None:
        membership_form = GridMembershipForm(
            grids=place.grids, initial={"grid_code": place.grid.code if place.grid else ""}
        )
    if staff_form is None and grid_view is not None:
        staff_form = StaffAssignForm(buildings=grid_view.buildings, auto_id="staff_%s")
    context.update(
        {
            "community": community,
            "grids": place.grids,
            "grid": place.grid,
            "grid_view": grid_view,
            "total": total,
            "in_grid": in_grid,
            "outside": total - in_grid,
            # Rounded down: 100 % only when every household is in a grid.
            "percent": (100 * in_grid // total) if total else None,
            "show_all": show_all,
            "buildings": paginate(
                request,
                queries.building_list(actor=actor, community_code=community.code),
                param="bpage",
            ),
            "households": paginate(
                request,
                queries.household_list(
                    actor=actor,
                    filters=queries.HouseholdFilters(area=community.code, unassigned=not show_all),
                ),
                param="hpage",
            ),
            "membership_form": membership_form,
            "staff_form": staff_form,
            "end_form": end_form,
            "end_staff": end_form["staff_id"].value() if end_form is not None else None,
            "back": place.url(),
        }
    )
    return render(request, "registry/grid_manage.html", context, status=status)


@login_required
@require_GET
def grid_manage(request):
    require_cap(request, Cap.GRID_MANAGE)
    place = _Place(
        request,
        request.GET.get("community_code", "").strip(),
        request.GET.get("grid", "").strip(),
    )
    return _render_manage(request, place)


def _posted_place(request) -> _Place:
    require_cap(request, Cap.GRID_MANAGE)
    place = _Place(
        request,
        request.POST.get("community_code", "").strip(),
        request.POST.get("grid", "").strip(),
    )
    if place.community is None:
        raise Http404
    return place


@login_required
@require_POST
def grid_membership(request):
    """Put ticked buildings and households in a grid, or take them out of theirs."""
    place = _posted_place(request)
    form = GridMembershipForm(request.POST, grids=place.grids)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["op"] == GridMembershipForm.ASSIGN:
                result = actions.grid_assign(
                    actor=request.user,
                    grid_code=data["grid_code"],
                    building_ids=data["building_ids"],
                    household_ids=data["household_ids"],
                )
                grid = next(g for g in place.grids if g.code == data["grid_code"])
                message = _("Put in %(grid)s: %(buildings)s, %(households)s. %(moved)s") % {
                    "grid": grid.name,
                    "buildings": ngettext("%(n)d building", "%(n)d buildings", result["buildings"])
                    % {"n": result["buildings"]},
                    "households": ngettext(
                        "%(n)d household", "%(n)d households", result["households"]
                    )
                    % {"n": result["households"]},
                    "moved": ngettext(
                        "%(n)d of them came from another grid.",
                        "%(n)d of them came from other grids.",
                        result["moved"],
                    )
                    % {"n": result["moved"]}
                    if result["moved"]
                    else "",
                }
            else:
                released = actions.grid_release(
                    actor=request.user,
                    building_ids=data["building_ids"],
                    household_ids=data["household_ids"],
                )
                message = ngettext(
                    "%(n)d household is no longer in a grid.",
                    "%(n)d households are no longer in a grid.",
                    released,
                ) % {"n": released}
        except Forbidden:
            raise PermissionDenied from None
        except ActionError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, message.strip())
            return redirect(place.url())
    return _render_manage(request, place, membership_form=form, status=400)


@login_required
@require_POST
def grid_staff_add(request):
    place = _posted_place(request)
    if place.grid is None:
        raise Http404
    try:
        view = queries.grid_view(actor=request.user, grid_code=place.grid.code)
    except NotFound:
        raise Http404 from None
    form = StaffAssignForm(request.POST, buildings=view.buildings, auto_id="staff_%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.grid_staff_assign(
                actor=request.user,
                grid_code=place.grid.code,
                duty=data["duty"],
                user_id=data["user_id"],
                resident_id=data["resident_id"],
                building_id=data["building_id"],
                unit=data["unit"],
                started_on=data["started_on"],
            )
        except Forbidden:
            raise PermissionDenied from None
        except ActionError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request, _("The duty in %(grid)s is recorded.") % {"grid": place.grid.name}
            )
            return redirect(place.url())
    return _render_manage(request, place, staff_form=form, grid_view=view, status=400)


@login_required
@require_POST
def grid_staff_end(request):
    place = _posted_place(request)
    form = StaffEndForm(request.POST, auto_id="end_%s")
    if form.is_valid():
        try:
            actions.grid_staff_end(
                actor=request.user,
                staff_id=form.cleaned_data["staff_id"],
                ended_on=form.cleaned_data["ended_on"],
            )
        except Forbidden:
            raise PermissionDenied from None
        except NotFound:
            raise Http404 from None
        except ActionError as exc:
            apply_errors(form, exc, aliases={"staff_id": "ended_on"})
        else:
            messages.success(request, _("The duty has ended."))
            return redirect(place.url())
    return _render_manage(request, place, end_form=form, status=400)


urlpatterns = [
    path("my-grid/", my_grid, name="my_grid"),
    re_path(rf"^my-grid/(?P<code>{GRID_CODE})/$", grid_detail, name="grid_detail"),
    re_path(
        rf"^my-grid/(?P<code>{GRID_CODE})/households/(?P<household_id>[0-9]+)/$",
        grid_household,
        name="grid_household",
    ),
    path("grids/", grid_manage, name="grid_manage"),
    path("grids/membership/", grid_membership, name="grid_membership"),
    path("grids/staff/", grid_staff_add, name="grid_staff_add"),
    path("grids/staff/end/", grid_staff_end, name="grid_staff_end"),
]
