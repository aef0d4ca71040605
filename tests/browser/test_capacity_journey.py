"""Booking a community room end to end (issue 6: "a resident can book the community hall from a
phone without ever being double-booked").

A resident on her phone opens "Book a room" from her home page, chooses the community hall
(多功能厅), a day and two slots in a row, says what for and for how many, checks and books,
and finds the booking in "My bookings". A neighbour who had the same page open books the same
time a moment later and is told plainly that someone else has just booked it: nothing is written
twice. The resident then cancels, and the time is free again. Every booking page passes axe-core,
also in elderly mode.

At the service desk a community worker approves a request for a room that needs approval,
checks the booker in when she arrives, sees the booking in the room's week and the room's
utilisation in the usage figures.

The staff side of issue 6 (capacity figures, the gap finder, training) is in
test_capacity_staff_journey.py.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from playwright.sync_api import expect

from linli.core.roles import Role
from linli.core.scoping import SYSTEM
from linli.facilities.actions import bookings as booking_actions
from linli.facilities.actions.facilities import facility_save
from linli.facilities.actions.venues import venue_save
from linli.facilities.models import Booking
from tests.conftest import make_area, make_user

from .conftest import log_in
from .test_accessibility import assert_accessible

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}
EVERY_DAY = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def week(*ranges) -> dict:
    return {day: [list(r) for r in ranges] for day in EVERY_DAY}


def build_booking_world() -> dict:
    """仙城社区 with its service centre: the community hall (多功能厅, booked at once, slots of an
    hour, 08:00-12:00 and 14:00-21:00) and a meeting room that needs approval (slots of a
    quarter of an hour at any time of day, so a booking can start within half an hour whenever
    the test runs). Two residents and the community worker at the desk."""
    make_area("220403", "西安区")
    make_area("220403001", "仙城街道")
    a1 = make_area("220403001001", "仙城社区", "111")
    centre = facility_save(
        actor=SYSTEM,
        area_code=a1.code,
        name="仙城社区党群服务中心",
        kind="comprehensive",
        floor_area="800",
        hours=week(("08:00", "18:00")),
    )
    hall = venue_save(
        actor=SYSTEM,
        facility_id=centre.pk,
        name="多功能厅",
        kind="hall",
        capacity=80,
        hours=week(("08:00", "12:00"), ("14:00", "21:00")),
        slot_minutes=60,
        max_slots=3,
        days_ahead=14,
        approval="instant",
    )
    meeting = venue_save(
        actor=SYSTEM,
        facility_id=centre.pk,
        name="二楼会议室",
        kind="meeting",
        capacity=20,
        hours=week(("00:00", "24:00")),
        slot_minutes=15,
        max_slots=8,
        days_ahead=14,
        approval="approval",
    )
    return {
        "a1": a1,
        "centre": centre,
        "hall": hall,
        "meeting": meeting,
        "wang": make_user(
            "resident_a1", Role.RESIDENT, a1, phone="13900000001", full_name="王秀兰"
        ),
        "li": make_user("resident_a1b", Role.RESIDENT, a1, phone="13900000002", full_name="李桂芳"),
        "worker": make_user("worker_a1", Role.COMMUNITY_WORKER, a1, full_name="陈社工"),
    }


@pytest.fixture
def world(transactional_db):
    return build_booking_world()


def zh(text) -> str:
    """A message as the site shows it (in Chinese when translated, else as written)."""
    with translation.override("zh-hans"):
        return str(text)


def fits_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url


def page_errors(page) -> list[str]:
    """Script and console errors, less the 409 status of the refused booking (a page, not an
    error: the browser logs any 4xx answer)."""
    return [e for e in page.js_errors if "status of 409" not in e]


def second_page(browser, live_server):
    """A page in another browser (its own cookies): the neighbour's phone."""
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport=PHONE)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    page.on(
        "console",
        lambda message: (
            errors.append(f"console: {message.text}") if message.type == "error" else None
        ),
    )
    page.js_errors = errors  # type: ignore[attr-defined]
    return page


def slot_key(day: dt.date, hour: int) -> str:
    return f"{day:%Y-%m-%d}T{hour:02d}:00"


