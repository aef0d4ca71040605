"""The monthly visit rate (月探访率) of a county with 2,000 communities, on PostgreSQL.

Creates a fresh PostgreSQL database (``linli_bench_care_rate`` on ``--server``, default
``postgresql://postgres@127.0.0.1:5432``), migrates it and fills it with COPY
(bench/_care_data.py): the county 220403 with 20 towns × 100 communities × 4 grids, a community
worker per community, ``--subjects`` people on the care roster (default 100,000) and their plans
for ``--months`` months up to the current one (default 12), written month by month as the
generation writes them: past months mostly met, a few dropped, some unmet; this month part way.
Then the past months' figures are kept per grid and community as ``linli sweep`` keeps them
(``care_figures_refresh``, timed once and reported with the data).

Then, as a county civil-affairs officer (a fresh account object each time: its roles are read
again, as on a new request), it times ``visit_rate`` — what the rate page and ``GET
/api/v1/care/rate`` run — for the county (its 20 towns) in the last full month and in the
current month, for a town (its 100 communities) and a community (its grids and its people in no
grid); ``visit_rate_trend`` for the county over 12 months (past months from the kept figures,
this month counted live); and the county's rate page as a whole: the rate table, then the trend
given the table's total for the month shown, as the page asks for them. ``--runs`` times each (default 30) after a warm-up; medians and
p95. ``EXPLAIN (ANALYZE, BUFFERS)`` of the county's aggregate is included. The budget is 300 ms
for the county page. The database is dropped at the end unless ``--keep``.

Usage: linli bench care_rate [--subjects 100000] [--months 12] [--runs 30] [--keep]
                             [--server postgresql://postgres@127.0.0.1:5432]
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _care_data  # noqa: E402
from _common import emit, load_average, machine_info, percentile  # noqa: E402

BUDGET_MS = 300.0
DATABASE = "linli_bench_care_rate"
TOWNS, COMMUNITIES, GRIDS = 20, 100, 4
TOWN = "220403001000"
COMMUNITY = "220403001001"


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    parser.add_argument("--seed", type=int, default=20261122)
    args = parser.parse_args()
    if args.subjects < 1000 or not 1 <= args.months <= 60 or args.runs < 3:
        parser.error("--subjects ≥ 1000, 1 ≤ --months ≤ 60, --runs ≥ 3")
    return args


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


def _explain(actor, month: dt.date) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from linli.care import queries

    with CaptureQueriesContext(connection) as captured:
        queries.visit_rate(actor=actor, month=month, area_code=_care_data.COUNTY)
    aggregate = next(q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"])
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + aggregate)
        return [row[0] for row in cursor.fetchall()]


def _scenarios(args) -> dict:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from linli.care import queries
    from linli.care.models import month_start
    from linli.core.roles import Role

    county = _care_data.officer(Role.COUNTY_OFFICER, _care_data.COUNTY, "bench_county")
    this_month = month_start(timezone.localdate())
    last_month = month_start(this_month - dt.timedelta(days=1))

    def fresh():  # a new request: the account's roles are looked up again
        return get_user_model().objects.get(pk=county.pk)

    def rate(area: str, month: dt.date):
        def run():
            table = queries.visit_rate(actor=fresh(), month=month, area_code=area)
            return {
                "rows": len(table.rows),
                "numerator": table.total.numerator,
                "denominator": table.total.denominator,
            }

        return run

    def trend():
        points = queries.visit_rate_trend(actor=fresh(), area_code=_care_data.COUNTY, months=12)
        return {"months": len(points), "last_rate": points[-1].rate}

    def page():
        actor = fresh()
        table = queries.visit_rate(actor=actor, month=last_month, area_code=_care_data.COUNTY)
        points = queries.visit_rate_trend(
            actor=actor,
            area_code=_care_data.COUNTY,
            months=12,
            until=last_month,
            latest=table.total,
        )
        return {"rows": len(table.rows), "months": len(points)}

    return {
        "month": f"{last_month:%Y-%m}",
        "county_last_month": _timed(args.runs, rate(_care_data.COUNTY, last_month)),
        "county_this_month": _timed(args.runs, rate(_care_data.COUNTY, this_month)),
        "town_last_month": _timed(args.runs, rate(TOWN, last_month)),
        "community_last_month": _timed(args.runs, rate(COMMUNITY, last_month)),
        "county_trend_12_months": _timed(args.runs, trend),
        "county_page": _timed(args.runs, page),
        "explain_county_last_month": _explain(fresh(), last_month),
    }


def main() -> int:
    args = _parse()
    load_before = load_average()
    tmp = Path(tempfile.mkdtemp(prefix="linli-bench-"))
    _care_data.create_database(args.server, DATABASE)
    try:
        _care_data.setup_django(f"{args.server}/{DATABASE}", tmp)
        began = time.perf_counter()
        grids = _care_data.build_county(TOWNS, COMMUNITIES, GRIDS)
        data = _care_data.fill_plans(grids, args.subjects, args.months, seed=args.seed)
        data.update(communities=TOWNS * COMMUNITIES, grids=len(grids))
        data["load_seconds"] = round(time.perf_counter() - began, 1)
        # What ``linli sweep`` keeps: the past months' figures per grid and community.
        from linli.care.actions import care_figures_refresh

        began = time.perf_counter()
        data["figures_kept"] = care_figures_refresh()
        data["figures_seconds"] = round(time.perf_counter() - began, 1)
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('care_plan'))")
            data["plan_table_size"] = cursor.fetchone()[0]
        scenarios = _scenarios(args)
        emit(
            {
                "benchmark": "care_rate",
                "what": "visit_rate (the monthly visit rate of an area and its child areas) and "
                "visit_rate_trend, as a county officer",
                "budget_ms": BUDGET_MS,
                "within_budget": scenarios["county_page"]["p95_ms"] <= BUDGET_MS,
                "data": data,
                "scenarios": scenarios,
                "machine": {
                    **machine_info(database=_care_data.database_version()),
                    "load_average_before": load_before,
                    "load_average_after": load_average(),
                },
            }
        )
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            _care_data.admin(args.server, f'DROP DATABASE IF EXISTS "{DATABASE}"')
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
