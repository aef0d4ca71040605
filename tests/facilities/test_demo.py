"""The facilities demo: a service centre in almost every community, with realistic gaps against
the plans, venues in the centres and opened by units, eight weeks of bookings and two ahead that
keep every rule the booking actions keep, and a loader that changes nothing when run again."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from django.conf import settings
from django.db.models import Min, Sum
from django.utils import timezone
from stdnum.cn import ric  # noqa: F401  (python-stdnum is a dependency the demo relies on)

from linli.appeals.demo import load_appeals_demo
from linli.core.areacodes import Level
from linli.core.demo import load_core_demo
from linli.core.models import Area, AuditEvent, ReportedFigure, User
from linli.facilities import hours as week_hours
from linli.facilities.demo import (
    AHEAD_DAYS,
    PAST_WEEKS,
    TARGET_PER_100,
    gaps,
    load_facilities_demo,
)
from linli.facilities.demo_data import CENSUS_DAYS, RECORDS_START
from linli.facilities.models import WEEKDAYS, Booking, Facility, Venue
from linli.facilities.queries.capacity import capacity_figures
from linli.registry.demo import load_registry_demo
from linli.registry.models import Household

N = 600
Kind = Facility.Kind
Status = Booking.Status


@pytest.fixture
def demo(db):
    load_core_demo()
    load_registry_demo(residents=N)
    load_appeals_demo(residents=N, appeals=30)  # resident and duty accounts who book
    started = time.perf_counter()
    out = load_facilities_demo()
    return out, time.perf_counter() - started


def test_listed_after_the_notices_loader():
    loaders = settings.DEMO_LOADERS
    assert loaders.index("linli.facilities.demo.load_facilities_demo") > loaders.index(
        "linli.notices.demo.load_notices_demo"
    )


def test_facilities_with_gaps_the_dashboards_show(demo):
    out, seconds = demo
    assert seconds < 5
    assert "facilities" in out and "Gaps" in out
    communities = Area.objects.filter(code__startswith="220403", level=Level.COMMUNITY)
    urban = {c.code for c in communities if c.urban_rural.startswith("1")}
    centres = Facility.objects.filter(kind=Kind.COMPREHENSIVE, status=Facility.Status.OPEN)
    with_centre = set(centres.values_list("area_code", flat=True))
    missing = {c.code for c in communities} - with_centre
    assert 1 <= len(missing) <= 2
    assert urban <= with_centre  # every urban community has one

    # Households as the capacity figures count them: the registry's, else the latest reported
    # figure.
    households = dict(
        ReportedFigure.objects.filter(kind="households")
        .order_by("area_id", "as_of")
        .values_list("area_id", "value")
    )
    households.update(Counter(Household.objects.values_list("community_id", flat=True)))
    per_100 = {f.area_code: f.floor_area * 100 / households[f.area_code] for f in centres}
    short = [code for code, value in per_100.items() if value < TARGET_PER_100]
    assert 2 <= len(short) <= 5 and len(per_100) - len(short) >= 10
    assert sum(f.min_daily_hours < 8 for f in centres) in (1, 2)

    day_care = set(
        Facility.objects.filter(kind=Kind.DAY_CARE, status=Facility.Status.OPEN).values_list(
            "area_code", flat=True
        )
    )
    assert 2 <= len(urban - day_care) <= 3
    terminals = {f.area_code for f in centres if f.terminals > 0}
    assert urban - terminals and len(urban & terminals) > len(urban) / 2

    assert Facility.objects.filter(kind=Kind.SOCIAL_WORK, area__level=Level.TOWN).count() == 6
    new = Facility.objects.filter(new_build=True)
    assert 2 <= new.count() <= 3
    assert all(f.residential_area and f.commercial_area > 0 for f in new)
    kinds = set(Facility.objects.values_list("kind", flat=True))
    assert kinds >= {
        Kind.HEALTH_STATION, Kind.CHILDREN_HOME, Kind.LIBRARY, Kind.FITNESS, Kind.SHELTER,
        Kind.FIRE_STATION, Kind.PARCEL_POST, Kind.ELDERLY_STATION, Kind.CIVILIZATION,
    }  # fmt: skip

    # The gaps the loader reports are the ones the data hold.
    found = gaps()
    assert found["no_centre"] == sorted(missing)
    assert sorted(found["small"]) == sorted(short)
    assert found["no_day_care"] == sorted(urban - day_care)


def test_facilities_keep_the_rules_of_the_actions(demo):
    for f in Facility.objects.select_related("area"):
        assert f.area_code == f.area.code
        assert f.area.level in (Level.COMMUNITY, Level.TOWN)
        assert 0 <= f.activity_area <= f.floor_area
        cleaned = week_hours.clean(f.hours)
        assert (cleaned.days, cleaned.open_days, cleaned.min_daily_hours) == (
            f.hours,
            f.open_days,
            f.min_daily_hours,
        )
        assert set(f.accessibility) <= set(Facility.Accessibility.values)
        if f.latitude is not None:
            assert Decimal("42.8") < f.latitude < Decimal("43.0")
            assert Decimal("125.0") < f.longitude < Decimal("125.3")
        if f.kind == Kind.COMPREHENSIVE:
            assert Decimal("0.5") <= f.activity_area / f.floor_area <= Decimal("0.7")
            assert f.address and f.year_built and f.open_days >= 5


def test_facilities_dated_as_recorded(demo):
    """Built before the records start: entered in the census before it; built since: recorded
    in the year built; every record older than the bookings of its venues."""
    now, this_year = timezone.now(), timezone.localdate().year
    census = RECORDS_START - dt.timedelta(days=CENSUS_DAYS)
    years = Counter()
    for f in Facility.objects.all():
        assert f.created_at <= f.updated_at <= now
        recorded = timezone.localdate(f.created_at)
        assert census <= recorded
        if f.status == Facility.Status.BUILDING:
            assert f.year_built is None and recorded.year >= this_year - 1
            continue
        assert f.year_built and f.year_built <= this_year
        years[f.year_built] += 1
        if f.year_built < RECORDS_START.year:
            assert recorded < RECORDS_START
        elif f.year_built < this_year:
            assert recorded.year == f.year_built
        else:  # this year's: recorded this year, or last year when loaded early in the year
            assert recorded.year >= f.year_built - 1
    assert years[2025] >= 2 and years[2026] >= 2  # some opened lately
    in_census = Facility.objects.filter(created_at__lt=timezone.make_aware(
        dt.datetime.combine(RECORDS_START, dt.time.min))).count()  # fmt: skip
    assert Facility.objects.count() / 2 < in_census < Facility.objects.count() - 10
    first = dict(
        Booking.objects.values("venue_id")
        .annotate(first=Min("created_at"))
        .values_list("venue_id", "first")
    )
    for venue in Venue.objects.select_related("facility"):
        assert venue.created_at <= first.get(venue.pk, now)
        if venue.facility is not None:
            assert venue.created_at == venue.facility.created_at


def test_past_years_show_fewer_facilities(demo):
    """The capacity figures of past years, read as of their 31 December, find the facilities
    recorded by then: 安家社区's centre and 富国街道's social work station opened in 2025,
    新胜村's centre and 灯塔镇's social work station in 2026."""
    county = User.objects.get(username="county")
    keys = ["facility_coverage", "facility_coverage_urban", "facility_coverage_rural",
            "social_work_station_coverage", "facility_area_per_100_households"]  # fmt: skip

    def figures(day):
        found = capacity_figures(actor=county, area_code="220403000000", as_of=day, keys=keys)
        return {key: (found[key].numerator, found[key].denominator) for key in keys}

    past, last, now = figures(dt.date(2024, 12, 31)), figures(dt.date(2025, 12, 31)), figures(None)
    assert [f["facility_coverage"] for f in (past, last, now)] == [(15, 18), (16, 18), (17, 18)]
    assert past["facility_coverage_urban"] == (13, 14)
    assert last["facility_coverage_urban"] == now["facility_coverage_urban"] == (14, 14)
    assert past["facility_coverage_rural"] == last["facility_coverage_rural"] == (2, 4)
    assert now["facility_coverage_rural"] == (3, 4)
    stations = [f["social_work_station_coverage"] for f in (past, last, now)]
    assert stations == [(4, 7), (5, 7), (6, 7)]
    area = [f["facility_area_per_100_households"][0] for f in (past, last, now)]
    assert 0 < area[0] < area[1] < area[2]
    # Before the records start, nothing was recorded yet.
    early = figures(RECORDS_START - dt.timedelta(days=CENSUS_DAYS + 1))
    assert early["facility_coverage"] == (0, 18)


def test_venues_in_centres_and_opened_by_units(demo):
    centres = Facility.objects.filter(kind=Kind.COMPREHENSIVE)
    for centre in centres:
        kinds = Counter(centre.venues.values_list("kind", flat=True))
        assert kinds[Venue.Kind.HALL] == 1 and kinds[Venue.Kind.MEETING] == 1
        hall = centre.venues.get(kind=Venue.Kind.HALL)
        meeting = centre.venues.get(kind=Venue.Kind.MEETING)
        assert hall.approval == Venue.Approval.INSTANT and hall.for_residents
        assert meeting.approval == Venue.Approval.APPROVAL
    units = Venue.objects.filter(facility=None)
    assert 3 <= units.count() <= 5
    assert all(v.unit_name and v.latitude for v in units)
    for venue in Venue.objects.all():
        assert venue.area_code == venue.area_id
        assert week_hours.clean(venue.hours).days == venue.hours
        for day in venue.hours:
            for start, end in week_hours.day_ranges(venue.hours[day], day):
                assert start % venue.slot_minutes == 0 and end % venue.slot_minutes == 0


def test_bookings_never_overlap_and_fit_the_venue(demo):
    now = timezone.now()
    today = timezone.localdate()
    bookings = Booking.objects.select_related("venue", "booker")
    assert bookings.count() > 500
    live = defaultdict(list)
    for b in bookings:
        venue = b.venue
        assert b.area_code == venue.area_code
        start, end = timezone.localtime(b.starts_at), timezone.localtime(b.ends_at)
        day = start.date()
        minutes = start.hour * 60 + start.minute
        length = (end - start).total_seconds() / 60
        assert length % venue.slot_minutes == 0
        assert 1 <= length / venue.slot_minutes <= venue.max_slots
        key = WEEKDAYS[day.weekday()]
        ranges = week_hours.day_ranges(venue.hours.get(key), key)
        assert any(s <= minutes and minutes + length <= e for s, e in ranges)
        assert any((minutes - s) % venue.slot_minutes == 0 for s, _e in ranges)
        assert b.created_at < b.starts_at and b.created_at <= now
        assert b.starts_at - b.created_at <= dt.timedelta(days=venue.days_ahead)
        assert today - dt.timedelta(weeks=PAST_WEEKS) <= day <= today + dt.timedelta(AHEAD_DAYS)
        assert b.attendees >= 1
        if b.ends_at <= now:
            assert b.status in (
                Status.CHECKED_IN,
                Status.NO_SHOW,
                Status.CANCELLED,
                Status.REJECTED,
            )
        else:
            assert b.starts_at >= now
            assert b.status in (Status.PENDING, Status.CONFIRMED, Status.CANCELLED, Status.REJECTED)
        if b.status == Status.PENDING:
            assert venue.approval == Venue.Approval.APPROVAL and b.decided_at is None
        if b.status == Status.REJECTED:
            assert b.decided_by and b.decided_at and b.reason
        if b.status == Status.CHECKED_IN:
            assert b.checked_in_at and b.checked_in_at <= now
        if b.status == Status.CANCELLED:
            assert b.created_at <= b.cancelled_at <= min(b.starts_at, now)
        if b.decided_at:
            assert b.created_at <= b.decided_at <= b.starts_at
        if b.booker_kind == Booking.BookerKind.ORGANISATION:
            assert b.organisation
        if b.status in Booking.LIVE:
            live[b.venue_id].append((b.starts_at, b.ends_at))
    for spans in live.values():
        spans.sort()
        for (_s1, e1), (s2, _e2) in zip(spans, spans[1:], strict=False):
            assert e1 <= s2
    assert len({(b.booker_id, b.client_key) for b in bookings}) == bookings.count()

    statuses = Counter(bookings.values_list("status", flat=True))
    assert set(statuses) == set(Status.values)
    assert statuses[Status.CHECKED_IN] > statuses[Status.NO_SHOW] + statuses[Status.CANCELLED]
    assert bookings.filter(starts_at__gt=now, status=Status.PENDING).exists()
    kinds = set(bookings.values_list("booker_kind", flat=True))
    assert kinds == set(Booking.BookerKind.values)


def test_some_venues_busy_some_nearly_empty(demo):
    now = timezone.now()
    start = now - dt.timedelta(weeks=PAST_WEEKS)
    shares = {}
    for venue in Venue.objects.all():
        open_minutes = 0
        day = timezone.localdate(start)
        while day < timezone.localdate(now):
            key = WEEKDAYS[day.weekday()]
            open_minutes += sum(e - s for s, e in week_hours.day_ranges(venue.hours.get(key), key))
            day += dt.timedelta(days=1)
        used = 0
        for b in venue.bookings.filter(
            status__in=(Status.CHECKED_IN, Status.NO_SHOW), ends_at__lte=now, starts_at__gte=start
        ):
            used += (b.ends_at - b.starts_at).total_seconds() / 60
        shares[venue.pk] = used / open_minutes if open_minutes else 0
    assert max(shares.values()) >= 0.45
    assert min(shares.values()) <= 0.05


def test_demo_resident_books(demo):
    resident = User.objects.get(username="resident")
    mine = Booking.objects.filter(booker=resident)
    assert mine.filter(status=Status.CHECKED_IN).exists()
    assert mine.filter(status=Status.PENDING, starts_at__gt=timezone.now()).exists()
    assert mine.filter(booker_kind=Booking.BookerKind.ORGANISATION).exists()


def test_loading_again_changes_nothing(demo):
    def snapshot():
        return (
            Facility.objects.count(),
            Venue.objects.count(),
            Booking.objects.count(),
            AuditEvent.objects.count(),
            Booking.objects.aggregate(n=Sum("attendees"))["n"],
        )

    first = snapshot()
    assert AuditEvent.objects.filter(action="facilities.demo_load").count() == 1
    assert "kept the" in load_facilities_demo()
    assert snapshot() == first

    # The registry can still be replaced by one of another size.
    load_registry_demo(residents=N - 100)
    assert snapshot()[:2] == first[:2]


def test_without_registry_or_appeals_it_still_loads(db):
    load_core_demo()
    out = load_facilities_demo()
    assert "facilities" in out
    assert Facility.objects.filter(kind=Kind.COMPREHENSIVE).count() >= 15
    assert Booking.objects.exists()
