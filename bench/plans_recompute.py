"""Recomputing a prefecture's plan (2,000 communities, 1,000,000 residents) on PostgreSQL, and
reading its dashboard.

Creates a fresh PostgreSQL database (``linli_bench_plans`` on ``--server``, default
``postgresql://postgres@127.0.0.1:5432``), migrates it (which installs the built-in indicators
and plan templates) and fills it with COPY, with the capacity benchmark's generator
(bench/capacity.py): the prefecture 220400 with 10 counties × 10 towns × 20 communities, their
facilities, households (``--households`` 500 per registry community: about 1,000,000
residents), reported population and household figures, 30,000 community workers with their
certificates and training, disaster information officers. Added here: ``--subjects`` (40,000)
people on the care roster with their visit plans for the month that stands for this year and
for this month; reported values of the plan's reported indicators for every community (a few
towns report for themselves); and the prefecture's plan, a copy of the built-in 西安区 template
(its computed targets and three reported ones) plus the training coverage.

Then, as a prefecture civil-affairs officer, ``--runs`` times each (default 5) after a warm-up:

- ``recompute``: a full recompute of the plan's year (``recompute_run``: every target for the
  2,111 areas, and the year's rows replaced in one transaction) — budget 2 s;
- ``compute_only``: the engine alone (``engine.compute``), without writing;
- ``plan_board`` (the prefecture's dashboard, budget 300 ms), ``plan_children`` of the
  prefecture (its counties) and of a town (its communities), ``target_drill`` of the prefecture
  and of a town (budget 200 ms each);
- ``hand_sql``: one hand-written SQL statement computing, for every community, the figures
  behind four of the indicators (facility coverage, facility area per 100 households, community
  workers per 10,000 urban residents, the monthly visit rate) from the same tables; its result
  is checked against the engine's stored values (``mismatches``), and the ratio of the
  recompute's time to it is reported (against its faster run: as the server is configured, and
  with JIT compilation off — ``hand_sql_jit_off`` — which on a default PostgreSQL 15 takes most
  of its time).

Medians and p95. The database is dropped at the end unless ``--keep``; ``--reuse`` times the
database a ``--keep`` run left, without loading it again.

Usage: linli bench plans_recompute [--runs 5] [--keep | --reuse] [--server URL] [sizes: --help]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _care_data  # noqa: E402
import capacity as capacity_bench  # noqa: E402
from _common import (  # noqa: E402
    add_database_options,
    bench_database,
    collect_static,
    row_counts,
    timed,
)

DATABASE = "linli_bench_plans"
PREFECTURE = capacity_bench.PREFECTURE
COUNTY = "220401000000"
TOWN = "220401001000"
BUDGET_RECOMPUTE_MS = 2000.0
BUDGET_BOARD_MS = 300.0
BUDGET_DRILL_MS = 200.0
EXTRA_TARGETS = ("worker_training_coverage",)


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    capacity_bench.add_size_options(parser, households=500)
    parser.add_argument("--subjects", type=int, default=40_000)
    parser.add_argument("--runs", type=int, default=5)
    add_database_options(parser)
    args = parser.parse_args()
    if args.runs < 3 or args.subjects < 100:
        parser.error("--runs ≥ 3, --subjects ≥ 100")
    return args


# --- data --------------------------------------------------------------------------------------


def fill_care(args, communities: list[str], residents: int) -> dict:
    """People on the roster (registry residents) and their plans of the month that stands for
    this year and of this month, spread over every community."""
    from django.db import transaction
    from django.utils import timezone

    from linli.care.models import month_end, month_start
    from linli.plans.queries.values import visit_month

    rng = random.Random(args.seed + 1)
    now = timezone.now()
    today = timezone.localdate()
    months = sorted({visit_month(today.year, today), month_start(today)})
    count = min(args.subjects, residents)
    roster, plans = [], []
    for sid in range(1, count + 1):
        place = communities[sid % len(communities)]
        roster.append(
            (sid, sid, place, "elderly", '["special_elderly.living_alone"]', "monthly", "normal",
             months[0], "", now, now)
        )  # fmt: skip
        for month in months:
            roll = rng.random()
            if roll < 0.02:
                done, status = (1, "done") if rng.random() < 0.33 else (0, "dropped")
            elif roll < 0.9:
                done, status = 1, "done"
            else:
                done, status = 0, "open"
            plans.append(
                (sid, sid, place, month, month_end(month), "monthly", 1, done, status, None,
                 None, None, "", now)
            )  # fmt: skip
    with transaction.atomic():
        _care_data._copy("care_subject", _care_data.SUBJECT_COLUMNS, roster)
        _care_data._copy("care_plan", _care_data.PLAN_COLUMNS, plans)
    _care_data.analyze("care_subject", "care_plan")
    return {"care_subjects": len(roster), "visit_plans": len(plans)}


def make_plan(officer):
    """The prefecture's plan: the built-in 西安区 template's targets, plus the training one."""
    from linli.plans.models import Indicator, Plan, Target

    template = Plan.objects.get(is_template=True, template_key="xian_qu")
    plan = Plan.objects.create(
        area_code=PREFECTURE,
        title="辽源市城乡社区服务体系建设规划（测试）",
        start_year=template.start_year,
        end_year=max(template.end_year, dt.date.today().year),
        status=Plan.Status.ACTIVE,
        template=template,
        created_by=officer,
    )
    position = 0
    for target in template.targets.order_by("position", "id"):
        Target.objects.create(
            plan=plan,
            indicator_id=target.indicator_id,
            op=target.op,
            value=target.value,
            binding=target.binding,
            per_community=target.per_community,
            position=position,
        )
        position += 1
    for key in EXTRA_TARGETS:
        if not plan.targets.filter(indicator__key=key).exists():
            Target.objects.create(
                plan=plan,
                indicator=Indicator.objects.get(area_code="", key=key),
                op="=",
                value=Decimal(100),
                position=position,
            )
            position += 1
    return plan


def fill_reported(args, plan, communities: list[str]) -> int:
    """A value of each reported indicator of the plan for every community; one town in ten
    reports for itself too (its entry then stands for its communities')."""
    from django.utils import timezone

    from linli.plans.models import Indicator, ReportedValue

    rng = random.Random(args.seed + 2)
    year = timezone.localdate().year
    rows = []
    for target in plan.targets.select_related("indicator"):
        indicator = target.indicator
        if indicator.source != Indicator.Source.REPORTED:
            continue
        for code in communities:
            rows.append(
                ReportedValue(
                    indicator=indicator, area_code=code, year=year,
                    numerator=Decimal(rng.choice((0, 1, 1, 1))), denominator=Decimal(1),
                    note="街道报送",
                )
            )  # fmt: skip
        for town in sorted({code[:9] for code in communities})[::10]:
            rows.append(
                ReportedValue(
                    indicator=indicator, area_code=town + "000", year=year,
                    numerator=Decimal(15), denominator=Decimal(20), note="镇报送",
                )
            )  # fmt: skip
    ReportedValue.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


# --- the hand-written SQL ------------------------------------------------------------------------

HAND_SQL = """
WITH c AS (
  SELECT code, urban_rural FROM core_area WHERE level = 5 AND code LIKE %(prefix)s
), fac AS (
  SELECT substr(area_code, 1, 12) AS code, COUNT(*) AS n, SUM(floor_area) AS floor
  FROM facilities_facility
  WHERE area_code LIKE %(prefix)s AND kind = 'comprehensive' AND status = 'open'
    AND created_at < %(day_end)s AND (year_built IS NULL OR year_built <= %(year)s)
  GROUP BY 1
), hh AS (
  SELECT community_id AS code, COUNT(*) AS n FROM registry_household
  WHERE community_id LIKE %(prefix)s GROUP BY 1
), fig AS (
  SELECT DISTINCT ON (area_id, kind) area_id AS code, kind, value FROM core_reportedfigure
  WHERE area_id LIKE %(prefix)s AND as_of <= %(day)s AND kind IN ('households', 'population')
  ORDER BY area_id, kind, as_of DESC
), res AS (
  SELECT substr(area_code, 1, 12) AS code, COUNT(*) AS n FROM registry_resident
  WHERE status = 'active' AND area_code LIKE %(prefix)s
    AND substr(area_code, 1, 12) IN (
      SELECT c.code FROM c WHERE c.urban_rural LIKE '1%%' AND NOT EXISTS (
        SELECT 1 FROM fig WHERE fig.code = c.code AND fig.kind = 'population'))
  GROUP BY 1
), wk AS (
  SELECT community_id AS code, COUNT(*) AS n FROM workforce_worker
  WHERE area_code LIKE %(prefix)s AND hired_on <= %(day)s
    AND (left_on IS NULL OR left_on > %(day)s)
  GROUP BY 1
), vis AS (
  SELECT substr(area_code, 1, 12) AS code,
         COUNT(*) FILTER (WHERE done >= required) AS n,
         COUNT(*) FILTER (WHERE status <> 'dropped' OR done >= required) AS d
  FROM care_plan WHERE month = %(month)s AND area_code LIKE %(prefix)s GROUP BY 1
)
SELECT c.code, c.urban_rural,
       (fac.n IS NOT NULL)::int AS covered,
       COALESCE(fac.floor, 0) AS floor,
       COALESCE(hh.n, hhf.value) AS households,
       COALESCE(wk.n, 0) AS workers,
       COALESCE(popf.value, res.n) AS population,
       COALESCE(vis.n, 0) AS visited, COALESCE(vis.d, 0) AS counted
FROM c
LEFT JOIN fac ON fac.code = c.code
LEFT JOIN hh ON hh.code = c.code
LEFT JOIN fig hhf ON hhf.code = c.code AND hhf.kind = 'households'
LEFT JOIN fig popf ON popf.code = c.code AND popf.kind = 'population'
LEFT JOIN res ON res.code = c.code
LEFT JOIN wk ON wk.code = c.code
LEFT JOIN vis ON vis.code = c.code
ORDER BY c.code
"""


def hand_sql(jit: bool = True) -> list[tuple]:
    """The hand-written statement's rows; ``jit=False`` runs it with PostgreSQL's JIT
    compilation off (its estimated cost passes ``jit_above_cost``, and compiling takes longer
    than running it)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from linli.facilities.queries.capacity_facts import day_end
    from linli.plans.queries.values import visit_month

    today = timezone.localdate()
    params = {
        "prefix": PREFECTURE[:4] + "%",
        "day": today,
        "day_end": day_end(today),
        "year": today.year,
        "month": visit_month(today.year, today),
    }
    with transaction.atomic(), connection.cursor() as cursor:
        if not jit:
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(HAND_SQL, params)
        return cursor.fetchall()


def check(plan, year: int, rows: list[tuple]) -> dict:
    """The engine's stored community values against the hand-written SQL's figures."""
    from linli.plans.models import Measurement
    from linli.plans.queries.status import cell_from_json

    stored = dict(
        Measurement.objects.filter(plan=plan, year=year, level=5).values_list("area_code", "values")
    )
    keys = {t.indicator.key: t.indicator.key for t in plan.targets.select_related("indicator")}
    mismatches: dict[str, int] = dict.fromkeys(("coverage", "area", "workers", "visits"), 0)
    compared = dict.fromkeys(mismatches, 0)

    def same(values, key, numerator, denominator, what):
        if key not in keys:
            return
        cell = cell_from_json(values.get(key))
        compared[what] += 1
        if (cell.numerator, cell.denominator) != (Decimal(numerator), Decimal(denominator)):
            mismatches[what] += 1

    for code, urban_rural, covered, floor, households, workers, population, n, d in rows:
        values = stored.get(code, {})
        same(values, "facility_coverage", covered, 1, "coverage")
        if urban_rural.startswith("1"):
            same(values, "facility_coverage_urban", covered, 1, "coverage")
            if population:
                same(values, "workers_per_10k_urban", workers, population, "workers")
        else:
            same(values, "facility_coverage_rural", covered, 1, "coverage")
        if households:
            same(values, "facility_area_per_100_households", floor, households, "area")
        same(values, "special_elderly_monthly_visit_rate", n, d, "visits")
    return {"compared": compared, "mismatches": mismatches}


# --- timing -------------------------------------------------------------------------------------


def _scenarios(args, plan, officer) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from linli.plans.actions.measure import recompute_run
    from linli.plans.models import Measurement, Recompute
    from linli.plans.queries import values as q
    from linli.plans.queries.engine import compute

    year = timezone.localdate().year

    def fresh():  # a new request: the account's roles are looked up again
        return get_user_model().objects.get(pk=officer.pk)

    def recompute():
        run = Recompute.objects.create(plan=plan, year=year, requested_by=officer)
        done = recompute_run(run.pk)
        assert done.status == Recompute.Status.DONE, done.error
        return {"areas": done.areas, "duration_ms_recorded": done.duration_ms}

    def compute_only():
        found = compute(plan, year)
        return {"areas": len(found), "cells": sum(len(cells) for _a, cells in found)}

    def board():
        found = q.plan_board(actor=fresh(), plan_id=plan.pk, year=year)
        return {"items": len(found.items), "counts": found.counts}

    def children(area):
        def run():
            found = q.plan_children(actor=fresh(), plan_id=plan.pk, area_code=area, year=year)
            return {"rows": len(found.rows)}

        return run

    def drill(area):
        target = plan.targets.get(indicator__key="facility_area_per_100_households")

        def run():
            found = q.target_drill(
                actor=fresh(), plan_id=plan.pk, target_id=target.pk, area_code=area, year=year
            )
            return {"rows": len(found.rows)}

        return run

    def queries_of(fn) -> int:
        with CaptureQueriesContext(connection) as captured:
            fn()
        return len(captured.captured_queries)

    found = {
        "recompute": timed(args.runs, recompute),
        "compute_only": timed(args.runs, compute_only),
    }
    found["recompute"]["queries"] = queries_of(recompute)
    found["recompute"]["rows_written"] = Measurement.objects.filter(plan=plan, year=year).count()
    found["plan_board"] = timed(args.runs * 4, board)
    found["plan_board"]["queries"] = queries_of(board)
    found["plan_children_prefecture"] = timed(args.runs * 4, children(PREFECTURE))
    found["plan_children_county"] = timed(args.runs * 4, children(COUNTY))
    found["plan_children_town"] = timed(args.runs * 4, children(TOWN))
    found["target_drill_prefecture"] = timed(args.runs * 4, drill(PREFECTURE))
    found["target_drill_town"] = timed(args.runs * 4, drill(TOWN))
    found.update(_pages(args, plan, officer, year))
    found["hand_sql"] = timed(args.runs, lambda: {"communities": len(hand_sql())})
    found["hand_sql"].update(check(plan, year, hand_sql()))
    found["hand_sql_jit_off"] = timed(args.runs, lambda: {"communities": len(hand_sql(jit=False))})
    best = min(found["hand_sql"]["median_ms"], found["hand_sql_jit_off"]["median_ms"])
    found["recompute_to_hand_sql"] = round(found["recompute"]["median_ms"] / best, 1)
    found["compute_only_to_hand_sql"] = round(found["compute_only"]["median_ms"] / best, 1)
    return found


def _pages(args, plan, officer, year: int) -> dict:
    """The pages themselves, as the officer's browser asks for them: the whole request through
    Django (session, middleware, the reads, the templates), in this process."""
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import reverse

    collect_static()
    client = Client()
    client.force_login(officer, backend="linli.core.auth.PhoneOrUsernameBackend")
    target = plan.targets.get(indicator__key="facility_area_per_100_households")
    pages = {
        "page_dashboard_prefecture": (
            reverse("plans:dashboard", args=[plan.pk]),
            {"area": PREFECTURE, "year": year},
        ),
        "page_children_prefecture": (
            reverse("plans:children", args=[plan.pk]),
            {"area": PREFECTURE, "year": year},
        ),
        "page_drill_prefecture": (
            reverse("plans:drill", args=[plan.pk, target.pk]),
            {"area": PREFECTURE, "year": year},
        ),
        "page_drill_town": (
            reverse("plans:drill", args=[plan.pk, target.pk]),
            {"area": TOWN, "year": year},
        ),
    }
    found = {}
    with override_settings(ALLOWED_HOSTS=["testserver"], SECURE_SSL_REDIRECT=False):
        for name, (path, query) in pages.items():

            def get(path=path, query=query):
                response = client.get(path, query)
                assert response.status_code == 200, (path, response.status_code)
                return {"bytes": len(response.content)}

            found[name] = timed(args.runs * 4, get)
    return found


# What a kept database holds (``--reuse``): rows by table.
KEPT_ROWS = {
    "communities": "core_area WHERE level = 5",
    "facilities": "facilities_facility",
    "households_in_registry": "registry_household",
    "residents_in_registry": "registry_resident",
    "workers": "workforce_worker",
    "attendance": "workforce_attendance",
    "visit_plans": "care_plan",
    "reported_values": "plans_reportedvalue",
}


def main() -> int:
    args = _parse()
    with bench_database(args, DATABASE) as run:
        from django.contrib.auth import get_user_model

        from linli.core.roles import Role
        from linli.plans.models import Plan

        if run.reused:
            data = row_counts(KEPT_ROWS)
            officer = get_user_model().objects.get(username="bench_prefecture")
            plan = Plan.objects.get(area_code=PREFECTURE, is_template=False)
        else:
            began = time.perf_counter()
            communities = capacity_bench.build_areas(args)
            data = capacity_bench.fill(args, communities)
            codes = [code for code, _urban in communities]
            data.update(fill_care(args, codes, data["residents_in_registry"]))
            officer = _care_data.officer(Role.COUNTY_OFFICER, PREFECTURE, "bench_prefecture")
            plan = make_plan(officer)
            data["reported_values"] = fill_reported(args, plan, codes)
            _care_data.analyze("plans_reportedvalue")
            data["load_seconds"] = round(time.perf_counter() - began, 1)
        data["targets"] = plan.targets.count()
        data["targets_reported"] = plan.targets.filter(indicator__source="reported").count()
        data["database_size"] = run.database_size()
        scenarios = _scenarios(args, plan, officer)
        slowest_read = max(
            scenarios[k]["median_ms"]
            for k in (
                "plan_children_prefecture",
                "plan_children_county",
                "plan_children_town",
                "target_drill_prefecture",
                "target_drill_town",
            )
        )
        within = {
            "recompute": scenarios["recompute"]["median_ms"] <= BUDGET_RECOMPUTE_MS,
            "plan_board": scenarios["plan_board"]["median_ms"] <= BUDGET_BOARD_MS,
            "dashboard_page": scenarios["page_dashboard_prefecture"]["median_ms"]
            <= BUDGET_BOARD_MS,
            "drill_pages": max(
                scenarios[k]["median_ms"]
                for k in (
                    "page_children_prefecture",
                    "page_drill_prefecture",
                    "page_drill_town",
                )
            )
            <= BUDGET_DRILL_MS,
            "children_and_drill": slowest_read <= BUDGET_DRILL_MS,
        }
        run.report(
            "plans_recompute",
            "a full recompute of a prefecture plan's values (every target for every area down "
            "to the communities) and the dashboard's reads, as a prefecture civil-affairs "
            "officer",
            budget_ms={
                "recompute": BUDGET_RECOMPUTE_MS,
                "plan_board": BUDGET_BOARD_MS,
                "children_and_drill": BUDGET_DRILL_MS,
            },
            within_budget=within,
            data=data,
            scenarios=scenarios,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
