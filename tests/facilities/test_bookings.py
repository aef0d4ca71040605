"""Booking a venue: who may book as whom, every rule of a booking (hours, slots, the booking
window, capacity, the time being free), the form's key, the steps that follow (cancel, approve,
decline, check in, no-show) and the sweep."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from linli.core.errors import ActionError, Conflict, Forbidden, NotFound
from linli.core.models import AuditEvent, Notification
from linli.core.roles import Role
from linli.facilities import actions
from linli.facilities.actions import bookings as booking_actions
from linli.facilities.models import Booking

from ..conftest import make_user
from .bookings_fixtures import *  # noqa: F403 (the fixtures)
from .bookings_fixtures import at, book, tomorrow

pytestmark = pytest.mark.django_db


def _errors(exc: ActionError) -> dict:
    return {name: [str(m) for m in found] for name, found in exc.errors.items()}


# --- booking ----------------------------------------------------------------------------------


def test_a_resident_books_two_slots_of_the_hall_confirmed_at_once(users, hall):
    start = at(tomorrow(), 9)
    booking = book(users["resident_a1"], hall, start, slots=2)
    assert booking.written_now
    assert booking.status == "confirmed" and booking.booker_kind == "resident"
    assert booking.starts_at == start and booking.ends_at == at(tomorrow(), 11)
    assert booking.area_code == hall.area_code
    event = AuditEvent.objects.get(action="booking.create")
    assert event.target_id == str(booking.pk)
    assert event.extra == {
        "venue": hall.pk,
        "status": "confirmed",
        "kind": "resident",
        "slots": 2,
        "attendees": 20,
    }


def test_ends_at_may_be_given_instead_of_slots(users, hall):
    booking = book(users["resident_a1"], hall, at(tomorrow(), 14), ends_at=at(tomorrow(), 17))
    assert booking.ends_at - booking.starts_at == dt.timedelta(hours=3)


def test_a_venue_that_needs_approval_holds_the_time_pending_and_tells_its_managers(users, meeting):
    booking = book(
        users["resident_a1"],
        meeting,
        at(tomorrow(), 9, 30),
        slots=3,
        booker_kind="organisation",
        organisation="仙城社区老年合唱团",
        attendees=12,
    )
    assert booking.status == "pending" and booking.organisation == "仙城社区老年合唱团"
    assert booking.ends_at == at(tomorrow(), 11)
    told = set(Notification.objects.filter(kind="booking.request").values_list("user", flat=True))
    assert told == {users["worker_a1"].pk, users["head_a1"].pk}
    # A pending request holds the time.
    with pytest.raises(Conflict):
        book(users["worker_a1"], meeting, at(tomorrow(), 10), booker_kind="staff", attendees=5)


def test_staff_book_as_staff_and_residents_of_the_town_book_its_hall(users, hall, town_hall):
    staff = book(users["worker_a1"], hall, at(tomorrow(), 19), booker_kind="staff")
    assert staff.booker_kind == "staff"
    assert book(users["resident_a2"], town_hall, at(tomorrow(), 9)).status == "confirmed"


def test_the_same_form_sent_again_books_once(users, hall, counts):
    key = uuid.uuid4()
    first = book(users["resident_a1"], hall, at(tomorrow(), 9), client_key=key)
    before = counts()
    again = book(users["resident_a1"], hall, at(tomorrow(), 9), client_key=str(key))
    assert again.pk == first.pk and not again.written_now
    assert counts() == before


def test_a_taken_time_is_refused_with_a_clear_message(users, hall, counts):
    book(users["resident_a1"], hall, at(tomorrow(), 9), slots=2)
    before = counts()
    with pytest.raises(Conflict) as refused:
        book(users["resident_a2"], make_hall_neighbour(users, hall), at(tomorrow(), 10))
    assert refused.value.code == "taken"
    assert str(refused.value.message) == (
        "This time has just been booked by someone else; choose another time."
    )
    with pytest.raises(Conflict, match="You have booked this time already"):
        book(users["resident_a1"], hall, at(tomorrow(), 10))
    assert counts() == before
    # The time next to it is free; a cancelled booking frees its time.
    assert book(users["worker_a1"], hall, at(tomorrow(), 11), booker_kind="staff")


def make_hall_neighbour(users, hall):
    """``resident_a2`` also lives in A1 (a second home): they may book A1's hall."""
    from linli.core.models import RoleAssignment

    RoleAssignment.objects.create(
        user=users["resident_a2"], role=Role.RESIDENT, area=hall.area, area_code=hall.area_code
    )
    from linli.core import scoping

    scoping.forget(users["resident_a2"])
    return hall


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"starts_at": "tomorrow 09:30"}, "starts_at", "choose a slot's start"),
        ({"starts_at": "tomorrow 22:00"}, "starts_at", "outside the bookable hours"),
        ({"starts_at": "tomorrow 12:30"}, "starts_at", "outside the bookable hours"),
        ({"starts_at": "yesterday 09:00"}, "starts_at", "This time has passed"),
        ({"starts_at": "in 15 days 09:00"}, "starts_at", "up to 14 days ahead"),
        ({"starts_at": "not a time"}, "starts_at", "Give a time as"),
        ({"slots": 4}, "slots", "At most 3 slots"),
        ({"slots": 0}, "slots", "from 1 to 96"),
        ({"starts_at": "tomorrow 11:00", "slots": 2}, "ends_at", "runs past the bookable hours"),
        ({"ends_at": "tomorrow 09:30"}, "ends_at", "whole slots"),
        ({"ends_at": "tomorrow 08:00"}, "ends_at", "after the start"),
        ({"attendees": 81}, "attendees", "holds at most 80 people"),
        ({"attendees": 0}, "attendees", "from 1 to"),
        ({"purpose": "  "}, "purpose", "Please fill this in"),
        ({"purpose": "长" * 201}, "purpose", "At most 200"),
        ({"client_key": "nope"}, "client_key", "lost its key"),
    ],
)
def test_bad_input_is_refused_with_the_field_and_nothing_written(
    users, hall, counts, change, field, message
):
    words = {
        "tomorrow": tomorrow(),
        "yesterday": timezone.localdate() - dt.timedelta(days=1),
        "in 15 days": timezone.localdate() + dt.timedelta(days=15),
    }
    for key in ("starts_at", "ends_at"):
        value = change.get(key)
        if isinstance(value, str) and value != "not a time":
            day_word, time = value.rsplit(" ", 1)
            hour, minute = (int(x) for x in time.split(":"))
            change[key] = at(words[day_word], hour, minute)
    before = counts()
    with pytest.raises(ActionError) as refused:
        book(users["resident_a1"], hall, change.pop("starts_at", at(tomorrow(), 9)), **change)
    assert message in " ".join(_errors(refused.value)[field])
    assert counts() == before


