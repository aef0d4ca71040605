"""Reading bookings: which venues an actor may book and as whom, the free and taken slots of a
day, one's own bookings, the staff list and its filters, a venue's week. Usage figures are in
:mod:`linli.facilities.queries.usage`.

Who sees what:

- a resident sees the venues of their home community and its town, and the slots of a day as
  free or taken, never who took them (their own bookings excepted);
- ``facility.view`` over a venue's area reads its bookings and calendar with the bookers'
  names masked; ``booking.manage`` sees the names (phone numbers stay masked);
- everyone sees their own bookings.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import areacodes, scoping
from linli.core.cleaning import Errors, row_id
from linli.core.cleaning import date as clean_date
from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.pii import mask_name, mask_phone
from linli.core.roles import Cap, Role

from .. import hours
from ..models import Booking, Facility, Venue

Status = Booking.Status
Kind = Booking.BookerKind
LIVE = tuple(Booking.LIVE)
EXPIRED = "expired"  # the reason written when a pending booking was never decided
CHECK_IN_EARLY = dt.timedelta(minutes=30)  # staff may check a booking in this long before
CHECK_IN_LATE = dt.timedelta(hours=24)  # … and record it this long after its end
WINDOW_DAYS = 366  # how far from today a day or a week may be asked for
CHOICES_MAX = 400
LIST_STATUSES = (*Status.values, "live", "to_settle")
_HOMES_ATTR = "_linli_booking_homes"


# --- who may book what ------------------------------------------------------------------------


def _signed_in(actor) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and getattr(actor, "is_active", False))


def home_communities(actor) -> list[str]:
    """The communities where the actor lives: their resident roles (on a community or one of
    its grids), the home community of their account, or else their entry in the registry.
    Cached on the actor for the request."""
    if not _signed_in(actor):
        return []
    cached = getattr(actor, _HOMES_ATTR, None)
    if cached is not None:
        return cached
    codes = {
        prefix[:12]
        for role, prefix in scoping.grants(actor)
        if role == Role.RESIDENT and len(prefix) >= 12
    }
    home = getattr(actor, "home_area_id", None) or ""
    if len(home) >= 12 and home[9:12] != "000":
        codes.add(home[:12])
    if not codes:
        from linli.registry.models import Resident

        rows = Resident.objects.filter(account_id=actor.pk, status=Resident.Status.ACTIVE)
        codes.update(code[:12] for code in rows.values_list("area_code", flat=True) if code)
    found = sorted(codes)
    setattr(actor, _HOMES_ATTR, found)
    return found


def home_codes(actor) -> list[str]:
    """Areas whose venues the actor may book as a resident: their communities and towns."""
    codes: set[str] = set()
    for community in home_communities(actor):
        codes.update((community, community[:9] + "000"))
    return sorted(codes)


def open_q() -> Q:
    """Venues open for booking (and not in a facility that is closed or being built)."""
    return Q(active=True) & (Q(facility__isnull=True) | Q(facility__status=Facility.Status.OPEN))


def is_open(venue: Venue) -> bool:
    return venue.active and (
        venue.facility is None or venue.facility.status == Facility.Status.OPEN
    )


def booking_kinds(actor, venue: Venue) -> list[str]:
    """As whom the actor may book ``venue``: a resident of its community or town; an
    organisation (someone who lives there, or staff over its area, naming the organisation);
    staff over its area."""
    if not _signed_in(actor):
        return []
    lives = venue.area_code in home_codes(actor)
    staff = scoping.has_cap(actor, Cap.STAFF_HOME, venue.area_code)
    kinds = []
    if venue.for_residents and lives:
        kinds.append(Kind.RESIDENT.value)
    if venue.for_organisations and (lives or staff):
        kinds.append(Kind.ORGANISATION.value)
    if venue.for_staff and staff:
        kinds.append(Kind.STAFF.value)
    return kinds


def _readers_q(actor) -> Q:
    """Rows of the areas whose bookings the actor reads."""
    caps = (Cap.FACILITY_VIEW, Cap.BOOKING_MANAGE)
    return scoping.prefix_q(sorted({p for cap in caps for p in scoping.prefixes(actor, cap)}))


def sees_bookings(actor, area_code: str) -> bool:
    """May the actor read the bookings of an area (masked, or in full with ``booking.manage``)?"""
    return scoping.has_cap(actor, Cap.FACILITY_VIEW, area_code) or scoping.has_cap(
        actor, Cap.BOOKING_MANAGE, area_code
    )


def bookable_venues(*, actor) -> QuerySet[Venue]:
    """Venues open for booking that the actor may book in some way: those of their home
    community and its town (for residents or organisations), and, for staff, those of their
    areas (for staff or organisations)."""
    wanted = Q(pk__in=[])
    homes = home_codes(actor)
    if homes:
        wanted |= Q(area_code__in=homes) & (Q(for_residents=True) | Q(for_organisations=True))
    staff = scoping.prefixes(actor, Cap.STAFF_HOME)
    if staff:
        wanted |= scoping.prefix_q(staff) & (Q(for_staff=True) | Q(for_organisations=True))
    return (
        Venue.objects.filter(wanted)
        .filter(open_q())
        .select_related("facility", "area")
        .order_by("area_code", "name", "id")
    )


def booking_venue(*, actor, venue_id) -> Venue:
    """A venue the actor may book, or whose bookings they read; otherwise NotFound."""
    pk = row_id(venue_id)
    venue = Venue.objects.select_related("facility", "area").filter(pk=pk).first() if pk else None
    if venue is None or not (
        sees_bookings(actor, venue.area_code) or (is_open(venue) and booking_kinds(actor, venue))
    ):
        raise NotFound(_("There is no such venue among those you may book."))
    return venue


# --- slots ------------------------------------------------------------------------------------


def at(day: dt.date, time: dt.time) -> dt.datetime:
    """``day`` at ``time``, local time, aware."""
    return timezone.make_aware(dt.datetime.combine(day, time))


def openings(venue: Venue, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
    """The bookable ranges of ``day`` (an end of 24:00 is midnight of the next day)."""
    out = []
    for start, end in hours.on_date(venue.hours or {}, day):
        until = at(day + dt.timedelta(days=1), dt.time()) if end is None else at(day, end)
        out.append((at(day, start), until))
    return out


def slot_times(venue: Venue, day: dt.date) -> list[tuple[int, dt.datetime, dt.datetime]]:
    """``(opening index, start, end)`` of every slot of ``day``: each opening cut into slots of
    ``slot_minutes`` from its start; a remainder shorter than a slot is not bookable."""
    step = dt.timedelta(minutes=venue.slot_minutes)
    out = []
    for index, (start, end) in enumerate(openings(venue, day)):
        moment = start
        while moment + step <= end:
            out.append((index, moment, moment + step))
            moment += step
    return out


@dataclass
class BookingSlot:
    starts_at: dt.datetime
    ends_at: dt.datetime
    opening: int
    state: str  # free | taken | mine | past
    booking: Booking | None = None  # only for its booker and those who see bookings

    @property
    def key(self) -> str:
        """How a form names the slot: its local start, ``2026-11-24T09:00``."""
        return timezone.localtime(self.starts_at).strftime("%Y-%m-%dT%H:%M")

    @property
    def free(self) -> bool:
        return self.state == "free"


def _slots(actor, venue, day, bookings, now, *, show: bool) -> list[BookingSlot]:
    me = getattr(actor, "pk", None)
    out = []
    for index, start, end in slot_times(venue, day):
        taken = next((b for b in bookings if b.starts_at < end and b.ends_at > start), None)
        if taken is not None:
            mine = taken.booker_id == me
            state = "mine" if mine else "taken"
            out.append(BookingSlot(start, end, index, state, taken if (mine or show) else None))
        else:
            out.append(BookingSlot(start, end, index, "past" if start <= now else "free"))
    return out


def _live_bookings(venue, since, until, *, show: bool) -> list[Booking]:
    qs = Booking.objects.filter(
        venue_id=venue.pk, status__in=LIVE, starts_at__lt=until, ends_at__gt=since
    ).order_by("starts_at", "id")
    return list(qs.select_related("booker") if show else qs)


def _day(errors: Errors, field_name: str, value, default: dt.date) -> dt.date:
    day = clean_date(errors, field_name, value) if value not in (None, "") else default
    errors.raise_if_any(_("Choose a day."))
    today = timezone.localdate()
    if abs((day - today).days) > WINDOW_DAYS:
        raise ActionError(_("Choose a day within a year of today."), field=field_name)
    return day


def booking_days(venue: Venue, today: dt.date | None = None) -> list[tuple[dt.date, bool]]:
    """The days one may book, today first, each with whether the venue opens that day."""
    today = today or timezone.localdate()
    days = [today + dt.timedelta(days=n) for n in range(venue.days_ahead + 1)]
    return [(day, bool(slot_times(venue, day))) for day in days]


@dataclass
class VenueDay:
    venue: Venue
    day: dt.date
    slots: list[BookingSlot]
    kinds: list[str]
    days: list[tuple[dt.date, bool]]
    show_bookers: bool
    bookable: bool  # the day lies within the booking window and the venue is open


def venue_day_slots(*, actor, venue_id, day=None) -> VenueDay:
    """The slots of one day of a venue, free or taken. Residents may look at the days they can
    book (today to ``days_ahead`` ahead); staff who read the bookings at any day near today."""
    venue = booking_venue(actor=actor, venue_id=venue_id)
    show = sees_bookings(actor, venue.area_code)
    today = timezone.localdate()
    the_day = _day(Errors(), "day", day, today)
    last = today + dt.timedelta(days=venue.days_ahead)
    inside = today <= the_day <= last
    if not inside and not show:
        raise ActionError(
            _("Choose a day from %(first)s to %(last)s.") % {"first": today, "last": last},
            field="day",
        )
    since = at(the_day, dt.time())
    bookings = _live_bookings(venue, since, since + dt.timedelta(days=1), show=show)
    kinds = booking_kinds(actor, venue) if is_open(venue) else []
    return VenueDay(
        venue=venue,
        day=the_day,
        slots=_slots(actor, venue, the_day, bookings, timezone.now(), show=show),
        kinds=kinds,
        days=booking_days(venue, today),
        show_bookers=show,
        bookable=inside and bool(kinds),
    )


# --- bookings ---------------------------------------------------------------------------------


def visible_q(actor) -> Q:
    """Bookings the actor may read: their own, and those of the areas whose bookings they see."""
    if actor is scoping.SYSTEM:
        return Q()
    if not _signed_in(actor):
        return Q(pk__in=[])
    return Q(booker_id=actor.pk) | _readers_q(actor)


def _rows(qs: QuerySet[Booking]) -> QuerySet[Booking]:
    return qs.select_related("venue", "venue__facility", "venue__area", "booker", "decided_by")


def my_bookings(*, actor, when: str = "upcoming") -> QuerySet[Booking]:
    """The actor's own bookings: ``upcoming`` (live and not over, soonest first) or ``past``
    (everything else, the latest first)."""
    if not _signed_in(actor):
        return Booking.objects.none()
    now = timezone.now()
    qs = _rows(Booking.objects.filter(booker_id=actor.pk))
    upcoming = Q(status__in=LIVE, ends_at__gt=now)
    if when == "upcoming":
        return qs.filter(upcoming).order_by("starts_at", "id")
    if when == "past":
        return qs.exclude(upcoming).order_by("-starts_at", "-id")
    raise ActionError(_("Show upcoming or past bookings."), field="when")


def _area_prefix(value) -> str:
    try:
        return areacodes.prefix_of(areacodes.normalize(str(value)))
    except areacodes.AreaCodeError:
        raise ActionError(_("An area is given by its code."), field="area") from None


def booking_list(*, actor, filters: dict | None = None) -> QuerySet[Booking]:
    """Bookings of the areas whose bookings the actor reads. Filters: ``status`` (a status,
    ``live``, or ``to_settle``: confirmed and over, neither checked in nor marked a no-show),
    ``venue`` (id), ``area`` (a code: that area and everything in it), ``kind`` (booked as),
    ``date_from`` and ``date_to`` (days, inclusive). Waiting and live bookings come soonest
    first; the others the latest first."""
    filters = filters or {}
    if actor is not scoping.SYSTEM and not (
        scoping.has_cap(actor, Cap.FACILITY_VIEW) or scoping.has_cap(actor, Cap.BOOKING_MANAGE)
    ):
        raise Forbidden(_("You do not read the bookings of any area."))
    qs = Booking.objects.filter(_readers_q(actor))
    now = timezone.now()
    status = str(filters.get("status") or "")
    if status and status not in LIST_STATUSES:
        raise ActionError(
            _("Unknown status: %(status)s.") % {"status": status[:20]}, field="status"
        )
    if status == "live":
        qs = qs.filter(status__in=LIVE)
    elif status == "to_settle":
        qs = qs.filter(status=Status.CONFIRMED, ends_at__lte=now)
    elif status:
        qs = qs.filter(status=status)
    if filters.get("venue") not in (None, ""):
        pk = row_id(filters["venue"])
        if pk is None:
            raise ActionError(_("A venue is given by its number."), field="venue")
        qs = qs.filter(venue_id=pk)
    if filters.get("area"):
        qs = qs.filter(area_code__startswith=_area_prefix(filters["area"]))
    kind = str(filters.get("kind") or "")
    if kind:
        if kind not in Kind.values:
            raise ActionError(_("Unknown kind of booker."), field="kind")
        qs = qs.filter(booker_kind=kind)
    errors = Errors()
    since = clean_date(errors, "date_from", filters.get("date_from"))
    until = clean_date(errors, "date_to", filters.get("date_to"))
    errors.raise_if_any(_("The dates are not valid."))
    today = timezone.localdate()
    for name, day in (("date_from", since), ("date_to", until)):
        if day is not None and abs((day - today).days) > WINDOW_DAYS * 10:
            raise ActionError(_("Choose a day within ten years of today."), field=name)
    if since is not None:
        qs = qs.filter(starts_at__gte=at(since, dt.time()))
    if until is not None:
        qs = qs.filter(starts_at__lt=at(until + dt.timedelta(days=1), dt.time()))
    if status in ("", "pending", "confirmed", "live", "to_settle"):
        return qs.order_by("starts_at", "id")
    return qs.order_by("-starts_at", "-id")


def booking_rows(qs: QuerySet[Booking]) -> QuerySet[Booking]:
    """What a list row shows: the venue and its facility, the booker, who decided."""
    return _rows(qs)


def booking_counts(*, actor) -> dict[str, int]:
    """Waiting for a decision, to settle (over, not checked in), and today's live bookings of
    the areas where the actor manages bookings (one query)."""
    now = timezone.now()
    start = at(timezone.localdate(), dt.time())
    return Booking.objects.filter(
        scoping.prefix_q(scoping.prefixes(actor, Cap.BOOKING_MANAGE))
    ).aggregate(
        pending=Count("pk", filter=Q(status=Status.PENDING)),
        to_settle=Count("pk", filter=Q(status=Status.CONFIRMED, ends_at__lte=now)),
        today=Count(
            "pk",
            filter=Q(
                status__in=LIVE,
                starts_at__gte=start,
                starts_at__lt=start + dt.timedelta(days=1),
            ),
        ),
    )


def booking_get(*, actor, booking_id) -> Booking:
    pk = row_id(booking_id)
    booking = _rows(Booking.objects.filter(visible_q(actor), pk=pk)).first() if pk else None
    if booking is None:
        raise NotFound(_("There is no such booking, or it is not yours to see."))
    return booking


def reason_text(booking: Booking) -> str:
    if booking.reason == EXPIRED and booking.status == Status.REJECTED:
        return _("Not approved before it began.")
    return booking.reason


def booking_steps(actor, booking: Booking, now: dt.datetime | None = None) -> set[str]:
    """What the actor may do with the booking now (the actions check the same rules)."""
    now = now or timezone.now()
    manage = scoping.has_cap(actor, Cap.BOOKING_MANAGE, booking.area_code)
    mine = booking.booker_id == getattr(actor, "pk", None)
    steps: set[str] = set()
    if booking.status in (Status.PENDING, Status.CONFIRMED) and (
        (mine and now < booking.starts_at) or (manage and now < booking.ends_at)
    ):
        steps.add("cancel")
    if not manage:
        return steps
    if booking.status == Status.PENDING:
        steps.add("reject")
        if now < booking.starts_at:
            steps.add("approve")
    if booking.status == Status.CONFIRMED:
        if booking.starts_at - CHECK_IN_EARLY <= now <= booking.ends_at + CHECK_IN_LATE:
            steps.add("check_in")
        if now >= booking.starts_at:
            steps.add("no_show")
    return steps


def booking_labelled(actor, bookings) -> list[Booking]:
    """Bookings with what the actor may read of the booker (``booker_name``: in full for
    ``booking.manage`` and the booker, masked otherwise; ``booker_phone``: always masked),
    ``reason_text``, ``steps`` (with ``own_cancel``: the booker's, needing no reason) and
    ``area_name``."""
    now = timezone.now()
    out = []
    for booking in bookings:
        user = booking.booker
        name = user.full_name or user.username
        full = booking.booker_id == getattr(actor, "pk", None) or scoping.has_cap(
            actor, Cap.BOOKING_MANAGE, booking.area_code
        )
        booking.booker_name = name if full else mask_name(name)
        booking.booker_phone = mask_phone(user.phone)
        booking.reason_text = reason_text(booking)
        booking.steps = booking_steps(actor, booking, now)
        booking.own_cancel = booking.booker_id == getattr(actor, "pk", None) and (
            now < booking.starts_at
        )
        booking.area_name = booking.venue.area.name if booking.venue.area_id else ""
        out.append(booking)
    return out


def booking_venue_choices(*, actor) -> list[tuple[int, str]]:
    """Venues whose bookings the actor reads, for a filter (at most a few hundred)."""
    rows = (
        Venue.objects.filter(_readers_q(actor))
        .order_by("area_code", "name")
        .values_list("pk", "name")[:CHOICES_MAX]
    )
    return list(rows)


# --- the week of a venue ----------------------------------------------------------------------


@dataclass
class VenueCalendar:
    venue: Venue
    week_start: dt.date
    days: list[dt.date]
    rows: list[tuple[str, list[BookingSlot | None]]]  # "09:00", one cell a day (None: closed)
    bookings: list[Booking] = field(default_factory=list)

    @property
    def previous(self) -> dt.date:
        return self.week_start - dt.timedelta(days=7)

    @property
    def next(self) -> dt.date:
        return self.week_start + dt.timedelta(days=7)


def venue_calendar(*, actor, venue_id, week_start=None) -> VenueCalendar:
    """A venue's week (Monday to Sunday) as a grid: a row for each slot time, a column for each
    day, every cell free, past, closed or the booking holding it (two queries)."""
    venue = booking_venue(actor=actor, venue_id=venue_id)
    if not sees_bookings(actor, venue.area_code):
        raise Forbidden(_("You do not read the bookings of this venue."))
    first = _day(Errors(), "week", week_start, timezone.localdate())
    first -= dt.timedelta(days=first.weekday())
    days = [first + dt.timedelta(days=n) for n in range(7)]
    since = at(first, dt.time())
    bookings = _live_bookings(venue, since, since + dt.timedelta(days=8), show=True)
    for booking in bookings:
        booking.venue = venue
    booking_labelled(actor, bookings)
    now = timezone.now()
    grid: dict[str, list[BookingSlot | None]] = {}
    for index, day in enumerate(days):
        for slot in _slots(actor, venue, day, bookings, now, show=True):
            label = timezone.localtime(slot.starts_at).strftime("%H:%M")
            grid.setdefault(label, [None] * 7)[index] = slot
    rows = sorted(grid.items())
    return VenueCalendar(venue=venue, week_start=first, days=days, rows=rows, bookings=bookings)


__all__ = [
    "BookingSlot",
    "VenueCalendar",
    "VenueDay",
    "bookable_venues",
    "booking_counts",
    "booking_days",
    "booking_get",
    "booking_kinds",
    "booking_labelled",
    "booking_list",
    "booking_rows",
    "booking_steps",
    "booking_venue",
    "booking_venue_choices",
    "my_bookings",
    "venue_calendar",
    "venue_day_slots",
]
