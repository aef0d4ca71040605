"""Monthly visit plans for a county with 50,000 people on the care roster, on PostgreSQL.

Creates a fresh PostgreSQL database (``linli_bench_care_plans`` on ``--server``, default
``postgresql://postgres@127.0.0.1:5432``), migrates it and fills it with COPY
(bench/_care_data.py): the county 220403 with 10 towns × 20 communities × 8 grids, a full-time
grid worker on duty in every grid, the built-in visit policy, and a registry in which
``--subjects`` residents (default 50,000) hold care memberships (special-difficulty elderly of
every kind, severe disabilities, left-behind children and children in difficulty; some in two
groups), half as many hold memberships the policy does not visit and as many again none.

Then it times ``care_plan_generate`` for the whole county, as the background run does:

- ``first``: the roster is empty; the run derives it from the registry and makes a plan per
  person (``--runs`` times, the roster and plans removed between runs, untimed);
- ``monthly``: the roster exists and next month's plans are made (the run each month does);
- ``rerun``: the same month again, nothing changed (every count zero);
- ``rerun_after_changes``: once, after 1% of the people died, 1% moved to another grid, 1%
  lost their group and 5% of the grid workers left their grid.

The budget is 10 s for the monthly generation (``first`` and ``monthly``). The database is
dropped at the end unless ``--keep``.

Usage: linli bench care_plans [--subjects 50000] [--runs 3] [--keep]
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
from _common import emit, load_average, machine_info  # noqa: E402

BUDGET_S = 10.0
DATABASE = "linli_bench_care_plans"
TOWNS, COMMUNITIES, GRIDS = 10, 20, 8


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    parser.add_argument("--seed", type=int, default=20261122)
    args = parser.parse_args()
    if args.subjects < 100 or args.runs < 1:
        parser.error("--subjects ≥ 100, --runs ≥ 1")
    return args


def _generate(month) -> tuple[float, dict]:
    from linli.care import actions
    from linli.core.scoping import SYSTEM

    # What autovacuum does on a live server between two monthly runs (untimed): the deletes
    # between runs here would otherwise leave dead rows and stale statistics.
    _care_data.analyze("care_subject", "care_plan")
    began, cpu = time.perf_counter(), time.process_time()
    counts = actions.care_plan_generate(actor=SYSTEM, area_code=_care_data.COUNTY, month=month)
    return time.perf_counter() - began, time.process_time() - cpu, counts


def _summary(timed: list[tuple[float, float]], counts: dict) -> dict:
    """Wall seconds per run, and the CPU seconds of this process (the database's not counted)."""
    seconds = [wall for wall, _cpu in timed]
    return {
        "median_s": round(statistics.median(seconds), 2),
        "median_app_cpu_s": round(statistics.median(cpu for _wall, cpu in timed), 2),
        "min_s": round(min(seconds), 2),
        "max_s": round(max(seconds), 2),
        "runs": len(seconds),
        "counts": counts,
    }


def _changes(rng: random.Random, grids: list[str]) -> dict:
    """What a month brings: deaths, moves between grids, memberships ended, workers leaving."""
    from django.db import transaction
    from django.utils import timezone

    from linli.care.models import Subject
    from linli.registry.models import GridStaff, Resident, ResidentTag

    today = timezone.localdate()
    on_roster = list(
        Subject.objects.filter(ended_on__isnull=True).values_list("resident_id", flat=True)
    )
    rng.shuffle(on_roster)
    share = len(on_roster) // 100
    died = on_roster[:share]
    moved = on_roster[share : 2 * share]
    left = on_roster[2 * share : 3 * share]
    with transaction.atomic():
        Resident.objects.filter(pk__in=died).update(
            status=Resident.Status.DECEASED, deceased_on=today, household=None
        )
        ResidentTag.objects.filter(resident_id__in=died).update(ended_on=today)
        for resident_id in moved:
            grid = rng.choice(grids)
            Resident.objects.filter(pk=resident_id).update(area_code=grid)
            ResidentTag.objects.filter(resident_id=resident_id).update(area_code=grid)
        ResidentTag.objects.filter(resident_id__in=left, ended_on__isnull=True).update(
            ended_on=today
        )
        leaving = rng.sample(grids, len(grids) // 20)
        GridStaff.objects.filter(area_code__in=leaving).update(ended_on=today)
    return {
        "died": len(died),
        "moved": len(moved),
        "left_group": len(left),
        "workers_left": len(leaving),
    }


def _scenarios(args, grids: list[str]) -> dict:
    from django.utils import timezone

    from linli.care.models import Plan, Subject, month_end, month_start

    month = month_start(timezone.localdate())
    following = month_end(month) + dt.timedelta(days=1)
    first, counts_first = [], {}
    for _ in range(args.runs):
        Plan.objects.all().delete()
        Subject.objects.all().delete()
        *timed, counts_first = _generate(month)
        first.append(timed)
    monthly, counts_monthly = [], {}
    for _ in range(args.runs):
        Plan.objects.filter(month=following).delete()
        *timed, counts_monthly = _generate(following)
        monthly.append(timed)
    rerun, counts_rerun = [], {}
    for _ in range(args.runs):
        *timed, counts_rerun = _generate(following)
        rerun.append(timed)
    changes = _changes(random.Random(args.seed), grids)
    *timed, counts_changed = _generate(following)
    return {
        "first": _summary(first, counts_first),
        "monthly": _summary(monthly, counts_monthly),
        "rerun": _summary(rerun, counts_rerun),
        "rerun_after_changes": {**_summary([timed], counts_changed), "changes": changes},
    }


def main() -> int:
    args = _parse()
    load_before = load_average()
    tmp = Path(tempfile.mkdtemp(prefix="linli-bench-"))
    _care_data.create_database(args.server, DATABASE)
    try:
        _care_data.setup_django(f"{args.server}/{DATABASE}", tmp)
        from linli.care import actions
        from linli.core.scoping import SYSTEM

        began = time.perf_counter()
        grids = _care_data.build_county(TOWNS, COMMUNITIES, GRIDS)
        _care_data.fill_staff(grids)
        data = _care_data.fill_registry(grids, args.subjects, seed=args.seed)
        actions.care_policy_defaults(actor=SYSTEM, county_code=_care_data.COUNTY)
        data["grids"] = len(grids)
        data["load_seconds"] = round(time.perf_counter() - began, 1)
        scenarios = _scenarios(args, grids)
        worst = max(scenarios["first"]["median_s"], scenarios["monthly"]["median_s"])
        emit(
            {
                "benchmark": "care_plans",
                "what": "care_plan_generate for a county: roster refresh from the registry and "
                "one month's plans, as the background run does",
                "budget_s": BUDGET_S,
                "within_budget": worst <= BUDGET_S,
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
