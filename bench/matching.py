"""Matching suggestions for a need among 50,000 resources, on PostgreSQL (budget 200 ms).

Creates a fresh PostgreSQL database (``linli_bench_matching`` on ``--server``, default
``postgresql://postgres@127.0.0.1:5432``), migrates it and fills it with COPY: the county
220403 with ``--towns`` (20) × ``--communities`` (25) communities of 4 grids each, and
``--resources`` (50,000) resources of the services list spread over them — three in four based
on a community, one in ten on a grid, one in ten on a town, one in twenty on the county; each
offers one to three categories (care for older people the commonest, so its needs have the
most candidates), serves its own area and often its town, now and then its county; weekly
times, capacity 1–20 with some already full, some with dates (a few past), some stopped.
Then ``--needs`` (40) needs on random communities and grids, most of them for care for older
people.

As a county civil-affairs officer and as a community worker (a fresh account object each time:
its roles are read again, as on a new request) it times ``matcher.suggestions`` — what the need
page and ``GET /api/v1/matching/needs/{id}/suggestions`` run — for the needs in turn, ``--runs``
times each after a warm-up, and reports the median and p95, the candidates considered, the
query count and ``EXPLAIN (ANALYZE, BUFFERS)`` of the candidate query. The database is dropped
at the end unless ``--keep``.

Usage: linli bench matching [--runs 20] [--keep | --reuse] [--server URL] [sizes: see --help]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _care_data  # noqa: E402
from _common import add_database_options, bench_database, row_counts, timings  # noqa: E402

BUDGET_MS = 200.0
DATABASE = "linli_bench_matching"
COUNTY = "220403000000"
CATEGORY_WEIGHTS = {
    "elderly_care": 12, "meals": 6, "health": 5, "housing": 4, "cleaning": 4, "children": 4,
    "disability": 3, "legal": 2, "psychology": 3, "finance": 2, "transport": 3, "digital": 3,
    "culture": 4, "space": 3, "safety": 2, "other": 1,
}  # fmt: skip
KINDS = ("provider", "unit", "donation")
RESOURCE_COLUMNS = (
    "id, area_code, kind, name, description, categories, serves, times, capacity, in_use, "
    "available_from, available_until, contact_name, active, created_at, updated_at"
)
CATEGORY_COLUMNS = "resource_id, category, area_code, active"


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--towns", type=int, default=20)
    parser.add_argument("--communities", type=int, default=25)
    parser.add_argument("--resources", type=int, default=50_000)
    parser.add_argument("--needs", type=int, default=40)
    parser.add_argument("--runs", type=int, default=20)
    add_database_options(parser)
    args = parser.parse_args()
    if not 1 <= args.towns <= 99 or not 1 <= args.communities <= 999 or args.runs < 5:
        parser.error("1 ≤ --towns ≤ 99; 1 ≤ --communities ≤ 999; --runs ≥ 5")
    if args.resources < 100 or args.needs < 1:
        parser.error("--resources ≥ 100; --needs ≥ 1")
    return args


# --- data --------------------------------------------------------------------------------------


def _categories(rng: random.Random) -> list[str]:
    names, weights = list(CATEGORY_WEIGHTS), list(CATEGORY_WEIGHTS.values())
    found = set(rng.choices(names, weights, k=rng.choice((1, 1, 2, 2, 3))))
    return [name for name in CATEGORY_WEIGHTS if name in found]


def _times(rng: random.Random) -> list[str]:
    from linli.volunteers.models import AVAILABILITY

    return [code for code in AVAILABILITY if rng.random() < rng.choice((0.0, 0.1, 0.2, 0.35))]


def _base(rng: random.Random, grids: list[str]) -> tuple[str, list[str]]:
    """Where a resource is based and what it serves (its own area first)."""
    grid = rng.choice(grids)
    community, town = grid[:12], grid[:9] + "000"
    roll = rng.random()
    if roll < 0.10:
        return grid, [grid] + ([community] if rng.random() < 0.5 else [])
    if roll < 0.85:
        more = rng.random()
        serves = [community]
        if more < 0.30:
            serves.append(town)
        if more < 0.05:
            serves.append(COUNTY)
        return community, serves
    if roll < 0.95:
        return town, [town] + ([COUNTY] if rng.random() < 0.2 else [])
    return COUNTY, [COUNTY]


def fill(args, grids: list[str]) -> dict:
    import datetime as dt

    from django.db import transaction
    from django.utils import timezone

    from linli.matching.models import Need

    rng = random.Random(args.seed)
    now = timezone.now()
    today = timezone.localdate()
    resources, offered = [], []
    for pk in range(1, args.resources + 1):
        code, serves = _base(rng, grids)
        capacity = rng.randrange(1, 21)
        in_use = capacity if rng.random() < 0.08 else rng.randrange(0, capacity + 1) // 2
        start = end = None
        roll = rng.random()
        if roll < 0.05:
            end = today - dt.timedelta(days=rng.randrange(1, 200))
        elif roll < 0.15:
            start = today + dt.timedelta(days=rng.randrange(-100, 60))
            end = start + dt.timedelta(days=rng.randrange(30, 365))
        active = rng.random() < 0.95
        categories = _categories(rng)
        resources.append(
            (pk, code, rng.choice(KINDS), f"服务资源{pk}", "", json.dumps(categories),
             json.dumps(serves), json.dumps(_times(rng)), capacity, in_use, start, end, "",
             active, now, now)
        )  # fmt: skip
        offered.extend((pk, category, code, active) for category in categories)
    needs = []
    for n in range(args.needs):
        grid = rng.choice(grids)
        code = grid if n % 3 == 0 else grid[:12]
        category = "elderly_care" if n % 4 else rng.choice(list(CATEGORY_WEIGHTS))
        needs.append(
            Need(
                area_code=code,
                source=Need.Source.ENTERED,
                category=category,
                title=f"需求{n}",
                who="独居老人",
                times=_times(rng) or ["sat_am"],
                people=rng.choice((1, 1, 1, 2, 3)),
                urgency=rng.choice(("low", "normal", "normal", "urgent")),
                created_at=now,
                updated_at=now,
            )
        )
    with transaction.atomic():
        _care_data._copy("matching_resource", RESOURCE_COLUMNS, resources)
        _care_data._copy("matching_resourcecategory", CATEGORY_COLUMNS, offered)
        Need.objects.bulk_create(needs)
    _care_data.analyze(
        "core_area", "matching_resource", "matching_resourcecategory", "matching_need"
    )
    return {
        "towns": args.towns,
        "communities": args.towns * args.communities,
        "grids": len(grids),
        "resources": len(resources),
        "category_rows": len(offered),
        "needs": len(needs),
    }


# What a kept database holds (``--reuse``): rows by table.
KEPT_ROWS = {
    "resources": "matching_resource",
    "category_rows": "matching_resourcecategory",
    "needs": "matching_need",
}


# --- timing -------------------------------------------------------------------------------------


def _timed(runs: int, calls: list) -> dict:
    for call in calls:  # warm-up: plans, caches
        call()
    seconds, found = [], []
    for _ in range(runs):
        for call in calls:
            began = time.perf_counter()
            found.append(call())
            seconds.append(time.perf_counter() - began)
    return timings(
        seconds,
        calls=len(seconds),
        needs=len(calls),
        suggested_median=statistics.median(found),
    )


def _scenarios(args) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from linli.core.roles import Role
    from linli.matching.models import Need
    from linli.matching.queries import matcher

    users = get_user_model()
    officer = users.objects.filter(username="bench_county").first() or _care_data.officer(
        Role.COUNTY_OFFICER, COUNTY, "bench_county"
    )
    needs = list(Need.objects.order_by("pk"))
    elderly = [n for n in needs if n.category == "elderly_care"]
    first = elderly[0]
    worker = users.objects.filter(username="bench_worker").first() or _care_data.officer(
        Role.COMMUNITY_WORKER, first.area_code[:12], "bench_worker"
    )

    def call(user_pk, need_pk):
        def run():
            actor = users.objects.get(pk=user_pk)  # a new request: roles looked up again
            return len(matcher.suggestions(actor=actor, need_id=need_pk))

        return run

    candidates = [len(matcher.candidate_rows(n)) for n in needs]
    with CaptureQueriesContext(connection) as captured:
        matcher.suggestions(actor=users.objects.get(pk=officer.pk), need_id=first.pk)
    queries = len(captured.captured_queries)
    with CaptureQueriesContext(connection) as captured:
        matcher.candidate_rows(first)
    sql = captured.captured_queries[0]["sql"]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        plan = [row[0] for row in cursor.fetchall()]
    return {
        "county_officer_all_needs": _timed(args.runs, [call(officer.pk, n.pk) for n in needs]),
        "county_officer_elderly_care_needs": _timed(
            args.runs, [call(officer.pk, n.pk) for n in elderly]
        ),
        "community_worker_one_need": _timed(args.runs, [call(worker.pk, first.pk)]),
        "candidates": {
            "median": statistics.median(candidates),
            "max": max(candidates),
            "cap": matcher.CANDIDATES_MAX,
        },
        "queries_per_call": queries,
        "explain_candidates": {"sql": sql[:400], "plan": plan},
    }


def main() -> int:
    args = _parse()
    with bench_database(args, DATABASE) as run:
        if run.reused:
            data = row_counts(KEPT_ROWS)
        else:
            began = time.perf_counter()
            grids = _care_data.build_county(args.towns, args.communities, 4)
            data = fill(args, grids)
            data["load_seconds"] = round(time.perf_counter() - began, 1)
        data["database_size"] = run.database_size()
        scenarios = _scenarios(args)
        run.report(
            "matching",
            "matcher.suggestions for a need among the resources of a county, as a county "
            "officer and as a community worker",
            budget_ms=BUDGET_MS,
            within_budget=scenarios["county_officer_all_needs"]["median_ms"] <= BUDGET_MS
            and scenarios["county_officer_elderly_care_needs"]["p95_ms"] <= BUDGET_MS,
            data=data,
            scenarios=scenarios,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
