"""Appeals workbench inbox at county scale: p50/p95 of the inbox's first page.

Uses (or creates and fills, by COPY) the PostgreSQL database ``linli_bench_appeals`` with
--appeals synthetic appeals (bench/_appeals_data.py: a year of a county's appeals, ~3% open),
then times what the workbench runs for an inbox, for a county civil-affairs officer, a street
officer, a community worker and a department office's member: ``queries.appeal_list`` with
the page's filters, ``select_related("category", "unit")`` and the first 50 rows; separately
the count of the matches (what a paginator adds) and the workbench's bucket counts
(``queries.inbox_counts``). Each scenario runs --samples times per round, --rounds rounds; the
figures are the median over the rounds of each round's p50/p95.

Budget: the first page of 50 in p95 ≤ 100 ms for each of these users at 1,000,000 appeals.

Usage: linli bench appeals_inbox [--appeals 1000000] [--samples 30] [--rounds 3] [--fresh]
                                 [--drop] [--explain] [--database-url postgresql://…]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import emit, load_average, machine_info, summarise_latencies  # noqa: E402

PAGE = 50


def scenarios(category_id: int) -> dict[str, dict]:
    return {
        "open": {"state": "open"},
        "to_accept": {"state": "dispatched"},
        "overdue": {"overdue": "1"},
        "mine_open": {"state": "open", "mine": "1"},
        "category_open": {"state": "open", "category": category_id},
        "awaiting_resident": {"state": "done"},
        "all_newest": {},
        "title_words": {"q": "暖气"},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appeals", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--fresh", action="store_true", help="drop and refill the database")
    parser.add_argument("--drop", action="store_true", help="drop the database afterwards")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE plans")
    args = parser.parse_args()

    import _appeals_data

    prepared = _appeals_data.prepare(args.appeals, database_url=args.database_url, fresh=args.fresh)
    from django.db import connection

    from linli.appeals import queries
    from linli.appeals.models import Category
    from linli.core.models import User

    actors = {
        "county_officer": _appeals_data._user("bench_county", "county_officer", "220403000000"),
        "street_officer": User.objects.get(username="bench_t_220403001000"),
        "community_worker": User.objects.get(username="bench_w_220403001001"),
        "department_member": User.objects.filter(username__startswith="bench_department_")
        .order_by("pk")
        .first(),
    }
    heating = Category.objects.get(area_code="220403000000", key="property.utilities")
    cases = scenarios(heating.pk)

    def page(actor, filters) -> int:
        qs = queries.appeal_list(actor=actor, filters=filters).select_related("category", "unit")
        rows = list(qs[:PAGE])
        return len(rows)

    def count(actor, filters) -> int:
        return queries.appeal_list(actor=actor, filters=filters).count()

    def _counts(actor) -> dict:
        return queries.inbox_counts(actor=actor)

    def timed(fn, *a) -> tuple[float, int]:
        t0 = time.perf_counter()
        value = fn(*a)
        return time.perf_counter() - t0, value

    rounds: list[dict] = []
    for _round in range(args.rounds):
        result: dict = {}
        for label, actor in actors.items():
            for attr in ("_linli_grants", "_linli_appeal_units"):
                if hasattr(actor, attr):
                    delattr(actor, attr)  # a new request: grants and units are read again
            per: dict = {}
            for name, filters in cases.items():
                page(actor, filters)  # warm the plan and the cache as a live server would be
                page_times, count_times, shown, total = [], [], 0, 0
                for _ in range(args.samples):
                    seconds, shown = timed(page, actor, filters)
                    page_times.append(seconds)
                    seconds, total = timed(count, actor, filters)
                    count_times.append(seconds)
                per[name] = {
                    "page": summarise_latencies(page_times),
                    "count": summarise_latencies(count_times),
                    "rows": shown,
                    "matches": total,
                }
            times = [timed(_counts, actor)[0] for _ in range(args.samples)]
            per["inbox_counts"] = {"page": summarise_latencies(times)}
            result[label] = per
        rounds.append(result)

    def median_of(label, name, part, key):
        values = [r[label][name][part][key] for r in rounds if part in r[label][name]]
        return round(statistics.median(values), 2)

    summary: dict = {}
    for label in actors:
        summary[label] = {}
        for name in [*cases, "inbox_counts"]:
            entry = {
                "page_p50_ms": median_of(label, name, "page", "p50_ms"),
                "page_p95_ms": median_of(label, name, "page", "p95_ms"),
                "page_p95_ms_rounds": [r[label][name]["page"]["p95_ms"] for r in rounds],
            }
            if name != "inbox_counts":
                entry.update(
                    count_p50_ms=median_of(label, name, "count", "p50_ms"),
                    count_p95_ms=median_of(label, name, "count", "p95_ms"),
                    rows=rounds[-1][label][name]["rows"],
                    matches=rounds[-1][label][name]["matches"],
                )
            summary[label][name] = entry

    plans = {}
    if args.explain:
        from django.test.utils import CaptureQueriesContext

        for label, actor in actors.items():
            for name in ["open", "overdue", "mine_open", "all_newest", "title_words"]:
                for part, fn in (("page", page), ("count", count)):
                    with CaptureQueriesContext(connection) as captured:
                        fn(actor, cases[name])
                    plans[f"{label}/{name}/{part}"] = _explain(connection, captured[-1]["sql"])
            with CaptureQueriesContext(connection) as captured:
                queries.inbox_counts(actor=actor)
            plans[f"{label}/inbox_counts"] = _explain(connection, captured[-1]["sql"])

    emit(
        {
            "benchmark": "appeals_inbox",
            "machine": machine_info(f"PostgreSQL {connection.pg_version // 10000}"),
            "data": {k: v for k, v in prepared.items() if k != "database_url"},
            "page_size": PAGE,
            "samples_per_round": args.samples,
            "rounds": args.rounds,
            "budget": "first page p95 <= 100 ms",
            "results": summary,
            "load_average": load_average(),
        }
    )
    for key, plan in plans.items():
        print(f"\n== {key}\n{plan}", file=sys.stderr)
    if args.drop and not args.database_url:
        _appeals_data.drop()


def _explain(connection, sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


if __name__ == "__main__":
    main()