def test_a_closed_day_is_refused(users, hall):
    hall.hours = {"mon": [["08:00", "12:00"]]}
    hall.save()
    day = next(
        timezone.localdate() + dt.timedelta(days=n)
        for n in range(1, 8)
        if (timezone.localdate() + dt.timedelta(days=n)).weekday() != 0
    )
    with pytest.raises(ActionError) as refused:
        book(users["resident_a1"], hall, at(day, 9))
    assert "closed that day" in _errors(refused.value)["starts_at"][0]


def test_an_organisation_booking_needs_the_organisations_name(users, hall):
    with pytest.raises(ActionError) as refused:
        book(users["resident_a1"], hall, at(tomorrow(), 9), booker_kind="organisation")
    assert "organisation" in _errors(refused.value)


@pytest.mark.parametrize(
    ("who", "venue", "kind"),
    [
        ("resident_a2", "hall", "resident"),  # lives in the neighbouring community
        ("resident_a1", "b1_room", "resident"),  # another town
        ("resident_a1", "meeting", "resident"),  # residents may not book it
        ("resident_a1", "hall", "staff"),  # not staff
        ("worker_a2", "hall", "staff"),  # staff of the neighbour
        ("worker_a1", "town_hall", "organisation"),  # not for organisations
        ("resident_a1", "town_hall", "staff"),
    ],
)
def test_who_may_not_book_as_whom(request, users, counts, who, venue, kind):
    venue = request.getfixturevalue(venue)
    before = counts()
    with pytest.raises((Forbidden, NotFound)):
        book(users[who], venue, at(tomorrow(), 9), booker_kind=kind, organisation="某协会")
    assert counts() == before


