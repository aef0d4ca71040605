"""No double booking under concurrency: fifty residents try the same slot at the same moment,
exactly one gets it and the forty-nine others get the clear message; the database's exclusion
constraint refuses an overlapping row whoever writes it, and the action turns that refusal into
the same message.

The races run on PostgreSQL only (row locks, concurrent connections, the exclusion constraint);
the idempotence of a form sent twice at once is checked there too."""

from __future__ import annotations

import uuid

import pytest
from django.db import IntegrityError, connection, transaction

from linli.core.errors import Conflict
from linli.core.roles import Role
from linli.facilities.actions import bookings as booking_actions
from linli.facilities.models import Booking
from tests.appeals.test_concurrency import (  # noqa: F401 (a fixture)
    _audit_unguarded,
    postgres_only,
    race,
    races,
    slow,
)

from ..conftest import make_user
from .bookings_fixtures import *  # noqa: F403 (the fixtures)
from .bookings_fixtures import at, book, place, tomorrow

ATTEMPTS = 50
TAKEN = "This time has just been booked by someone else; choose another time."


@races
def test_fifty_residents_on_one_slot_one_gets_it(tree, hall):
    people = [make_user(f"neighbour{n:02d}", Role.RESIDENT, tree["a1"]) for n in range(ATTEMPTS)]
    start = at(tomorrow(), 19)

    def attempt(person):
        return lambda: book(person, hall, start, slots=2)

    results = race(*(attempt(person) for person in people), timeout=120)
    won = [r for r in results if isinstance(r, Booking)]
    lost = [r for r in results if isinstance(r, Exception)]
    assert len(won) == 1, results
    assert len(lost) == ATTEMPTS - 1
    assert all(isinstance(r, Conflict) and r.code == "taken" for r in lost), lost
    assert {str(r.message) for r in lost} == {TAKEN}
    assert Booking.objects.filter(venue=hall, status__in=Booking.LIVE).count() == 1


@races
def test_overlapping_ranges_at_once_one_gets_them(tree, hall, monkeypatch):
    """Different but overlapping times (19-21 and 20-21) still exclude each other."""
    first = make_user("early", Role.RESIDENT, tree["a1"])
    second = make_user("late", Role.RESIDENT, tree["a1"])
    monkeypatch.setattr(booking_actions.audit, "record", slow(booking_actions.audit.record))
    results = race(
        lambda: book(first, hall, at(tomorrow(), 19), slots=2),
        lambda: book(second, hall, at(tomorrow(), 20), slots=1),
    )
    assert sum(isinstance(r, Booking) for r in results) == 1, results
    assert Booking.objects.filter(venue=hall).count() == 1


@races
def test_the_same_form_sent_twice_at_once_books_once(users, hall, monkeypatch):
    monkeypatch.setattr(booking_actions.audit, "record", slow(booking_actions.audit.record))
    key = uuid.uuid4()

    def send():
        return book(users["resident_a1"], hall, at(tomorrow(), 9), client_key=key)

    results = race(send, send)
    assert all(isinstance(r, Booking) for r in results), results
    assert results[0].pk == results[1].pk
    assert sorted(r.written_now for r in results) == [False, True]
    assert Booking.objects.count() == 1


@postgres_only
def test_the_database_refuses_an_overlapping_live_booking(users, hall):
    place(hall, users["resident_a1"], at(tomorrow(), 9), at(tomorrow(), 11))
    with pytest.raises(IntegrityError, match="facilities_booking_no_overlap"), transaction.atomic():
        place(hall, users["resident_a2"], at(tomorrow(), 10), at(tomorrow(), 12))
    # Touching is not overlapping; cancelled, declined and past outcomes hold no time.
    place(hall, users["resident_a2"], at(tomorrow(), 11), at(tomorrow(), 12))
    for status in ("cancelled", "rejected", "no_show"):
        place(hall, users["resident_a2"], at(tomorrow(), 9), at(tomorrow(), 10), status=status)
    assert connection.vendor == "postgresql"


@postgres_only
def test_the_constraints_refusal_becomes_the_clear_message(users, hall, monkeypatch):
    """Were the action's own check ever to miss an overlap, the constraint still refuses and
    the booker reads the same message."""
    book(users["worker_a1"], hall, at(tomorrow(), 9), booker_kind="staff")
    real = booking_actions.Booking.objects.filter

    def blind(*args, **kwargs):  # the overlap look-up sees nothing
        if "starts_at__lt" in kwargs:
            return Booking.objects.none()
        return real(*args, **kwargs)

    monkeypatch.setattr(booking_actions.Booking.objects, "filter", blind)
    with pytest.raises(Conflict) as refused:
        book(users["resident_a1"], hall, at(tomorrow(), 9))
    assert refused.value.code == "taken" and str(refused.value.message) == TAKEN
    monkeypatch.undo()
    assert Booking.objects.count() == 1
