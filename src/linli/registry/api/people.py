"""Registry API: residents, households, buildings, group tags, grids and counts.

Each operation parses, calls one action or query of :mod:`linli.registry`, and shapes the
answer. Everything is scoped by the caller's areas: rows outside them are 404, never 403.
ID numbers and phones are masked in every answer; ``POST residents/{id}/reveal`` is the one
way to read one in full (``pii.reveal``, audited). Lists are paginated (``?limit=&offset=``).
"""

from typing import Annotated

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status
from ninja.pagination import paginate

from linli.core import actions as core_actions
from linli.core import areacodes
from linli.core.errors import NotFound
from linli.core.pagination import Page

from .. import actions, queries
from ..schemas import (
    MAX_ID,
    AreaCode,
    BuildingIn,
    BuildingOut,
    CountsOut,
    CoverageOut,
    DeathIn,
    EndIn,
    GridAssignIn,
    GridAssignOut,
    GridOut,
    GridReleaseOut,
    GridViewOut,
    GroupTagActiveIn,
    GroupTagAdminOut,
    GroupTagIn,
    GroupTagOut,
    HeadIn,
    HouseholdDetailOut,
    HouseholdIn,
    HouseholdOut,
    MembershipIn,
    MembershipOut,
    MoveIn,
    MoveOutIn,
    ResidentDetailOut,
    ResidentIn,
    ResidentOut,
    ResidentUpdateIn,
    RevealIn,
    RevealOut,
    StaffIn,
    StaffOut,
    Text,
)

router = Router(tags=["registry"])

# A row id in the path: a positive 64-bit integer (anything else is a 422).
RowId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _code(code: str) -> str:
    """An area code from the path, in its canonical form; a malformed one names nothing."""
    try:
        return areacodes.normalize(code)
    except areacodes.AreaCodeError:
        raise NotFound(_("No such area among yours.")) from None


# --- residents ----------------------------------------------------------------------------


class _TaggedPage:
    """Residents whose sliced page is decorated with their open, visible tags (one query)."""

    def __init__(self, qs, actor):
        self.qs, self.actor = qs, actor

    def count(self) -> int:
        return self.qs.count()

    def __getitem__(self, index):
        page = list(self.qs[index])
        tags = queries.tags_by_resident(actor=self.actor, resident_ids=[r.pk for r in page])
        for resident in page:
            resident.open_tags = tags.get(resident.pk, [])
        return page


def _resident(request, resident_id: int):
    """One resident with everything the detail shows."""
    actor = request.user
    resident = queries.resident_get(actor=actor, resident_id=resident_id)
    resident.memberships = queries.resident_tags(actor=actor, resident=resident)
    resident.history = queries.resident_history(actor=actor, resident=resident)
    resident.can_edit = queries.can_edit(actor, resident.area_code)
    resident.can_reveal = queries.can_reveal(actor, resident.area_code)
    return resident


@router.get("residents", response=list[ResidentOut], summary="Residents in your areas")
@paginate(Page)
def resident_list(
    request,
    q: Text = "",
    tag: Text = "",
    age_band: Text = "",
    area: Text = "",
    status: Text = "active",
):
    """``q`` finds a name, an address, pinyin (``zs`` or ``zhangsan``), a full ID number or
    phone, or the last four characters of either. ``tag`` is a group code (a parent group
    includes its kinds); ``age_band`` one of ``0-17``, ``18-59``, ``60-69``, ``70-79``,
    ``80+``, ``60+``; ``area`` a community or grid code; ``status`` ``active`` (default),
    ``moved_out``, ``deceased`` or ``all``. A search lists its matches by pinyin; one that
    matches more than 1,000 residents lists 1,000 of them (``count`` is then 1,000): narrow
    it with more letters, an area or a group."""
    filters = queries.ResidentFilters(q=q, tag=tag, age_band=age_band, area=area, status=status)
    return _TaggedPage(
        queries.resident_search(actor=request.user, filters=filters).rows, request.user
    )


@router.post("residents", response={201: ResidentDetailOut}, summary="Register a resident")
def resident_add(request, payload: ResidentIn):
    """Adds a person to a household. An ID number already in the registry is a 409: move
    that resident instead."""
    resident = actions.resident_add(actor=request.user, **payload.dict())
    return Status(201, _resident(request, resident.pk))


