"""Writes about homes and people: buildings, households, residents, moves, group tags.

Each function is one transaction, checks the actor's capability over the row's area, and
writes one audit event naming ids only.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import audit, scoping
from linli.core.areacodes import Level
from linli.core.errors import ActionError, Conflict, NotFound
from linli.core.roles import Cap

from .. import queries
from ..identity import clean_id_number
from ..models import (
    ETHNICITIES,
    Building,
    GroupTag,
    Household,
    Residence,
    Resident,
    ResidentTag,
)
from ._common import area_of_level, date_or_today, phone_or_blank, pinyin_of, text

ETHNICITY_CODES = {code for code, _name in ETHNICITIES}
ETHNICITY_BY_NAME = {name: code for code, name in ETHNICITIES}


# --- buildings ----------------------------------------------------------------------------


def _coordinate(value, *, low: int, high: int, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        raise ActionError(_("Enter a number of degrees, e.g. 42.9."), field=field) from None
    if not low <= number <= high:
        raise ActionError(
            _("Must lie between %(low)d and %(high)d.") % {"low": low, "high": high}, field=field
        )
    return number


def building_create(
    *,
    actor,
    community_code: str,
    name: str,
    address: str = "",
    units: int = 1,
    floors: int | None = None,
    lat=None,
    lng=None,
    is_demo: bool = False,
) -> Building:
    """Add a building (楼栋) to a community."""
    community = area_of_level(
        actor, community_code, Level.COMMUNITY, Cap.REGISTRY_EDIT, field="community_code"
    )
    name = text(name, limit=50, field="name", required=True, label=_("Building"))
    address = text(address, limit=200, field="address")
    if isinstance(units, bool) or not isinstance(units, int) or not 1 <= units <= 99:
        raise ActionError(_("A building has 1 to 99 units."), field="units")
    if floors is not None and (
        isinstance(floors, bool) or not isinstance(floors, int) or not 1 <= floors <= 200
    ):
        raise ActionError(_("A building has 1 to 200 floors."), field="floors")
    lat = _coordinate(lat, low=3, high=54, field="lat")
    lng = _coordinate(lng, low=73, high=136, field="lng")
    with transaction.atomic():
        if Building.objects.filter(community=community, name=name).exists():
            raise Conflict(_("This community already has a building of that name."), field="name")
        building = Building.objects.create(
            community=community,
            area_code=community.code,
            name=name,
            address=address,
            units=units,
            floors=floors,
            lat=lat,
            lng=lng,
            is_demo=is_demo,
        )
        audit.record(actor, "building.create", building)
    return building


# --- households ---------------------------------------------------------------------------


def household_create(
    *,
    actor,
    community_code: str,
    residence_type: str,
    address: str = "",
    building_id: int | None = None,
    unit: str = "",
    room: str = "",
    is_demo: bool = False,
) -> Household:
    """Open a household (户) at an address, optionally in a building, unit and room.

    A household in a building inherits the building's grid; the address defaults to the
    building's address with unit and room.
    """
    community = area_of_level(
        actor, community_code, Level.COMMUNITY, Cap.REGISTRY_EDIT, field="community_code"
    )
    if residence_type not in Household.ResidenceType.values:
        raise ActionError(_("Choose a residence type."), field="residence_type")
    unit = text(unit, limit=10, field="unit")
    room = text(room, limit=20, field="room")
    address = text(address, limit=200, field="address")
    building = None
    if building_id is not None:
        building = Building.objects.filter(pk=building_id, community=community).first()
        if building is None:
            raise NotFound(_("No such building in this community."), field="building_id")
        if not room:
            raise ActionError(_("Give the room number within the building."), field="room")
        if unit and unit.isdigit() and not 1 <= int(unit) <= building.units:
            raise ActionError(
                _("This building has units 1 to %(n)d.") % {"n": building.units}, field="unit"
            )
        if not address:
            address = Household.address_in_building(building.address or building.name, unit, room)
    if not address:
        raise ActionError(_("Give the household's address."), field="address")
    grid = building.grid if building else None
    with transaction.atomic():
        if (
            building is not None
            and Household.objects.filter(building=building, unit=unit, room=room).exists()
        ):
            raise Conflict(_("A household is already registered in this room."), field="room")
        household = Household.objects.create(
            community=community,
            grid=grid,
            area_code=grid.code if grid else community.code,
            building=building,
            unit=unit,
            room=room,
            address=address,
            residence_type=residence_type,
            is_demo=is_demo,
        )
        audit.record(actor, "household.create", household)
    return household


def _household_for_edit(actor, household_id) -> Household:
    household = (
        Household.objects.select_related("community", "grid")
        .filter(pk=household_id)
        .filter(scoping.prefix_q(scoping.prefixes(actor, Cap.REGISTRY_VIEW)))
        .first()
    )
    if household is None:
        raise NotFound(_("No such household among yours."), field="household_id")
    scoping.require(actor, Cap.REGISTRY_EDIT, household.area_code)
    return household


def household_set_head(*, actor, household_id: int, resident_id: int) -> Household:
    """Make a current member the household head (户主); the old head becomes "other relative"
    only if they had no other relationship recorded."""
    with transaction.atomic():
        household = _household_for_edit(actor, household_id)
        member = Resident.objects.filter(
            pk=resident_id, household=household, status=Resident.Status.ACTIVE
        ).first()
        if member is None:
            raise ActionError(
                _("The head must be a current member of the household."), field="resident_id"
            )
        previous = household.head_id
        Resident.objects.filter(
            household=household, relationship=Resident.Relationship.HEAD
        ).exclude(pk=member.pk).update(relationship=Resident.Relationship.OTHER_RELATIVE)
        Resident.objects.filter(pk=member.pk).update(relationship=Resident.Relationship.HEAD)
        Residence.objects.filter(resident=member, ended_on__isnull=True).update(
            relationship=Resident.Relationship.HEAD
        )
        household.head = member
        household.updated_at = timezone.now()
        household.save(update_fields=["head", "updated_at"])
        audit.record(
            actor,
            "household.set_head",
            household,
            extra={"resident": member.pk, "previous": previous},
        )
    return household


# --- residents ----------------------------------------------------------------------------


def _clean_person(
    *, name, id_number, phone, ethnicity, language, relationship, errors: dict
) -> dict:
    """Validate the personal fields; collect every fault into ``errors`` (field → messages)."""
    cleaned: dict = {}

    def fail(field, message):
        errors.setdefault(field, []).append(str(message))

    try:
        cleaned["name"] = text(name, limit=50, field="name", required=True, label=_("Name"))
    except ActionError as exc:
        fail("name", exc.message)
    cleaned["id"] = None
    if str(id_number or "").strip():
        try:
            cleaned["id"] = clean_id_number(id_number)
        except ActionError as exc:
            fail("id_number", exc.message)
    try:
        cleaned["phone"] = phone_or_blank(phone)
    except ActionError as exc:
        fail("phone", exc.message)
    ethnicity = str(ethnicity or "").strip()
    ethnicity = ETHNICITY_BY_NAME.get(ethnicity, ethnicity)
    if ethnicity and ethnicity not in ETHNICITY_CODES:
        fail("ethnicity", _("Choose an ethnic group from the list."))
    cleaned["ethnicity"] = ethnicity
    language = str(language or "").strip()
    if language and language not in Resident.Language.values:
        fail("language", _("Choose a language from the list."))
    cleaned["language"] = language
    relationship = str(relationship or "").strip()
    if relationship and relationship not in Resident.Relationship.values:
        fail("relationship", _("Choose a relationship from the list."))
    cleaned["relationship"] = relationship
    return cleaned


def _apply_person(resident: Resident, cleaned: dict) -> None:
    resident.name = cleaned["name"]
    resident.name_pinyin, resident.name_initials = pinyin_of(resident.name)
    facts = cleaned["id"]
    resident.id_number = facts.number if facts else None
    resident.id_tail = facts.number[-4:] if facts else ""
    if facts:
        resident.birth_date = facts.birth_date
        resident.sex = facts.sex
    resident.phone = cleaned["phone"] or None
    resident.phone_tail = cleaned["phone"][-4:] if cleaned["phone"] else ""
    resident.ethnicity = cleaned["ethnicity"]
    resident.language = cleaned["language"]


def _existing_by_id(facts) -> Resident | None:
    if facts is None:
        return None
    from linli.core.pii import blind_index

    return Resident.objects.filter(id_bidx=blind_index(facts.number, "id_number")).first()


def resident_add(
    *,
    actor,
    household_id: int,
    name: str,
    id_number: str = "",
    phone: str = "",
    ethnicity: str = "",
    language: str = "",
    relationship: str = "",
    sex: str = "",
    birth_date=None,
    moved_in_on=None,
    reason: str = "",
    is_demo: bool = False,
) -> Resident:
    """Register a person as living in a household.

    Someone already in the registry (same ID number) is not added twice: the error says where
    they live, and moving them is :func:`resident_move`.
    """
    household = _household_for_edit(actor, household_id)
    errors: dict[str, list[str]] = {}
    cleaned = _clean_person(
        name=name,
        id_number=id_number,
        phone=phone,
        ethnicity=ethnicity,
        language=language,
        relationship=relationship,
        errors=errors,
    )
    if cleaned["id"] is None:
        # Without an ID number (a newborn, a foreign national) sex and birth date are typed.
        if sex and sex not in Resident.Sex.values:
            errors.setdefault("sex", []).append(str(_("Choose male or female.")))
        try:
            birth_date = date_or_today(birth_date, field="birth_date") if birth_date else None
        except ActionError as exc:
            errors.setdefault("birth_date", []).append(str(exc.message))
    try:
        moved_in_on = date_or_today(moved_in_on, field="moved_in_on")
    except ActionError as exc:
        errors.setdefault("moved_in_on", []).append(str(exc.message))
    try:
        reason = text(reason, limit=100, field="reason")
    except ActionError as exc:
        errors.setdefault("reason", []).append(str(exc.message))
    if errors:
        raise ActionError(_("The resident was not added."), errors=errors)
    with transaction.atomic():
        existing = _existing_by_id(cleaned["id"])
        if existing is not None:
            raise Conflict(
                _(
                    "This ID number is already in the registry (resident %(id)d). Move them instead of adding them again."
                )
                % {"id": existing.pk},
                field="id_number",
            )
        resident = Resident(
            household=household,
            area_code=household.area_code,
            relationship=cleaned["relationship"],
            moved_in_on=moved_in_on,
            is_demo=is_demo,
        )
        _apply_person(resident, cleaned)
        if cleaned["id"] is None:
            resident.sex = sex or ""
            resident.birth_date = birth_date
        try:
            with transaction.atomic():
                resident.save()
        except IntegrityError:
            raise Conflict(
                _("This ID number is already in the registry."), field="id_number"
            ) from None
        Residence.objects.create(
            resident=resident,
            household=household,
            area_code=household.area_code,
            relationship=resident.relationship or Resident.Relationship.OTHER,
            started_on=moved_in_on,
            start_reason=reason,
        )
        if resident.relationship == Resident.Relationship.HEAD and household.head_id is None:
            household.head = resident
            household.save(update_fields=["head"])
        audit.record(actor, "resident.add", resident, extra={"household": household.pk})
    return resident


def _resident_for_edit(actor, resident_id) -> Resident:
    resident = (
        Resident.objects.filter(pk=resident_id)
        .filter(scoping.prefix_q(scoping.prefixes(actor, Cap.REGISTRY_VIEW)))
        .first()
    )
    if resident is None:
        raise NotFound(_("No such resident among yours."), field="resident_id")
    scoping.require(actor, Cap.REGISTRY_EDIT, resident.area_code)
    return resident


def resident_update(
    *,
    actor,
    resident_id: int,
    name: str,
    id_number: str | None = None,
    phone: str | None = None,
    ethnicity: str | None = None,
    language: str | None = None,
) -> Resident:
    """Correct a resident's personal fields. A field given as ``None`` keeps its value and
    ``""`` clears it, so a caller that never saw the full ID number cannot wipe it, and a stored
    value that fails today's rules does not block correcting something else."""
    with transaction.atomic():
        resident = _resident_for_edit(actor, resident_id)
        before = {
            "name": resident.name,
            "id_number": resident.id_number or "",
            "phone": resident.phone or "",
            "ethnicity": resident.ethnicity,
            "language": resident.language,
        }
        errors: dict[str, list[str]] = {}
        cleaned = _clean_person(
            name=name,
            id_number=id_number or "",
            phone=phone or "",
            ethnicity=before["ethnicity"] if ethnicity is None else ethnicity,
            language=before["language"] if language is None else language,
            relationship="",
            errors=errors,
        )
        for key, given in (("id_number", id_number), ("phone", phone)):
            if given is None:
                errors.pop(key, None)
        if errors:
            raise ActionError(_("The changes were not saved."), errors=errors)
        if id_number is not None:
            other = _existing_by_id(cleaned["id"])
            if other is not None and other.pk != resident.pk:
                raise Conflict(
                    _("This ID number belongs to another resident (%(id)d).") % {"id": other.pk},
                    field="id_number",
                )
        resident.name = cleaned["name"]
        resident.name_pinyin, resident.name_initials = pinyin_of(resident.name)
        if id_number is not None:
            facts = cleaned["id"]
            resident.id_number = facts.number if facts else None
            resident.id_tail = facts.number[-4:] if facts else ""
            if facts:
                resident.birth_date, resident.sex = facts.birth_date, facts.sex
        if phone is not None:
            resident.phone = cleaned["phone"] or None
            resident.phone_tail = cleaned["phone"][-4:] if cleaned["phone"] else ""
        resident.ethnicity = cleaned["ethnicity"]
        resident.language = cleaned["language"]
        after = {
            "name": resident.name,
            "id_number": resident.id_number or "",
            "phone": resident.phone or "",
            "ethnicity": resident.ethnicity,
            "language": resident.language,
        }
        changed = sorted(key for key in before if before[key] != after[key])
        resident.updated_at = timezone.now()
        resident.save()
        audit.record(actor, "resident.update", resident, extra={"fields": changed})
    return resident


