"""Bookings of venues: book a slot (or a few in a row), cancel, approve or decline, check in,
mark a no-show; the sweep that declines requests nobody decided before they began.

No double booking, whatever the load: :func:`booking_create` locks the venue row, looks for a
live booking overlapping the time and only then inserts, so concurrent attempts on one slot
queue on the lock and every one after the first finds the slot taken. On PostgreSQL the
exclusion constraint of migration 0002 is the last guard; its refusal becomes the same clear
409. A form carries its own key (``client_key``): sent twice, it books once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from linli.core import actions as core_actions
from linli.core import audit, cleaning, scoping
from linli.core.cleaning import Errors, line, row_id
from linli.core.errors import ActionError, Conflict, Forbidden, NotFound
from linli.core.models import RoleAssignment, User
from linli.core.roles import Cap, Role, capabilities

from ..models import Booking, Venue
from ..queries import bookings as q

Status = Booking.Status
Kind = Booking.BookerKind
PURPOSE_MAX = Booking._meta.get_field("purpose").max_length
ORGANISATION_MAX = Booking._meta.get_field("organisation").max_length
REASON_MAX = Booking._meta.get_field("reason").max_length
LIVE_LIMIT = 5  # live bookings to come that one resident or organisation booker may hold
ATTENDEES_MAX = 100_000
SWEEP_BATCH = 500
RECIPIENTS_MAX = 20
TAKEN = gettext_lazy("This time has just been booked by someone else; choose another time.")
_MANAGERS = tuple(role for role in Role if Cap.BOOKING_MANAGE in capabilities(role))


def current_time() -> dt.datetime:
    """The clock of these actions (tests move it)."""
    return timezone.now()


def _when(booking: Booking) -> str:
    start = timezone.localtime(booking.starts_at)
    end = timezone.localtime(booking.ends_at)
    return f"{formats.date_format(start, 'Y-m-d')} {start:%H:%M}-{end:%H:%M}"


def _url(booking: Booking) -> str:
    return reverse("facilities:booking", args=[booking.pk])


def _tell_booker(booking: Booking, kind: str, text) -> None:
    core_actions.notify([booking.booker], kind=kind, text=text, url=_url(booking), target=booking)


def _tell_managers(booking: Booking, venue: Venue) -> None:
    """A request waits for approval: the community's (or town's) booking managers are told."""
    held = (
        RoleAssignment.objects.filter(
            area_id=venue.area_code, role__in=_MANAGERS, user__is_active=True
        )
        .select_related("user")
        .order_by("role", "user_id")[:RECIPIENTS_MAX]
    )
    core_actions.notify(
        [assignment.user for assignment in held],
        kind="booking.request",
        text=lambda: (
            _("Booking request for %(venue)s, %(when)s: approve or decline it.")
            % {"venue": venue.name, "when": _when(booking)}
        ),
        url=_url(booking),
        target=booking,
    )


# --- checking a booking -----------------------------------------------------------------------


@dataclass
class Plan:
    """A booking that passed every rule, not yet written."""

    venue: Venue
    starts_at: dt.datetime
    ends_at: dt.datetime
    booker_kind: str
    organisation: str
    purpose: str
    attendees: int
    status: str

    @property
    def slots(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60) // self.venue.slot_minutes


def _moment(errors: Errors, name: str, value) -> dt.datetime | None:
    """An aware datetime from a datetime or ISO text (a naive one is local time)."""
    if value in (None, ""):
        errors.add(name, _("Choose a time."))
        return None
    moment = value
    if not isinstance(value, dt.datetime):
        try:
            moment = dt.datetime.fromisoformat(str(value).strip()[:40])
        except ValueError:
            errors.add(name, _("Give a time as 2026-05-04T09:00."))
            return None
    try:
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return timezone.localtime(moment)
    except (OverflowError, ValueError):
        errors.add(name, _("Choose a time within the bookable days."))
        return None


def _count(errors: Errors, name: str, value, *, low: int, high: int) -> int | None:
    if isinstance(value, bool):
        value = None
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        errors.add(name, _("Give a whole number."))
        return None
    if not low <= number <= high:
        errors.add(name, _("Give a number from %(low)d to %(high)d.") % {"low": low, "high": high})
        return None
    return number


def _times(errors: Errors, venue: Venue, starts_at, ends_at, slots, moment):
    """Start and end, checked against the venue's hours, slots and booking window."""
    start = _moment(errors, "starts_at", starts_at)
    if start is None:
        return None, None
    today = timezone.localdate(moment)
    last = today + dt.timedelta(days=venue.days_ahead)
    day = start.date()
    if start <= moment:
        errors.add("starts_at", _("This time has passed; choose a time to come."))
        return None, None
    if day > last:
        errors.add(
            "starts_at",
            _("%(venue)s can be booked up to %(days)d days ahead, until %(last)s.")
            % {"venue": venue.name, "days": venue.days_ahead, "last": last},
        )
        return None, None
    step = dt.timedelta(minutes=venue.slot_minutes)
    if ends_at not in (None, ""):
        end = _moment(errors, "ends_at", ends_at)
    else:
        count = _count(errors, "slots", 1 if slots in (None, "") else slots, low=1, high=96)
        end = start + step * count if count else None
    if end is None:
        return None, None
    times = q.slot_times(venue, day)
    if not times:
        errors.add("starts_at", _("%(venue)s is closed that day.") % {"venue": venue.name})
        return None, None
    opening = next((index for index, s, _e in times if s == start), None)
    if opening is None:
        if any(s < start < e for _i, s, e in times):
            errors.add(
                "starts_at",
                _("Bookings start on the slots of %(minutes)d minutes: choose a slot's start.")
                % {"minutes": venue.slot_minutes},
            )
        else:
            errors.add("starts_at", _("This time is outside the bookable hours of that day."))
        return None, None
    ends = [e for index, _s, e in times if index == opening and e > start]
    if end <= start:
        errors.add("ends_at", _("The end must come after the start."))
    elif (end - start) % step:
        errors.add("ends_at", _("A booking is made of whole slots."))
    elif (end - start) // step > venue.max_slots:
        errors.add(
            "slots",
            _("At most %(count)d slots in one booking.") % {"count": venue.max_slots},
        )
    elif end > ends[-1]:
        errors.add("ends_at", _("This runs past the bookable hours of that day."))
    return start, end


