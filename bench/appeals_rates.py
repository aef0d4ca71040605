"""Appeal figures at county scale: the three rates for a county and a month, on PostgreSQL.

Creates (or, with ``--reuse``, keeps using) the PostgreSQL database ``linli_bench_rates`` on
``--server`` (default ``postgresql://postgres@127.0.0.1:5432``), migrates it and fills it with
COPY straight into the tables: the county 220403 of bench/_registry_data.py (7 towns × 12
communities × 8 grids), the county's starting catalogue, a unit for each community and town and
six department offices, and ``--appeals`` appeals (default 1,000,000) spread over ``--months``
months (default 36) in submission order, as the application writes them over the years:

- place: communities weighted unevenly (a few busy ones), 60% pinned to a grid;
- category: the catalogue's leaves and top levels, weighted as a 12345 line sees them;
- state by age: older appeals mostly closed, 3% rejected, 2% merged into an earlier one;
  the last weeks still have appeals waiting, accepted and in progress;
- unit: the community's own (75%), a department office (15%) or the town (10%);
- times: accepted after a few hours (exponential, 92% within the response deadline), resolved
  after about two days (log-normal; 85% within the 7-working-day deadline), 30% of the
  confirmed confirmed automatically;
- contact phones from a pool 60% the size of the appeals (so people appeal again),
  encrypted and blind-indexed as the application stores them;
- ratings for 55% of the closed appeals, levels weighted towards satisfied, given a few days
  after the resolution.

Then, as a county civil-affairs officer, it times what the figures page and the API do for the
three rates of the county in the last full month (``metrics_scope`` + ``metrics_rates``: the
area, the policy and two aggregate queries), ``--runs`` times (default 30) after a warm-up,
and reports the median and p95; the same for a town, and the whole figures page's queries
(``metrics_figures``) for the county. ``EXPLAIN (ANALYZE, BUFFERS)`` of the two rate queries
is included. The database is dropped at the end unless ``--keep``.

Usage: linli bench appeals_rates [--appeals 1000000] [--months 36] [--runs 30] [--keep]
                                 [--reuse] [--server postgresql://postgres@127.0.0.1:5432]
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import emit, load_average, machine_info, percentile  # noqa: E402

BUDGET_MS = 200.0
DATABASE = "linli_bench_rates"
COUNTY = "220403000000"
DEPARTMENTS = ["区住建局", "区城管局", "区水务局", "区卫健局", "区人社局", "区民政局"]
# (category key, weight): what a county's 12345 line hears most
CATEGORY_WEIGHTS = {
    "property.utilities": 9, "property.lift": 3, "property.leak": 7, "property.management": 8,
    "environment.rubbish": 7, "environment.drains": 4, "environment.greenery": 2, "noise": 10,
    "dispute": 5, "elderly": 3, "assistance": 3, "employment": 2, "health": 2, "order": 3,
    "fire.escape": 2, "roads": 8, "policy": 6, "urgent": 1, "other": 5, "property": 2,
    "environment": 2, "fire": 1,
}  # fmt: skip
WORDS = "楼道灯坏了小区垃圾清运不及时夜间施工噪音扰民暖气不热下水道堵塞电梯停运路灯不亮物业服务差"

APPEAL_COLUMNS = (
    "id, area_code, category_id, tier_id, title, description, address, attributes, channel, "
    "contact_name, contact_phone, contact_phone_bidx, anonymous, public, token, state, "
    "state_changed_at, unit_id, accountable_unit_id, merged_into_id, resolution, submitted_at, "
    "first_accepted_at, resolved_at, confirmed_at, closed_at, auto_confirmed, respond_due, "
    "resolve_due, due_at, warn_at, responded_on_time, resolved_on_time, escalation_level, "
    "rating, rated_at, reopen_count, callback_due, is_demo"
)
RATING_COLUMNS = (
    "id, appeal_id, round, level, efficiency, attitude, result, comment, unit_id, area_code, at"
)


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appeals", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    parser.add_argument("--reuse", action="store_true", help="reuse a kept, filled database")
    parser.add_argument("--seed", type=int, default=20261122)
    args = parser.parse_args()
    if args.appeals < 1000 or not 2 <= args.months <= 120 or args.runs < 3:
        parser.error("--appeals ≥ 1000, 2 ≤ --months ≤ 120, --runs ≥ 3")
    return args


def _admin(server: str, sql: str, params=None):
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        return (
            conn.execute(sql, params).fetchone()
            if sql.startswith("SELECT")
            else conn.execute(sql, params)
        )


def _setup_django(url: str, tmp: Path, keys_file: Path) -> None:
    """Keys are kept beside a kept database, so a reused one decrypts as it was written."""
    from linli.cli import gen_keys_text

    if not keys_file.exists():
        keys_file.write_text(gen_keys_text())
        keys_file.chmod(0o600)
    for line in keys_file.read_text().splitlines():
        key, _, value = line.partition("=")
        os.environ[key] = value
    os.environ.update(
        {
            "LINLI_DEBUG": "0",
            "LINLI_VAR_DIR": str(tmp),
            "LINLI_DATABASE_URL": url,
            "LINLI_LOG_LEVEL": "WARNING",
            "LINLI_TASKS_BACKEND": "immediate",
            "DJANGO_SETTINGS_MODULE": "linli.settings",
        }
    )
    import django

    django.setup()


# --- synthetic appeals ----------------------------------------------------------------------


def _catalogue_and_units() -> dict:
    import _registry_data

    from linli.appeals import actions
    from linli.appeals.models import Category, Policy, Unit
    from linli.core.models import Area
    from linli.core.scoping import SYSTEM

    grids = _registry_data.build_areas()
    actions.appeal_defaults_load(actor=SYSTEM, county_code=COUNTY)
    Policy.objects.get_or_create(area_code=COUNTY)
    areas = {a.code: a for a in Area.objects.filter(code__startswith="220403", level__in=(4, 5))}
    units = {}
    for code, area in areas.items():
        kind = Unit.Kind.TOWN if area.level == 4 else Unit.Kind.COMMUNITY
        units[code] = Unit.objects.get_or_create(
            area=area, kind=kind, defaults={"name": area.name, "area_code": code}
        )[0].pk
    county = Area.objects.get(code=COUNTY)
    departments = [
        Unit.objects.get_or_create(
            area=county, name=name, defaults={"kind": Unit.Kind.DEPARTMENT, "area_code": COUNTY}
        )[0].pk
        for name in DEPARTMENTS
    ]
    categories = {
        c.key: c for c in Category.objects.filter(area_code=COUNTY).select_related("tier")
    }
    return {
        "grids": grids,
        "communities": sorted(c for c, a in areas.items() if a.level == 5),
        "units": units,
        "departments": departments,
        "categories": categories,
    }


def _fill(args, world: dict) -> dict:
    """Write the appeals and ratings with COPY; returns counts."""
    from django.db import connection, transaction
    from django.utils import timezone

    from linli.core import pii

    rng = random.Random(args.seed)
    now = timezone.now().replace(microsecond=0)
    span = dt.timedelta(days=30.44 * args.months)
    start = now - span
    communities = world["communities"]
    weights = [1 / (i + 1) ** 0.6 for i in range(len(communities))]
    rng.shuffle(weights)
    grids_of: dict[str, list[str]] = {}
    for grid in world["grids"]:
        grids_of.setdefault(grid[:12], []).append(grid)
    keys = list(CATEGORY_WEIGHTS)
    categories = [world["categories"][k] for k in keys]
    category_weights = [CATEGORY_WEIGHTS[k] for k in keys]
    phones = [
        f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
        for _ in range(int(args.appeals * 0.6))
    ]
    sealed: dict[str, tuple[str, str]] = {}
    times = sorted(start + span * rng.random() ** 0.85 for _ in range(args.appeals))
    hour = dt.timedelta(hours=1)
    appeals, ratings = [], []
    counts = {"appeals": 0, "ratings": 0, "rejected": 0, "merged": 0, "open": 0}
    for i, submitted in enumerate(times, start=1):
        community = rng.choices(communities, weights)[0]
        area = rng.choice(grids_of[community]) if rng.random() < 0.6 else community
        category = rng.choices(categories, category_weights)[0]
        tier = category.tier
        respond_due = submitted + dt.timedelta(minutes=tier.respond_minutes)
        resolve_due = submitted + dt.timedelta(minutes=tier.resolve_minutes_estimate())
        age_days = (now - submitted).total_seconds() / 86400
        phone = rng.choice(phones)
        if phone not in sealed:
            sealed[phone] = (pii.encrypt(phone), pii.blind_index(phone, "phone"))
        cipher, bidx = sealed[phone]
        roll = rng.random()
        unit = (
            world["units"][community]
            if roll < 0.75
            else rng.choice(world["departments"])
            if roll < 0.9
            else world["units"][community[:9] + "000"]
        )
        accepted = resolved = confirmed = closed = rated = None
        responded_ok = resolved_ok = rating = None
        merged_into = None
        auto = False
        roll = rng.random()
        if roll < 0.03:
            state, unit = "rejected", None
        elif roll < 0.05 and i > 1:
            state, unit, merged_into = "merged", None, rng.randrange(max(1, i - 500), i)
        else:
            accept_after = hour * rng.expovariate(1 / 5)
            resolve_after = hour * math.exp(rng.gauss(math.log(40), 0.9))
            if age_days * 24 < accept_after / hour or rng.random() < min(0.5, 2 / (age_days + 1)):
                state = rng.choice(("submitted", "dispatched")) if age_days < 3 else "dispatched"
                unit = None if state == "submitted" else unit
            else:
                accepted = submitted + accept_after
                responded_ok = accepted <= respond_due
                if submitted + accept_after + resolve_after > now or rng.random() < 0.02:
                    state = rng.choice(("accepted", "in_progress"))
                else:
                    resolved = accepted + resolve_after
                    resolved_ok = resolved <= resolve_due
                    if age_days < 7:
                        state = "resolved"
                    else:
                        auto = rng.random() < 0.3
                        confirmed = resolved + (dt.timedelta(days=7) if auto else hour * 20)
                        state = "closed" if age_days > 22 else "confirmed"
                        closed = confirmed + dt.timedelta(days=15) if state == "closed" else None
                        if state == "closed" and rng.random() < 0.55:
                            rating = rng.choices((1, 2, 3, 4, 5), (2, 3, 10, 30, 55))[0]
                            rated = resolved + hour * rng.uniform(2, 120)
        if state in ("submitted", "dispatched", "accepted", "in_progress"):
            counts["open"] += 1
        counts[state] = counts.get(state, 0) + 1
        running = state in ("submitted", "dispatched", "accepted", "in_progress")
        due = (respond_due if accepted is None else resolve_due) if running else None
        title = "".join(rng.choice(WORDS) for _ in range(rng.randint(8, 20)))
        appeals.append(
            (i, area, category.pk, tier.pk, title, title + "，请尽快处理。" * rng.randint(1, 4),
             f"幸福路{rng.randint(1, 300)}号", "{}", rng.choice(("online", "phone", "window", "patrol")),
             "", cipher, bidx, False, category.public and rng.random() < 0.3, f"{i:032x}", state,
             closed or confirmed or resolved or accepted or submitted, unit, unit, merged_into,
             "已处理" if resolved else "", submitted, accepted, resolved, confirmed, closed, auto,
             respond_due, resolve_due, due, due - (due - submitted) / 4 if due else None,
             responded_ok, resolved_ok, 0, rating, rated, 0, False, False)
        )  # fmt: skip
        if rating is not None:
            subs = [max(1, min(5, rating + rng.choice((-1, 0, 0, 0, 1)))) for _ in range(3)]
            ratings.append((len(ratings) + 1, i, 0, rating, *subs, "", unit, area, rated))
    counts["appeals"], counts["ratings"] = len(appeals), len(ratings)
    with transaction.atomic(), connection.connection.cursor() as cursor:
        for table, columns, rows in (
            ("appeals_appeal", APPEAL_COLUMNS, appeals),
            ("appeals_rating", RATING_COLUMNS, ratings),
        ):
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
    with connection.cursor() as cursor:
        for table in ("appeals_appeal", "appeals_rating"):
            cursor.execute(f"VACUUM ANALYZE {table}")  # what autovacuum does on a live server
    counts["phones"] = len(sealed)
    return counts


# --- timing -------------------------------------------------------------------------------


def _officer(role: str, code: str, username: str):
    from linli.core.models import Area, RoleAssignment, User

    user, created = User.objects.get_or_create(username=username, defaults={"full_name": username})
    if created:
        RoleAssignment.objects.create(
            user=user, role=role, area=Area.objects.get(code=code), area_code=code
        )
    return user


def _timed(runs: int, fn) -> dict:
    fn()  # warm-up: plans, caches
    seconds, last = [], None
    for _ in range(runs):
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


def _explain(actor, month: str) -> list[list[str]]:
    """EXPLAIN (ANALYZE, BUFFERS) of the two aggregate queries of the rates, as run."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from linli.appeals import queries

    scope = queries.metrics_scope(actor=actor, area=COUNTY, period=month)
    with CaptureQueriesContext(connection) as captured:
        queries.metrics_rates(scope=scope)
    plans = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            plans.append([row[0] for row in cursor.fetchall()])
    return plans


