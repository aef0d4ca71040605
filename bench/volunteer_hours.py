"""Recomputing the hours and star levels of 100,000 volunteers from 1,000,000 service records,
on PostgreSQL; and reading one volunteer's "my hours".

Creates a fresh PostgreSQL database (``linli_bench_volunteer_hours`` on ``--server``, default
``postgresql://postgres@127.0.0.1:5432``), migrates it and fills it with COPY: the county
220403 with ``--towns`` (10) × ``--communities`` (10) communities, a volunteer station in each,
``--volunteers`` (100,000) volunteers spread over them and about ``--records`` (10) service
records each on average (0 to twice that, so some volunteers have none and a few reach a star
level), hours of 0.5 to 4 in half hours, 2 % of the records corrected by a new entry taking
half an hour off. Before each timed run of a full recompute every total is set back to zero
(and the table vacuumed), so every row is written.

Then, ``--runs`` times each (default 5) after a warm-up, medians and p95:

- ``refresh_totals_all``: ``volunteers.actions._common.refresh_totals()`` over every volunteer
  (one UPDATE statement summing the records in one pass and writing only the totals that
  differ: here every one) — budget 5 s; the totals are checked against a plain SUM afterwards
  (``mismatches`` must be 0); ``hot_updates_pct`` is the share of rows PostgreSQL rewrote in
  place (heap-only tuples, no index entry written);
- ``recompute_county``: the county officer's recompute task (``refresh_scope`` under the
  county's prefix, the same statement), what ``totals/recompute`` runs in the background, with
  every total wrong before each run; and ``recompute_county_nothing_changed``, the same when
  every total is right already;
- ``refresh_one_activity``: ``refresh_totals`` of 30 volunteers whose totals are wrong (as
  they are once an activity's hours are recorded), what recording one activity's hours adds to
  the write;
- ``my_hours``: the "my hours" page's reads for the volunteer with the most records (the
  summary, the first page of 25 records with their corrections, the latest ledger lines and the
  offers), as a fresh request.

The database is dropped at the end unless ``--keep``; ``--reuse`` times the database a
``--keep`` run left, without loading it again. The machine may be shared: the load average
before and after is reported.

Usage: linli bench volunteer_hours [--runs 5] [--keep] [--reuse]
                                   [--server postgresql://postgres@127.0.0.1:5432]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _care_data  # noqa: E402
from _common import emit, load_average, machine_info, percentile  # noqa: E402

DATABASE = "linli_bench_volunteer_hours"
COUNTY = _care_data.COUNTY
BUDGET_MS = 5000.0
CORRECTED = 0.02
ACTIVITY_SIZE = 30
SURNAMES = _care_data.SURNAMES
GIVEN = _care_data.GIVEN

ORG_COLUMNS = "id, area_id, area_code, name, kind, credit_code, contact_name, active, created_at"
VOLUNTEER_COLUMNS = (
    "id, area_id, area_code, number, organisation_id, name, skills, languages, availability, "
    "service_areas, party_member, status, source, consent_at, consent_version, hours_total, "
    "star, points_balance, is_demo, created_at, updated_at"
)
RECORD_COLUMNS = (
    "id, volunteer_id, area_code, organisation_id, kind, corrects_id, activity_name, served_on, "
    "place, beneficiaries, content, hours, quality, leader_name, recorder_id, recorder_name, "
    "reason, recorded_at"
)
POINTS_COLUMNS = "volunteer_id, area_code, kind, delta, balance, record_id, note, client_key, at"
ACTIVITIES = ("独居老人助餐送餐", "社区环境清扫", "义诊服务", "文明交通劝导", "四点半课堂")


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--towns", type=int, default=10)
    parser.add_argument("--communities", type=int, default=10)
    parser.add_argument("--volunteers", type=int, default=100_000)
    parser.add_argument("--records", type=int, default=10, help="per volunteer, on average")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    parser.add_argument(
        "--reuse", action="store_true", help="time the database a --keep run left (no loading)"
    )
    parser.add_argument("--seed", type=int, default=20261124)
    args = parser.parse_args()
    if args.runs < 3 or args.volunteers < 100 or not 1 <= args.records <= 100:
        parser.error("--runs ≥ 3, --volunteers ≥ 100, 1 ≤ --records ≤ 100")
    if not 1 <= args.towns <= 99 or not 1 <= args.communities <= 999:
        parser.error("1 ≤ --towns ≤ 99, 1 ≤ --communities ≤ 999")
    return args


# --- data --------------------------------------------------------------------------------------


def fill(args) -> dict:
    """Areas, stations, volunteers and their records (COPY); the bench accounts."""
    from django.db import transaction
    from django.utils import timezone

    from linli.core.roles import Role

    _care_data.build_county(args.towns, args.communities, 0)
    communities = [
        f"220403{t:03d}{c:03d}"
        for t in range(1, args.towns + 1)
        for c in range(1, args.communities + 1)
    ]
    recorder = _care_data.officer(Role.COMMUNITY_WORKER, communities[0], "bench_recorder")
    rng = random.Random(args.seed)
    now = timezone.now()
    today = timezone.localdate()
    stations = [
        (n, code, code, f"社区{code[-6:]}志愿服务站", "station", "", "", True, now)
        for n, code in enumerate(communities, start=1)
    ]

    def volunteers():
        for vid in range(1, args.volunteers + 1):
            org = (vid - 1) % len(communities) + 1
            code = communities[org - 1]
            name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
            yield (
                vid, code, code, f"B{vid:09d}", org, name, '["elderly_care"]', "[]", "[]",
                "[]", vid % 7 == 0, "active", "staff", now, "2026-1", 0, 0, 0, False, now, now,
            )  # fmt: skip

    counts = {"records": 0, "corrections": 0}

    def records():
        rid = 0
        for vid in range(1, args.volunteers + 1):
            org = (vid - 1) % len(communities) + 1
            code = communities[org - 1]
            for _ in range(rng.randint(0, 2 * args.records)):
                rid += 1
                hours = rng.randint(1, 8) / 2
                served = today - dt.timedelta(days=rng.randint(1, 1500))
                activity = rng.choice(ACTIVITIES)
                counts["records"] += 1
                yield (
                    rid, vid, code, org, "service", None, activity, served, "社区服务站", "社区居民",
                    "志愿服务", hours, "good", "赵队长", recorder.pk, "bench_recorder", "", now,
                )  # fmt: skip
                if hours >= 1 and rng.random() < CORRECTED:
                    corrects = rid
                    rid += 1
                    counts["corrections"] += 1
                    yield (
                        rid, vid, code, org, "correction", corrects, activity, served,
                        "社区服务站", "社区居民", "志愿服务", -0.5, "good", "赵队长", recorder.pk,
                        "bench_recorder", "含路途时间", now,
                    )  # fmt: skip

    with transaction.atomic():
        _care_data._copy("volunteers_organisation", ORG_COLUMNS, stations)
        _care_data._copy("volunteers_volunteer", VOLUNTEER_COLUMNS, volunteers())
        _care_data._copy("volunteers_servicerecord", RECORD_COLUMNS, records())
    _care_data.analyze("volunteers_volunteer", "volunteers_servicerecord")
    return {
        "communities": len(communities),
        "volunteers": args.volunteers,
        "service_records": counts["records"],
        "corrections": counts["corrections"],
    }


def link_reader() -> dict:
    """An account for the volunteer with the most records, with a ledger of their points."""
    from django.db.models import Count

    from linli.core.models import User
    from linli.core.roles import Role
    from linli.volunteers.models import ServiceRecord, Volunteer

    top = (
        ServiceRecord.objects.values("volunteer_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "volunteer_id")
        .first()
    )
    volunteer = Volunteer.objects.get(pk=top["volunteer_id"])
    user = User.objects.filter(username="bench_volunteer").first()
    if user is None:
        user = _care_data.officer(Role.RESIDENT, volunteer.area_code, "bench_volunteer")
    Volunteer.objects.filter(pk=volunteer.pk).update(user=user)
    if not volunteer.points.exists():
        balance, lines = 0, []
        for record_id, hours, at in ServiceRecord.objects.filter(
            volunteer=volunteer, kind="service"
        ).values_list("pk", "hours", "recorded_at"):
            balance += int(hours * 10)
            lines.append(
                (volunteer.pk, volunteer.area_code, "earned", int(hours * 10), balance, record_id,
                 "", "", at)
            )  # fmt: skip
        _care_data._copy("volunteers_pointsentry", POINTS_COLUMNS, lines)
        Volunteer.objects.filter(pk=volunteer.pk).update(points_balance=balance)
    return {"reader_records": top["n"], "reader_user_id": user.pk}


def _counts() -> dict:
    from django.db import connection

    found = {"reused": True}
    with connection.cursor() as cursor:
        for name, table in (
            ("volunteers", "volunteers_volunteer"),
            ("service_records", "volunteers_servicerecord WHERE kind = 'service'"),
            ("corrections", "volunteers_servicerecord WHERE kind = 'correction'"),
        ):
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            found[name] = cursor.fetchone()[0]
    return found


# --- timing -------------------------------------------------------------------------------------


def _timed(runs: int, fn, before=None) -> dict:
    if before:
        before()
    fn()  # warm-up: plans, caches
    seconds, last = [], None
    for _ in range(runs):
        if before:
            before()
        began = time.perf_counter()
        last = fn()
        seconds.append(time.perf_counter() - began)
    ordered = sorted(seconds)
    return {
        "median_ms": round(statistics.median(seconds) * 1000, 1),
        "p95_ms": round(percentile(ordered, 95) * 1000, 1),
        "min_ms": round(ordered[0] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
        "runs": runs,
        **(last or {}),
    }


def _zero() -> None:
    """Every total back to zero, so each timed run writes every row; then the dead rows are
    vacuumed away, as autovacuum does between two recomputes on a live server."""
    from linli.volunteers.models import Volunteer

    Volunteer.objects.update(hours_total=0, star=0)
    _care_data.analyze("volunteers_volunteer")


def _check() -> dict:
    """The stored totals against a plain SUM of the records, and the star levels reached."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT COUNT(*) FROM volunteers_volunteer v
            LEFT JOIN (SELECT volunteer_id, SUM(hours) AS total FROM volunteers_servicerecord
                       GROUP BY volunteer_id) r ON r.volunteer_id = v.id
            WHERE v.hours_total <> COALESCE(r.total, 0)
            """
        )
        mismatches = cursor.fetchone()[0]
        cursor.execute("SELECT star, COUNT(*) FROM volunteers_volunteer GROUP BY star ORDER BY 1")
        stars = {str(star): n for star, n in cursor.fetchall()}
    return {"mismatches": mismatches, "stars": stars}


def _written(refresh) -> dict:
    """Run ``refresh`` in a transaction; the rows it wrote and the share written in place."""
    from django.db import connection, transaction

    with transaction.atomic():
        written = refresh()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables "
                "WHERE relname = 'volunteers_volunteer'"
            )
            updated, hot = cursor.fetchone()
    return {
        "volunteers": written,
        "hot_updates_pct": round(100 * hot / updated, 1) if updated else None,
    }


def _scenarios(args, reader: dict) -> dict:
    from django.contrib.auth import get_user_model

    from linli.volunteers.actions._common import refresh_totals
    from linli.volunteers.actions.records import refresh_scope
    from linli.volunteers.models import Volunteer
    from linli.volunteers.queries import records as q

    batch = list(Volunteer.objects.order_by("?").values_list("pk", flat=True)[:ACTIVITY_SIZE])

    def all_totals():
        return _written(refresh_totals)

    def county():
        return _written(lambda: refresh_scope(["220403"]))

    def one_activity():
        return {"volunteers": refresh_totals(batch)}

    def unsettle_batch():
        Volunteer.objects.filter(pk__in=batch).update(hours_total=0, star=0)

    def my_hours():
        actor = get_user_model().objects.get(pk=reader["reader_user_id"])  # a new request
        mine = q.my_hours(actor=actor)
        page = q.with_net_hours(mine.records[:25])
        return {"records_on_page": len(page), "ledger_lines": len(mine.ledger)}

    found = {"refresh_totals_all": _timed(args.runs, all_totals, before=_zero)}
    found["refresh_totals_all"].update(_check())
    found["recompute_county"] = _timed(args.runs, county, before=_zero)
    found["recompute_county"].update(_check())
    found["recompute_county_nothing_changed"] = _timed(args.runs, county)
    found["refresh_one_activity"] = _timed(args.runs, one_activity, before=unsettle_batch)
    found["my_hours"] = _timed(args.runs * 4, my_hours)
    return found


def main() -> int:
    args = _parse()
    load_before = load_average()
    tmp = Path(tempfile.mkdtemp(prefix="linli-bench-"))
    reuse = args.reuse and _care_data.admin(
        args.server, "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]
    )
    if not reuse:
        _care_data.create_database(args.server, DATABASE)
    try:
        _care_data.setup_django(f"{args.server}/{DATABASE}", tmp)
        from django.db import connection

        if reuse:
            data = _counts()
        else:
            began = time.perf_counter()
            data = fill(args)
            data["load_seconds"] = round(time.perf_counter() - began, 1)
        data.update(link_reader())
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            data["database_size"] = cursor.fetchone()[0]
        scenarios = _scenarios(args, data)
        median = scenarios["refresh_totals_all"]["median_ms"]
        emit(
            {
                "benchmark": "volunteer_hours",
                "what": "refresh_totals() of every volunteer (hours and star levels from their "
                "service records), the county's recompute, one activity's refresh and the "
                "'my hours' reads",
                "budget_ms": BUDGET_MS,
                "within_budget": median <= BUDGET_MS
                and scenarios["refresh_totals_all"]["mismatches"] == 0,
                "data": data,
                "scenarios": scenarios,
                "machine": {
                    **machine_info(database=_care_data.database_version()),
                    "load_average_before": load_before,
                    "load_average_after": load_average(),
                    "shared": "other work ran on the machine at the same time",
                },
            }
        )
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep and not args.reuse:
            _care_data.admin(args.server, f'DROP DATABASE IF EXISTS "{DATABASE}"')
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
