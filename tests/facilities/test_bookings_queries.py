"""Reading bookings: which venues each person may book, the slots of a day (no booker shown to
residents), one's own bookings, the staff list and its scope, a venue's week, usage figures
exact on a small fixture."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from linli.core import scoping
from linli.core.errors import ActionError, Forbidden, NotFound
from linli.facilities import queries as q

from .bookings_fixtures import *  # noqa: F403 (the fixtures)
from .bookings_fixtures import at, book, place, tomorrow

pytestmark = pytest.mark.django_db


def _names(qs) -> set[str]:
    return {venue.name for venue in qs}


def test_who_may_book_which_venue(users, hall, meeting, town_hall, b1_room):
    assert _names(q.bookable_venues(actor=users["resident_a1"])) == {
        "社区大礼堂",
        "物业会议室",  # for organisations
        "街道文体活动室",  # the town's
    }
    assert _names(q.bookable_venues(actor=users["resident_a2"])) == {"街道文体活动室"}
    assert _names(q.bookable_venues(actor=users["worker_a1"])) == {"社区大礼堂", "物业会议室"}
    assert _names(q.bookable_venues(actor=users["town_b"])) == {"东山社区活动室"}
    assert not q.bookable_venues(actor=users["auditor"]).exists()
    assert q.booking_kinds(users["resident_a1"], hall) == ["resident", "organisation"]
    assert q.booking_kinds(users["worker_a1"], hall) == ["organisation", "staff"]
    assert q.booking_kinds(users["resident_a1"], meeting) == ["organisation"]
    hall.active = False
    hall.save()
    assert "社区大礼堂" not in _names(q.bookable_venues(actor=users["resident_a1"]))


def test_a_venue_is_found_by_those_who_book_it_or_read_its_bookings(users, hall):
    for who in ("resident_a1", "worker_a1", "county", "town_a"):
        assert q.booking_venue(actor=users[who], venue_id=hall.pk) == hall
    for who in ("resident_a2", "worker_a2", "town_b", "auditor"):
        with pytest.raises(NotFound):
            q.booking_venue(actor=users[who], venue_id=hall.pk)


def test_a_days_slots_show_free_and_taken_without_the_booker(users, hall):
    mine = book(users["resident_a1"], hall, at(tomorrow(), 9))
    theirs = book(users["worker_a1"], hall, at(tomorrow(), 14), slots=2, booker_kind="staff")
    view = q.venue_day_slots(actor=users["resident_a1"], venue_id=hall.pk, day=tomorrow())
    assert len(view.slots) == 11 and view.bookable
    states = {s.key[-5:]: s.state for s in view.slots}
    assert states["09:00"] == "mine" and states["14:00"] == "taken" and states["15:00"] == "taken"
    assert states["08:00"] == "free" and states["16:00"] == "free"
    taken = [s for s in view.slots if s.state == "taken"]
    assert all(s.booking is None for s in taken)
    assert next(s for s in view.slots if s.state == "mine").booking.pk == mine.pk
    assert {s.opening for s in view.slots} == {0, 1}
    assert view.days[0][0] == timezone.localdate() and len(view.days) == 15

    staff = q.venue_day_slots(actor=users["worker_a1"], venue_id=hall.pk, day=str(tomorrow()))
    assert staff.show_bookers
    assert {s.booking.pk for s in staff.slots if s.booking} == {mine.pk, theirs.pk}


def test_todays_slots_that_began_are_past(users, hall):
    view = q.venue_day_slots(actor=users["resident_a1"], venue_id=hall.pk)
    now = timezone.now()
    assert all((s.state == "past") == (s.starts_at <= now) for s in view.slots)


def test_residents_see_only_the_days_they_can_book(users, hall):
    far = timezone.localdate() + dt.timedelta(days=20)
    with pytest.raises(ActionError) as refused:
        q.venue_day_slots(actor=users["resident_a1"], venue_id=hall.pk, day=far)
    assert "day" in refused.value.errors
    assert not q.venue_day_slots(actor=users["worker_a1"], venue_id=hall.pk, day=far).bookable
    with pytest.raises(ActionError):
        q.venue_day_slots(actor=users["worker_a1"], venue_id=hall.pk, day="9999-12-31")
    with pytest.raises(ActionError):
        q.venue_day_slots(actor=users["worker_a1"], venue_id=hall.pk, day="31/12")


def test_my_bookings_upcoming_and_past(users, hall):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    old = place(hall, users["resident_a1"], at(yesterday, 9), at(yesterday, 10))
    coming = book(users["resident_a1"], hall, at(tomorrow(), 10))
    cancelled = book(users["resident_a1"], hall, at(tomorrow(), 11))
    from linli.facilities import actions

    actions.booking_cancel(actor=users["resident_a1"], booking_id=cancelled.pk)
    book(users["worker_a1"], hall, at(tomorrow(), 15), booker_kind="staff")
    assert [b.pk for b in q.my_bookings(actor=users["resident_a1"])] == [coming.pk]
    assert [b.pk for b in q.my_bookings(actor=users["resident_a1"], when="past")] == [
        cancelled.pk,
        old.pk,
    ]
    with pytest.raises(ActionError):
        q.my_bookings(actor=users["resident_a1"], when="soon")


def test_the_staff_list_is_scoped_filtered_and_read_in_one_query(
    users, hall, meeting, b1_room, django_assert_num_queries
):
    for hour in (8, 9, 10):
        book(users["resident_a1"], hall, at(tomorrow(), hour))
    pending = book(
        users["resident_a1"],
        meeting,
        at(tomorrow(), 9),
        booker_kind="organisation",
        organisation="读书会",
        attendees=5,
    )
    book(users["town_b"], b1_room, at(tomorrow(), 9), booker_kind="staff")
    worker = users["worker_a1"]
    assert q.booking_list(actor=worker).count() == 4
    assert list(q.booking_list(actor=worker, filters={"status": "pending"})) == [pending]
    assert q.booking_list(actor=worker, filters={"venue": hall.pk}).count() == 3
    assert q.booking_list(actor=worker, filters={"kind": "organisation"}).count() == 1
    day = tomorrow().isoformat()
    assert q.booking_list(actor=worker, filters={"date_from": day, "date_to": day}).count() == 4
    assert q.booking_list(actor=worker, filters={"date_to": str(timezone.localdate())}).count() == 0
    assert q.booking_list(actor=users["county"]).count() == 5
    assert q.booking_list(actor=users["county"], filters={"area": "220403002"}).count() == 1
    assert q.booking_list(actor=users["worker_a2"]).count() == 0
    with pytest.raises(Forbidden):
        q.booking_list(actor=users["resident_a1"])
    for bad in ({"status": "gone"}, {"venue": "x"}, {"area": "123"}, {"date_from": "soon"}):
        with pytest.raises(ActionError):
            q.booking_list(actor=worker, filters=bad)

    scoping.grants(worker)
    with django_assert_num_queries(1):
        rows = q.booking_labelled(worker, q.booking_rows(q.booking_list(actor=worker))[:25])
    assert rows[0].booker_name == "王秀兰" and rows[0].booker_phone == "139****0001"
    county_rows = q.booking_labelled(
        users["county"], q.booking_rows(q.booking_list(actor=users["county"]))
    )
    assert {r.booker_name for r in county_rows if r.booker_id == users["resident_a1"].pk} == {
        "王**"
    }
    assert q.booking_counts(actor=worker) == {"pending": 1, "to_settle": 0, "today": 0}


def test_one_booking_is_seen_by_its_booker_and_the_areas_staff(users, hall):
    booking = book(users["resident_a1"], hall, at(tomorrow(), 9))
    for who in ("resident_a1", "worker_a1", "town_a", "county"):
        assert q.booking_get(actor=users[who], booking_id=booking.pk) == booking
    for who in ("resident_a2", "worker_a2", "town_b", "grid_a1"):
        with pytest.raises(NotFound):
            q.booking_get(actor=users[who], booking_id=booking.pk)
    steps = q.booking_steps(users["worker_a1"], booking)
    assert steps == {"cancel"}
    assert q.booking_steps(users["resident_a1"], booking) == {"cancel"}
    assert q.booking_steps(users["county"], booking) == set()


def test_a_venues_week(users, hall, django_assert_num_queries):
    booking = book(users["resident_a1"], hall, at(tomorrow(), 9), slots=2)
    scoping.grants(users["worker_a1"])
    with django_assert_num_queries(2):
        week = q.venue_calendar(actor=users["worker_a1"], venue_id=hall.pk, week_start=tomorrow())
    assert week.week_start.weekday() == 0 and len(week.days) == 7
    assert [label for label, _cells in week.rows][:3] == ["08:00", "09:00", "10:00"]
    column = week.days.index(tomorrow())
    cells = dict(week.rows)
    assert cells["09:00"][column].booking.pk == booking.pk
    assert cells["10:00"][column].booking.pk == booking.pk
    assert cells["09:00"][column].booking.booker_name == "王秀兰"
    assert "12:00" not in cells  # lunch: closed every day
    with pytest.raises(Forbidden):
        q.venue_calendar(actor=users["resident_a1"], venue_id=hall.pk)
    with pytest.raises(NotFound):
        q.venue_calendar(actor=users["worker_a2"], venue_id=hall.pk)
    masked = q.venue_calendar(actor=users["county"], venue_id=hall.pk, week_start=tomorrow())
    assert dict(masked.rows)["09:00"][column].booking.booker_name == "王**"


# --- usage ------------------------------------------------------------------------------------


@pytest.fixture
def used(users, hall, meeting, town_hall, b1_room):
    """A week, 14 to 8 days ago, with bookings of every status, and one just before it."""
    first = timezone.localdate() - dt.timedelta(days=14)
    day = [first + dt.timedelta(days=n) for n in range(7)]
    who = users["resident_a1"]
    place(hall, who, at(day[0], 9), at(day[0], 11), status="checked_in")
    place(hall, who, at(day[1], 14), at(day[1], 17), status="confirmed")
    place(hall, who, at(day[2], 8), at(day[2], 9), status="no_show")
    place(hall, who, at(day[3], 19), at(day[3], 21), status="cancelled")
    place(hall, who, at(day[4], 19), at(day[4], 20), status="rejected")
    place(
        hall,
        who,
        at(first - dt.timedelta(days=1), 9),
        at(first - dt.timedelta(days=1), 10),
        status="checked_in",
    )
    place(meeting, who, at(day[0], 9), at(day[0], 10, 30), status="checked_in", kind="organisation")
    place(
        b1_room, users["town_b"], at(day[0], 9), at(day[0], 12), status="checked_in", kind="staff"
    )
    return {"from": day[0], "to": day[6]}


def test_usage_figures_are_exact(users, hall, meeting, town_hall, used):
    usage = q.venue_usage(actor=users["worker_a1"], date_from=used["from"], date_to=used["to"])
    rows = {row.venue.name: row for row in usage.rows}
    assert set(rows) == {"社区大礼堂", "物业会议室"}
    h = rows["社区大礼堂"]
    assert str(h.bookable_hours) == "77.00"  # 11 hours a day, 7 days
    assert (str(h.booked_hours), str(h.used_hours)) == ("6.00", "2.00")
    assert (h.bookings, h.checked_in, h.no_shows, h.cancelled) == (3, 1, 1, 1)
    assert (h.utilisation, h.use_rate, h.attendance) == (7.8, 2.6, 50.0)
    m = rows["物业会议室"]
    assert (str(m.bookable_hours), str(m.booked_hours)) == ("56.00", "1.50")
    assert (m.utilisation, m.attendance) == (2.7, 100.0)
    t = usage.total
    assert (str(t.bookable_hours), str(t.booked_hours), t.utilisation) == ("133.00", "7.50", 5.6)

    town = q.venue_usage(actor=users["town_a"], date_from=used["from"], date_to=used["to"])
    assert {row.venue.name for row in town.rows} == {"社区大礼堂", "物业会议室", "街道文体活动室"}
    empty = next(row for row in town.rows if row.venue.name == "街道文体活动室")
    assert (empty.utilisation, empty.attendance) == (0.0, None)
    assert town.total.utilisation == 3.6
    county = q.venue_usage(
        actor=users["county"], area_code="220403002", date_from=used["from"], date_to=used["to"]
    )
    assert [row.venue.name for row in county.rows] == ["东山社区活动室"]
    assert q.venue_usage(actor=users["worker_a2"], date_from=used["from"]).rows == []


def test_usage_periods_are_checked(users):
    with pytest.raises(Forbidden):
        q.venue_usage(actor=users["resident_a1"])
    for bad in (
        {"date_from": "2026-02-01", "date_to": "2026-01-01"},
        {"date_from": "2020-01-01", "date_to": "2022-01-01"},
        {"date_from": "0001-01-01"},
        {"date_to": "yesterday"},
        {"area_code": "abc"},
    ):
        with pytest.raises(ActionError):
            q.venue_usage(actor=users["county"], **bad)
    usage = q.venue_usage(actor=users["county"])
    assert (usage.date_to - usage.date_from).days == 29
