"""Fifty residents booking the same slot of the community hall at the same moment.

Creates a fresh PostgreSQL database (or uses --database-url), migrates it, creates one
community with its service centre, its hall (slots of 60 minutes, confirmed at once) and
--attempts residents, and then, --rounds times (each round a different slot):

- releases --attempts threads together (a barrier), each with its own database connection,
  each calling ``facilities.actions.booking_create`` for the same slot, as the booking page or
  the API calls it;
- counts the successes (must be exactly 1), the refusals and the message they got, and
  checks the database holds one live booking for the slot.

The figures: the wall time of a round (from the release to the last answer) and the latency
of the attempts (p50, p95, max). Budget: exactly one success, every other attempt refused with
"This time has just been booked by someone else; choose another time.", all answered within a
second.

Usage: linli bench booking_race [--attempts 50] [--rounds 5] [--database-url postgresql://…]
                                [--keep]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import emit, load_average, machine_info, summarise_latencies  # noqa: E402

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
AREAS = [
    ("220000000000", "吉林省", 1),
    ("220400000000", "四平市", 2),
    ("220403000000", "铁东区", 3),
    ("220403001000", "仙城街道", 4),
    ("220403001001", "仙城社区", 5),
]


def _database(args) -> tuple[str, str | None]:
    if args.database_url:
        return args.database_url, None
    import psycopg

    name = "linli_bench_booking_race"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return ADMIN_URL.rsplit("/", 1)[0] + "/" + name, name


def _drop(name: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def _fill(attempts: int):
    """One community, its hall, ``attempts`` residents (each with a resident role there)."""
    from linli.core import areacodes
    from linli.core.models import Area, RoleAssignment, User
    from linli.core.roles import Role
    from linli.facilities.models import Facility, Venue

    parent = None
    for code, name, level in AREAS:
        Area.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "level": level,
                "parent_id": parent,
                "prefix": areacodes.prefix_of(code),
                "urban_rural": "111" if level == 5 else "",
            },
        )
        parent = code
    community = Area.objects.get(code=AREAS[-1][0])
    centre, _ = Facility.objects.get_or_create(
        area=community,
        name="仙城社区党群服务中心",
        defaults={"area_code": community.code, "kind": "comprehensive", "floor_area": 800},
    )
    every_day = {
        day: [["08:00", "21:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    }
    hall, _ = Venue.objects.get_or_create(
        area=community,
        name="社区大礼堂",
        defaults={
            "area_code": community.code,
            "facility": centre,
            "kind": "hall",
            "capacity": 200,
            "hours": every_day,
            "slot_minutes": 60,
            "max_slots": 4,
            "days_ahead": 14,
        },
    )
    users = []
    for n in range(attempts):
        user, _ = User.objects.get_or_create(
            username=f"bench_resident_{n:03d}", defaults={"full_name": f"居民{n:03d}"}
        )
        RoleAssignment.objects.get_or_create(
            user=user, role=Role.RESIDENT, area=community, defaults={"area_code": community.code}
        )
        users.append(User.objects.get(pk=user.pk))
    return hall, users


def _round(hall, users, start: dt.datetime) -> dict:
    from django.db import connection, connections
    from django.utils import translation

    from linli.core import scoping
    from linli.core.errors import ActionError
    from linli.facilities.actions import booking_create
    from linli.facilities.models import Booking

    for user in users:
        scoping.forget(user)
    barrier = threading.Barrier(len(users) + 1)
    results: list = [None] * len(users)
    latencies: list[float] = [0.0] * len(users)

    def attempt(index: int, user) -> None:
        try:
            with translation.override("en"):
                scoping.grants(user)  # as a request would, before the race
                connection.ensure_connection()  # a server's worker holds its connection
                barrier.wait(60)
                began = time.perf_counter()
                try:
                    results[index] = booking_create(
                        actor=user,
                        venue_id=hall.pk,
                        starts_at=start,
                        slots=2,
                        purpose="合唱团排练",
                        attendees=30,
                        client_key=uuid.uuid4(),
                    )
                except ActionError as exc:
                    results[index] = exc
                latencies[index] = time.perf_counter() - began
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(i, u)) for i, u in enumerate(users)]
    for thread in threads:
        thread.start()
    barrier.wait(60)
    released = time.perf_counter()
    for thread in threads:
        thread.join(120)
    wall = time.perf_counter() - released
    wins = [r for r in results if isinstance(r, Booking)]
    refusals = [r for r in results if isinstance(r, ActionError)]
    messages = Counter(f"{r.status} {r.code}: {r.message}" for r in refusals)
    live = Booking.objects.filter(
        venue=hall,
        status__in=Booking.LIVE,
        starts_at__lt=start + dt.timedelta(hours=2),
        ends_at__gt=start,
    ).count()
    return {
        "slot": start.isoformat(),
        "attempts": len(users),
        "successes": len(wins),
        "refusals": len(refusals),
        "errors": len(users) - len(wins) - len(refusals),
        "messages": dict(messages),
        "live_bookings_for_the_slot": live,
        "wall_ms": round(wall * 1000, 1),
        "latency": summarise_latencies(latencies),
        "winner_ms": round(
            next((lat for r, lat in zip(results, latencies, strict=True) if r in wins), 0) * 1000,
            1,
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--attempts", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    url, created = _database(args)
    os.environ["LINLI_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    if connection.vendor != "postgresql":
        sys.exit("booking_race measures PostgreSQL: give a postgresql:// --database-url")
    call_command("migrate", verbosity=0)
    from django.urls import reverse

    reverse("facilities:booking", args=[1])  # a running server has its URLs loaded
    hall, users = _fill(args.attempts)
    connection.close()
    first_day = timezone.localdate() + dt.timedelta(days=1)
    rounds = []
    for n in range(args.rounds):
        day = first_day + dt.timedelta(days=n // 6)
        start = timezone.make_aware(dt.datetime.combine(day, dt.time(8 + 2 * (n % 6), 0)))
        rounds.append(_round(hall, users, start))
    median = sorted(rounds, key=lambda r: r["wall_ms"])[(len(rounds) - 1) // 2]
    emit(
        {
            "benchmark": "booking_race",
            "machine": machine_info(f"PostgreSQL {connection.pg_version // 10000}"),
            "attempts_per_round": args.attempts,
            "budget": {
                "successes": 1,
                "refusals": args.attempts - 1,
                "message": "This time has just been booked by someone else; choose another time.",
                "wall_ms": 1000,
            },
            "all_rounds_exactly_one": all(
                r["successes"] == 1 and r["live_bookings_for_the_slot"] == 1 for r in rounds
            ),
            "wall_ms_median": round(statistics.median(r["wall_ms"] for r in rounds), 1),
            "median_round": median,
            "rounds": rounds,
            "load_average": load_average(),
        }
    )
    if created and not args.keep:
        _drop(created)


if __name__ == "__main__":
    main()