def _close_residence(resident: Resident, on: dt.date, reason: str) -> None:
    current = Residence.objects.filter(resident=resident, ended_on__isnull=True).first()
    if current is not None:
        if on < current.started_on:
            raise ActionError(
                _("This date is before the resident moved in (%(date)s).")
                % {"date": current.started_on.isoformat()},
                field="on",
            )
        current.ended_on = on
        current.end_reason = reason
        current.save(update_fields=["ended_on", "end_reason"])
    Household.objects.filter(head=resident).update(head=None, updated_at=timezone.now())


def resident_move(
    *,
    actor,
    resident_id: int,
    household_id: int,
    relationship: str = "",
    on=None,
    reason: str = "",
) -> Resident:
    """Move a resident to another household: the old stay ends the day the new one begins.

    Also brings back someone who moved away or was entered by mistake as moved out.
    """
    on = date_or_today(on, field="on")
    reason = text(reason, limit=100, field="reason")
    if relationship and relationship not in Resident.Relationship.values:
        raise ActionError(_("Choose a relationship from the list."), field="relationship")
    with transaction.atomic():
        resident = _resident_for_edit(actor, resident_id)
        if resident.status == Resident.Status.DECEASED:
            raise ActionError(_("This resident has died and cannot move."), field="resident_id")
        target = _household_for_edit(actor, household_id)
        if resident.household_id == target.pk:
            raise ActionError(
                _("The resident already lives in this household."), field="household_id"
            )
        previous = resident.household_id
        _close_residence(resident, on, Residence.EndReason.MOVED_WITHIN)
        resident.household = target
        resident.area_code = target.area_code
        resident.status = Resident.Status.ACTIVE
        resident.relationship = relationship or Resident.Relationship.OTHER_RELATIVE
        resident.moved_in_on = on
        resident.moved_out_on = None
        resident.updated_at = timezone.now()
        resident.save()
        Residence.objects.create(
            resident=resident,
            household=target,
            area_code=target.area_code,
            relationship=resident.relationship,
            started_on=on,
            start_reason=reason,
        )
        ResidentTag.objects.filter(resident=resident).update(area_code=target.area_code)
        audit.record(actor, "resident.move", resident, extra={"from": previous, "to": target.pk})
    return resident


