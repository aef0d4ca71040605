"""Recording venues: the rooms and fields inside facilities, and the resources units of the
area open to the public (驻区单位开放的停车场、文体设施、会议场地), with what booking them takes.

A venue inside a facility sits on the facility's area; a unit's open resource names its unit
and sits on a community. Every write needs ``facility.manage`` over that area. Closing a venue
(``active`` off) stops new bookings; bookings already made for later stay and are counted, for
the bookings desk to cancel or move — closing never cancels anyone's booking silently.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import audit, scoping
from linli.core.areacodes import Level
from linli.core.errors import ActionError, Conflict, NotFound
from linli.core.roles import Cap

from ..models import Facility, Venue
from . import _common as c
from .facilities import future_bookings

NAME_MAX = Venue._meta.get_field("name").max_length
UNIT_MAX = Venue._meta.get_field("unit_name").max_length
RULES_MAX = Venue._meta.get_field("rules").max_length
ADDRESS_MAX = Venue._meta.get_field("address").max_length
CAPACITY_MAX = 100_000
SLOT_MIN, SLOT_MAX = 15, 480
MAX_SLOTS_MAX = 48
DAYS_AHEAD_MAX = 365

VENUE_FIELDS = (
    "name",
    "kind",
    "capacity",
    "rules",
    "address",
    "latitude",
    "longitude",
    "for_residents",
    "for_organisations",
    "for_staff",
    "approval",
    "hours",
    "slot_minutes",
    "max_slots",
    "days_ahead",
)


def _clean(errors: c.Errors, data: dict) -> dict:
    get = data.get
    latitude, longitude = c.point(errors, get("latitude"), get("longitude"))
    week = c.weekly_hours(errors, "hours", get("hours"))
    if not week.open_days and not any(key.startswith("hours") for key in errors.found):
        errors.add("hours", _("Give the hours it can be booked on at least one day."))
    slot = c.integer(
        errors, "slot_minutes", get("slot_minutes", 60), minimum=SLOT_MIN, maximum=SLOT_MAX
    )
    if slot is not None and slot % 5:
        errors.add("slot_minutes", _("A slot lasts a whole number of 5 minutes."))
    values = {
        "name": c.line(errors, "name", get("name"), max_length=NAME_MAX, required=True),
        "kind": c.choice(errors, "kind", get("kind"), Venue.Kind),
        "capacity": c.integer(
            errors, "capacity", get("capacity"), minimum=1, maximum=CAPACITY_MAX, required=True
        ),
        "rules": c.text(errors, "rules", get("rules"), max_length=RULES_MAX),
        "address": c.line(
            errors, "address", get("address"), max_length=ADDRESS_MAX, required=False
        ),
        "latitude": latitude,
        "longitude": longitude,
        "for_residents": c.flag(errors, "for_residents", get("for_residents", True)),
        "for_organisations": c.flag(errors, "for_organisations", get("for_organisations", True)),
        "for_staff": c.flag(errors, "for_staff", get("for_staff", True)),
        "approval": c.choice(
            errors, "approval", get("approval"), Venue.Approval, default=Venue.Approval.INSTANT
        ),
        "hours": week.days,
        "slot_minutes": slot or 60,
        "max_slots": c.integer(
            errors, "max_slots", get("max_slots", 4), minimum=1, maximum=MAX_SLOTS_MAX
        )
        or 4,
        "days_ahead": c.integer(
            errors, "days_ahead", get("days_ahead", 14), minimum=1, maximum=DAYS_AHEAD_MAX
        )
        or 14,
    }
    if not (values["for_residents"] or values["for_organisations"] or values["for_staff"]):
        errors.add("for_residents", _("Say who may book it: residents, organisations or staff."))
    return values


def _owner(actor, facility_id, area_code, unit_name, errors: c.Errors):
    """Where the venue sits: (area, facility or None, unit name)."""
    unit = c.line(errors, "unit_name", unit_name, max_length=UNIT_MAX, required=False)
    pk = c.row_id(facility_id) if facility_id not in (None, "") else None
    if facility_id not in (None, "") and pk is None:
        raise ActionError(_("Choose a facility."), field="facility_id")
    if pk is not None:
        facility = Facility.objects.select_related("area").filter(pk=pk).first()
        if facility is None or not scoping.has_cap(actor, Cap.FACILITY_VIEW, facility.area_code):
            raise ActionError(_("Choose a facility."), field="facility_id")
        if facility.status == Facility.Status.CLOSED:
            raise ActionError(_("This facility is closed."), field="facility_id")
        if unit:
            errors.add("unit_name", _("A venue inside a facility names no unit."))
        return facility.area, facility, ""
    if not unit:
        raise ActionError(
            _("Choose the facility it is in, or name the unit that opens it."), field="facility_id"
        )
    area = c.place(area_code, levels=(Level.COMMUNITY,))
    return area, None, unit


def _venue(actor, venue_id) -> Venue:
    pk = c.row_id(venue_id)
    found = Venue.objects.filter(pk=pk).first() if pk else None
    if found is None or not scoping.has_cap(actor, Cap.FACILITY_VIEW, found.area_code):
        raise NotFound(_("There is no such venue among those you may see."))
    scoping.require(actor, Cap.FACILITY_MANAGE, found.area_code)
    return found


def venue_save(
    *, actor, facility_id=None, area_code=None, unit_name="", venue_id=None, **data
) -> Venue:
    """Add a venue (``venue_id`` None) or change one. Inside a facility (``facility_id``) it
    sits on the facility's area; a unit's open resource gives ``unit_name`` and the community
    (``area_code``). The members are those of :data:`VENUE_FIELDS`; any left out take their
    defaults. Its name is unique in its area."""
    unknown = set(data) - set(VENUE_FIELDS)
    if unknown:
        raise TypeError(f"venue_save got unknown members: {sorted(unknown)}")
    existing = _venue(actor, venue_id) if venue_id is not None else None
    errors = c.Errors()
    area, facility, unit = _owner(actor, facility_id, area_code, unit_name, errors)
    scoping.require(actor, Cap.FACILITY_MANAGE, area.code)
    values = _clean(errors, data)
    errors.raise_if_any(_("The venue was not saved."))
    taken = Venue.objects.filter(area=area, name=values["name"])
    if existing is not None:
        taken = taken.exclude(pk=existing.pk)
    if taken.exists():
        raise Conflict(_("This area already has a venue of this name."), field="name")
    now = timezone.now()
    try:
        with transaction.atomic():
            if existing is None:
                venue = Venue(created_by=c.user_or_none(actor), created_at=now)
            else:
                venue = Venue.objects.select_for_update().get(pk=existing.pk)
            venue.area, venue.area_code = area, area.code
            venue.facility, venue.unit_name = facility, unit
            for name, value in values.items():
                setattr(venue, name, value)
            venue.updated_at = now
            venue.save()
            audit.record(
                actor,
                "venue.create" if existing is None else "venue.update",
                venue,
                extra={
                    "facility": venue.facility_id,
                    "unit": bool(unit),
                    "kind": venue.kind,
                    "approval": venue.approval,
                },
            )
    except IntegrityError:
        raise Conflict(_("This area already has a venue of this name."), field="name") from None
    return venue


def venue_close(*, actor, venue_id) -> Venue:
    """Stop taking bookings for a venue (``active`` off); it stays on record. Bookings already
    made for later stay: ``bookings_affected`` says how many, for the bookings desk."""
    found = _venue(actor, venue_id)
    if not found.active:
        raise Conflict(_("This venue takes no bookings already."))
    with transaction.atomic():
        venue = Venue.objects.select_for_update().get(pk=found.pk)
        if not venue.active:
            raise Conflict(_("This venue takes no bookings already."))
        venue.active = False
        venue.updated_at = timezone.now()
        venue.save(update_fields=["active", "updated_at"])
        affected = future_bookings([venue.pk])
        audit.record(actor, "venue.close", venue, extra={"bookings_affected": affected})
    venue.bookings_affected = affected
    return venue


def venue_reopen(*, actor, venue_id) -> Venue:
    """Take bookings for a closed venue again (not while its facility is closed)."""
    found = _venue(actor, venue_id)
    if found.active:
        raise Conflict(_("This venue takes bookings already."))
    if found.facility_id and found.facility.status == Facility.Status.CLOSED:
        raise Conflict(_("Its facility is closed: reopen the facility first."))
    with transaction.atomic():
        venue = Venue.objects.select_for_update().get(pk=found.pk)
        venue.active = True
        venue.updated_at = timezone.now()
        venue.save(update_fields=["active", "updated_at"])
        audit.record(actor, "venue.reopen", venue)
    return venue


__all__ = ["VENUE_FIELDS", "venue_close", "venue_reopen", "venue_save"]
