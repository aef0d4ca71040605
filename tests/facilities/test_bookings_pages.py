"""The booking pages: a resident books the hall on the phone page (choose a day and a slot,
confirm, done), sees it in "My bookings" and cancels it; staff approve, decline, check in and
mark no-shows from their list; a venue's week; usage figures; the home blocks."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from linli.facilities.models import Booking

from .bookings_fixtures import *  # noqa: F403 (the fixtures)
from .bookings_fixtures import at, book, place, tomorrow

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return response.content.decode()


def _key(page: str) -> str:
    return re.search(r'name="client_key" value="([0-9a-f-]{36})"', page).group(1)


def _form(page_key: str, start: dt.datetime, **more) -> dict:
    data = {
        "start": timezone.localtime(start).strftime("%Y-%m-%dT%H:%M"),
        "slots": "1",
        "booker_kind": "resident",
        "organisation": "",
        "purpose": "合唱团排练",
        "attendees": "20",
        "client_key": page_key,
    }
    data.update(more)
    return data


def test_a_resident_books_on_the_phone_page_sees_it_and_cancels(login, users, hall):
    client = login(users["resident_a1"])
    listing = client.get(reverse("facilities:book"))
    assert listing.status_code == 200 and "社区大礼堂" in _text(listing)

    url = reverse("facilities:book_venue", args=[hall.pk])
    page = client.get(url, {"day": tomorrow().isoformat()})
    assert page.status_code == 200
    body = _text(page)
    start = at(tomorrow(), 9)
    assert f'value="{timezone.localtime(start):%Y-%m-%dT%H:%M}"' in body  # a slot button
    assert 'data-testid="day-picker"' in body and "booking.js" in body
    key = _key(body)

    confirm = client.post(url, _form(key, start, slots="2"))
    assert confirm.status_code == 200 and "Check your booking" in _text(confirm)
    assert "09:00–11:00" in _text(confirm) and not Booking.objects.exists()

    done = client.post(url, {**_form(key, start, slots="2"), "confirm": "1"})
    booking = Booking.objects.get()
    assert done.status_code == 302
    assert done["Location"] == reverse("facilities:booking_done", args=[booking.pk])
    assert booking.status == "confirmed" and booking.ends_at == at(tomorrow(), 11)
    assert "Booked" in _text(client.get(done["Location"]))

    # The same form sent again (a double tap, a retry) books once.
    again = client.post(url, {**_form(key, start, slots="2"), "confirm": "1"})
    assert again["Location"] == done["Location"] and Booking.objects.count() == 1

    mine = client.get(reverse("facilities:my_bookings"))
    assert mine.status_code == 200 and f'data-booking="{booking.pk}"' in _text(mine)
    cancel = client.post(
        reverse("facilities:booking_cancel", args=[booking.pk]),
        {"next": reverse("facilities:my_bookings")},
    )
    assert cancel.status_code == 302 and cancel["Location"] == reverse("facilities:my_bookings")
    booking.refresh_from_db()
    assert booking.status == "cancelled"
    after = _text(client.get(reverse("facilities:my_bookings")))
    assert "The booking is cancelled." in after and "No bookings coming up." in after


def test_the_change_button_brings_the_choices_back(login, users, hall):
    client = login(users["resident_a1"])
    url = reverse("facilities:book_venue", args=[hall.pk])
    key = _key(_text(client.get(url, {"day": tomorrow().isoformat()})))
    page = client.post(url, {**_form(key, at(tomorrow(), 10), purpose="读书会"), "edit": "1"})
    body = _text(page)
    assert page.status_code == 200 and 'value="读书会"' in body and key in body
    assert re.search(r'value="[^"]*T10:00"[^>]*checked', body)


def test_a_time_taken_meanwhile_is_answered_with_the_clear_message(login, users, hall):
    client = login(users["resident_a1"])
    url = reverse("facilities:book_venue", args=[hall.pk])
    key = _key(_text(client.get(url, {"day": tomorrow().isoformat()})))
    book(users["worker_a1"], hall, at(tomorrow(), 9), booker_kind="staff")
    response = client.post(url, {**_form(key, at(tomorrow(), 9)), "confirm": "1"})
    assert response.status_code == 409
    assert "This time has just been booked by someone else; choose another time." in _text(response)
    assert Booking.objects.count() == 1


def test_bad_choices_are_shown_on_the_page(login, users, hall):
    client = login(users["resident_a1"])
    url = reverse("facilities:book_venue", args=[hall.pk])
    key = _key(_text(client.get(url)))
    misaligned = client.post(url, _form(key, at(tomorrow(), 9, 30)))
    assert misaligned.status_code == 400 and "choose a slot&#x27;s start" in _text(misaligned)
    crowded = client.post(url, _form(key, at(tomorrow(), 9), attendees="500"))
    assert crowded.status_code == 400 and "holds at most 80 people" in _text(crowded)
    nothing = client.post(url, {**_form(key, at(tomorrow(), 9)), "start": ""})
    assert nothing.status_code == 400 and "Choose a time." in _text(nothing)
    far = client.get(url, {"day": "2999-01-01"})
    assert far.status_code == 400 and 'data-testid="page-error"' in _text(far)
    assert not Booking.objects.exists()


def test_venues_of_others_are_not_found(login, users, hall):
    client = login(users["resident_a2"])
    assert client.get(reverse("facilities:book_venue", args=[hall.pk])).status_code == 404
    booking = book(users["resident_a1"], hall, at(tomorrow(), 9))
    assert client.get(reverse("facilities:booking", args=[booking.pk])).status_code == 404
    cancel = client.post(reverse("facilities:booking_cancel", args=[booking.pk]))
    assert cancel.status_code == 404
    assert client.get(reverse("facilities:bookings")).status_code == 403
    assert client.get(reverse("facilities:usage")).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client, hall):
    response = client.get(reverse("facilities:book"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_staff_approve_and_decline_from_the_list(login, users, meeting):
    first = book(
        users["resident_a1"],
        meeting,
        at(tomorrow(), 9),
        booker_kind="organisation",
        organisation="读书会",
        attendees=5,
    )
    second = book(
        users["resident_a1"],
        meeting,
        at(tomorrow(), 14),
        booker_kind="organisation",
        organisation="读书会",
        attendees=5,
    )
    client = login(users["worker_a1"])
    listing = client.get(reverse("facilities:bookings"))
    body = _text(listing)
    assert listing.status_code == 200
    assert f'data-testid="approve-{first.pk}"' in body and "王秀兰" in body
    assert "139****0001" in body and "13900000001" not in body
    back = reverse("facilities:bookings") + "?status=pending"
    approved = client.post(reverse("facilities:booking_approve", args=[first.pk]), {"next": back})
    assert approved.status_code == 302 and approved["Location"] == back
    unsaid = client.post(reverse("facilities:booking_reject", args=[second.pk]), {"next": back})
    assert unsaid.status_code == 302
    second.refresh_from_db()
    assert second.status == "pending"
    assert "Please fill this in." in _text(client.get(back))
    client.post(
        reverse("facilities:booking_reject", args=[second.pk]), {"reason": "已有活动", "next": back}
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("confirmed", "rejected")
    # A foreign address in "next" is not followed.
    away = client.post(
        reverse("facilities:booking_cancel", args=[first.pk]),
        {"reason": "停电", "next": "https://example.com/"},
    )
    assert away["Location"] == reverse("facilities:booking", args=[first.pk])
    filtered = client.get(reverse("facilities:bookings"), {"status": "all", "venue": meeting.pk})
    assert filtered.status_code == 200 and "已有活动" in _text(filtered)
    bad = client.get(reverse("facilities:bookings"), {"area": "abc"})
    assert bad.status_code == 400


def test_staff_check_in_and_mark_no_shows(login, users, hall):
    now = timezone.now()
    here = place(
        hall, users["resident_a1"], now - dt.timedelta(minutes=10), now + dt.timedelta(minutes=50)
    )
    gone = place(
        hall, users["resident_a1"], now - dt.timedelta(hours=3), now - dt.timedelta(hours=2)
    )
    client = login(users["worker_a1"])
    settle = _text(client.get(reverse("facilities:bookings"), {"status": "to_settle"}))
    assert f'data-booking="{gone.pk}"' in settle and f'data-booking="{here.pk}"' not in settle
    detail = _text(client.get(reverse("facilities:booking", args=[here.pk])))
    assert f'data-testid="check-in-{here.pk}"' in detail
    client.post(reverse("facilities:booking_check_in", args=[here.pk]))
    client.post(reverse("facilities:booking_no_show", args=[gone.pk]))
    here.refresh_from_db()
    gone.refresh_from_db()
    assert (here.status, gone.status) == ("checked_in", "no_show")
    again = client.post(reverse("facilities:booking_no_show", args=[gone.pk]), follow=True)
    assert "This booking is recorded as not come." in _text(again)


def test_a_venues_week_page(login, users, hall):
    booking = book(users["resident_a1"], hall, at(tomorrow(), 9))
    url = reverse("facilities:venue_calendar", args=[hall.pk])
    page = login(users["worker_a1"]).get(url, {"week": tomorrow().isoformat()})
    assert page.status_code == 200
    assert reverse("facilities:booking", args=[booking.pk]) in _text(page)
    assert login(users["worker_a1"]).get(url, {"week": "nope"}).status_code == 400
    assert login(users["resident_a1"]).get(url).status_code == 403
    assert login(users["worker_a2"]).get(url).status_code == 404


def test_the_usage_page_has_the_chart_and_the_table(login, users, hall):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    place(hall, users["resident_a1"], at(yesterday, 9), at(yesterday, 11), status="checked_in")
    page = login(users["town_a"]).get(reverse("facilities:usage"))
    body = _text(page)
    assert page.status_code == 200
    assert 'data-chart="usage"' in body and 'id="usage-data"' in body and "charts.js" in body
    assert f'data-testid="utilisation-{hall.pk}"' in body
    bad = login(users["town_a"]).get(reverse("facilities:usage"), {"from": "2026-13-01"})
    assert bad.status_code == 400


def test_the_home_pages_show_bookings(login, users, hall):
    book(users["resident_a1"], hall, at(tomorrow(), 9))
    home = _text(login(users["resident_a1"]).get("/"))
    assert 'data-testid="home-bookings"' in home and "社区大礼堂" in home
    staff = _text(login(users["worker_a1"]).get("/"))
    assert 'data-testid="home-booking-queue"' in staff
    neighbour = _text(login(users["resident_a2"]).get("/"))
    assert 'data-testid="home-bookings"' not in neighbour  # nothing to book in A2 or its town