def resident_move_out(*, actor, resident_id: int, on=None, reason: str = "") -> Resident:
    """Record that a resident moved away from the jurisdiction's households."""
    on = date_or_today(on, field="on")
    reason = text(reason, limit=100, field="reason")
    with transaction.atomic():
        resident = _resident_for_edit(actor, resident_id)
        if resident.status != Resident.Status.ACTIVE:
            raise ActionError(_("This resident no longer lives here."), field="resident_id")
        _close_residence(resident, on, Residence.EndReason.MOVED_AWAY)
        previous = resident.household_id
        resident.status = Resident.Status.MOVED_OUT
        resident.household = None
        resident.moved_out_on = on
        resident.updated_at = timezone.now()
        resident.save()
        audit.record(actor, "resident.move_out", resident, extra={"from": previous})
    return resident


def resident_record_death(*, actor, resident_id: int, on=None) -> Resident:
    """Record a death: the stay ends and open group memberships end the same day."""
    on = date_or_today(on, field="on")
    with transaction.atomic():
        resident = _resident_for_edit(actor, resident_id)
        if resident.status == Resident.Status.DECEASED:
            raise ActionError(_("This death is already recorded."), field="resident_id")
        if resident.birth_date and on < resident.birth_date:
            raise ActionError(_("This date is before the birth date."), field="on")
        _close_residence(resident, on, Residence.EndReason.DECEASED)
        previous = resident.household_id
        resident.status = Resident.Status.DECEASED
        resident.household = None
        resident.deceased_on = on
        resident.updated_at = timezone.now()
        resident.save()
        ended = ResidentTag.objects.filter(resident=resident, ended_on__isnull=True).update(
            ended_on=on
        )
        audit.record(
            actor, "resident.death", resident, extra={"from": previous, "tags_ended": ended}
        )
    return resident