def _scenarios(args) -> dict:
    from django.contrib.auth import get_user_model

    from linli.appeals import queries
    from linli.core.roles import Role

    county = _officer(Role.COUNTY_OFFICER, COUNTY, "bench_county")
    town = _officer(Role.TOWN_OFFICER, "220403001000", "bench_town")
    today = dt.date.today()
    month = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")  # last full month

    def fresh(user):  # a new request: grants and units are looked up again
        return get_user_model().objects.get(pk=user.pk)

    def rates(user, area):
        def run():
            scope = queries.metrics_scope(actor=fresh(user), area=area, period=month)
            found = queries.metrics_rates(scope=scope)
            return {k: [r.numerator, r.denominator] for k, r in found.items()}

        return run

    def page():
        scope = queries.metrics_scope(actor=fresh(county), area=COUNTY, period=month)
        figures = queries.metrics_figures(scope=scope)
        return {"received": figures.headline.received, "units": len(figures.by_unit)}

    return {
        "period": month,
        "rates_county_month": _timed(args.runs, rates(county, COUNTY)),
        "rates_town_month": _timed(args.runs, rates(town, "220403001000")),
        "figures_page_county_month": _timed(max(3, args.runs // 5), page),
        "explain": _explain(fresh(county), month),
    }


def main() -> int:
    args = _parse()
    load_before = load_average()
    tmp = Path(tempfile.mkdtemp(prefix="linli-bench-"))
    keys_file = Path(tempfile.gettempdir()) / f"{DATABASE}.keys"
    exists = _admin(args.server, "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE])
    reused = bool(exists) and args.reuse
    if exists and not reused:
        _admin(args.server, f'DROP DATABASE "{DATABASE}"')
    if not reused:
        keys_file.unlink(missing_ok=True)
        _admin(args.server, f'CREATE DATABASE "{DATABASE}"')
    try:
        _setup_django(f"{args.server}/{DATABASE}", tmp, keys_file)
        from django.core.management import call_command
        from django.db import connection

        from linli.appeals.models import Appeal, Rating

        call_command("migrate", "--no-input", verbosity=0)
        began = time.perf_counter()
        if reused and Appeal.objects.exists():
            data = {
                "appeals": Appeal.objects.count(),
                "ratings": Rating.objects.count(),
                "reused": True,
            }
        else:
            data = _fill(args, _catalogue_and_units())
        load_s = time.perf_counter() - began
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            database = cursor.fetchone()[0].split(" on ")[0]
            cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('appeals_appeal'))")
            data["appeals_table_size"] = cursor.fetchone()[0]
        scenarios = _scenarios(args)
        worst = max(
            scenarios["rates_county_month"]["p95_ms"], scenarios["rates_town_month"]["p95_ms"]
        )
        emit(
            {
                "benchmark": "appeals_rates",
                "what": "metrics_scope + metrics_rates (response, resolution, satisfaction and "
                "on-time rates) for one month as a county or town officer",
                "budget_ms": BUDGET_MS,
                "within_budget": worst <= BUDGET_MS,
                "data": {**data, "months": args.months, "load_seconds": round(load_s, 1)},
                "scenarios": scenarios,
                "machine": {
                    **machine_info(database=database),
                    "load_average_before": load_before,
                    "load_average_after": load_average(),
                },
            }
        )
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            _admin(args.server, f'DROP DATABASE IF EXISTS "{DATABASE}"')
            keys_file.unlink(missing_ok=True)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
