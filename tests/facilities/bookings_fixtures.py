"""Booking fixtures: venues of A1, of its town and of B1 written straight with the ORM, times
to book, and helpers to book and to count rows.

On top of tests/conftest.py (county 220403 with towns A and B; A1 with its grid, A2 and B1):

    ``hall``     A1's community hall in its service centre: every day 08:00-12:00 and
                 14:00-21:00, slots of 60 minutes, 3 in a row at most, 80 people, confirmed
                 at once, residents, organisations and staff may book
    ``meeting``  a meeting room a unit of A1 opens: every day 09:00-17:00, slots of 30 minutes,
                 needs approval, residents may not book it (organisations and staff may)
    ``town_hall`` the town's hall (town A), for residents
    ``b1_room``  a room of B1 (town B), for the neighbour checks
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from linli.core.models import AuditEvent, Notification
from linli.facilities import actions
from linli.facilities.models import Booking, Facility, Venue

__all__ = [
    "at",
    "b1_room",
    "book",
    "centre",
    "clock",
    "counts",
    "hall",
    "make_facility",
    "make_venue",
    "meeting",
    "place",
    "tomorrow",
    "town_hall",
    "week",
]

EVERY_DAY = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def week(*ranges) -> dict:
    return {day: [list(r) for r in ranges] for day in EVERY_DAY}


def make_facility(area, name="社区党群服务中心", **more) -> Facility:
    return Facility.objects.create(
        area=area, area_code=area.code, name=name, kind="comprehensive", floor_area=800, **more
    )


def make_venue(area, name, *, facility=None, unit_name="", **more) -> Venue:
    data = {
        "kind": "hall",
        "capacity": 80,
        "hours": week(("08:00", "12:00"), ("14:00", "21:00")),
        "slot_minutes": 60,
        "max_slots": 3,
        "days_ahead": 14,
        "approval": "instant",
    }
    data.update(more)
    return Venue.objects.create(
        area=area,
        area_code=area.code,
        facility=facility,
        unit_name=unit_name if facility is None else "",
        name=name,
        **data,
    )


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """``day`` at ``hour:minute`` local time, aware."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def tomorrow() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=1)


def book(actor, venue, start, **more) -> Booking:
    """Book ``venue`` from ``start`` (one slot unless told) as a resident unless told."""
    data = {
        "venue_id": venue.pk,
        "starts_at": start,
        "booker_kind": "resident",
        "purpose": "合唱团排练",
        "attendees": 20,
        "client_key": uuid.uuid4(),
    }
    data.update(more)
    return actions.booking_create(actor=actor, **data)


def place(venue, booker, start, end, *, status="confirmed", kind="resident") -> Booking:
    """A booking written straight with the ORM (for times the actions would refuse now)."""
    return Booking.objects.create(
        venue=venue,
        area_code=venue.area_code,
        starts_at=start,
        ends_at=end,
        status=status,
        booker=booker,
        booker_kind=kind,
        purpose="广场舞",
        attendees=10,
        client_key=uuid.uuid4(),
    )


@pytest.fixture
def centre(tree) -> Facility:
    return make_facility(tree["a1"])


@pytest.fixture
def hall(tree, centre) -> Venue:
    return make_venue(tree["a1"], "社区大礼堂", facility=centre)


@pytest.fixture
def meeting(tree) -> Venue:
    return make_venue(
        tree["a1"],
        "物业会议室",
        unit_name="仙城物业公司",
        kind="meeting",
        capacity=12,
        hours=week(("09:00", "17:00")),
        slot_minutes=30,
        max_slots=4,
        approval="approval",
        for_residents=False,
    )


@pytest.fixture
def town_hall(tree) -> Venue:
    return make_venue(
        tree["town_a"],
        "街道文体活动室",
        unit_name="仙城街道",
        kind="activity",
        for_organisations=False,
        for_staff=False,
    )


@pytest.fixture
def b1_room(tree) -> Venue:
    return make_venue(tree["b1"], "东山社区活动室", facility=make_facility(tree["b1"]))


@pytest.fixture
def counts(db):
    """``counts()``: bookings, audit events and notifications, to show that a refusal wrote
    nothing."""

    def _counts() -> dict[str, int]:
        return {
            "booking": Booking.objects.count(),
            "audit": AuditEvent.objects.count(),
            "notification": Notification.objects.count(),
        }

    return _counts


@pytest.fixture
def clock(monkeypatch):
    """``clock(moment)``: the booking actions' clock reads ``moment`` from now on."""
    from linli.facilities.actions import bookings as booking_actions

    def _set(moment: dt.datetime) -> None:
        monkeypatch.setattr(booking_actions, "current_time", lambda: moment)

    return _set