def choose_time(page, key: str, slots: str, *, purpose: str, attendees: str) -> None:
    """Tap a free slot's button, the length, and fill in what for and how many."""
    form = page.locator("[data-testid=book-form]")
    form.locator("label.bk-slot", has=page.locator(f"input[value='{key}']")).click()
    expect(form.locator(f"input[name=start][value='{key}']")).to_be_checked()
    form.locator("select[name=slots]").select_option(slots)
    form.locator("input[name=purpose]").fill(purpose)
    form.locator("input[name=attendees]").fill(attendees)


def live_at(venue, start: dt.datetime, end: dt.datetime):
    return Booking.objects.filter(
        venue=venue, status__in=Booking.LIVE, starts_at__lt=end, ends_at__gt=start
    )


def test_a_resident_books_the_hall_on_her_phone_and_is_never_double_booked(
    browser_page, _browser, live_server, world
):
    page = browser_page
    page.set_viewport_size(PHONE)
    hall = world["hall"]
    day = timezone.localdate() + dt.timedelta(days=1)
    key = slot_key(day, 9)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(9)))
    end = start + dt.timedelta(hours=2)
    venue_url = reverse("facilities:book_venue", args=[hall.pk])

    # Her home page offers to book a room; the list shows what her community opens.
    log_in(page, "13900000001")
    home_block = page.locator("[data-testid=home-bookings]")
    expect(home_block).to_be_visible()
    home_block.locator(f"a[href='{reverse('facilities:book')}']").click()
    expect(page).to_have_url(re.compile(rf"{reverse('facilities:book')}$"))
    venues = page.locator("[data-testid=bookable-venues]")
    expect(venues.locator("li.bk-venue")).to_have_count(2)
    card = venues.locator(f"li[data-venue='{hall.pk}']")
    expect(card.locator("h2")).to_have_text("多功能厅")
    fits_phone(page)
    assert_accessible(page, "the rooms to book, on a phone")

    # The neighbour opens the same page on her own phone, in large text, and picks the same
    # time — she has not sent it yet.
    other = second_page(_browser, live_server)
    try:
        log_in(other, "13900000002")
        other.locator("[data-testid=elderly-toggle]").click()
        expect(other.locator("html.elderly")).to_have_count(1)
        other.goto(f"{venue_url}?day={day:%Y-%m-%d}")
        expect(other.locator(f"input[name=start][value='{key}']")).to_have_count(1)
        assert_accessible(other, "a room's free times (elderly mode)")
        fits_phone(other)
        choose_time(other, key, "2", purpose="舞蹈队排练", attendees="15")

        # She chooses the hall, tomorrow, 09:00 for two hours.
        card.locator(f"a[href='{venue_url}']").click()
        expect(page).to_have_url(re.compile(rf"{venue_url}$"))
        expect(page.locator("h1")).to_have_text("多功能厅")
        page.locator(f"[data-testid=day-picker] a[href='?day={day:%Y-%m-%d}']").click()
        expect(page.locator("[data-testid=day-picker] a[aria-current=date]")).to_have_attribute(
            "href", f"?day={day:%Y-%m-%d}"
        )
        choose_time(page, key, "2", purpose="合唱团排练", attendees="20")
        expect(page.locator(".bk-slots .in-range")).to_have_count(2)  # the range chosen
        fits_phone(page)
        assert_accessible(page, "a room's free times, a time chosen")
        page.locator("[data-testid=book-continue]").click()

        # The check step: nothing is booked yet.
        summary = page.locator("[data-testid=booking-summary]")
        expect(summary).to_contain_text("09:00–11:00")
        expect(summary).to_contain_text("合唱团排练")
        expect(summary).to_contain_text("多功能厅")
        assert not Booking.objects.exists()
        fits_phone(page)
        assert_accessible(page, "the booking's check step")
        page.locator("[data-testid=book-confirm]").click()

        # Booked: the success page and "My bookings".
        expect(page).to_have_url(re.compile(r"/facilities/bookings/\d+/done/$"))
        booking = Booking.objects.get()
        assert booking.booker_id == world["wang"].pk and booking.status == "confirmed"
        assert (booking.starts_at, booking.ends_at) == (start, end)
        assert (booking.purpose, booking.attendees) == ("合唱团排练", 20)
        done = page.locator("[data-testid=booking-done]")
        expect(done).to_contain_text("09:00–11:00")
        expect(done).to_contain_text(str(booking.pk))
        fits_phone(page)
        assert_accessible(page, "the booking's success page")
        done_url = page.url
        page.locator(f"main a[href='{reverse('facilities:my_bookings')}']").first.click()
        mine = page.locator(f"[data-testid=upcoming] li[data-booking='{booking.pk}']")
        expect(mine).to_contain_text("多功能厅")
        expect(mine).to_contain_text(f"{day:%Y-%m-%d}")
        expect(mine.locator(".badge.ok")).to_have_count(1)
        fits_phone(page)
        assert_accessible(page, "my bookings")

        # The neighbour sends the time she picked: told clearly, and nothing is written.
        other.locator("[data-testid=book-continue]").click()
        expect(other.locator("[data-testid=booking-summary]")).to_contain_text("09:00–11:00")
        assert_accessible(other, "the booking's check step (elderly mode)")
        with other.expect_response(lambda r: r.request.method == "POST") as answer:
            other.locator("[data-testid=book-confirm]").click()
        assert answer.value.status == 409
        alert = other.locator("[data-testid=book-form] .form-error[role=alert]")
        expect(alert).to_have_text(zh(booking_actions.TAKEN))
        expect(other).to_have_url(re.compile(rf"{venue_url}$"))
        # The time now shows as taken (no button to choose it), and her entries are kept.
        expect(other.locator(f"input[name=start][value='{key}']")).to_have_count(0)
        expect(other.locator(".bk-slot.taken").first).to_contain_text("09:00")
        expect(other.locator("input[name=purpose]")).to_have_value("舞蹈队排练")
        assert live_at(hall, start, end).count() == 1
        assert not Booking.objects.filter(booker=world["li"]).exists()
        assert_accessible(other, "a booking refused as taken (elderly mode)")
        fits_phone(other)

        # She cancels: the booking moves to "earlier and cancelled" and the time is free.
        page.goto(reverse("facilities:my_bookings"))
        page.once("dialog", lambda dialog: dialog.accept())
        page.locator(f"[data-testid=cancel-{booking.pk}]").click()
        expect(page.locator(".messages .message.success")).to_have_count(1)
        expect(page).to_have_url(re.compile(rf"{reverse('facilities:my_bookings')}$"))
        expect(page.locator("[data-testid=upcoming]")).to_have_count(0)
        expect(page.locator("[data-testid=past]")).to_contain_text("多功能厅")
        booking.refresh_from_db()
        assert booking.status == "cancelled" and booking.cancelled_at is not None
        assert live_at(hall, start, end).count() == 0
        other.goto(f"{venue_url}?day={day:%Y-%m-%d}")
        expect(other.locator(f"input[name=start][value='{key}']")).to_have_count(1)

        # The elderly view holds for the pages she reads again.
        page.locator("[data-testid=elderly-toggle]").click()
        expect(page.locator("html.elderly")).to_have_count(1)
        for url in (reverse("facilities:book"), f"{venue_url}?day={day:%Y-%m-%d}", done_url):
            page.goto(url)
            expect(page.locator("h1")).to_have_count(1)
            fits_phone(page)
            assert_accessible(page, f"{url} (elderly mode)")
        page.goto(reverse("facilities:my_bookings"))
        assert_accessible(page, "my bookings (elderly mode)")
        assert page_errors(page) == []
        assert page_errors(other) == []
    finally:
        other.context.close()


