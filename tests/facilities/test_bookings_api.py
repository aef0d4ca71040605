"""Venue bookings at /api/v1/facilities/: the same actions and queries as the pages, as JSON."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from linli.facilities.models import Booking

from .bookings_fixtures import *  # noqa: F403 (the fixtures)
from .bookings_fixtures import at, book, place, tomorrow

pytestmark = pytest.mark.django_db

API = "/api/v1/facilities"


def _get(client, path: str, **params):
    return client.get(f"{API}/{path}", params or None)


def _post(client, path: str, body=None):
    return client.post(f"{API}/{path}", body or {}, content_type="application/json")


def _body(venue, start: dt.datetime, **more) -> dict:
    data = {
        "venue_id": venue.pk,
        "starts_at": start.isoformat(),
        "slots": 1,
        "purpose": "合唱团排练",
        "attendees": 20,
        "client_key": str(uuid.uuid4()),
    }
    data.update(more)
    return data


def test_a_resident_finds_a_slot_books_it_and_cancels(login, users, hall, town_hall):
    client = login(users["resident_a1"])
    venues = _get(client, "bookable-venues").json()
    assert venues["count"] == 2
    first = next(v for v in venues["items"] if v["id"] == hall.pk)
    assert first["booker_kinds"] == ["resident", "organisation"]
    assert first["facility_name"] == "社区党群服务中心" and first["slot_minutes"] == 60

    day = _get(client, f"bookable-venues/{hall.pk}/slots", day=tomorrow().isoformat()).json()
    assert day["bookable"] and len(day["slots"]) == 11
    assert {s["state"] for s in day["slots"]} == {"free"}
    start = dt.datetime.fromisoformat(day["slots"][1]["starts_at"])

    body = _body(hall, start, slots=2)
    created = _post(client, "bookings", body)
    assert created.status_code == 201, created.json()
    booking = created.json()
    assert booking["status"] == "confirmed" and booking["booker_name"] == "王秀兰"
    assert booking["booker_phone"] == "139****0001" and booking["steps"] == ["cancel"]
    again = _post(client, "bookings", body)
    assert again.status_code == 200 and again.json()["id"] == booking["id"]

    after = _get(client, f"bookable-venues/{hall.pk}/slots", day=tomorrow().isoformat()).json()
    assert [s["state"] for s in after["slots"][1:3]] == ["mine", "mine"]
    mine = _get(client, "bookings/mine").json()
    assert [b["id"] for b in mine["items"]] == [booking["id"]]

    cancelled = _post(client, f"bookings/{booking['id']}/cancel", {"reason": ""})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert _get(client, "bookings/mine", when="past").json()["count"] == 1


def test_a_taken_slot_is_a_409_with_the_clear_message(login, users, hall):
    book(users["worker_a1"], hall, at(tomorrow(), 9), booker_kind="staff")
    response = _post(login(users["resident_a1"]), "bookings", _body(hall, at(tomorrow(), 9)))
    assert response.status_code == 409
    problem = response.json()
    assert response["Content-Type"] == "application/problem+json"
    assert problem["title"] == (
        "This time has just been booked by someone else; choose another time."
    )
    assert problem["type"].endswith("/taken")


def test_bad_input_names_the_fields(login, users, hall):
    client = login(users["resident_a1"])
    response = _post(client, "bookings", _body(hall, at(tomorrow(), 9, 30), attendees=500))
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"starts_at", "attendees"}
    unknown = _post(client, "bookings", {**_body(hall, at(tomorrow(), 9)), "colour": "red"})
    assert unknown.status_code == 422
    assert (
        _post(client, "bookings", _body(hall, at(tomorrow(), 9), booker_kind="staff")).status_code
        == 403
    )
    assert not Booking.objects.exists()


def test_staff_decide_check_in_and_read_the_week_and_usage(login, users, meeting, hall):
    request = book(
        users["resident_a1"],
        meeting,
        at(tomorrow(), 9),
        booker_kind="organisation",
        organisation="读书会",
        attendees=5,
    )
    other = book(
        users["resident_a1"],
        meeting,
        at(tomorrow(), 14),
        booker_kind="organisation",
        organisation="读书会",
        attendees=5,
    )
    client = login(users["worker_a1"])
    listed = _get(client, "bookings", status="pending").json()
    assert {b["id"] for b in listed["items"]} == {request.pk, other.pk}
    assert set(listed["items"][0]["steps"]) == {"approve", "reject", "cancel"}
    assert _post(client, f"bookings/{request.pk}/approve").json()["status"] == "confirmed"
    assert _post(client, f"bookings/{other.pk}/reject", {}).status_code == 422
    rejected = _post(client, f"bookings/{other.pk}/reject", {"reason": "已有活动"}).json()
    assert rejected["status"] == "rejected" and rejected["reason"] == "已有活动"
    early = _post(client, f"bookings/{request.pk}/check-in")
    assert early.status_code == 409

    now = timezone.now()
    here = place(
        hall, users["resident_a1"], now - dt.timedelta(minutes=5), now + dt.timedelta(minutes=55)
    )
    assert _post(client, f"bookings/{here.pk}/check-in").json()["status"] == "checked_in"
    gone = place(
        hall, users["resident_a1"], now - dt.timedelta(hours=3), now - dt.timedelta(hours=2)
    )
    assert _post(client, f"bookings/{gone.pk}/no-show").json()["status"] == "no_show"

    week = _get(client, f"venues/{meeting.pk}/calendar", week=tomorrow().isoformat()).json()
    assert len(week["days"]) == 7 and week["rows"][0]["time"] == "09:00"
    column = [dt.date.fromisoformat(d) for d in week["days"]].index(tomorrow())
    assert week["rows"][0]["cells"][column]["booking_id"] == request.pk

    usage = _get(client, "venue-usage").json()
    row = next(r for r in usage["rows"] if r["venue_id"] == hall.pk)
    assert row["checked_in"] == 1 and row["no_shows"] == 1 and row["attendance"] == 50.0
    assert usage["total"]["venue_id"] is None


def test_neighbours_and_residents_get_nothing_of_others(login, users, hall):
    booking = book(users["resident_a1"], hall, at(tomorrow(), 9))
    neighbour = login(users["worker_a2"])
    assert _get(neighbour, f"bookings/{booking.pk}").status_code == 404
    assert _get(neighbour, "bookings").json()["count"] == 0
    assert _get(neighbour, f"bookable-venues/{hall.pk}/slots").status_code == 404
    assert _post(neighbour, f"bookings/{booking.pk}/approve").status_code == 404
    resident = login(users["resident_a2"])
    assert _get(resident, "bookings").status_code == 403
    assert _get(resident, "venue-usage").status_code == 403
    assert _get(resident, f"venues/{hall.pk}/calendar").status_code == 404
    assert _get(login(users["county"]), "bookings").json()["items"][0]["booker_name"] == "王**"