@router.get(
    "residents/{resident_id}",
    response=ResidentDetailOut,
    summary="One resident: masked numbers, groups, residence history",
)
def resident_detail(request, resident_id: RowId):
    return _resident(request, resident_id)


@router.put(
    "residents/{resident_id}",
    response=ResidentDetailOut,
    summary="Correct a resident's name, ID number, phone, ethnicity, language",
)
def resident_update(request, payload: ResidentUpdateIn, resident_id: RowId):
    """A field that is omitted or null keeps its value; ``""`` clears it."""
    actions.resident_update(actor=request.user, resident_id=resident_id, **payload.dict())
    return _resident(request, resident_id)


@router.post(
    "residents/{resident_id}/move",
    response=ResidentDetailOut,
    summary="Move a resident to another household (or bring one back)",
)
def resident_move(request, payload: MoveIn, resident_id: RowId):
    actions.resident_move(actor=request.user, resident_id=resident_id, **payload.dict())
    return _resident(request, resident_id)


@router.post(
    "residents/{resident_id}/move-out",
    response=ResidentDetailOut,
    summary="Record that a resident moved away",
)
def resident_move_out(request, payload: MoveOutIn, resident_id: RowId):
    actions.resident_move_out(actor=request.user, resident_id=resident_id, **payload.dict())
    return _resident(request, resident_id)


@router.post(
    "residents/{resident_id}/death",
    response=ResidentDetailOut,
    summary="Record a resident's death (their open groups end the same day)",
)
def resident_death(request, payload: DeathIn, resident_id: RowId):
    actions.resident_record_death(actor=request.user, resident_id=resident_id, on=payload.on)
    return _resident(request, resident_id)


@router.post(
    "residents/{resident_id}/reveal",
    response=RevealOut,
    summary="Reveal a resident's ID number or phone in full (pii.reveal; audited)",
)
def resident_reveal(request, payload: RevealIn, response: HttpResponse, resident_id: RowId):
    """Every reveal is written to the audit trail with who, when and which field."""
    resident = queries.resident_get(actor=request.user, resident_id=resident_id)
    value = core_actions.pii_reveal(actor=request.user, instance=resident, field_name=payload.field)
    response["Cache-Control"] = "no-store"
    return {"field": payload.field, "value": value}


@router.post(
    "residents/{resident_id}/tags",
    response={201: MembershipOut},
    summary="Put a resident in a group from a date",
)
def resident_tag_add(request, payload: MembershipIn, resident_id: RowId):
    membership = actions.resident_tag_add(
        actor=request.user, resident_id=resident_id, **payload.dict()
    )
    return Status(201, membership)


@router.post(
    "tag-memberships/{membership_id}/end",
    response=MembershipOut,
    summary="End a group membership (its history stays)",
)
def resident_tag_end(request, payload: EndIn, membership_id: RowId):
    return actions.resident_tag_end(
        actor=request.user, membership_id=membership_id, ended_on=payload.ended_on
    )


# --- households and buildings -------------------------------------------------------------


def _household(request, household_id: int):
    actor = request.user
    household = queries.household_get(actor=actor, household_id=household_id)
    household.members_now = queries.household_members(actor=actor, household=household)
    household.can_edit = queries.can_edit(actor, household.area_code)
    return household


@router.get("households", response=list[HouseholdOut], summary="Households in your areas")
@paginate(Page)
def household_list(
    request,
    q: Text = "",
    area: Text = "",
    building: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    unassigned: bool = False,
):
    """``q`` searches addresses; ``area`` is a community or grid code; ``building`` a
    building id; ``unassigned=true`` keeps households in no grid."""
    filters = queries.HouseholdFilters(q=q, area=area, building=building, unassigned=unassigned)
    return queries.household_list(actor=request.user, filters=filters)


@router.post("households", response={201: HouseholdDetailOut}, summary="Open a household")
def household_create(request, payload: HouseholdIn):
    household = actions.household_create(actor=request.user, **payload.dict())
    return Status(201, _household(request, household.pk))


@router.get(
    "households/{household_id}",
    response=HouseholdDetailOut,
    summary="One household with its current members",
)
def household_detail(request, household_id: RowId):
    return _household(request, household_id)


@router.post(
    "households/{household_id}/head",
    response=HouseholdDetailOut,
    summary="Make a current member the household head",
)
def household_set_head(request, payload: HeadIn, household_id: RowId):
    actions.household_set_head(
        actor=request.user, household_id=household_id, resident_id=payload.resident_id
    )
    return _household(request, household_id)