def test_a_venue_closed_for_booking_or_in_a_closed_facility_is_refused(users, hall, centre):
    hall.active = False
    hall.save()
    with pytest.raises(NotFound):
        book(users["resident_a1"], hall, at(tomorrow(), 9))
    with pytest.raises(Conflict, match="not open for booking"):
        book(users["worker_a1"], hall, at(tomorrow(), 9), booker_kind="staff")
    hall.active = True
    hall.save()
    centre.status = "building"
    centre.save()
    with pytest.raises(NotFound):
        book(users["resident_a1"], hall, at(tomorrow(), 9))


def test_an_anonymous_visitor_cannot_book(hall):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(Forbidden):
        book(AnonymousUser(), hall, at(tomorrow(), 9))


def test_one_resident_holds_at_most_five_bookings_to_come(users, hall, meeting):
    for hour in (8, 9, 10, 11, 14):
        book(users["resident_a1"], hall, at(tomorrow(), hour))
    with pytest.raises(Conflict) as refused:
        book(users["resident_a1"], hall, at(tomorrow(), 15))
    assert refused.value.code == "limit" and "5 bookings to come" in str(refused.value.message)
    # Staff bookings do not count, nor are they limited.
    assert book(users["worker_a1"], hall, at(tomorrow(), 16), booker_kind="staff")
    # Cancelling one frees a place.
    first = Booking.objects.filter(booker=users["resident_a1"]).order_by("starts_at").first()
    actions.booking_cancel(actor=users["resident_a1"], booking_id=first.pk)
    assert book(users["resident_a1"], hall, at(tomorrow(), 15))


# --- cancel -----------------------------------------------------------------------------------


def test_the_booker_cancels_before_the_start_and_the_time_is_free_again(users, hall):
    booking = book(users["resident_a1"], hall, at(tomorrow(), 9))
    done = actions.booking_cancel(actor=users["resident_a1"], booking_id=booking.pk)
    assert done.status == "cancelled" and done.cancelled_at and done.reason == ""
    assert AuditEvent.objects.filter(action="booking.cancel").get().extra["by_booker"] is True
    assert not Notification.objects.filter(kind="booking.cancelled").exists()
    assert book(users["worker_a1"], hall, at(tomorrow(), 9), booker_kind="staff")


def test_after_the_start_only_staff_cancel_and_they_say_why(users, hall, clock):
    booking = book(users["resident_a1"], hall, at(tomorrow(), 9), slots=2)
    clock(at(tomorrow(), 9, 5))
    with pytest.raises(Conflict, match="has begun"):
        actions.booking_cancel(actor=users["resident_a1"], booking_id=booking.pk)
    with pytest.raises(ActionError) as refused:
        actions.booking_cancel(actor=users["worker_a1"], booking_id=booking.pk, reason="")
    assert "reason" in refused.value.errors
    with pytest.raises(Forbidden):  # reads the county's bookings, does not manage them
        actions.booking_cancel(actor=users["county"], booking_id=booking.pk, reason="停电")
    done = actions.booking_cancel(actor=users["worker_a1"], booking_id=booking.pk, reason="停电")
    assert done.status == "cancelled" and done.reason == "停电"
    assert done.decided_by == users["worker_a1"]
    note = Notification.objects.get(kind="booking.cancelled")
    assert note.user == users["resident_a1"] and "停电" in note.text
    with pytest.raises(Conflict, match="was cancelled"):
        actions.booking_cancel(actor=users["worker_a1"], booking_id=booking.pk, reason="再取消")