def booking_check(
    *,
    actor,
    venue_id,
    starts_at,
    ends_at=None,
    slots=None,
    booker_kind=Kind.RESIDENT,
    organisation="",
    purpose="",
    attendees=1,
) -> Plan:
    """Every rule of :func:`booking_create` except the time being free, without writing (the
    page's "confirm" step). Raises what booking_create would raise."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise Forbidden(_("Log in to book a venue."))
    venue = q.booking_venue(actor=actor, venue_id=venue_id)
    if not q.is_open(venue):
        raise Conflict(_("%(venue)s is not open for booking.") % {"venue": venue.name})
    kinds = q.booking_kinds(actor, venue)
    kind = str(booker_kind or "")
    if kind not in Kind.values:
        raise ActionError(_("Choose as whom you book."), field="booker_kind")
    if kind not in kinds:
        raise Forbidden(
            {
                Kind.RESIDENT: _(
                    "%(venue)s can be booked as a resident by the people who live in its "
                    "community or town."
                ),
                Kind.ORGANISATION: _("%(venue)s cannot be booked by you for an organisation."),
                Kind.STAFF: _("%(venue)s cannot be booked by you as staff."),
            }[kind]
            % {"venue": venue.name}
        )
    errors = Errors()
    start, end = _times(errors, venue, starts_at, ends_at, slots, current_time())
    org = line(
        errors,
        "organisation",
        organisation if kind == Kind.ORGANISATION else "",
        max_length=ORGANISATION_MAX,
        required=kind == Kind.ORGANISATION,
    )
    text = line(errors, "purpose", purpose, max_length=PURPOSE_MAX, required=True)
    people = _count(errors, "attendees", attendees, low=1, high=ATTENDEES_MAX)
    if people is not None and people > venue.capacity:
        errors.add(
            "attendees",
            _("%(venue)s holds at most %(capacity)d people.")
            % {"venue": venue.name, "capacity": venue.capacity},
        )
    errors.raise_if_any(_("The booking was not made."))
    status = Status.PENDING if venue.approval == Venue.Approval.APPROVAL else Status.CONFIRMED
    return Plan(venue, start, end, kind, org, text, people, status)


# --- writing ----------------------------------------------------------------------------------


def _resend(actor, key) -> Booking | None:
    booking = Booking.objects.filter(booker_id=actor.pk, client_key=key).first()
    if booking is not None:
        booking.written_now = False
    return booking


def booking_create(
    *,
    actor,
    venue_id,
    starts_at,
    ends_at=None,
    slots=None,
    booker_kind=Kind.RESIDENT,
    organisation="",
    purpose="",
    attendees=1,
    client_key=None,
) -> Booking:
    """Book ``venue_id`` from ``starts_at`` to ``ends_at`` (or for ``slots`` slots). Confirmed
    at once, or waiting for approval when the venue asks for it (its managers are told).

    Sending the same ``client_key`` again answers the booking already made (``written_now``
    tells which). A time someone else holds is a :class:`Conflict` with a clear message, also
    when fifty people try the same slot at the same moment."""
    errors = Errors()
    key = cleaning.client_key(errors, client_key)
    errors.raise_if_any(_("The booking was not made."))
    if getattr(actor, "is_authenticated", False):
        sent = _resend(actor, key)
        if sent is not None:
            return sent
    plan = booking_check(
        actor=actor,
        venue_id=venue_id,
        starts_at=starts_at,
        ends_at=ends_at,
        slots=slots,
        booker_kind=booker_kind,
        organisation=organisation,
        purpose=purpose,
        attendees=attendees,
    )
    try:
        with transaction.atomic():
            booking = _insert(actor, plan, key)
            if booking.written_now is False:
                return booking
    except IntegrityError:
        # The same form at the same moment (the other request booked it), or, on PostgreSQL,
        # the exclusion constraint: someone else holds an overlapping time.
        sent = _resend(actor, key)
        if sent is not None:
            return sent
        raise Conflict(TAKEN, code="taken") from None
    return booking


def _insert(actor, plan: Plan, key) -> Booking:
    """Lock the venue, look for an overlap, insert. Everything between the lock and the answer
    is kept short: a loser of a race reads one row and is refused."""
    venue = Venue.objects.select_for_update().filter(pk=plan.venue.pk).first()
    if venue is None or not venue.active:
        raise Conflict(_("%(venue)s is not open for booking.") % {"venue": plan.venue.name})
    clash = (
        Booking.objects.filter(
            venue_id=venue.pk,
            status__in=q.LIVE,
            starts_at__lt=plan.ends_at,
            ends_at__gt=plan.starts_at,
        )
        .values_list("booker_id", flat=True)
        .first()
    )
    if clash is not None:
        if clash == actor.pk:
            # The same form, booked while this one waited for the lock: answer that booking.
            sent = _resend(actor, key)
            if sent is not None:
                return sent
            raise Conflict(_("You have booked this time already."), code="taken")
        raise Conflict(TAKEN, code="taken")
    moment = current_time()
    if plan.booker_kind != Kind.STAFF:
        # One booker's requests queue here too, so the limit holds at once on any venue.
        list(User.objects.select_for_update().filter(pk=actor.pk).values_list("pk", flat=True))
        held = (
            Booking.objects.filter(booker_id=actor.pk, status__in=q.LIVE, ends_at__gt=moment)
            .exclude(booker_kind=Kind.STAFF)
            .count()
        )
        if held >= LIVE_LIMIT:
            raise Conflict(
                _(
                    "You already have %(count)d bookings to come: cancel one, or book again "
                    "after one has passed."
                )
                % {"count": held},
                code="limit",
            )
    booking = Booking.objects.create(
        venue=venue,
        area_code=venue.area_code,
        starts_at=plan.starts_at,
        ends_at=plan.ends_at,
        status=plan.status,
        booker=actor,
        booker_kind=plan.booker_kind,
        organisation=plan.organisation,
        purpose=plan.purpose,
        attendees=plan.attendees,
        client_key=key,
        created_at=moment,
    )
    audit.record(
        actor,
        "booking.create",
        booking,
        extra={
            "venue": venue.pk,
            "status": booking.status,
            "kind": booking.booker_kind,
            "slots": plan.slots,
            "attendees": plan.attendees,
        },
    )
    if booking.status == Status.PENDING:
        _tell_managers(booking, venue)
    booking.written_now = True
    return booking


def _lock(actor, booking_id) -> Booking:
    pk = row_id(booking_id)
    booking = (
        Booking.objects.select_for_update(of=("self",))
        .filter(q.visible_q(actor), pk=pk)
        .select_related("venue", "booker")
        .first()
        if pk
        else None
    )
    if booking is None:
        raise NotFound(_("There is no such booking, or it is not yours to see."))
    return booking


def _manage(actor, booking: Booking) -> None:
    if not scoping.has_cap(actor, Cap.BOOKING_MANAGE, booking.area_code):
        raise Forbidden(_("Only those who manage the bookings of this venue can do this."))


_STATE_TEXT = {
    Status.PENDING: gettext_lazy("This booking still waits for approval."),
    Status.CONFIRMED: gettext_lazy("This booking is confirmed already."),
    Status.CHECKED_IN: gettext_lazy("This booking was checked in already."),
    Status.NO_SHOW: gettext_lazy("This booking is recorded as not come."),
    Status.CANCELLED: gettext_lazy("This booking was cancelled."),
    Status.REJECTED: gettext_lazy("This booking was declined."),
}


def _status_is(booking: Booking, *allowed: str) -> None:
    if booking.status not in allowed:
        raise Conflict(_STATE_TEXT[booking.status], code="status")


def _reason(value, *, required: bool) -> str:
    errors = Errors()
    text = line(errors, "reason", value, max_length=REASON_MAX, required=required)
    errors.raise_if_any(_("Say why, please."))
    return text


def booking_cancel(*, actor, booking_id, reason="") -> Booking:
    """Cancel a booking that waits or is confirmed: its booker, before it starts (a reason is
    optional); or a manager of the venue's bookings, before it ends, saying why (the booker is
    told)."""
    with transaction.atomic():
        booking = _lock(actor, booking_id)
        moment = current_time()
        mine = booking.booker_id == getattr(actor, "pk", None)
        own = mine and moment < booking.starts_at
        if not own:
            if mine and not scoping.has_cap(actor, Cap.BOOKING_MANAGE, booking.area_code):
                raise Conflict(_("This booking has begun: it can no longer be cancelled."))
            _manage(actor, booking)
        _status_is(booking, Status.PENDING, Status.CONFIRMED)
        if not own and moment >= booking.ends_at:
            raise Conflict(_("This booking is over: it can no longer be cancelled."))
        text = _reason(reason, required=not own)
        booking.status = Status.CANCELLED
        booking.cancelled_at = moment
        booking.reason = text
        if not own:
            booking.decided_by = actor
            booking.decided_at = moment
        booking.save(update_fields=["status", "cancelled_at", "reason", "decided_by", "decided_at"])
        audit.record(
            actor, "booking.cancel", booking, extra={"venue": booking.venue_id, "by_booker": own}
        )
        if not own:
            _tell_booker(
                booking,
                "booking.cancelled",
                lambda: (
                    _("Your booking of %(venue)s, %(when)s, was cancelled: %(reason)s")
                    % {"venue": booking.venue.name, "when": _when(booking), "reason": text}
                ),
            )
    return booking


def booking_approve(*, actor, booking_id) -> Booking:
    """Confirm a booking that waits for approval, before it starts. The booker is told."""
    with transaction.atomic():
        booking = _lock(actor, booking_id)
        _manage(actor, booking)
        _status_is(booking, Status.PENDING)
        moment = current_time()
        if moment >= booking.starts_at:
            raise Conflict(_("This booking has begun: it can no longer be approved."))
        booking.status = Status.CONFIRMED
        booking.decided_by = actor
        booking.decided_at = moment
        booking.save(update_fields=["status", "decided_by", "decided_at"])
        audit.record(actor, "booking.approve", booking, extra={"venue": booking.venue_id})
        _tell_booker(
            booking,
            "booking.approved",
            lambda: (
                _("Your booking of %(venue)s, %(when)s, is confirmed.")
                % {"venue": booking.venue.name, "when": _when(booking)}
            ),
        )
    return booking


def booking_reject(*, actor, booking_id, reason) -> Booking:
    """Decline a booking that waits for approval, saying why. The booker is told."""
    with transaction.atomic():
        booking = _lock(actor, booking_id)
        _manage(actor, booking)
        _status_is(booking, Status.PENDING)
        text = _reason(reason, required=True)
        booking.status = Status.REJECTED
        booking.reason = text
        booking.decided_by = actor
        booking.decided_at = current_time()
        booking.save(update_fields=["status", "reason", "decided_by", "decided_at"])
        audit.record(actor, "booking.reject", booking, extra={"venue": booking.venue_id})
        _tell_booker(
            booking,
            "booking.rejected",
            lambda: (
                _("Your booking of %(venue)s, %(when)s, was declined: %(reason)s")
                % {"venue": booking.venue.name, "when": _when(booking), "reason": text}
            ),
        )
    return booking


def booking_check_in(*, actor, booking_id) -> Booking:
    """Record that the booker came: a manager of the venue's bookings, from 30 minutes before
    the start until a day after the end (so a check-in at the door can be written down later)."""
    with transaction.atomic():
        booking = _lock(actor, booking_id)
        _manage(actor, booking)
        _status_is(booking, Status.CONFIRMED)
        moment = current_time()
        if moment < booking.starts_at - q.CHECK_IN_EARLY:
            raise Conflict(
                _("Check-in opens %(minutes)d minutes before the start.")
                % {"minutes": int(q.CHECK_IN_EARLY.total_seconds() // 60)}
            )
        if moment > booking.ends_at + q.CHECK_IN_LATE:
            raise Conflict(
                _("This booking ended more than a day ago: it can no longer be checked in.")
            )
        booking.status = Status.CHECKED_IN
        booking.checked_in_at = moment
        booking.checked_in_by = actor
        booking.save(update_fields=["status", "checked_in_at", "checked_in_by"])
        audit.record(actor, "booking.check_in", booking, extra={"venue": booking.venue_id})
    return booking


def booking_no_show(*, actor, booking_id) -> Booking:
    """Record that nobody came to a confirmed booking, once it has started."""
    with transaction.atomic():
        booking = _lock(actor, booking_id)
        _manage(actor, booking)
        _status_is(booking, Status.CONFIRMED)
        moment = current_time()
        if moment < booking.starts_at:
            raise Conflict(_("A booking is marked a no-show only once it has started."))
        booking.status = Status.NO_SHOW
        booking.decided_by = actor
        booking.decided_at = moment
        booking.save(update_fields=["status", "decided_by", "decided_at"])
        audit.record(actor, "booking.no_show", booking, extra={"venue": booking.venue_id})
    return booking


def bookings_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """One pass of the clock-driven booking work (``linli sweep``): requests still waiting when
    their time began are declined as expired, and their bookers told. Confirmed bookings that
    nobody checked in stay confirmed: only staff say whether someone came.

    Each row is claimed with a conditional update, so sweeps running at once decline it once."""
    moment = now or current_time()
    ids = list(
        Booking.objects.filter(status=Status.PENDING, starts_at__lte=moment)
        .order_by("starts_at", "id")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    expired = 0
    for pk in ids:
        with transaction.atomic():
            claimed = Booking.objects.filter(pk=pk, status=Status.PENDING).update(
                status=Status.REJECTED, reason=q.EXPIRED, decided_at=moment
            )
            if not claimed:
                continue
            booking = Booking.objects.select_related("venue", "booker").get(pk=pk)
            audit.record(
                scoping.SYSTEM, "booking.expire", booking, extra={"venue": booking.venue_id}
            )
            _tell_booker(
                booking,
                "booking.expired",
                lambda booking=booking: (
                    _(
                        "Your booking request for %(venue)s, %(when)s, was not approved before it "
                        "began."
                    )
                    % {"venue": booking.venue.name, "when": _when(booking)}
                ),
            )
            expired += 1
    return {"expired": expired}


__all__ = [
    "booking_approve",
    "booking_cancel",
    "booking_check",
    "booking_check_in",
    "booking_create",
    "booking_no_show",
    "booking_reject",
    "bookings_sweep",
]
