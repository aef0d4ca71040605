"""Venue bookings at /api/v1/facilities/: the venues you may book and their free slots, booking
(idempotent on ``client_key``), your bookings, and for staff the bookings of their areas with
approve, decline, check-in and no-show, a venue's week and usage figures.

Each operation parses, calls one action or query of :mod:`linli.facilities`, and shapes the
answer. Errors are problem+json: 400 with per-field ``errors``, 403 when the step is not yours,
404 when the row is not visible, 409 when the time is taken or the step not possible now.
"""

from typing import Annotated

from ninja import Path, Query, Router, Status
from ninja.pagination import paginate

from linli.core.pagination import Page

from .. import queries as q
from ..actions import bookings as actions
from ..models import Booking
from ..schemas_bookings import (
    MAX_ID,
    BookableVenueOut,
    BookingFilters,
    BookingIn,
    BookingOut,
    CalendarOut,
    MyFilters,
    ReasonIn,
    RejectIn,
    UsageOut,
    VenueDayOut,
)

router = Router()

RowId = Annotated[int, Path(ge=1, le=MAX_ID)]
Short = Annotated[str, Query(max_length=20, description="YYYY-MM-DD (an area: its code)")]


# --- shaping ------------------------------------------------------------------------------------


def _venue(actor, venue) -> dict:
    return {
        "id": venue.pk,
        "name": venue.name,
        "kind": venue.kind,
        "kind_label": str(venue.get_kind_display()),
        "area_code": venue.area_code,
        "area_name": venue.area.name,
        "facility_id": venue.facility_id,
        "facility_name": venue.facility.name if venue.facility else "",
        "unit_name": venue.unit_name,
        "address": venue.address,
        "capacity": venue.capacity,
        "rules": venue.rules,
        "approval": venue.approval,
        "slot_minutes": venue.slot_minutes,
        "max_slots": venue.max_slots,
        "days_ahead": venue.days_ahead,
        "booker_kinds": q.booking_kinds(actor, venue),
    }


class _Venues:
    def __init__(self, actor, qs):
        self.actor, self.qs = actor, qs

    def count(self) -> int:
        return self.qs.count()

    def __getitem__(self, index):
        return [_venue(self.actor, venue) for venue in self.qs[index]]


def _booking(booking: Booking) -> dict:
    return {
        "id": booking.pk,
        "venue_id": booking.venue_id,
        "venue_name": booking.venue.name,
        "area_code": booking.area_code,
        "starts_at": booking.starts_at,
        "ends_at": booking.ends_at,
        "status": booking.status,
        "status_label": str(Booking.Status(booking.status).label),
        "booker_kind": booking.booker_kind,
        "booker_name": booking.booker_name,
        "booker_phone": booking.booker_phone,
        "organisation": booking.organisation,
        "purpose": booking.purpose,
        "attendees": booking.attendees,
        "created_at": booking.created_at,
        "decided_at": booking.decided_at,
        "reason": booking.reason_text,
        "checked_in_at": booking.checked_in_at,
        "cancelled_at": booking.cancelled_at,
        "steps": sorted(booking.steps),
    }


class _Bookings:
    """A queryset whose sliced page is shaped for the actor (one query a page)."""

    def __init__(self, actor, qs):
        self.actor, self.qs = actor, q.booking_rows(qs)

    def count(self) -> int:
        return self.qs.count()

    def __getitem__(self, index):
        return [_booking(b) for b in q.booking_labelled(self.actor, self.qs[index])]


def _one(actor, booking_id: int) -> dict:
    booking = q.booking_get(actor=actor, booking_id=booking_id)
    return _booking(q.booking_labelled(actor, [booking])[0])


def _hours(value) -> float:
    return float(value)


def _usage_row(row) -> dict:
    venue = row.venue
    return {
        "venue_id": venue.pk if venue else None,
        "venue_name": venue.name if venue else "",
        "area_code": venue.area_code if venue else "",
        "active": venue.active if venue else True,
        "bookable_hours": _hours(row.bookable_hours),
        "booked_hours": _hours(row.booked_hours),
        "used_hours": _hours(row.used_hours),
        "bookings": row.bookings,
        "checked_in": row.checked_in,
        "no_shows": row.no_shows,
        "cancelled": row.cancelled,
        "utilisation": row.utilisation,
        "use_rate": row.use_rate,
        "attendance": row.attendance,
    }


# --- booking ------------------------------------------------------------------------------------


@router.get("bookable-venues", response=list[BookableVenueOut], summary="Venues you may book")
@paginate(Page)
def venue_list(request):
    """Venues open for booking of your home community and its town, and, for staff, of your
    areas; each says as whom you may book it."""
    return _Venues(request.user, q.bookable_venues(actor=request.user))


@router.get(
    "bookable-venues/{venue_id}/slots",
    response=VenueDayOut,
    summary="A venue's slots of one day, free or taken",
)
def venue_slots(request, venue_id: RowId, day: Short = ""):
    """``day`` as YYYY-MM-DD, today when not given. Taken slots name no booker (unless it is
    you, or you read the venue's bookings)."""
    view = q.venue_day_slots(actor=request.user, venue_id=venue_id, day=day[:20] or None)
    return {
        "venue_id": view.venue.pk,
        "day": view.day,
        "bookable": view.bookable,
        "booker_kinds": view.kinds,
        "slots": [
            {
                "starts_at": slot.starts_at,
                "ends_at": slot.ends_at,
                "state": slot.state,
                "booking_id": slot.booking.pk if slot.booking else None,
            }
            for slot in view.slots
        ],
        "days": [{"day": d, "open": is_open} for d, is_open in view.days],
    }