def test_a_neighbours_booking_is_not_found(users, hall):
    booking = book(users["resident_a1"], hall, at(tomorrow(), 9))
    for who in ("resident_a2", "worker_a2", "town_b"):
        with pytest.raises(NotFound):
            actions.booking_cancel(actor=users[who], booking_id=booking.pk, reason="x")
    with pytest.raises(NotFound):
        actions.booking_cancel(actor=users["resident_a1"], booking_id="abc")


# --- approve, decline -------------------------------------------------------------------------


def test_staff_approve_a_request_and_the_booker_is_told(users, meeting):
    booking = book(
        users["resident_a1"],
        meeting,
        at(tomorrow(), 9),
        booker_kind="organisation",
        organisation="读书会",
        attendees=8,
    )
    with pytest.raises(Forbidden):
        actions.booking_approve(actor=users["resident_a1"], booking_id=booking.pk)
    with pytest.raises(Forbidden):  # reads, does not manage bookings
        actions.booking_approve(actor=users["county"], booking_id=booking.pk)
    done = actions.booking_approve(actor=users["town_a"], booking_id=booking.pk)
    assert done.status == "confirmed" and done.decided_by == users["town_a"]
    note = Notification.objects.get(kind="booking.approved")
    assert note.user == users["resident_a1"] and note.url == f"/facilities/bookings/{booking.pk}/"
    with pytest.raises(Conflict, match="confirmed already"):
        actions.booking_approve(actor=users["worker_a1"], booking_id=booking.pk)


def test_staff_decline_a_request_saying_why(users, meeting, counts):
    booking = book(
        users["resident_a1"],
        meeting,
        at(tomorrow(), 9),
        booker_kind="organisation",
        organisation="读书会",
        attendees=8,
    )
    before = counts()
    with pytest.raises(ActionError) as refused:
        actions.booking_reject(actor=users["worker_a1"], booking_id=booking.pk, reason=" ")
    assert "reason" in refused.value.errors and counts() == before
    done = actions.booking_reject(
        actor=users["worker_a1"], booking_id=booking.pk, reason="已有活动"
    )
    assert done.status == "rejected" and done.reason == "已有活动"
    assert Notification.objects.get(kind="booking.rejected").user == users["resident_a1"]
    # The time is free again.
    assert book(users["worker_a1"], meeting, at(tomorrow(), 9), booker_kind="staff", attendees=3)


def test_a_request_cannot_be_approved_once_it_has_begun(users, meeting, clock):
    booking = book(
        users["resident_a1"],
        meeting,
        at(tomorrow(), 9),
        booker_kind="organisation",
        organisation="读书会",
        attendees=8,
    )
    clock(at(tomorrow(), 9, 1))
    with pytest.raises(Conflict, match="has begun"):
        actions.booking_approve(actor=users["worker_a1"], booking_id=booking.pk)


# --- check in, no-show ------------------------------------------------------------------------


def test_staff_check_in_from_half_an_hour_before(users, hall, clock):
    booking = book(users["resident_a1"], hall, at(tomorrow(), 9))
    clock(at(tomorrow(), 8, 29))
    with pytest.raises(Conflict, match="30 minutes before"):
        actions.booking_check_in(actor=users["worker_a1"], booking_id=booking.pk)
    clock(at(tomorrow(), 8, 35))
    with pytest.raises(Forbidden):
        actions.booking_check_in(actor=users["resident_a1"], booking_id=booking.pk)
    done = actions.booking_check_in(actor=users["worker_a1"], booking_id=booking.pk)
    assert done.status == "checked_in" and done.checked_in_by == users["worker_a1"]
    assert done.checked_in_at == at(tomorrow(), 8, 35)
    with pytest.raises(Conflict):
        actions.booking_no_show(actor=users["worker_a1"], booking_id=booking.pk)