# --- group tags ---------------------------------------------------------------------------


def resident_tag_add(
    *,
    actor,
    resident_id: int,
    tag_code: str,
    started_on=None,
    grade: str = "",
    note: str = "",
) -> ResidentTag:
    """Put a resident in a group from a date (e.g. 特殊困难老年人·独居 from 2026-03-01)."""
    started_on = date_or_today(started_on, field="started_on")
    grade = text(grade, limit=50, field="grade")
    note = text(note, limit=500, field="note")
    with transaction.atomic():
        resident = _resident_for_edit(actor, resident_id)
        if resident.status != Resident.Status.ACTIVE:
            raise ActionError(_("Only current residents can join a group."), field="resident_id")
        code = str(tag_code or "").replace("\x00", "").strip()[:40]
        tag = GroupTag.objects.filter(code=code, active=True).first()
        if tag is None or not queries.tag_visible(actor, tag, resident.area_code):
            raise ActionError(_("Choose a group from the list."), field="tag_code")
        if tag.has_grade and not grade:
            raise ActionError(_("This group records a kind or grade: give it."), field="grade")
        if resident.birth_date and started_on < resident.birth_date:
            raise ActionError(_("This date is before the birth date."), field="started_on")
        if ResidentTag.objects.filter(resident=resident, tag=tag, ended_on__isnull=True).exists():
            raise Conflict(_("The resident is already in this group."), field="tag_code")
        membership = ResidentTag.objects.create(
            resident=resident,
            tag=tag,
            area_code=resident.area_code,
            grade=grade,
            note=note or None,
            started_on=started_on,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit.record(
            actor, "resident.tag_add", membership, extra={"resident": resident.pk, "tag": tag.code}
        )
    return membership


def resident_tag_end(*, actor, membership_id: int, ended_on=None) -> ResidentTag:
    """End a group membership on a date; its history stays."""
    ended_on = date_or_today(ended_on, field="ended_on")
    with transaction.atomic():
        membership = (
            ResidentTag.objects.select_related("tag")
            .filter(pk=membership_id)
            .filter(scoping.prefix_q(scoping.prefixes(actor, Cap.REGISTRY_VIEW)))
            .first()
        )
        if membership is None or not queries.tag_visible(
            actor, membership.tag, membership.area_code
        ):
            raise NotFound(_("No such group membership among yours."), field="membership_id")
        scoping.require(actor, Cap.REGISTRY_EDIT, membership.area_code)
        if membership.ended_on is not None:
            raise ActionError(_("This membership has already ended."), field="membership_id")
        if ended_on < membership.started_on:
            raise ActionError(_("This date is before the membership began."), field="ended_on")
        membership.ended_on = ended_on
        membership.save(update_fields=["ended_on"])
        audit.record(
            actor,
            "resident.tag_end",
            membership,
            extra={"resident": membership.resident_id, "tag": membership.tag_id},
        )
    return membership