@router.post(
    "bookings",
    response={200: BookingOut, 201: BookingOut},
    summary="Book a venue (idempotent on client_key)",
)
def booking_create(request, payload: BookingIn):
    """201 when booked (confirmed, or pending where the venue needs approval); 200 with the
    booking already made when the same ``client_key`` is sent again. 409 ``taken`` when someone
    else holds the time: "This time has just been booked by someone else; choose another
    time." """
    booking = actions.booking_create(actor=request.user, **payload.dict())
    fresh = getattr(booking, "written_now", False)
    return Status(201 if fresh else 200, _one(request.user, booking.pk))


@router.get("bookings/mine", response=list[BookingOut], summary="Your own bookings")
@paginate(Page)
def my_bookings(request, filters: Query[MyFilters]):
    """``upcoming``: live and not over, soonest first; ``past``: the others, latest first."""
    return _Bookings(request.user, q.my_bookings(actor=request.user, when=filters.when))


@router.get("bookings", response=list[BookingOut], summary="Bookings of your areas, filtered")
@paginate(Page)
def booking_list(request, filters: Query[BookingFilters]):
    """For those who read facilities (``facility.view``) or manage bookings. Waiting and live
    bookings come soonest first, the others latest first."""
    wanted = {k: v for k, v in filters.dict().items() if v not in (None, "")}
    return _Bookings(request.user, q.booking_list(actor=request.user, filters=wanted))


@router.get("bookings/{booking_id}", response=BookingOut, summary="One booking")
def booking_detail(request, booking_id: RowId):
    return _one(request.user, booking_id)


@router.post("bookings/{booking_id}/cancel", response=BookingOut, summary="Cancel a booking")
def booking_cancel(request, payload: ReasonIn, booking_id: RowId):
    """By its booker before it starts; by a manager of the venue's bookings before it ends,
    with a reason (the booker is told)."""
    actions.booking_cancel(actor=request.user, booking_id=booking_id, reason=payload.reason)
    return _one(request.user, booking_id)


@router.post("bookings/{booking_id}/approve", response=BookingOut, summary="Approve a booking")
def booking_approve(request, booking_id: RowId):
    actions.booking_approve(actor=request.user, booking_id=booking_id)
    return _one(request.user, booking_id)


@router.post("bookings/{booking_id}/reject", response=BookingOut, summary="Decline a booking")
def booking_reject(request, payload: RejectIn, booking_id: RowId):
    actions.booking_reject(actor=request.user, booking_id=booking_id, reason=payload.reason)
    return _one(request.user, booking_id)


@router.post("bookings/{booking_id}/check-in", response=BookingOut, summary="Check a booking in")
def booking_check_in(request, booking_id: RowId):
    """From 30 minutes before the start until a day after the end."""
    actions.booking_check_in(actor=request.user, booking_id=booking_id)
    return _one(request.user, booking_id)


@router.post(
    "bookings/{booking_id}/no-show", response=BookingOut, summary="Record that nobody came"
)
def booking_no_show(request, booking_id: RowId):
    actions.booking_no_show(actor=request.user, booking_id=booking_id)
    return _one(request.user, booking_id)


# --- staff views --------------------------------------------------------------------------------


@router.get(
    "venues/{venue_id}/calendar", response=CalendarOut, summary="A venue's week, slot by slot"
)
def venue_calendar(request, venue_id: RowId, week: Short = ""):
    """The week (Monday to Sunday) holding ``week`` (YYYY-MM-DD; this week when not given)."""
    cal = q.venue_calendar(actor=request.user, venue_id=venue_id, week_start=week[:20] or None)
    rows = []
    for label, cells in cal.rows:
        shaped = []
        for slot in cells:
            if slot is None:
                shaped.append({"state": "closed"})
            elif slot.booking is not None:
                shaped.append(
                    {
                        "state": slot.state,
                        "booking_id": slot.booking.pk,
                        "status": slot.booking.status,
                        "booker_name": slot.booking.booker_name,
                        "organisation": slot.booking.organisation,
                    }
                )
            else:
                shaped.append({"state": slot.state})
        rows.append({"time": label, "cells": shaped})
    return {"venue_id": cal.venue.pk, "week_start": cal.week_start, "days": cal.days, "rows": rows}


@router.get("venue-usage", response=UsageOut, summary="Usage figures of the venues of an area")
def venue_usage(request, area: Short = "", date_from: Short = "", date_to: Short = ""):
    """Per venue over the period (the last 30 days when not given, at most a year): bookable,
    booked and used hours, utilisation (booked ÷ bookable), attendance (checked in ÷ checked in
    and no-shows), no-shows."""
    usage = q.venue_usage(
        actor=request.user,
        area_code=area[:20],
        date_from=date_from[:20] or None,
        date_to=date_to[:20] or None,
    )
    return {
        "date_from": usage.date_from,
        "date_to": usage.date_to,
        "area_code": usage.area_code,
        "rows": [_usage_row(row) for row in usage.rows],
        "total": _usage_row(usage.total),
    }