def _soon() -> dt.datetime:
    """The next quarter hour at least five minutes from now: a booking made now can still be
    approved before it starts, and checked in at once (check-in opens 30 minutes before)."""
    moment = timezone.localtime() + dt.timedelta(minutes=5)
    moment = moment.replace(second=0, microsecond=0)
    return moment + dt.timedelta(minutes=(15 - moment.minute % 15) % 15)


def test_the_desk_approves_a_request_checks_the_booker_in_and_sees_the_use(browser_page, world):
    page = browser_page
    page.set_viewport_size(DESK)
    meeting, worker = world["meeting"], world["worker"]
    start = _soon()
    request = booking_actions.booking_create(
        actor=world["wang"],
        venue_id=meeting.pk,
        starts_at=start,
        slots=1,
        purpose="楼道议事会",
        attendees=8,
        client_key="6f0c4a52-2f0e-4a8e-9c1b-0d5b7f1e2a10",
    )
    assert request.status == "pending"

    # The desk's home counts one request waiting; it opens the queue.
    log_in(page, "worker_a1")
    queue = page.locator("[data-testid=home-booking-queue]")
    waiting = queue.locator("a[href$='status=pending']")
    expect(waiting).to_have_text("1")
    waiting.click()
    expect(page).to_have_url(re.compile(r"/facilities/bookings/\?status=pending$"))
    row = page.locator(f"[data-testid=booking-list] li[data-booking='{request.pk}']")
    expect(row).to_contain_text("二楼会议室")
    expect(row.locator(".bk-who")).to_contain_text("王秀兰")  # in full for the desk
    expect(row).to_contain_text("楼道议事会")
    expect(row.locator(".badge.warn")).to_have_count(1)
    assert_accessible(page, "the bookings queue")

    row.locator(f"[data-testid=approve-{request.pk}]").click()
    expect(page.locator(".messages .message.success")).to_have_count(1)
    expect(page.locator(f"li[data-booking='{request.pk}']")).to_have_count(0)  # no longer waits
    request.refresh_from_db()
    assert request.status == "confirmed" and request.decided_by_id == worker.pk

    # She arrives: the live bookings list offers the check-in.
    page.locator("#f-status").select_option("live")
    page.locator("form.filters button[type=submit]").click()
    row = page.locator(f"li[data-booking='{request.pk}']")
    check_in = row.locator(f"[data-testid=check-in-{request.pk}]")
    expect(check_in).to_be_visible()
    check_in.click()
    expect(page.locator(".messages .message.success")).to_have_count(1)
    request.refresh_from_db()
    assert request.status == "checked_in" and request.checked_in_by_id == worker.pk
    expect(page.locator(f"[data-testid=check-in-{request.pk}]")).to_have_count(0)

    # The room's week shows who holds the time, checked in.
    page.locator(f"li[data-booking='{request.pk}'] a[href*='/calendar/']").click()
    expect(page).to_have_url(re.compile(rf"/facilities/venues/{meeting.pk}/calendar/\?week="))
    held = f"td.bk-cell.checked_in a[href='/facilities/bookings/{request.pk}/']"
    cell = page.locator(f"[data-testid=calendar] {held}")
    expect(cell).to_have_count(1)
    expect(cell).to_contain_text("王秀兰")
    time_row = page.locator("[data-testid=calendar] tbody tr", has=page.locator(held))
    expect(time_row.locator("th")).to_have_text(f"{start:%H:%M}")
    assert_accessible(page, "a room's week")

    # Usage on that day: a quarter hour booked of the 24 hours the room can be booked.
    page.locator(".breadcrumbs a[href='/facilities/bookings/']").click()
    page.locator("main a[href='/facilities/usage/']").first.click()
    expect(page).to_have_url(re.compile(r"/facilities/usage/$"))
    page.locator("#u-from").fill(f"{start:%Y-%m-%d}")
    page.locator("#u-to").fill(f"{start:%Y-%m-%d}")
    page.locator("form.filters button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/facilities/usage/\?"))
    expect(page.locator(f"[data-testid=utilisation-{meeting.pk}]")).to_have_text("1.0%")
    expect(page.locator(f"[data-testid=utilisation-{world['hall'].pk}]")).to_have_text("0.0%")
    used = page.locator(f"[data-testid=usage-table] tr[data-venue='{meeting.pk}'] td")
    expect(used.nth(1)).to_have_text("24.00")  # hours bookable
    expect(used.nth(2)).to_have_text("0.25")  # hours booked
    expect(used.nth(3)).to_have_text("0.25")  # hours used (checked in)
    expect(page.locator(".bk-chart canvas, .bk-chart svg").first).to_be_attached()
    assert_accessible(page, "the usage figures")
    assert page.js_errors == []
