"""Writes about grids (网格): which buildings and households each covers, and who serves it.

A household lies in at most one grid. Putting a building in a grid puts all its households
there; a household outside any building is placed on its own. Rows in a grid carry the grid's
code as ``area_code``, so the grid worker's scope follows the drawing.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import audit, scoping
from linli.core.areacodes import Level
from linli.core.errors import ActionError, Conflict, NotFound
from linli.core.models import RoleAssignment, User
from linli.core.roles import STAFF_ROLES, Cap, Role

from ..models import Building, GridStaff, GroupTag, Household, Residence, Resident, ResidentTag
from ._common import area_of_level, date_or_today, text

MAX_IDS = 5000

# The roles an account must already hold (on the grid or its community) to take a duty.
_DUTY_ROLES = {
    GridStaff.Duty.GRID_WORKER: [Role.GRID_WORKER],
    GridStaff.Duty.PART_TIME: [Role.GRID_WORKER, Role.COMMUNITY_WORKER, Role.COMMUNITY_HEAD],
    GridStaff.Duty.BUILDING_HEAD: [Role.BUILDING_HEAD, Role.GRID_WORKER, Role.COMMUNITY_WORKER],
    GridStaff.Duty.UNIT_HEAD: [Role.BUILDING_HEAD, Role.GRID_WORKER, Role.COMMUNITY_WORKER],
    GridStaff.Duty.VILLAGER_REP: [Role.BUILDING_HEAD, Role.RESIDENT],
}


def _ids(values, field: str) -> list[int]:
    try:
        ids = sorted({int(v) for v in values or []})
    except (TypeError, ValueError):
        raise ActionError(_("Give whole-number ids."), field=field) from None
    if len(ids) > MAX_IDS:
        raise ActionError(_("At most %(n)d at a time.") % {"n": MAX_IDS}, field=field)
    return ids


def _recode(household_ids: list[int], code: str) -> None:
    """Give households, their current residents and their open records a new area code."""
    Household.objects.filter(pk__in=household_ids).update(area_code=code, updated_at=timezone.now())
    resident_ids = list(
        Resident.objects.filter(household_id__in=household_ids).values_list("pk", flat=True)
    )
    Resident.objects.filter(pk__in=resident_ids).update(area_code=code)
    Residence.objects.filter(household_id__in=household_ids, ended_on__isnull=True).update(
        area_code=code
    )
    ResidentTag.objects.filter(resident_id__in=resident_ids).update(area_code=code)


def grid_assign(*, actor, grid_code: str, building_ids=(), household_ids=()) -> dict[str, int]:
    """Draw a grid's membership: add buildings (with all their households) and households.

    Anything already in another grid moves to this one; the count of moves is returned and
    audited, so a redrawing is visible in the trail.
    """
    grid = area_of_level(actor, grid_code, Level.GRID, Cap.GRID_MANAGE, field="grid_code")
    community = grid.parent
    building_ids = _ids(building_ids, "building_ids")
    household_ids = _ids(household_ids, "household_ids")
    if not building_ids and not household_ids:
        raise ActionError(
            _("Choose buildings or households to put in the grid."), field="building_ids"
        )
    with transaction.atomic():
        buildings = list(Building.objects.filter(pk__in=building_ids, community=community))
        if len(buildings) != len(building_ids):
            raise NotFound(
                _("Some of these buildings are not in this grid's community."), field="building_ids"
            )
        in_buildings = list(
            Household.objects.filter(building_id__in=building_ids).values_list("pk", flat=True)
        )
        households = set(
            Household.objects.filter(pk__in=household_ids, community=community).values_list(
                "pk", flat=True
            )
        )
        if len(households) != len(household_ids):
            raise NotFound(
                _("Some of these households are not in this grid's community."),
                field="household_ids",
            )
        for building in buildings:
            scoping.require(actor, Cap.GRID_MANAGE, building.area_code)
        everything = sorted(households | set(in_buildings))
        moved = (
            Household.objects.filter(pk__in=everything, grid__isnull=False)
            .exclude(grid=grid)
            .count()
        )
        Building.objects.filter(pk__in=building_ids).update(grid=grid, area_code=grid.code)
        Household.objects.filter(pk__in=everything).update(grid=grid)
        _recode(everything, grid.code)
        audit.record(
            actor,
            "grid.assign",
            grid,
            extra={
                "buildings": len(building_ids),
                "households": len(everything),
                "moved_from_other_grids": moved,
            },
        )
    return {"buildings": len(building_ids), "households": len(everything), "moved": moved}


def grid_release(*, actor, household_ids=(), building_ids=()) -> int:
    """Take households (or whole buildings) out of their grid; they fall back to the community."""
    building_ids = _ids(building_ids, "building_ids")
    household_ids = _ids(household_ids, "household_ids")
    scoping.require(actor, Cap.GRID_MANAGE)
    if not building_ids and not household_ids:
        raise ActionError(
            _("Choose buildings or households to take out of their grid."), field="household_ids"
        )
    granted = scoping.prefixes(actor, Cap.GRID_MANAGE)
    with transaction.atomic():
        buildings = list(
            Building.objects.filter(pk__in=building_ids).filter(scoping.prefix_q(granted))
        )
        if len(buildings) != len(building_ids):
            raise NotFound(_("Some of these buildings are not among yours."), field="building_ids")
        found = list(
            Household.objects.filter(Q(pk__in=household_ids) | Q(building_id__in=building_ids))
            .filter(scoping.prefix_q(granted))
            .values_list("pk", "community_id")
        )
        if len({pk for pk, _c in found} & set(household_ids)) != len(household_ids):
            raise NotFound(
                _("Some of these households are not among yours."), field="household_ids"
            )
        for building in buildings:
            Building.objects.filter(pk=building.pk).update(
                grid=None, area_code=building.community_id
            )
        by_community: dict[str, list[int]] = {}
        for pk, community_code in found:
            by_community.setdefault(community_code, []).append(pk)
        for community_code, pks in by_community.items():
            Household.objects.filter(pk__in=pks).update(grid=None)
            _recode(pks, community_code)
        audit.record(
            actor,
            "grid.release",
            target_type="registry.household",
            area_code=min(by_community) if by_community else "",
            extra={"households": len(found), "buildings": len(buildings)},
        )
    return len(found)


def grid_staff_assign(
    *,
    actor,
    grid_code: str,
    duty: str,
    user_id: int | None = None,
    resident_id: int | None = None,
    building_id: int | None = None,
    unit: str = "",
    started_on=None,
) -> GridStaff:
    """Name someone to a duty in a grid: an account (grid workers) or a resident (heads, reps).

    Roles are the security administrator's to give (三员分立): an account named here must
    already hold a staff role on the grid or its community — a grid worker the grid-worker
    role. This action records the duty; it never grants a role.
    """
    grid = area_of_level(actor, grid_code, Level.GRID, Cap.GRID_MANAGE, field="grid_code")
    if duty not in GridStaff.Duty.values:
        raise ActionError(_("Choose a duty from the list."), field="duty")
    started_on = date_or_today(started_on, field="started_on")
    unit = text(unit, limit=10, field="unit")
    if (user_id is None) == (resident_id is None):
        raise ActionError(_("Name either an account or a resident."), field="user_id")
    if duty in (GridStaff.Duty.GRID_WORKER, GridStaff.Duty.PART_TIME) and user_id is None:
        raise ActionError(_("A grid worker needs an account to log in with."), field="user_id")
    with transaction.atomic():
        user = resident = building = None
        if user_id is not None:
            user = User.objects.filter(pk=user_id, is_active=True).first()
            roles = _DUTY_ROLES[duty]
            holds = (
                user is not None
                and RoleAssignment.objects.filter(
                    user=user, role__in=roles, area_code__in=[grid.code, grid.parent_id]
                ).exists()
            )
            if user is None or not holds:
                raise ActionError(
                    _(
                        "This account holds no suitable role on this grid or its community. Ask the security administrator to assign one first."
                    ),
                    field="user_id",
                )
        if resident_id is not None:
            resident = Resident.objects.filter(
                pk=resident_id,
                status=Resident.Status.ACTIVE,
                area_code__startswith=grid.parent_id,
            ).first()
            if resident is None:
                raise NotFound(_("No such resident in this community."), field="resident_id")
        if building_id is not None:
            building = Building.objects.filter(pk=building_id, grid=grid).first()
            if building is None:
                raise NotFound(_("No such building in this grid."), field="building_id")
        if duty in (GridStaff.Duty.BUILDING_HEAD, GridStaff.Duty.UNIT_HEAD) and building is None:
            raise ActionError(_("Choose the building they look after."), field="building_id")
        if duty == GridStaff.Duty.UNIT_HEAD and not unit:
            raise ActionError(_("Give the unit they look after."), field="unit")
        if duty == GridStaff.Duty.VILLAGER_REP and grid.parent.urban_rural[:1] == "1":
            raise ActionError(_("Villager representatives serve rural grids."), field="duty")
        if GridStaff.objects.filter(
            grid=grid,
            duty=duty,
            user=user,
            resident=resident,
            building=building,
            unit=unit,
            ended_on__isnull=True,
        ).exists():
            raise Conflict(_("This person already has this duty here."), field="duty")
        staff = GridStaff.objects.create(
            grid=grid,
            area_code=grid.code,
            duty=duty,
            user=user,
            resident=resident,
            building=building,
            unit=unit,
            started_on=started_on,
        )
        audit.record(
            actor,
            "grid.staff_assign",
            staff,
            extra={"duty": duty, "user": user_id, "resident": resident_id},
        )
    return staff


def grid_staff_end(*, actor, staff_id: int, ended_on=None) -> GridStaff:
    """End a duty. The account's roles stay: revoking them is the security administrator's."""
    ended_on = date_or_today(ended_on, field="ended_on")
    with transaction.atomic():
        staff = (
            GridStaff.objects.select_related("grid")
            .filter(pk=staff_id)
            .filter(scoping.prefix_q(scoping.prefixes(actor, Cap.GRID_MANAGE)))
            .first()
        )
        if staff is None:
            raise NotFound(_("No such duty among yours."), field="staff_id")
        if staff.ended_on is not None:
            raise ActionError(_("This duty has already ended."), field="staff_id")
        if ended_on < staff.started_on:
            raise ActionError(_("This date is before the duty began."), field="ended_on")
        staff.ended_on = ended_on
        staff.save(update_fields=["ended_on"])
        audit.record(actor, "grid.staff_end", staff)
    return staff


def group_tag_create(
    *,
    actor,
    code: str,
    name: str,
    parent_code: str = "",
    sensitive: bool = False,
    visible_roles=(),
    has_grade: bool = False,
) -> GroupTag:
    """Extend the group vocabulary (a county's own groups); configuration, not personal data."""
    scoping.require(actor, Cap.CONFIG_MANAGE)
    code = text(code, limit=40, field="code", required=True, label=_("Code")).lower()
    if not all(ch.isascii() and (ch.isalnum() or ch in "_-.") for ch in code):
        raise ActionError(
            _("A code has Latin letters, digits, '_', '-' and '.' only."), field="code"
        )
    name = text(name, limit=50, field="name", required=True, label=_("Name"))
    roles = sorted(set(visible_roles or []))
    if any(role not in STAFF_ROLES for role in roles):
        raise ActionError(_("Choose roles from the list."), field="visible_roles")
    if sensitive and not roles:
        raise ActionError(
            _("Name the roles that may see a sensitive group."), field="visible_roles"
        )
    with transaction.atomic():
        parent = None
        parent_code = str(parent_code or "").replace("\x00", "").strip()[:40]
        if parent_code:
            parent = GroupTag.objects.filter(code=parent_code).first()
            if parent is None:
                raise NotFound(_("No such parent group."), field="parent_code")
        if GroupTag.objects.filter(code=code).exists():
            raise Conflict(_("A group with this code exists."), field="code")
        tag = GroupTag.objects.create(
            code=code,
            name=name,
            parent=parent,
            sensitive=bool(sensitive or (parent and parent.sensitive)),
            visible_roles=roles or (list(parent.visible_roles) if parent else []),
            has_grade=bool(has_grade),
        )
        audit.record(actor, "group_tag.create", tag)
    return tag


def group_tag_set_active(*, actor, code: str, active: bool) -> GroupTag:
    """Take a group out of use (no new memberships; history and open memberships stay) or
    back into use. Built-in groups may be taken out of use too: not every county needs all."""
    scoping.require(actor, Cap.CONFIG_MANAGE)
    code = str(code or "").replace("\x00", "").strip()[:40]
    with transaction.atomic():
        tag = GroupTag.objects.select_for_update().filter(code=code).first()
        if tag is None:
            raise NotFound(_("No such group."), field="code")
        if tag.active != bool(active):
            tag.active = bool(active)
            tag.save(update_fields=["active"])
            audit.record(actor, "group_tag.set_active", tag, extra={"active": tag.active})
    return tag