def test_a_check_in_can_be_written_down_up_to_a_day_after(users, hall, clock):
    booking = book(users["resident_a1"], hall, at(tomorrow(), 9))
    clock(at(tomorrow(), 10) + dt.timedelta(hours=25))
    with pytest.raises(Conflict, match="more than a day ago"):
        actions.booking_check_in(actor=users["worker_a1"], booking_id=booking.pk)
    clock(at(tomorrow(), 10) + dt.timedelta(hours=23))
    assert actions.booking_check_in(actor=users["head_a1"], booking_id=booking.pk)


def test_a_no_show_is_marked_only_after_the_start(users, hall, clock):
    booking = book(users["resident_a1"], hall, at(tomorrow(), 9))
    with pytest.raises(Conflict, match="once it has started"):
        actions.booking_no_show(actor=users["worker_a1"], booking_id=booking.pk)
    clock(at(tomorrow(), 9, 20))
    done = actions.booking_no_show(actor=users["worker_a1"], booking_id=booking.pk)
    assert done.status == "no_show" and done.decided_by == users["worker_a1"]
    assert AuditEvent.objects.filter(action="booking.no_show", target_id=str(booking.pk)).exists()


# --- the sweep --------------------------------------------------------------------------------


def test_the_sweep_declines_requests_nobody_decided_and_leaves_confirmed_ones(users, meeting, hall):
    pending = book(
        users["resident_a1"],
        meeting,
        at(tomorrow(), 9),
        booker_kind="organisation",
        organisation="读书会",
        attendees=8,
    )
    later = book(
        users["resident_a1"],
        meeting,
        at(tomorrow(), 15),
        booker_kind="organisation",
        organisation="读书会",
        attendees=8,
    )
    confirmed = book(users["resident_a1"], hall, at(tomorrow(), 9))
    assert actions.bookings_sweep(now=at(tomorrow(), 9)) == {"expired": 1}
    pending.refresh_from_db()
    assert pending.status == "rejected" and pending.reason == "expired"
    note = Notification.objects.get(kind="booking.expired")
    assert note.user == users["resident_a1"] and "not approved" in note.text
    event = AuditEvent.objects.get(action="booking.expire")
    assert event.actor_label == "system" and event.target_id == str(pending.pk)
    # Run again: nothing more; a day later the confirmed booking is still confirmed.
    assert actions.bookings_sweep(now=at(tomorrow(), 9, 5)) == {"expired": 0}
    assert actions.bookings_sweep(now=at(tomorrow(), 23) + dt.timedelta(days=1)) == {"expired": 1}
    later.refresh_from_db()
    confirmed.refresh_from_db()
    assert later.status == "rejected" and confirmed.status == "confirmed"
    from linli.facilities.queries import bookings as q

    assert q.reason_text(pending) == "Not approved before it began."


def test_booking_check_says_what_would_be_booked_without_writing(users, meeting, counts):
    before = counts()
    plan = actions.booking_check(
        actor=users["worker_a1"],
        venue_id=meeting.pk,
        starts_at=at(tomorrow(), 10).strftime("%Y-%m-%dT%H:%M"),
        slots=4,
        booker_kind="staff",
        purpose="议事会",
        attendees=10,
    )
    assert plan.status == "pending" and plan.slots == 4
    assert plan.ends_at == at(tomorrow(), 12)
    assert counts() == before


def test_the_clock_is_the_actions_own(monkeypatch):
    assert abs((booking_actions.current_time() - timezone.now()).total_seconds()) < 5


def test_a_second_resident_of_the_grid_books_as_a_resident(tree, hall):
    grid_resident = make_user("grid_resident", Role.RESIDENT, tree["grid_a1"])
    assert book(grid_resident, hall, at(tomorrow(), 9)).booker_kind == "resident"
