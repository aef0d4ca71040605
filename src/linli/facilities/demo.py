"""Service capacity in places for the demo county: facilities, venues and eight weeks of bookings.

Every community but 东风村 has a party and mass service centre (党群服务中心), sized against its
households (the registry's, as the capacity figures count them, else the reported figure): most
reach the plans' 30 m² per 100 households, 长青社区, 铁东社区, 北寿社区 and 长安村 fall short.
东兴社区 opens only half a day on Saturday and 新安社区 seven hours a day.
Most urban communities have self-service terminals and an elderly day-care centre; 长青社区 (its
centre is still being built), 铁东社区 and 北寿社区 have none. Around the centres: health
stations, children's homes, reading rooms, fitness grounds, shelters, mini fire stations,
parcel stations, civilisation practice stations; a social work station in every town but
安家街道; three centres built in the plan period count towards the new-build ratio.

Every centre has a hall (confirmed at once), a meeting room (needs approval) and an activity
room; four units of the area open a basketball court, a meeting room, a parking lot and a sports
ground. Bookings cover the last eight weeks (mostly checked in, some no-shows, cancellations and
declines) and the next two (some awaiting approval), made by the demo residents, the groups they
lead, a social organisation and community staff. Busy halls are booked about 60 % of their
hours, some rooms hardly at all. Live bookings of a venue never overlap and every booking is
whole slots inside the venue's hours.

Each facility carries the date it was recorded: the census before the records start (March 2023)
for those built earlier, its opening year for later ones (安家社区's centre in 2025; 新胜村's
centre and 灯塔镇's social work station in 2026), so that the capacity figures of past years,
read as of their 31 December, show fewer facilities than today's. Every record is older than the
bookings; centres' rooms date from their centre.

The tables, and the builder that turns them into facilities and venues, are in
:mod:`linli.facilities.demo_data`; this module places the communities, writes the rows, makes the
bookings and lists the gaps. Rows are written in bulk (with the invariants the actions keep) in
one transaction with one audit event. Deterministic for a given day (seeded). Loading again
changes nothing.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import DateTimeField, UUIDField
from django.utils import timezone

from linli.core import audit, scoping
from linli.core.areacodes import Level
from linli.core.demo import COUNTY
from linli.core.models import Area, ReportedFigure, RoleAssignment, User
from linli.core.roles import Role

from . import hours as week_hours
from .demo_data import (
    DECLINE_REASONS,
    PURPOSES,
    REGULARS,
    SOCIAL_ORGANISATION,
    TARGET_PER_100,
    UNITS,
    _Places,
)
from .models import WEEKDAYS, Booking, Facility, Venue

SEED = 61107
BATCH = 1000
COUNTY_CODE = COUNTY + "000000"
PAST_WEEKS = 8
AHEAD_DAYS = 14
BOX = (42.880, 42.920, 125.120, 125.180)  # 辽源市区: latitude and longitude bounds
Kind = Facility.Kind
Status = Booking.Status


def _local(day: dt.date, minutes: int) -> dt.datetime:
    """The moment ``minutes`` after midnight on ``day`` (1440 is the next midnight)."""
    day += dt.timedelta(days=minutes // 1440)
    return timezone.make_aware(
        dt.datetime.combine(day, dt.time(minutes % 1440 // 60, minutes % 60))
    )


def _households() -> dict[str, int]:
    """Households of each community as the capacity figures count them: the registry's where it
    has any, else the latest reported figure."""
    from django.db.models import Count

    from linli.registry.models import Household

    rows = ReportedFigure.objects.filter(
        area__code__startswith=COUNTY, kind=ReportedFigure.Kind.HOUSEHOLDS
    ).order_by("area_id", "as_of")
    found = dict(rows.values_list("area_id", "value"))  # the latest figure wins
    registry = Household.objects.filter(community__code__startswith=COUNTY)
    found.update(registry.values_list("community_id").annotate(n=Count("id")).order_by())
    return found


def _centres(communities: list[Area], rng: random.Random) -> dict[str, tuple[float, float]]:
    """Where each community lies: amid its demo buildings, else a seeded spot in the city."""
    from linli.registry.models import Building

    spots: dict[str, list[tuple[float, float]]] = defaultdict(list)
    rows = Building.objects.filter(community__in=communities, lat__isnull=False)
    for code, lat, lng in rows.values_list("community_id", "lat", "lng"):
        spots[code].append((float(lat), float(lng)))
    out = {}
    for c in communities:
        seeded = (
            rng.uniform(BOX[0] + 0.004, BOX[1] - 0.004),
            rng.uniform(BOX[2] + 0.005, BOX[3] - 0.005),
        )
        found = spots.get(c.code)
        out[c.code] = (
            tuple(sum(p[i] for p in found) / len(found) for i in (0, 1)) if found else seeded
        )
    return out


# --- bookings -------------------------------------------------------------------------------------


@dataclass
class _Who:
    user: User
    kind: str
    organisation: str
    purpose: str
    people: int


@dataclass
class _Slotted:
    """A venue being booked: how busy it gets, who books and decides, what is taken each day."""

    venue: Venue
    share: float
    residents: list[User]
    staff: list[User]
    deciders: list[User]
    regulars: list[tuple[int, int, int, _Who]] = field(default_factory=list)
    taken: dict[dt.date, list[tuple[int, int]]] = field(default_factory=lambda: defaultdict(list))


class _Bookings:
    def __init__(self, rng: random.Random, now: dt.datetime, provider: User | None):
        self.rng, self.now, self.today = rng, now, timezone.localdate(now)
        self.provider = provider
        self.rows: list[Booking] = []
        self.cache: dict[tuple[int, int], list[tuple[int, int]]] = {}

    def ranges(self, venue: Venue, weekday: int) -> list[tuple[int, int]]:
        key = (venue.pk, weekday)
        if key not in self.cache:
            name = WEEKDAYS[weekday]
            self.cache[key] = week_hours.day_ranges(venue.hours.get(name), name)
        return self.cache[key]

    def place(
        self, v: _Slotted, day: dt.date, start: int, end: int, who: _Who, status=None
    ) -> bool:
        """Book ``start``–``end`` (minutes) on ``day`` when it lies in the hours, is free, and is
        wholly past or wholly ahead (within the venue's days ahead)."""
        if not any(s <= start and end <= e for s, e in self.ranges(v.venue, day.weekday())):
            return False
        if any(start < e and s < end for s, e in v.taken[day]):
            return False
        starts, ends = _local(day, start), _local(day, end)
        latest = self.now + dt.timedelta(days=v.venue.days_ahead, hours=-1)
        if starts < self.now < ends or starts > latest:
            return False
        v.taken[day].append((start, end))
        self.rows.append(self.booking(v, starts, ends, who, status))
        return True

    def who(self, v: _Slotted) -> _Who | None:
        rng, venue = self.rng, v.venue
        roll, most = rng.random(), venue.capacity
        staff_purposes = PURPOSES["staff"].get(venue.kind)
        if (
            v.staff
            and staff_purposes
            and (roll < 0.3 or not v.residents or not venue.for_residents)
        ):
            return _Who(rng.choice(v.staff), "staff", "", rng.choice(staff_purposes),
                        rng.randint(8, max(8, most * 2 // 3)))  # fmt: skip
        if self.provider and roll > 0.975 and venue.kind in ("hall", "activity", "meeting"):
            return _Who(self.provider, "organisation", SOCIAL_ORGANISATION,
                        rng.choice(PURPOSES["organisation"]), rng.randint(10, most))  # fmt: skip
        if v.residents and venue.for_residents and venue.kind in PURPOSES["resident"]:
            return _Who(rng.choice(v.residents), "resident", "",
                        rng.choice(PURPOSES["resident"][venue.kind]), rng.randint(2, max(2, most // 2)))  # fmt: skip
        return None

    def plan_regulars(self, v: _Slotted, community: Area, lead: User | None) -> None:
        """Weekly groups of residents, on a fixed day and time; ``lead`` leads the first."""
        groups, rng, slot = REGULARS.get(v.venue.kind, []), self.rng, v.venue.slot_minutes
        wanted = 5 if v.share >= 0.5 else 2 if v.share >= 0.25 else 0
        if not groups or not wanted or not v.residents:
            return
        open_days = [i for i, d in enumerate(WEEKDAYS) if v.venue.hours.get(d)]
        for index, (group, purpose, people) in enumerate(
            rng.sample(groups, min(wanted, len(groups)))
        ):
            weekday = rng.choice(open_days)
            start, end = rng.choice(self.ranges(v.venue, weekday))
            length = min(v.venue.max_slots, max(1, 120 // slot), (end - start) // slot)
            first = start + rng.randrange((end - start) // slot - length + 1) * slot
            booker = lead if index == 0 and lead is not None else rng.choice(v.residents)
            name = f"{community.name.removesuffix('社区')}{group}"
            who = _Who(booker, "organisation", name, purpose, min(people, v.venue.capacity))
            v.regulars.append((weekday, first, first + length * slot, who))

    def booking(self, v: _Slotted, starts, ends, who: _Who, status) -> Booking:
        """One booking, its status and the times and people of what happened to it."""
        rng, now, venue = self.rng, self.now, v.venue
        longest = dt.timedelta(days=venue.days_ahead, minutes=-5)
        created = starts - min(
            dt.timedelta(hours=rng.uniform(3, 24 * min(venue.days_ahead, 9))), longest
        )
        if ends > now:  # ahead: booked in the last days, never in the future
            created = max(
                min(created, now - dt.timedelta(minutes=rng.randint(5, 600))), starts - longest
            )
        decider = rng.choice(v.deciders).pk if v.deciders else None
        row = Booking(
            venue_id=venue.pk, area_code=venue.area_code, starts_at=starts, ends_at=ends,
            booker_id=who.user.pk, booker_kind=who.kind, organisation=who.organisation,
            purpose=who.purpose, attendees=max(1, who.people), created_at=created,
            client_key=uuid.UUID(int=rng.getrandbits(128), version=4),
        )  # fmt: skip
        approval, roll = venue.approval == Venue.Approval.APPROVAL, rng.random()
        if status is None and ends <= now:
            status = (Status.REJECTED if approval and roll < 0.08 else Status.CANCELLED if roll > 0.91
                      else Status.NO_SHOW if roll > 0.84 else Status.CHECKED_IN)  # fmt: skip
        elif status is None and approval and (starts - now > dt.timedelta(days=2) or roll < 0.15):
            status = (
                Status.PENDING
                if roll < 0.7
                else Status.REJECTED
                if roll > 0.95
                else Status.CONFIRMED
            )
        elif status is None:
            status = Status.CANCELLED if roll > 0.93 else Status.CONFIRMED
        row.status = status = (
            Status.CANCELLED if status == Status.REJECTED and not decider else status
        )
        if (
            approval
            and decider
            and status != Status.PENDING
            and (status != Status.CANCELLED or roll < 0.5)
        ):
            row.decided_by_id = decider
            row.decided_at = max(
                min(created + dt.timedelta(hours=rng.uniform(0.5, 20)), starts, now), created
            )
            row.reason = rng.choice(DECLINE_REASONS) if status == Status.REJECTED else ""
        if status == Status.CANCELLED:
            row.cancelled_at = created + (min(starts, now) - created) * rng.uniform(0.2, 0.95)
            row.reason = rng.choice(["", "", "活动改期", "人数不够，活动取消", "临时有事"])
        if status == Status.CHECKED_IN:
            row.checked_in_at = starts + dt.timedelta(minutes=rng.randint(-10, 8))
            row.checked_in_by_id = decider
        return row

    def venue(self, v: _Slotted, days: list[dt.date]) -> None:
        """The venue's bookings day by day: its regular groups, then others up to how busy it
        is that day (weekends busier on sports grounds; further ahead, fewer booked yet)."""
        rng, slot, kind = self.rng, v.venue.slot_minutes, v.venue.kind
        for day in days:
            ranges = self.ranges(v.venue, day.weekday())
            if not ranges:
                continue
            for weekday, start, end, who in v.regulars:
                if weekday == day.weekday() and rng.random() < 0.92:
                    self.place(v, day, start, end, who)
            ahead = (day - self.today).days
            fade = 1.0 if ahead <= 2 else max(0.25, 1 - ahead / 16)
            weekend = day.weekday() >= 5
            share = v.share * (
                1.3 if weekend and kind == "sports" else 0.6 if weekend and kind == "meeting" else 1
            )
            want = max(0.0, min(0.95, rng.gauss(share, max(0.01, share / 4)) * fade))
            want *= sum(e - s for s, e in ranges)
            for _attempt in range(12):
                left = want - sum(e - s for s, e in v.taken[day])
                s, e = rng.choice(ranges)
                n = rng.randint(1, min(v.venue.max_slots, (e - s) // slot, max(1, 180 // slot)))
                if left <= 0 or (n * slot > left and rng.random() > left / (n * slot)):
                    break
                start = s + rng.randrange((e - s) // slot - n + 1) * slot
                who = self.who(v)
                if who is not None:
                    self.place(v, day, start, start + n * slot, who)


def _write_bookings(builder: _Places, communities: list[Area], now: dt.datetime) -> list[Booking]:
    """Bookings by resident accounts (and the groups they lead), community staff and a social
    organisation; decided and checked in by the community's staff (or the town's officers)."""
    residents, staff, officers = defaultdict(list), defaultdict(list), defaultdict(list)
    roles = (Role.RESIDENT, Role.COMMUNITY_WORKER, Role.COMMUNITY_HEAD, Role.TOWN_OFFICER)
    for ra in (
        RoleAssignment.objects.filter(
            role__in=roles, area_code__startswith=COUNTY, user__is_active=True
        )
        .select_related("user")
        .order_by("user__username", "pk")
    ):
        group = {Role.RESIDENT: residents, Role.TOWN_OFFICER: officers}.get(ra.role, staff)
        group[ra.area_code[:9] if ra.role == Role.TOWN_OFFICER else ra.area_code[:12]].append(
            ra.user
        )
    everyone = sorted({u for users in residents.values() for u in users}, key=lambda u: u.username)
    provider = User.objects.filter(username="provider", is_active=True).first()
    lead = User.objects.filter(username="resident", is_active=True).first()
    bookings = _Bookings(random.Random(SEED + 1), now, provider)
    days = [bookings.today + dt.timedelta(days=d) for d in range(-7 * PAST_WEEKS, AHEAD_DAYS + 1)]
    by_code = {c.code: c for c in communities}
    slotted = []
    for venue in Venue.objects.filter(area_code__startswith=COUNTY).order_by("area_code", "name"):
        code = venue.area_code[:12]
        own = residents.get(code, [])
        v = _Slotted(
            venue, builder.busy.get((code, venue.name), 0.1), own or everyone,
            staff.get(code, []), staff.get(code) or officers.get(code[:9]) or [],
        )  # fmt: skip
        home = lead if lead in own and venue.kind == Venue.Kind.HALL else None
        bookings.plan_regulars(v, by_code[code], home)
        slotted.append(v)
    if lead is not None:
        _scripted(bookings, slotted, lead)
    for v in slotted:
        bookings.venue(v, days)
    _insert(bookings.rows)
    return bookings.rows


def _insert(rows: list[Booking]) -> None:
    """Insert bookings as ``bulk_create`` would, in a few ``executemany`` statements: on SQLite
    ``bulk_create`` cuts them into statements of some fifty rows and prepares every value
    through its field, which costs more than making them."""
    fields = [f for f in Booking._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(Booking._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608

    def prepare(f):
        if isinstance(f, DateTimeField):
            return connection.ops.adapt_datetimefield_value
        if isinstance(f, UUIDField):
            return lambda value: f.get_db_prep_save(value, connection)
        return lambda value: value

    prepared = [(f.attname, prepare(f)) for f in fields]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(
                sql,
                [[adapt(getattr(row, name)) for name, adapt in prepared]
                 for row in rows[start : start + BATCH]],
            )  # fmt: skip


def _scripted(bookings: _Bookings, slotted: list[_Slotted], lead: User) -> None:
    """The demo resident's request for her community's meeting room next week awaits approval."""
    home = next((v for v in slotted for *_t, who in v.regulars if who.user == lead), None)
    room = next(
        (v for v in slotted if home and v.venue.area_code == home.venue.area_code
         and v.venue.approval == Venue.Approval.APPROVAL),
        None,
    )  # fmt: skip
    who = _Who(lead, "resident", "", "合唱团骨干商量新年演出安排", 8)
    for ahead in range(4, 10) if room else ():
        day = bookings.today + dt.timedelta(days=ahead)
        ranges = bookings.ranges(room.venue, day.weekday())
        if ranges and bookings.place(
            room, day, ranges[-1][0], ranges[-1][0] + 120, who, Status.PENDING
        ):
            return


def gaps() -> dict[str, list[str]]:
    """The demo county's gaps against the plans, as community codes: no centre, under 30 m² per
    100 households, open under 8 hours on some day, urban without an elderly day-care centre."""
    households = _households()
    facilities = Facility.objects.filter(area_code__startswith=COUNTY, status=Facility.Status.OPEN)
    centres = {f.area_code: f for f in facilities.filter(kind=Kind.COMPREHENSIVE)}
    day_care = set(facilities.filter(kind=Kind.DAY_CARE).values_list("area_code", flat=True))
    out: dict[str, list[str]] = {"no_centre": [], "small": [], "short_hours": [], "no_day_care": []}
    for c in Area.objects.filter(code__startswith=COUNTY, level=Level.COMMUNITY).order_by("code"):
        centre = centres.get(c.code)
        if centre is None:
            out["no_centre"].append(c.code)
        elif (
            households.get(c.code) and centre.floor_area * 100 / households[c.code] < TARGET_PER_100
        ):
            out["small"].append(c.code)
        if centre is not None and centre.min_daily_hours < 8:
            out["short_hours"].append(c.code)
        if c.urban_rural.startswith("1") and c.code not in day_care:
            out["no_day_care"].append(c.code)
    return out


def load_facilities_demo(*, now: dt.datetime | None = None) -> str:
    """Load the facilities demo (a DEMO_LOADERS entry, after the notices loader). Returns a
    summary for the console; when the county has facilities already, changes nothing."""
    if not Area.objects.filter(code=COUNTY_CODE).exists():
        return ""
    existing = Facility.objects.filter(area_code__startswith=COUNTY)
    if existing.exists():
        bookings = Booking.objects.filter(area_code__startswith=COUNTY).count()
        return f"Facilities demo: kept the {existing.count()} facilities and {bookings} bookings already loaded"
    areas = Area.objects.filter(code__startswith=COUNTY, is_demo=True).order_by("code")
    communities = list(areas.filter(level=Level.COMMUNITY))
    if not communities:
        return ""
    now, rng, households = now or timezone.now(), random.Random(SEED), _households()
    with transaction.atomic():
        at = _centres(communities, rng)
        # Every record is older than the first booking (made up to two weeks ahead).
        last_day = timezone.localdate(now) - dt.timedelta(weeks=PAST_WEEKS + 2, days=1)
        builder = _Places(rng, dates=random.Random(SEED + 2), last_day=last_day)
        for index, community in enumerate(communities):
            builder.community(
                community, households.get(community.code, 1000), at[community.code], index
            )
        for town in areas.filter(level=Level.TOWN):
            inside = [at[c.code] for c in communities if c.code.startswith(town.code[:9])] or [
                at[communities[0].code]
            ]
            builder.town(town, tuple(sum(p[i] for p in inside) / len(inside) for i in (0, 1)))
        by_code = {c.code: c for c in communities}
        for spec in UNITS:
            if spec[0] in by_code:
                builder.unit(by_code[spec[0]], spec, at[spec[0]])
        Facility.objects.bulk_create(builder.facilities, batch_size=BATCH)
        ids = {
            (area, name): pk
            for area, name, pk in existing.values_list("area_id", "name", "pk")
        }  # fmt: skip
        for venue in builder.venues:
            if venue.facility is not None:
                key = (venue.area_id, venue.facility.name)
                venue.facility, venue.facility_id = None, ids[key]
        Venue.objects.bulk_create(builder.venues, batch_size=BATCH)
        rows = _write_bookings(builder, communities, now)
        counts = {
            "facilities": len(builder.facilities),
            "centres": sum(f.kind == Kind.COMPREHENSIVE for f in builder.facilities),
            "venues": len(builder.venues),
            "bookings": len(rows),
            "upcoming": sum(b.starts_at >= now for b in rows),
            "pending": sum(b.status == Status.PENDING for b in rows),
        }
        audit.record(
            scoping.SYSTEM, "facilities.demo_load", area_code=COUNTY_CODE,
            target_type="facilities.facility", extra=counts,
        )  # fmt: skip
    found = gaps()
    names = dict(areas.values_list("code", "name"))

    def listed(key: str) -> str:
        return "、".join(names[code] for code in found[key]) or "—"

    return (
        f"Facilities demo: {counts['facilities']} facilities ({counts['centres']} service centres), "
        f"{counts['venues']} venues, {counts['bookings']} bookings over the last {PAST_WEEKS} weeks "
        f"and the next {AHEAD_DAYS} days ({counts['pending']} awaiting approval)\n"
        f"  Gaps: no centre {listed('no_centre')}; under {TARGET_PER_100} m² per 100 households "
        f"{listed('small')}; open under 8 hours {listed('short_hours')}; no day-care centre "
        f"{listed('no_day_care')}"
    )


__all__ = ["gaps", "load_facilities_demo"]