@router.get("buildings", response=list[BuildingOut], summary="Buildings in your areas")
@paginate(Page)
def building_list(request, community: AreaCode | None = None):
    """``community`` keeps one community's buildings."""
    return queries.building_list(actor=request.user, community_code=community or "")


@router.post("buildings", response={201: BuildingOut}, summary="Add a building to a community")
def building_create(request, payload: BuildingIn):
    return Status(201, actions.building_create(actor=request.user, **payload.dict()))


# --- group tags ---------------------------------------------------------------------------


@router.get(
    "group-tags", response=list[GroupTagOut], summary="The groups whose members you may see"
)
@paginate(Page)
def group_tag_list(request):
    return queries.visible_tags(request.user)


@router.post(
    "group-tags",
    response={201: GroupTagOut},
    summary="Add a group to the vocabulary (system configuration)",
)
def group_tag_create(request, payload: GroupTagIn):
    return Status(201, actions.group_tag_create(actor=request.user, **payload.dict()))


@router.get(
    "group-vocabulary",
    response=list[GroupTagAdminOut],
    summary="The whole group vocabulary, in use or not (system configuration)",
)
@paginate(Page)
def group_tag_vocabulary(request):
    return queries.group_tag_vocabulary(actor=request.user)


@router.post(
    "group-vocabulary/{tag_code}/active",
    response=GroupTagAdminOut,
    summary="Put a group in or out of use (system configuration)",
)
def group_tag_set_active(request, tag_code: str, payload: GroupTagActiveIn):
    return actions.group_tag_set_active(actor=request.user, code=tag_code, active=payload.active)


# --- grids --------------------------------------------------------------------------------


@router.get("grids", response=list[GridOut], summary="The grids you serve or oversee")
@paginate(Page)
def grid_list(request):
    return queries.my_grids(actor=request.user)


@router.post(
    "grids/release",
    response=GridReleaseOut,
    summary="Take households or whole buildings out of their grid",
)
def grid_release(request, payload: GridAssignIn):
    released = actions.grid_release(actor=request.user, **payload.dict())
    return {"households": released}


@router.get(
    "grids/{code}",
    response=GridViewOut,
    summary="One grid: its buildings, loose households, staff and counts",
)
def grid_detail(request, code: str):
    return queries.grid_view(actor=request.user, grid_code=_code(code))


@router.post(
    "grids/{code}/assign",
    response=GridAssignOut,
    summary="Put buildings (with all their households) and households in a grid",
)
def grid_assign(request, code: str, payload: GridAssignIn):
    """Anything already in another grid moves to this one; ``moved`` counts those."""
    return actions.grid_assign(actor=request.user, grid_code=_code(code), **payload.dict())


@router.post(
    "grids/{code}/staff",
    response={201: StaffOut},
    summary="Name a grid worker, building or unit head, or villager representative",
)
def grid_staff_assign(request, code: str, payload: StaffIn):
    """A grid worker's account also gets the grid-worker role on the grid."""
    staff = actions.grid_staff_assign(actor=request.user, grid_code=_code(code), **payload.dict())
    return Status(201, staff)


@router.post(
    "grid-staff/{staff_id}/end",
    response=StaffOut,
    summary="End a grid duty (a grid worker's role ends with their last duty there)",
)
def grid_staff_end(request, payload: EndIn, staff_id: RowId):
    return actions.grid_staff_end(actor=request.user, staff_id=staff_id, ended_on=payload.ended_on)


@router.get(
    "communities/{code}/coverage",
    response=CoverageOut,
    summary="How many of a community's households lie in a grid",
)
def grid_coverage(request, code: str):
    code = _code(code)
    counts = queries.grid_coverage(actor=request.user, community_code=code)
    total, in_grid = counts["total"], counts["in_grid"]
    return {
        "community_code": code,
        "total": total,
        "in_grid": in_grid,
        "share": round(in_grid / total, 4) if total else None,
    }


# --- counts -------------------------------------------------------------------------------


@router.get(
    "counts/{area_code}",
    response=CountsOut,
    summary="Households, residents, urban residents and age bands under an area",
)
def registry_counts(request, area_code: str):
    return queries.registry_counts(actor=request.user, area_code=_code(area_code))
