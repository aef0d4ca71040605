"""Every read of the registry, scoped to what the actor may see.

Lists return querysets (the caller paginates). Personal fields are decrypted in memory for the
page only and shown masked (:func:`masked_id`, :func:`masked_phone`) unless revealed through
``core.actions.pii_reveal`` (audited). Sensitive group tags are filtered per role.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import areacodes, scoping
from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.models import Area
from linli.core.pii import blind_index, mask_id_number, mask_phone
from linli.core.roles import Cap, capabilities

from .models import Building, GridStaff, GroupTag, Household, Residence, Resident, ResidentTag

SEARCH_MAX_LENGTH = 50
_CODE_LENGTHS = (2, 4, 6, 9, 12, 15)

# Age bands as civil-affairs statistics use them.
AGE_BANDS = {
    "0-17": (0, 17),
    "18-59": (18, 59),
    "60-69": (60, 69),
    "70-79": (70, 79),
    "80+": (80, None),
    "60+": (60, None),
}

_ID_FULL = re.compile(r"^\d{17}[\dXx]$")
_PHONE_FULL = re.compile(r"^1[3-9]\d{9}$")
_TAIL = re.compile(r"^\d{3}[\dXx]$")
_LATIN = re.compile(r"^[A-Za-z]+$")


def _clean(value, limit: int = SEARCH_MAX_LENGTH) -> str:
    """Filter text as typed: NUL characters dropped, whitespace collapsed, length capped."""
    return " ".join(str(value or "").replace("\x00", "").split())[:limit]


def _code(value) -> str:
    """An area code as typed (short forms padded); "" when it is not a code at all."""
    try:
        return areacodes.normalize(_clean(value, 15))
    except areacodes.AreaCodeError:
        return ""


def _granted(actor) -> list[str]:
    return scoping.prefixes(actor, Cap.REGISTRY_VIEW)


def _scoped(qs: QuerySet, actor) -> QuerySet:
    return qs.filter(scoping.prefix_q(_granted(actor)))


def can_edit(actor, area_code: str) -> bool:
    return scoping.has_cap(actor, Cap.REGISTRY_EDIT, area_code)


def can_reveal(actor, area_code: str) -> bool:
    return scoping.has_cap(actor, Cap.PII_REVEAL, area_code)


# --- group tags ---------------------------------------------------------------------------


def _role_sees(actor, tag: GroupTag, area_code: str | None) -> bool:
    """Does one of the actor's registry roles, over ``area_code`` (anywhere if None), appear
    among the roles a sensitive tag names?"""
    allowed = set(tag.visible_roles or [])
    return any(
        role in allowed
        and Cap.REGISTRY_VIEW in capabilities(role)
        and (area_code is None or area_code.startswith(prefix))
        for role, prefix in scoping.grants(actor)
    )


def tag_visible(actor, tag: GroupTag, area_code: str) -> bool:
    """May the actor see members of ``tag`` in ``area_code``? Sensitive tags name their roles."""
    if not scoping.has_cap(actor, Cap.REGISTRY_VIEW, area_code):
        return False
    return not tag.sensitive or actor is scoping.SYSTEM or _role_sees(actor, tag, area_code)


def visible_tags(actor, area_code: str | None = None) -> list[GroupTag]:
    """Tags whose members the actor may see (somewhere, or in ``area_code``)."""
    tags = list(GroupTag.objects.filter(active=True).order_by("sort", "code"))
    if actor is scoping.SYSTEM:
        return tags
    reads = bool(_granted(actor))
    return [
        tag for tag in tags if (reads if not tag.sensitive else _role_sees(actor, tag, area_code))
    ]


def group_tag_vocabulary(*, actor) -> QuerySet[GroupTag]:
    """The whole vocabulary, in use or not, for those who configure it (no personal data)."""
    if not scoping.has_cap(actor, Cap.CONFIG_MANAGE):
        raise Forbidden(_("You do not have permission to do this here."))
    return GroupTag.objects.select_related("parent").order_by("sort", "code")


def _tag_q(actor, rel: str = "") -> Q:
    """Memberships the actor may see: non-sensitive ones in scope, sensitive ones per role."""
    granted = _granted(actor)
    q = Q(**{f"{rel}tag__sensitive": False}) & scoping.prefix_q(granted, f"{rel}area_code")
    by_prefix: dict[str, set[str]] = {}
    for role, prefix in scoping.grants(actor):
        if Cap.REGISTRY_VIEW in capabilities(role):
            by_prefix.setdefault(prefix, set()).add(role)
    sensitive = GroupTag.objects.filter(sensitive=True).values_list("code", "visible_roles")
    for code, roles in sensitive:
        prefixes = [p for p, held in by_prefix.items() if held & set(roles or [])]
        if prefixes:
            q |= Q(**{f"{rel}tag_id": code}) & scoping.prefix_q(prefixes, f"{rel}area_code")
    if actor is scoping.SYSTEM:
        return Q()
    return q


# --- residents ----------------------------------------------------------------------------


@dataclass
class ResidentFilters:
    q: str = ""
    tag: str = ""
    age_band: str = ""
    area: str = ""  # a community or grid code (or any prefix) inside one's scope
    status: str = "active"
    unassigned: bool = False

    def cleaned(self) -> ResidentFilters:
        q = _clean(self.q)
        if self.age_band and self.age_band not in AGE_BANDS:
            raise ActionError(_("Choose an age band from the list."), field="age_band")
        status = self.status or "active"
        if status not in (*Resident.Status.values, "all"):
            raise ActionError(_("Choose a status from the list."), field="status")
        area = _clean(self.area, 15)
        if area and (not area.isdigit() or not area.isascii() or len(area) not in _CODE_LENGTHS):
            raise ActionError(_("An area code has 2, 4, 6, 9, 12 or 15 digits."), field="area")
        tag = _clean(self.tag, 40)
        if tag and not GroupTag.objects.filter(code=tag).exists():
            raise ActionError(_("Choose a group from the list."), field="tag")
        return ResidentFilters(q=q, tag=tag, age_band=self.age_band, area=area, status=status)


def _birth_range(band: str, today: dt.date) -> Q:
    low, high = AGE_BANDS[band]
    q = Q(birth_date__isnull=False)
    # Aged at least ``low``: born on or before today minus ``low`` years.
    q &= Q(birth_date__lte=_years_before(today, low))
    if high is not None:
        # Aged at most ``high``: born after today minus ``high + 1`` years.
        q &= Q(birth_date__gt=_years_before(today, high + 1))
    return q


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


_ADDRESS_MARKS = re.compile(r"[0-9０-９路街道巷弄号楼栋幢单元室村组屯苑园小区胡同]")


def looks_like_address(text: str) -> bool:
    """Chinese names hold no digits and none of the words addresses are made of."""
    return bool(_ADDRESS_MARKS.search(text))


def search_q(text: str) -> Q:
    """What a search box means: a full ID or phone (exact, by blind index), a four-character
    ID or phone tail, pinyin (initials ``zs`` or full ``zhangsan``), an address (text with a
    digit or an address word such as 路, 号, 楼, 村), or else the start of a name."""
    text = text.strip()
    if not text:
        return Q()
    compact = text.replace(" ", "")
    if _ID_FULL.match(compact):
        return Q(id_bidx=blind_index(compact.upper(), "id_number"))
    if _PHONE_FULL.match(compact):
        return Q(phone_bidx=blind_index(compact, "phone"))
    if _TAIL.match(compact):
        return Q(id_tail=compact.upper()) | Q(phone_tail=compact)
    if _LATIN.match(compact):
        low = compact.lower()
        return Q(name_initials__startswith=low) | Q(name_pinyin__startswith=low)
    if looks_like_address(text):
        return Q(household__address__contains=text)
    return Q(name__startswith=compact)


def resident_list(*, actor, filters: ResidentFilters | None = None) -> QuerySet[Resident]:
    """Residents the actor may see, filtered. Rows carry their encrypted fields, decrypted in
    memory only to be shown masked (:func:`masked_id`, :func:`masked_phone`)."""
    filters = (filters or ResidentFilters()).cleaned()
    qs = _scoped(Resident.objects.all(), actor)
    if filters.status != "all":
        qs = qs.filter(status=filters.status)
    if filters.area:
        qs = qs.filter(area_code__startswith=_prefix(filters.area))
    if filters.q:
        qs = qs.filter(search_q(filters.q))
    if filters.age_band:
        qs = qs.filter(_birth_range(filters.age_band, timezone.localdate()))
    if filters.tag:
        visible = _tag_q(actor)
        members = ResidentTag.objects.filter(
            visible,
            Q(tag_id=filters.tag) | Q(tag__parent_id=filters.tag),
            resident=OuterRef("pk"),
            ended_on__isnull=True,
        )
        qs = qs.filter(Exists(members))
    # A text search sorts its matches by pinyin, like a phone's contact list; the sort key is an
    # expression no index offers, so the database always starts from the search's own index
    # (walking a name index in order while filtering was seconds at a million rows). Without
    # text, newest first: a walk down the primary key that stops after one page.
    order = (Lower("name_pinyin"), "name", "id") if filters.q else ("-id",)
    return qs.select_related("household").order_by(*order)


# A search lists at most this many matches. Past it (a broad search such as two pinyin
# initials across a county) the page lists that many of them, by pinyin, and says to narrow the
# search: no query then reads more than this many rows. (Taking the *newest* that many was tried
# first: finding them costs a walk of most of the table when matches are just above the cap.)
SEARCH_CAP = 1000


@dataclass
class ResidentSearch:
    rows: QuerySet[Resident]
    capped: bool  # more matches than SEARCH_CAP: ``rows`` holds SEARCH_CAP of them


def resident_search(*, actor, filters: ResidentFilters | None = None) -> ResidentSearch:
    """What the list page and the API list: :func:`resident_list`, with a search capped."""
    filters = (filters or ResidentFilters()).cleaned()
    rows = resident_list(actor=actor, filters=filters)
    if not filters.q:
        return ResidentSearch(rows=rows, capped=False)
    matches = rows.order_by()[: SEARCH_CAP + 1].count()
    if matches <= SEARCH_CAP:
        return ResidentSearch(rows=rows, capped=False)
    first = rows.order_by().values("pk")[:SEARCH_CAP]
    return ResidentSearch(rows=rows.filter(pk__in=first), capped=True)


def resident_get(*, actor, resident_id: int) -> Resident:
    resident = (
        _scoped(Resident.objects.select_related("household", "household__building"), actor)
        .filter(pk=resident_id)
        .first()
    )
    if resident is None:
        raise NotFound(_("No such resident among yours."))
    return resident


def resident_tags(*, actor, resident: Resident, include_ended: bool = True) -> list[ResidentTag]:
    qs = ResidentTag.objects.filter(_tag_q(actor), resident=resident).select_related("tag")
    if not include_ended:
        qs = qs.filter(ended_on__isnull=True)
    return list(qs.defer("note").order_by("ended_on", "-started_on"))


def resident_history(*, actor, resident: Resident) -> list[Residence]:
    """Where the resident has lived, newest first: stays in areas the actor may not see are
    left out (an earlier address in another community is that community's business)."""
    return list(
        _scoped(Residence.objects.filter(resident=resident), actor)
        .select_related("household")
        .order_by("-started_on", "-id")
    )


def tags_by_resident(*, actor, resident_ids: list[int]) -> dict[int, list[ResidentTag]]:
    """Open, visible memberships of a page of residents, in one query."""
    found: dict[int, list[ResidentTag]] = {}
    rows = (
        ResidentTag.objects.filter(
            _tag_q(actor), resident_id__in=resident_ids, ended_on__isnull=True
        )
        .select_related("tag")
        .defer("note")
        .order_by("tag__sort")
    )
    for row in rows:
        found.setdefault(row.resident_id, []).append(row)
    return found


def masked_id(resident: Resident) -> str:
    """``2204**********1234``: the lists load the encrypted number and show it masked."""
    return mask_id_number(resident.id_number) if resident.id_tail else ""


def masked_phone(resident: Resident) -> str:
    """``138****5678``."""
    return mask_phone(resident.phone) if resident.phone_tail else ""


# --- households and buildings -------------------------------------------------------------


@dataclass
class HouseholdFilters:
    q: str = ""
    area: str = ""
    building: int | None = None
    unassigned: bool = False

    def cleaned(self) -> HouseholdFilters:
        area = _clean(self.area, 15)
        if area and (not area.isdigit() or not area.isascii() or len(area) not in _CODE_LENGTHS):
            raise ActionError(_("An area code has 2, 4, 6, 9, 12 or 15 digits."), field="area")
        return HouseholdFilters(
            q=_clean(self.q),
            area=area,
            building=self.building,
            unassigned=bool(self.unassigned),
        )


def household_list(*, actor, filters: HouseholdFilters | None = None) -> QuerySet[Household]:
    filters = (filters or HouseholdFilters()).cleaned()
    qs = _scoped(Household.objects.all(), actor)
    if filters.area:
        qs = qs.filter(area_code__startswith=_prefix(filters.area))
    if filters.building:
        qs = qs.filter(building_id=filters.building)
    if filters.unassigned:
        qs = qs.filter(grid__isnull=True)
    if filters.q:
        qs = qs.filter(address__contains=filters.q)
    active = Q(members__status=Resident.Status.ACTIVE)
    return (
        qs.select_related("building", "grid", "community", "head")
        .defer("head__id_number", "head__phone")
        .annotate(member_count=Count("members", filter=active))
        .order_by("address", "id")
    )


def household_get(*, actor, household_id: int) -> Household:
    household = (
        _scoped(Household.objects.select_related("building", "grid", "community", "head"), actor)
        .defer("head__id_number", "head__phone")
        .filter(pk=household_id)
        .first()
    )
    if household is None:
        raise NotFound(_("No such household among yours."))
    return household


def household_members(*, actor, household: Household) -> list[Resident]:
    head_first = Case(
        When(relationship=Resident.Relationship.HEAD, then=Value(0)),
        When(relationship=Resident.Relationship.SPOUSE, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return list(
        Resident.objects.filter(household=household, status=Resident.Status.ACTIVE)
        .annotate(head_first=head_first)
        .order_by("head_first", "birth_date", "id")
    )


def _prefix(code: str) -> str:
    """The significant prefix of a 12-digit code typed in full (2204030010000 → 220403001)."""
    if len(code) == 12:
        stripped = code
        for length in (9, 6, 4, 2):
            if code[length:] == "0" * (12 - length):
                stripped = code[:length]
        return stripped
    return code


def building_list(*, actor, community_code: str = "") -> QuerySet[Building]:
    qs = _scoped(Building.objects.all(), actor)
    if community_code:
        qs = qs.filter(community_id=_code(community_code))
    return (
        qs.select_related("grid")
        .annotate(household_count=Count("households"))
        .order_by("community_id", "name")
    )


# --- grids --------------------------------------------------------------------------------


@dataclass
class GridView:
    grid: Area
    buildings: list[Building]
    loose_households: list[Household]  # in the grid but in no building
    staff: list[GridStaff]
    households: int
    residents: int
    tagged: int  # residents with an open, visible group membership


def grid_view(*, actor, grid_code: str) -> GridView:
    """A grid worker's view of one grid: its buildings with household counts, its staff."""
    grid = Area.objects.filter(code=_code(grid_code)).first()
    if grid is None or not scoping.has_cap(actor, Cap.REGISTRY_VIEW, grid.code):
        raise NotFound(_("No such grid among yours."))
    households = Household.objects.filter(grid=grid)
    members = Resident.objects.filter(household__grid=grid, status=Resident.Status.ACTIVE)
    tagged = members.filter(
        Exists(
            ResidentTag.objects.filter(
                _tag_q(actor), resident=OuterRef("pk"), ended_on__isnull=True
            )
        )
    ).count()
    return GridView(
        grid=grid,
        buildings=list(
            Building.objects.filter(grid=grid)
            .annotate(household_count=Count("households", distinct=True))
            .order_by("name")
        ),
        loose_households=list(
            households.filter(building__isnull=True)
            .annotate(member_count=Count("members", filter=Q(members__status="active")))
            .order_by("address")[:200]
        ),
        staff=list(
            GridStaff.objects.filter(grid=grid, ended_on__isnull=True)
            .select_related("user", "resident", "building")
            .defer("user__phone", "resident__id_number", "resident__phone")
            .order_by("duty", "id")
        ),
        households=households.count(),
        residents=members.count(),
        tagged=tagged,
    )


def communities_with(*, actor, cap: str, limit: int = 400) -> list[Area]:
    """The communities and villages over which the actor holds ``cap`` (for a chooser),
    filtered in the database before the limit."""
    from linli.core.areacodes import Level

    return list(
        scoping.scope(Area.objects.filter(level=Level.COMMUNITY), actor, cap, field="code")
        .select_related("parent")
        .order_by("code")[:limit]
    )


def my_grids(*, actor) -> QuerySet[Area]:
    """The grids the actor serves or oversees, for the grid worker's phone."""
    granted = _granted(actor)
    from linli.core.areacodes import Level

    return (
        Area.objects.filter(level=Level.GRID)
        .filter(scoping.prefix_q(granted, "code"))
        .order_by("code")
    )


def grid_coverage(*, actor, community_code: str) -> dict[str, int]:
    """How much of a community's households lie in a grid (target: all of them)."""
    community = Area.objects.filter(code=_code(community_code)).first()
    if community is None or not scoping.has_cap(actor, Cap.REGISTRY_VIEW, community.code):
        raise NotFound(_("No such community among yours."))
    counts = Household.objects.filter(community=community).aggregate(
        total=Count("id"), in_grid=Count("id", filter=Q(grid__isnull=False))
    )
    return {"total": counts["total"], "in_grid": counts["in_grid"]}


# --- counts for indicators ----------------------------------------------------------------


def registry_counts(*, actor, area_code: str) -> dict:
    """Households, residents, urban/rural split and age structure under an area, in SQL.

    Read by the indicator engine; the actor needs ``registry.view`` over the area.
    """
    area = Area.objects.filter(code=_code(area_code)).first()
    if area is None or not scoping.has_cap(actor, Cap.REGISTRY_VIEW, area.code):
        raise NotFound(_("No such area among yours."))
    prefix = area.prefix
    today = timezone.localdate()
    active = Resident.objects.filter(area_code__startswith=prefix, status=Resident.Status.ACTIVE)
    age = active.aggregate(
        total=Count("id"),
        unknown=Count("id", filter=Q(birth_date__isnull=True)),
        **{
            f"band_{band.replace('+', 'plus').replace('-', '_')}": Count(
                "id", filter=_birth_range(band, today)
            )
            for band in ("0-17", "18-59", "60-69", "70-79", "80+")
        },
    )
    urban = active.filter(
        Exists(
            Area.objects.filter(
                code=OuterRef("household__community_id"), urban_rural__startswith="1"
            )
        )
    ).count()
    households = Household.objects.filter(area_code__startswith=prefix).aggregate(
        total=Count("id", distinct=True),
        occupied=Count("id", filter=Q(members__status=Resident.Status.ACTIVE), distinct=True),
    )
    return {
        "area_code": area.code,
        "households": households["total"],
        "occupied_households": households["occupied"],
        "residents": age.pop("total"),
        "urban_residents": urban,
        "age": age,
    }
