"""API shapes of the registry: what the JSON API accepts and answers.

Inputs forbid unknown members (a misspelt field is a 422, never silently ignored) and refuse
NUL characters; lengths, vocabularies and dates are checked by the actions, which answer 400
with per-field ``errors``. Outputs never carry a full ID number or phone: only the masked forms
that :mod:`linli.registry.queries` builds from the stored tails. Dates are ``YYYY-MM-DD``.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from linli.core.schemas import MAX_ID, AreaCode, Id, In, Text  # noqa: F401

from . import queries
from .models import GridStaff, Household, Resident

_RELATIONSHIPS = " | ".join(Resident.Relationship.values)
_LANGUAGES = " | ".join(Resident.Language.values)


# --- group tags ---------------------------------------------------------------------------


class TagBriefOut(Schema):
    """An open group membership, as lists show it."""

    id: int
    tag: str = Field(..., alias="tag_id", description="the group's code")
    name: str
    grade: str

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.tag.name


class MembershipOut(TagBriefOut):
    """A group membership with its dates; ``ended_on`` is null while it lasts."""

    resident_id: int
    started_on: dt.date
    ended_on: dt.date | None
    sensitive: bool

    @staticmethod
    def resolve_sensitive(obj) -> bool:
        return obj.tag.sensitive


class GroupTagOut(Schema):
    code: str
    name: str
    parent_code: str | None = Field(None, alias="parent_id")
    sensitive: bool
    visible_roles: list[str] = Field(
        ..., description="for a sensitive group: the roles that see its members"
    )
    has_grade: bool
    ledger: bool
    builtin: bool


class GroupTagAdminOut(GroupTagOut):
    active: bool


class GroupTagActiveIn(In):
    active: bool


class GroupTagIn(In):
    code: Text = Field(..., description="Latin letters, digits, '_', '-', '.'; e.g. `elderly.vip`")
    name: Text
    parent_code: Text = ""
    sensitive: bool = False
    visible_roles: list[Text] = Field(
        default_factory=list, description="roles that may see members of a sensitive group"
    )
    has_grade: bool = False


class MembershipIn(In):
    tag_code: Text
    started_on: dt.date | None = Field(None, description="default: today")
    grade: Text = Field("", description="required when the group records a kind or grade")
    note: Text = Field("", description="stored encrypted; never shown in lists")


class EndIn(In):
    ended_on: dt.date | None = Field(None, description="default: today")


# --- residents ----------------------------------------------------------------------------


class ResidentOut(Schema):
    """A resident as lists show them: personal numbers masked, open visible groups."""

    id: int
    name: str
    sex: str
    birth_date: dt.date | None
    age: int | None
    id_number_masked: str
    phone_masked: str
    household_id: int | None
    address: str = Field(..., description="the household's address; empty when none")
    area_code: str
    status: str
    tags: list[TagBriefOut] = Field(..., description="open group memberships you may see")

    @staticmethod
    def resolve_id_number_masked(obj) -> str:
        return queries.masked_id(obj)

    @staticmethod
    def resolve_phone_masked(obj) -> str:
        return queries.masked_phone(obj)

    @staticmethod
    def resolve_address(obj) -> str:
        return obj.household.address if obj.household_id else ""

    @staticmethod
    def resolve_tags(obj) -> list:
        return getattr(obj, "open_tags", [])


class ResidenceOut(Schema):
    """One stay in a household: the residence history."""

    household_id: int
    address: str
    area_code: str
    relationship: str
    started_on: dt.date
    start_reason: str
    ended_on: dt.date | None
    end_reason: str

    @staticmethod
    def resolve_address(obj) -> str:
        return obj.household.address


class ResidentDetailOut(ResidentOut):
    ethnicity: str = Field(..., description="GB/T 3304 code, e.g. 01")
    ethnicity_name: str
    language: str
    relationship: str = Field(..., description="to the household head")
    moved_in_on: dt.date | None
    moved_out_on: dt.date | None
    deceased_on: dt.date | None
    tags: list[MembershipOut] = Field(  # type: ignore[assignment]
        ..., description="group memberships you may see, open ones first, with ended ones"
    )
    history: list[ResidenceOut]
    can_edit: bool
    can_reveal: bool

    @staticmethod
    def resolve_ethnicity_name(obj) -> str:
        return obj.get_ethnicity_display() if obj.ethnicity else ""

    @staticmethod
    def resolve_tags(obj) -> list:
        return getattr(obj, "memberships", [])


class ResidentIn(In):
    household_id: Id
    name: Text
    id_number: Text = Field("", description="18 characters; sets sex and birth date")
    phone: Text = ""
    ethnicity: Text = Field("", description="GB/T 3304 code or name")
    language: Text = Field("", description=_LANGUAGES)
    relationship: Text = Field("", description=f"to the household head: {_RELATIONSHIPS}")
    sex: Text = Field("", description="M or F; only without an ID number")
    birth_date: dt.date | None = Field(None, description="only without an ID number")
    moved_in_on: dt.date | None = Field(None, description="default: today")
    reason: Text = ""


class ResidentUpdateIn(In):
    """Corrections of personal fields. An omitted (or null) field keeps its value; ``""``
    clears it. Omit ``id_number`` and ``phone`` unless you are changing them."""

    name: Text
    id_number: Text | None = None
    phone: Text | None = None
    ethnicity: Text | None = None
    language: Text | None = None


class MoveIn(In):
    household_id: Id
    relationship: Text = Field("", description=f"to the new household's head: {_RELATIONSHIPS}")
    on: dt.date | None = Field(None, description="default: today")
    reason: Text = ""


class MoveOutIn(In):
    on: dt.date | None = Field(None, description="default: today")
    reason: Text = ""


class DeathIn(In):
    on: dt.date | None = Field(None, description="default: today")


class RevealIn(In):
    field: Literal["id_number", "phone"]


class RevealOut(Schema):
    field: str
    value: str


# --- households and buildings -------------------------------------------------------------


class PersonRef(Schema):
    id: int
    name: str


class HouseholdOut(Schema):
    id: int
    address: str
    community_code: str = Field(..., alias="community_id")
    grid_code: str | None = Field(None, alias="grid_id")
    area_code: str
    building_id: int | None
    building_name: str
    unit: str
    room: str
    residence_type: str
    head: PersonRef | None
    member_count: int = Field(..., description="current members")

    @staticmethod
    def resolve_building_name(obj) -> str:
        return obj.building.name if obj.building_id else ""

    @staticmethod
    def resolve_head(obj):
        return {"id": obj.head.pk, "name": obj.head.name} if obj.head_id else None

    @staticmethod
    def resolve_member_count(obj) -> int:
        if hasattr(obj, "member_count"):
            return obj.member_count
        return len(obj.members_now)


class MemberOut(Schema):
    id: int
    name: str
    sex: str
    birth_date: dt.date | None
    age: int | None
    relationship: str
    id_number_masked: str
    phone_masked: str

    @staticmethod
    def resolve_id_number_masked(obj) -> str:
        return queries.masked_id(obj)

    @staticmethod
    def resolve_phone_masked(obj) -> str:
        return queries.masked_phone(obj)


class HouseholdDetailOut(HouseholdOut):
    members: list[MemberOut] = Field(..., alias="members_now")
    can_edit: bool


class HouseholdIn(In):
    community_code: AreaCode
    residence_type: Text = Field(..., description=" | ".join(Household.ResidenceType.values))
    address: Text = Field("", description="default, in a building: building, unit and room")
    building_id: Id | None = None
    unit: Text = ""
    room: Text = Field("", description="required in a building")


class HeadIn(In):
    resident_id: Id


class BuildingOut(Schema):
    id: int
    name: str
    address: str
    community_code: str = Field(..., alias="community_id")
    grid_code: str | None = Field(None, alias="grid_id")
    area_code: str
    units: int
    floors: int | None
    lat: float | None
    lng: float | None
    household_count: int = 0


class BuildingIn(In):
    community_code: AreaCode
    name: Text
    address: Text = ""
    units: int = Field(1, description="1 to 99")
    floors: int | None = None
    lat: float | None = Field(None, allow_inf_nan=False)
    lng: float | None = Field(None, allow_inf_nan=False)


# --- grids --------------------------------------------------------------------------------


class GridOut(Schema):
    code: str
    name: str
    community_code: str | None = Field(None, alias="parent_id")


class GridBuildingOut(Schema):
    id: int
    name: str
    address: str
    units: int
    household_count: int


class LooseHouseholdOut(Schema):
    id: int
    address: str
    member_count: int


class StaffOut(Schema):
    id: int
    grid_code: str = Field(..., alias="grid_id")
    duty: str
    duty_label: str
    user_id: int | None
    user_name: str
    resident_id: int | None
    resident_name: str
    building_id: int | None
    building_name: str
    unit: str
    started_on: dt.date
    ended_on: dt.date | None

    @staticmethod
    def resolve_duty_label(obj) -> str:
        return str(obj.get_duty_display())

    @staticmethod
    def resolve_user_name(obj) -> str:
        return (obj.user.full_name or obj.user.username) if obj.user_id else ""

    @staticmethod
    def resolve_resident_name(obj) -> str:
        return obj.resident.name if obj.resident_id else ""

    @staticmethod
    def resolve_building_name(obj) -> str:
        return obj.building.name if obj.building_id else ""


class GridViewOut(Schema):
    grid: GridOut
    buildings: list[GridBuildingOut]
    loose_households: list[LooseHouseholdOut] = Field(
        ..., description="households of the grid in no building (at most 200)"
    )
    staff: list[StaffOut]
    households: int
    residents: int
    tagged: int = Field(..., description="residents with an open group membership you may see")


class CoverageOut(Schema):
    community_code: str
    total: int = Field(..., description="households of the community")
    in_grid: int = Field(..., description="of which in a grid")
    share: float | None = Field(..., description="in_grid / total; null without households")


class GridAssignIn(In):
    building_ids: list[Id] = Field(default_factory=list, max_length=5000)
    household_ids: list[Id] = Field(default_factory=list, max_length=5000)


class GridAssignOut(Schema):
    buildings: int
    households: int
    moved: int = Field(..., description="households taken from another grid")


class GridReleaseOut(Schema):
    households: int = Field(..., description="households taken out of their grid")


class StaffIn(In):
    duty: Text = Field(..., description=" | ".join(GridStaff.Duty.values))
    user_id: Id | None = Field(None, description="an account: required for grid workers")
    resident_id: Id | None = Field(None, description="a resident: heads and representatives")
    building_id: Id | None = Field(None, description="building and unit heads")
    unit: Text = Field("", description="unit heads")
    started_on: dt.date | None = Field(None, description="default: today")


# --- counts -------------------------------------------------------------------------------


class AgeCountsOut(Schema):
    band_0_17: int
    band_18_59: int
    band_60_69: int
    band_70_79: int
    band_80plus: int
    unknown: int = Field(..., description="no birth date recorded")


class CountsOut(Schema):
    area_code: str
    households: int
    occupied_households: int = Field(..., description="households with a current member")
    residents: int = Field(..., description="current residents")
    urban_residents: int
    age: AgeCountsOut
