"""Recording the service facilities of towns and communities: adding and changing one, closing
it, and its photos.

Every write needs ``facility.manage`` over the facility's area: a community (12-digit code) or,
for the town's own facilities such as its social work station, a town. What the plans measure is
kept beside the record by the action that writes it: ``area_code`` (the area's code), and from
the weekly hours the days open a week and the shortest opening day (against "≥ 8 hours a day").
A closed facility stays on record; its venues stop taking bookings.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.appeals.actions.photos import clean_photos
from linli.core import audit, scoping
from linli.core.areacodes import Level
from linli.core.errors import ActionError, Conflict, NotFound
from linli.core.roles import Cap

from ..models import Booking, Facility, FacilityPhoto, Venue
from . import _common as c

FACILITY_PHOTO_MAX = 6  # photos kept per facility
NAME_MAX = Facility._meta.get_field("name").max_length
ADDRESS_MAX = Facility._meta.get_field("address").max_length
PHONE_MAX = Facility._meta.get_field("phone").max_length
NOTE_MAX = Facility._meta.get_field("note").max_length
CAPTION_MAX = FacilityPhoto._meta.get_field("caption").max_length
AREA_MAX = Decimal("99999999.99")  # ten digits, two of them decimals
SERVED_MAX = Decimal("9999999999.99")
TERMINALS_MAX = 999
YEAR_MIN = 1900
BUILDING_YEARS_AHEAD = 5  # a facility being built may give the year it will be finished
PLACE_LEVELS = (Level.TOWN, Level.COMMUNITY)
_PHONE = re.compile(r"^[0-9+()（）\-\s转,，/#*]+$")

# The members a facility's record is written from, in form order (the import uses them too).
FACILITY_FIELDS = (
    "name",
    "kind",
    "status",
    "floor_area",
    "activity_area",
    "year_built",
    "ownership",
    "address",
    "latitude",
    "longitude",
    "accessibility",
    "terminals",
    "hours",
    "phone",
    "new_build",
    "residential_area",
    "commercial_area",
    "note",
)


def clean_values(errors: c.Errors, data: dict) -> dict:
    """The record's values from what was sent (any of :data:`FACILITY_FIELDS`; missing ones
    take their defaults), with ``open_days`` and ``min_daily_hours`` derived from the hours.
    Problems are added to ``errors`` under the members' names (a day's hours under
    ``hours.<day>``)."""
    get = data.get
    status = c.choice(errors, "status", get("status"), Facility.Status, default="open")
    floor = c.decimal(
        errors,
        "floor_area",
        get("floor_area"),
        minimum=Decimal("0.01"),
        maximum=AREA_MAX,
        required=True,
    )
    activity = c.decimal(errors, "activity_area", get("activity_area"), maximum=AREA_MAX)
    if floor is not None and activity is not None and activity > floor:
        errors.add("activity_area", _("The resident activity area cannot exceed the floor area."))
    this_year = timezone.localdate().year
    latest = this_year + (BUILDING_YEARS_AHEAD if status == Facility.Status.BUILDING else 0)
    year = c.integer(errors, "year_built", get("year_built"), minimum=YEAR_MIN, maximum=latest)
    latitude, longitude = c.point(errors, get("latitude"), get("longitude"))
    week = c.weekly_hours(errors, "hours", get("hours"))
    phone = c.line(errors, "phone", get("phone"), max_length=PHONE_MAX, required=False)
    if phone and not _PHONE.match(phone):
        errors.add("phone", _("A telephone number has digits, spaces and dashes only."))
    new_build = c.flag(errors, "new_build", get("new_build"))
    served = c.decimal(
        errors,
        "residential_area",
        get("residential_area"),
        minimum=Decimal("0.01"),
        maximum=SERVED_MAX,
    )
    if new_build and served is None and not errors.has("residential_area"):
        errors.add(
            "residential_area",
            _("A facility built in the plan period gives the residential floor area it serves."),
        )
    return {
        "name": c.line(errors, "name", get("name"), max_length=NAME_MAX, required=True),
        "kind": c.choice(errors, "kind", get("kind"), Facility.Kind),
        "status": status,
        "floor_area": floor,
        "activity_area": activity if activity is not None else Decimal("0.00"),
        "year_built": year,
        "ownership": c.choice(
            errors, "ownership", get("ownership"), Facility.Ownership, default="owned"
        ),
        "address": c.line(
            errors, "address", get("address"), max_length=ADDRESS_MAX, required=False
        ),
        "latitude": latitude,
        "longitude": longitude,
        "accessibility": c.accessibility(
            errors, "accessibility", get("accessibility"), Facility.Accessibility
        ),
        "terminals": c.integer(
            errors, "terminals", get("terminals"), minimum=0, maximum=TERMINALS_MAX
        )
        or 0,
        "hours": week.days,
        "open_days": week.open_days,
        "min_daily_hours": week.min_daily_hours,
        "phone": phone,
        "new_build": new_build,
        "residential_area": served if new_build else None,
        "commercial_area": c.decimal(
            errors, "commercial_area", get("commercial_area"), maximum=AREA_MAX
        )
        or Decimal("0.00"),
        "note": c.text(errors, "note", get("note"), max_length=NOTE_MAX),
    }


def changed_fields(facility: Facility, values: dict) -> list[str]:
    """The members whose stored value differs from ``values``."""
    changed = []
    for name, new in values.items():
        old = getattr(facility, name)
        if isinstance(old, Decimal) and new is not None:
            new = Decimal(new)
        if old != new:
            changed.append(name)
    return changed


def future_bookings(venue_ids) -> int:
    """Live bookings (awaiting approval, confirmed) of these venues that have not yet begun."""
    return Booking.objects.filter(
        venue_id__in=list(venue_ids), status__in=Booking.LIVE, starts_at__gte=timezone.now()
    ).count()


def close_venues(facility: Facility, now: dt.datetime) -> tuple[int, int]:
    """A closed facility's venues stop taking bookings: (venues closed, live future bookings
    they hold, which stay for the bookings desk to cancel or move)."""
    ids = list(facility.venues.filter(active=True).values_list("pk", flat=True))
    if ids:
        Venue.objects.filter(pk__in=ids).update(active=False, updated_at=now)
    return len(ids), future_bookings(ids)


def _facility(actor, facility_id) -> Facility:
    pk = c.row_id(facility_id)
    found = Facility.objects.filter(pk=pk).first() if pk else None
    if found is None or not scoping.has_cap(actor, Cap.FACILITY_VIEW, found.area_code):
        raise NotFound(_("There is no such facility among those you may see."))
    scoping.require(actor, Cap.FACILITY_MANAGE, found.area_code)
    return found


def facility_save(*, actor, area_code, facility_id=None, **data) -> Facility:
    """Add a facility to a town or community (``facility_id`` None) or change one; the members
    are those of :data:`FACILITY_FIELDS` and any left out take their defaults (a change
    replaces the record). The name is unique in its area. A facility saved as closed closes its
    venues; moving a facility to another area moves its venues with it."""
    unknown = set(data) - set(FACILITY_FIELDS)
    if unknown:
        raise TypeError(f"facility_save got unknown members: {sorted(unknown)}")
    area = c.place(area_code, levels=PLACE_LEVELS)
    scoping.require(actor, Cap.FACILITY_MANAGE, area.code)
    existing = _facility(actor, facility_id) if facility_id is not None else None
    errors = c.Errors()
    values = clean_values(errors, data)
    errors.raise_if_any(_("The facility was not saved."))
    taken = Facility.objects.filter(area=area, name=values["name"])
    if existing is not None:
        taken = taken.exclude(pk=existing.pk)
    if taken.exists():
        raise Conflict(_("This area already has a facility of this name."), field="name")
    now = timezone.now()
    try:
        with transaction.atomic():
            if existing is None:
                facility = Facility(area=area, created_by=c.user_or_none(actor), created_at=now)
                changed = list(FACILITY_FIELDS)
            else:
                facility = Facility.objects.select_for_update().get(pk=existing.pk)
                changed = changed_fields(facility, values)
                if facility.area_id != area.code:
                    changed.append("area")
            closing = values["status"] == Facility.Status.CLOSED and (
                existing is None or facility.status != Facility.Status.CLOSED
            )
            facility.area = area
            facility.area_code = area.code
            for name, value in values.items():
                setattr(facility, name, value)
            facility.updated_at = now
            facility.save()
            closed = affected = 0
            if existing is not None and "area" in changed:
                Venue.objects.filter(facility=facility).update(
                    area=area, area_code=area.code, updated_at=now
                )
            if closing and existing is not None:
                closed, affected = close_venues(facility, now)
            audit.record(
                actor,
                "facility.create" if existing is None else "facility.update",
                facility,
                extra={
                    "kind": facility.kind,
                    "status": facility.status,
                    "fields": sorted(set(changed) - {"open_days", "min_daily_hours"}),
                    "venues_closed": closed,
                },
            )
    except IntegrityError:
        raise Conflict(
            _("This area already has a facility or venue of the same name."), field="name"
        ) from None
    facility.venues_closed, facility.bookings_affected = closed, affected
    return facility


def facility_close(*, actor, facility_id) -> Facility:
    """Close a facility (停用): it stays on record with its figures and photos, leaves the
    figures of facilities in use, and its venues stop taking bookings. Bookings already made
    for later stay, counted in ``bookings_affected``, for the bookings desk to cancel or move."""
    found = _facility(actor, facility_id)
    if found.status == Facility.Status.CLOSED:
        raise Conflict(_("This facility is closed already."))
    now = timezone.now()
    with transaction.atomic():
        facility = Facility.objects.select_for_update().get(pk=found.pk)
        if facility.status == Facility.Status.CLOSED:
            raise Conflict(_("This facility is closed already."))
        facility.status = Facility.Status.CLOSED
        facility.updated_at = now
        facility.save(update_fields=["status", "updated_at"])
        closed, affected = close_venues(facility, now)
        audit.record(
            actor,
            "facility.close",
            facility,
            extra={"venues_closed": closed, "bookings_affected": affected},
        )
    facility.venues_closed, facility.bookings_affected = closed, affected
    return facility


def facility_photo_add(*, actor, facility_id, photos, caption="") -> list[FacilityPhoto]:
    """Add photos to a facility, re-encoded without camera or location data; a facility keeps
    at most six."""
    facility = _facility(actor, facility_id)
    errors = c.Errors()
    label = c.line(errors, "caption", caption, max_length=CAPTION_MAX, required=False)
    errors.raise_if_any(_("The photos were not added."))
    files = [f for f in (photos or []) if f]
    if not files:
        raise ActionError(_("Choose at least one photo."), field="photos")
    have = facility.photos.count()
    if have + len(files) > FACILITY_PHOTO_MAX:
        raise ActionError(
            _("A facility keeps at most %(max)d photos; it has %(have)d.")
            % {"max": FACILITY_PHOTO_MAX, "have": have},
            field="photos",
        )
    cleaned = clean_photos(files)
    added = []
    with transaction.atomic():
        Facility.objects.select_for_update().filter(pk=facility.pk).first()
        if facility.photos.count() + len(cleaned) > FACILITY_PHOTO_MAX:
            raise Conflict(_("Someone else added photos just now: reload the page."))
        for photo in cleaned:
            row = FacilityPhoto(
                facility=facility,
                caption=label,
                width=photo.width,
                height=photo.height,
                size=photo.size,
            )
            row.file.save("photo.jpg", photo.content, save=False)
            row.save()
            added.append(row)
        audit.record(
            actor,
            "facility.photo_add",
            facility,
            extra={"photos": [row.pk for row in added]},
        )
    return added


def facility_photo_remove(*, actor, facility_id, photo_id) -> None:
    """Remove one photo of a facility (its file is deleted once the removal is committed)."""
    facility = _facility(actor, facility_id)
    pk = c.row_id(photo_id)
    photo = facility.photos.filter(pk=pk).first() if pk else None
    if photo is None:
        raise NotFound(_("This facility has no such photo."))
    storage, name = photo.file.storage, photo.file.name
    with transaction.atomic():
        photo.delete()
        audit.record(actor, "facility.photo_remove", facility, extra={"photo": pk})
        transaction.on_commit(lambda: storage.delete(name) if name else None)


__all__ = [
    "FACILITY_FIELDS",
    "FACILITY_PHOTO_MAX",
    "facility_close",
    "facility_photo_add",
    "facility_photo_remove",
    "facility_save",
]
