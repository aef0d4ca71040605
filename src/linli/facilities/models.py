"""Service capacity in places: the facilities of towns and communities (综合服务设施, 日间照料中心,
社区卫生服务站 …), the rooms and fields inside them and the resources resident units open to the
public (venues), and residents' bookings of those venues.

A booking can never overlap another live booking of the same venue: the booking action locks the
venue row, and on PostgreSQL an exclusion constraint (migration 0002) refuses an overlap
whatever client writes.
"""

from __future__ import annotations

import hashlib

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core.models import Area, AreaCodeField, User

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Facility(models.Model):
    """A service facility of a community or a town, with the figures the plans measure."""

    class Kind(models.TextChoices):
        COMPREHENSIVE = "comprehensive", _("comprehensive service facility (party and mass centre)")
        DAY_CARE = "day_care", _("elderly day-care centre")
        HEALTH_STATION = "health_station", _("community health station")
        ELDERLY_STATION = "elderly_station", _("elderly service station")
        CHILDCARE = "childcare", _("childcare point")
        CHILDREN_HOME = "children_home", _("children's home")
        CULTURE_SPORTS = "culture_sports", _("culture and sports room")
        LIBRARY = "library", _("reading room")
        FITNESS = "fitness", _("fitness ground")
        SHELTER = "shelter", _("emergency shelter")
        FIRE_STATION = "fire_station", _("mini fire station")
        PARCEL_POST = "parcel_post", _("parcel and post station")
        CIVILIZATION = "civilization", _("new-era civilisation practice station")
        SOCIAL_WORK = "social_work", _("social work station")
        POLICE = "police", _("police room")
        COMMERCIAL = "commercial", _("community commercial services")
        OTHER = "other", _("other")

    class Ownership(models.TextChoices):
        OWNED = "owned", _("owned")
        LEASED = "leased", _("leased")
        SHARED = "shared", _("shared or co-built")
        LENT = "lent", _("lent free of charge")
        OTHER = "other", _("other")

    class Accessibility(models.TextChoices):
        RAMP = "ramp", _("ramp")
        LIFT = "lift", _("lift")
        TOILET = "toilet", _("accessible toilet")
        HANDRAILS = "handrails", _("handrails")
        TACTILE = "tactile", _("tactile paving")
        WHEELCHAIR = "wheelchair", _("wheelchair to borrow")
        PARKING = "parking", _("accessible parking")
        HEARING = "hearing", _("hearing loop or sign language")

    class Status(models.TextChoices):
        OPEN = "open", _("in use")
        BUILDING = "building", _("being built")
        CLOSED = "closed", _("closed")

    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("community or town")
    )
    area_code = AreaCodeField(editable=False, db_index=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, db_index=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    floor_area = models.DecimalField(_("floor area (m²)"), max_digits=10, decimal_places=2)
    activity_area = models.DecimalField(
        _("of which resident activity area (m²)"), max_digits=10, decimal_places=2, default=0
    )
    year_built = models.PositiveSmallIntegerField(_("year built"), null=True, blank=True)
    ownership = models.CharField(
        _("ownership"), max_length=10, choices=Ownership.choices, default=Ownership.OWNED
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    accessibility = models.JSONField(_("accessibility"), default=list, blank=True)
    terminals = models.PositiveSmallIntegerField(_("government self-service terminals"), default=0)
    # {"mon": [["08:30", "12:00"], ["14:00", "18:00"]], …}; a day missing or empty is closed.
    hours = models.JSONField(_("opening hours"), default=dict, blank=True)
    # Derived from ``hours`` by the action that writes them, so lists and figures need no JSON.
    open_days = models.PositiveSmallIntegerField(_("days open a week"), default=0)
    min_daily_hours = models.DecimalField(
        _("shortest opening day (hours)"), max_digits=4, decimal_places=2, default=0
    )
    phone = models.CharField(_("service phone"), max_length=30, blank=True)
    # Built in the plan period: counts towards the new-build ratio with the residential floor
    # area of the development it serves (and the commercial area built with it).
    new_build = models.BooleanField(_("built in the plan period"), default=False)
    residential_area = models.DecimalField(
        _("residential floor area served (m²)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
    )
    commercial_area = models.DecimalField(
        _("commercial floor area built with it (m²)"),
        max_digits=10,
        decimal_places=2,
        default=0,
    )
    note = models.TextField(_("note"), max_length=2000, blank=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["area_code", "kind", "name"]
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        indexes = [
            models.Index(fields=["kind", "status", "area_code"], name="facilities_kind_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["area", "name"], name="facilities_unique_name"),
            models.CheckConstraint(
                condition=Q(activity_area__lte=models.F("floor_area")),
                name="facilities_activity_within_floor",
            ),
            models.CheckConstraint(condition=Q(floor_area__gt=0), name="facilities_area_positive"),
        ]

    def __str__(self) -> str:
        return self.name


def _photo_path(instance, filename: str) -> str:
    digest = hashlib.sha256(f"{instance.facility_id}-{timezone.now().isoformat()}".encode())
    return f"facilities/{timezone.now():%Y/%m}/{digest.hexdigest()[:24]}.jpg"


class FacilityPhoto(models.Model):
    """A photo of a facility, re-encoded on upload (location and camera data removed)."""

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to=_photo_path, max_length=200)
    caption = models.CharField(_("caption"), max_length=100, blank=True)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["facility_id", "id"]

    def __str__(self) -> str:
        return f"photo {self.pk} of facility {self.facility_id}"


class Venue(models.Model):
    """Something that can be booked: a room or field inside a facility, or a resource a unit of
    the area opens to the public (驻区单位开放的停车场、文体设施、会议场地)."""

    class Kind(models.TextChoices):
        HALL = "hall", _("hall")
        MEETING = "meeting", _("meeting room")
        ACTIVITY = "activity", _("activity room")
        CLASSROOM = "classroom", _("classroom")
        SPORTS = "sports", _("sports field or court")
        PARKING = "parking", _("parking")
        KITCHEN = "kitchen", _("kitchen or canteen")
        OTHER = "other", _("other")

    class Approval(models.TextChoices):
        INSTANT = "instant", _("confirmed at once")
        APPROVAL = "approval", _("needs approval")

    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("community or town")
    )
    area_code = AreaCodeField(editable=False, db_index=True)
    facility = models.ForeignKey(
        Facility,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="venues",
        verbose_name=_("facility"),
    )
    # A unit's open resource names its unit (facility is then empty).
    unit_name = models.CharField(_("unit that opens it"), max_length=100, blank=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    capacity = models.PositiveIntegerField(_("capacity (people or places)"))
    rules = models.TextField(_("rules of use"), max_length=2000, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    # Who may book: residents, organisations (in a resident's or provider's name), staff.
    for_residents = models.BooleanField(_("residents may book"), default=True)
    for_organisations = models.BooleanField(_("organisations may book"), default=True)
    for_staff = models.BooleanField(_("staff may book"), default=True)
    approval = models.CharField(
        _("confirmation"), max_length=10, choices=Approval.choices, default=Approval.INSTANT
    )
    # Bookable hours per weekday, the same shape as Facility.hours.
    hours = models.JSONField(_("bookable hours"), default=dict, blank=True)
    slot_minutes = models.PositiveSmallIntegerField(_("slot length (minutes)"), default=60)
    max_slots = models.PositiveSmallIntegerField(_("most slots in one booking"), default=4)
    days_ahead = models.PositiveSmallIntegerField(_("bookable days ahead"), default=14)
    active = models.BooleanField(_("open for booking"), default=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["area_code", "name"]
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        indexes = [
            models.Index(fields=["active", "area_code"], name="facilities_venue_active_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["area", "name"], name="facilities_venue_unique_name"),
            models.CheckConstraint(
                condition=Q(facility__isnull=False) | ~Q(unit_name=""),
                name="facilities_venue_has_owner",
            ),
            models.CheckConstraint(
                condition=Q(slot_minutes__gte=15, slot_minutes__lte=480),
                name="facilities_venue_slot_length",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Booking(models.Model):
    """One booking of a venue for a time range. Live bookings (pending, confirmed, checked in)
    of one venue never overlap."""

    class Status(models.TextChoices):
        PENDING = "pending", _("awaiting approval")
        CONFIRMED = "confirmed", _("confirmed")
        CHECKED_IN = "checked_in", _("checked in")
        NO_SHOW = "no_show", _("did not come")
        CANCELLED = "cancelled", _("cancelled")
        REJECTED = "rejected", _("declined")

    class BookerKind(models.TextChoices):
        RESIDENT = "resident", _("resident")
        ORGANISATION = "organisation", _("organisation")
        STAFF = "staff", _("staff")

    LIVE = (Status.PENDING, Status.CONFIRMED, Status.CHECKED_IN)

    venue = models.ForeignKey(Venue, on_delete=models.PROTECT, related_name="bookings")
    area_code = AreaCodeField(editable=False, db_index=True)  # the venue's
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    booker = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("booked by")
    )
    booker_kind = models.CharField(_("booked as"), max_length=12, choices=BookerKind.choices)
    organisation = models.CharField(_("organisation"), max_length=100, blank=True)
    purpose = models.CharField(_("purpose"), max_length=200)
    attendees = models.PositiveIntegerField(_("people expected"), default=1)
    client_key = models.UUIDField(editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    checked_in_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        indexes = [
            models.Index(fields=["venue", "starts_at"], name="facilities_booking_time_idx"),
            models.Index(fields=["booker", "starts_at"], name="facilities_booking_mine_idx"),
            models.Index(fields=["status", "area_code"], name="facilities_booking_status_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["booker", "client_key"], name="facilities_book_once"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="facilities_booking_range"
            ),
        ]

    def __str__(self) -> str:
        return f"booking {self.pk} of venue {self.venue_id}"
