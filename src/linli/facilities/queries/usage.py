"""Usage figures of venues: how much each venue of the actor's areas was booked and used over a
period, the hours it could be booked, and the share of them booked, used and attended.

``facility.view`` over a venue's area reads its figures (counts and hours only, no bookers).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import scoping
from linli.core.cleaning import Errors
from linli.core.cleaning import date as clean_date
from linli.core.errors import ActionError, Forbidden
from linli.core.roles import Cap

from .. import hours
from ..models import WEEKDAYS, Booking, Venue
from .bookings import WINDOW_DAYS, Status, _area_prefix, at

BOOKED = (Status.CONFIRMED, Status.CHECKED_IN, Status.NO_SHOW)  # held the room
USAGE_DAYS_MAX = 366
USAGE_VENUES_MAX = 1000
COUNTS = ("bookings", "checked_in", "no_shows", "cancelled")


def bookable_minutes(venue: Venue, weekday: int) -> int:
    """Minutes that can be booked on a weekday (0 = Monday): whole slots only."""
    day = WEEKDAYS[weekday]
    ranges = hours.day_ranges((venue.hours or {}).get(day), day)
    slot = venue.slot_minutes
    return sum((end - start) // slot * slot for start, end in ranges)


def _hours(delta: dt.timedelta | None) -> Decimal:
    seconds = delta.total_seconds() if delta else 0
    return (Decimal(seconds) / 3600).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _rate(part, whole) -> float | None:
    if not whole:
        return None
    value = Decimal(part) * 100 / Decimal(whole)
    return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


@dataclass
class VenueUsageRow:
    venue: Venue | None
    bookable_hours: Decimal = Decimal("0.00")
    booked_hours: Decimal = Decimal("0.00")
    used_hours: Decimal = Decimal("0.00")
    bookings: int = 0
    checked_in: int = 0
    no_shows: int = 0
    cancelled: int = 0

    @property
    def utilisation(self) -> float | None:
        """Booked hours (confirmed, checked in or a no-show) out of the bookable hours, %."""
        return _rate(self.booked_hours, self.bookable_hours)

    @property
    def use_rate(self) -> float | None:
        """Hours actually used (checked in) out of the bookable hours, %."""
        return _rate(self.used_hours, self.bookable_hours)

    @property
    def attendance(self) -> float | None:
        """Bookings checked in out of those settled (checked in or no-show), %."""
        return _rate(self.checked_in, self.checked_in + self.no_shows)


FIGURES = ("bookable_hours", "booked_hours", "used_hours", *COUNTS)


@dataclass
class VenueUsage:
    date_from: dt.date
    date_to: dt.date
    area_code: str
    rows: list[VenueUsageRow]
    total: VenueUsageRow


def _period(date_from, date_to) -> tuple[dt.date, dt.date]:
    errors = Errors()
    since = clean_date(errors, "date_from", date_from)
    until = clean_date(errors, "date_to", date_to)
    errors.raise_if_any(_("The dates are not valid."))
    today = timezone.localdate()
    until = until or today
    since = since or until - dt.timedelta(days=29)
    for name, day in (("date_from", since), ("date_to", until)):
        if abs((day - today).days) > WINDOW_DAYS * 10:
            raise ActionError(_("Choose a day within ten years of today."), field=name)
    if since > until:
        raise ActionError(_("The period ends before it starts."), field="date_to")
    if (until - since).days + 1 > USAGE_DAYS_MAX:
        raise ActionError(
            _("Choose a period of at most %(days)d days.") % {"days": USAGE_DAYS_MAX},
            field="date_from",
        )
    return since, until


def venue_usage(*, actor, area_code="", date_from=None, date_to=None) -> VenueUsage:
    """How much each venue of the actor's areas (``area_code``: within that area) was booked
    and used over a period (the last 30 days when not given, at most a year).

    Bookable hours come from each venue's weekly hours (whole slots) times the weekdays of the
    period; booked hours are those of confirmed, checked-in and no-show bookings; used hours
    those checked in; utilisation is booked ÷ bookable, attendance checked in ÷ (checked in +
    no-shows). Bookings are summed in SQL in one grouped query."""
    if actor is not scoping.SYSTEM and not scoping.has_cap(actor, Cap.FACILITY_VIEW):
        raise Forbidden(_("You do not read the facility figures of any area."))
    since, until = _period(date_from, date_to)
    prefix = _area_prefix(area_code) if area_code else ""
    venues_qs = scoping.scope(Venue.objects.all(), actor, Cap.FACILITY_VIEW)
    bookings_qs = scoping.scope(Booking.objects.all(), actor, Cap.FACILITY_VIEW)
    if prefix:
        venues_qs = venues_qs.filter(area_code__startswith=prefix)
        bookings_qs = bookings_qs.filter(area_code__startswith=prefix)
    length = ExpressionWrapper(F("ends_at") - F("starts_at"), output_field=DurationField())
    sums = (
        bookings_qs.filter(
            starts_at__gte=at(since, dt.time()),
            starts_at__lt=at(until + dt.timedelta(days=1), dt.time()),
        )
        .order_by()
        .values("venue_id")
        .annotate(
            booked=Sum(length, filter=Q(status__in=BOOKED)),
            used=Sum(length, filter=Q(status=Status.CHECKED_IN)),
            bookings=Count("pk", filter=Q(status__in=BOOKED)),
            checked_in=Count("pk", filter=Q(status=Status.CHECKED_IN)),
            no_shows=Count("pk", filter=Q(status=Status.NO_SHOW)),
            cancelled=Count("pk", filter=Q(status=Status.CANCELLED)),
        )
    )
    found = {row["venue_id"]: row for row in sums}
    weekdays = [0] * 7
    for n in range((until - since).days + 1):
        weekdays[(since + dt.timedelta(days=n)).weekday()] += 1
    venues = (
        venues_qs.filter(Q(active=True) | Q(pk__in=list(found)))
        .select_related("facility", "area")
        .order_by("area_code", "name", "id")[:USAGE_VENUES_MAX]
    )
    rows = []
    total = VenueUsageRow(venue=None)
    for venue in venues:
        row = VenueUsageRow(venue=venue)
        minutes = sum(bookable_minutes(venue, wd) * weekdays[wd] for wd in range(7))
        row.bookable_hours = (Decimal(minutes) / 60).quantize(Decimal("0.01"))
        sums_of = found.get(venue.pk)
        if sums_of:
            row.booked_hours = _hours(sums_of["booked"])
            row.used_hours = _hours(sums_of["used"])
            for name in COUNTS:
                setattr(row, name, sums_of[name])
        for name in FIGURES:
            setattr(total, name, getattr(total, name) + getattr(row, name))
        rows.append(row)
    return VenueUsage(
        date_from=since, date_to=until, area_code=area_code and prefix, rows=rows, total=total
    )


__all__ = [
    "VenueUsage",
    "VenueUsageRow",
    "venue_usage",
]
