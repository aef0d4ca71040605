"""The capacity figures of a prefecture with 2,000 communities, on PostgreSQL.

Creates a fresh PostgreSQL database (``linli_bench_capacity`` on ``--server``, default
``postgresql://postgres@127.0.0.1:5432``), migrates it and fills it with COPY: the prefecture
220400 with ``--counties`` (10) × ``--towns`` (10) × ``--communities`` (20) communities, 60 %
urban; about three facilities per community (a comprehensive facility in 90 % of them, some
closed, some built in the plan period, day-care centres in most urban communities, a social work
station in most towns); households in the registry for half of the communities (about
``--households`` 400 each) with about two residents each, and reported household figures for the
other half; reported population figures for every community, those of the registry half dated
only ``POPULATION_LAG`` days ago; ``--workers`` (30,000) community workers, a tenth of them gone,
a fifth with social work certificates (some expired); ``--attendance`` (100,000) training
attendance rows; a disaster information officer in 90 % of the communities.

Then, as a prefecture civil-affairs officer (a fresh account object each time: its roles are
read again, as on a new request), it times, ``--runs`` times each after a warm-up:

- ``prefecture_all_figures``: ``capacity_figures`` of the prefecture, every figure — what
  ``GET /api/v1/facilities/capacity`` runs (budget 500 ms);
- ``prefecture_all_figures_with_every_row``: the same with the rows of all fifteen figures built
  (30,000 rows; a figure page builds one figure's);
- ``prefecture_all_figures_population_from_registry``: the same on a date before the registry
  half's population figures, so their population is counted from 800,000 residents;
- ``prefecture_trained_counts_alone``: the training figure's query of the workforce app, which
  the above include;
- ``prefecture_rollup`` (its 10 counties) and ``county_rollup`` (a county's 10 towns): what
  the capacity page runs;
- ``prefecture_gaps``: the gap finder's question (no day-care centre, under 30 m² per 100
  households, under 18 workers per 10,000 residents).

Medians and p95; the query count and ``EXPLAIN (ANALYZE, BUFFERS)`` of each query of the
prefecture's figures are included. The database is dropped at the end unless ``--keep``.

Usage: linli bench capacity [--runs 10] [--keep | --reuse] [--server URL] [sizes: see --help]
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
from _common import add_database_options, bench_database, row_counts, timed  # noqa: E402

BUDGET_MS = 500.0
DATABASE = "linli_bench_capacity"
PREFECTURE = "220400000000"
COUNTY = "220401000000"
POPULATION_LAG = 10  # days: the registry half's population figures are this recent
RESIDENTS_PER_HOUSEHOLD = 2

FACILITY_COLUMNS = (
    "area_id, area_code, name, kind, status, floor_area, activity_area, year_built, ownership, "
    "address, accessibility, terminals, hours, open_days, min_daily_hours, phone, new_build, "
    "residential_area, commercial_area, note, created_at, updated_at"
)
FIGURE_COLUMNS = "area_id, kind, value, as_of, source, recorded_at"
WORKER_COLUMNS = (
    "id, community_id, area_code, name, gender, post, committee_role, party_member, education, "
    "social_work_major, hired_on, left_on, leave_reason, created_at, updated_at"
)
CERTIFICATE_COLUMNS = "worker_id, area_code, level, number, obtained_on, expires_on, created_at"
COURSE_COLUMNS = "id, area_id, area_code, title, organiser, mode, hours, description, created_at"
SESSION_COLUMNS = "id, course_id, area_code, starts_on, ends_on, place, hours, created_at"
ATTENDANCE_COLUMNS = "session_id, worker_id, area_code, attended, hours, trained_on, recorded_at"
OFFICER_COLUMNS = "community_id, area_code, name, trained_on, started_on, ended_on"
OTHER_KINDS = ("health_station", "culture_sports", "library", "fitness", "parcel_post", "shelter")


def add_size_options(parser, *, households: int = 400) -> None:
    """The sizes :func:`build_areas` and :func:`fill` read (see the module's description)."""
    parser.add_argument("--counties", type=int, default=10)
    parser.add_argument("--towns", type=int, default=10)
    parser.add_argument("--communities", type=int, default=20)
    parser.add_argument("--households", type=int, default=households)
    parser.add_argument("--workers", type=int, default=30_000)
    parser.add_argument("--attendance", type=int, default=100_000)


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_size_options(parser)
    parser.add_argument("--runs", type=int, default=10)
    add_database_options(parser)
    args = parser.parse_args()
    if not 1 <= args.counties <= 99 or not 1 <= args.towns <= 99 or args.runs < 5:
        parser.error("1 ≤ --counties, --towns ≤ 99; --runs ≥ 5")
    if not 1 <= args.communities <= 999 or args.workers < 100 or args.attendance < 0:
        parser.error("1 ≤ --communities ≤ 999; --workers ≥ 100; --attendance ≥ 0")
    return args


# --- data --------------------------------------------------------------------------------------


def build_areas(args) -> list[tuple[str, bool]]:
    """The prefecture and its counties, towns and communities; returns (community, urban)."""
    from linli.core.areacodes import Level
    from linli.core.models import Area

    rows = [
        Area(code="220000000000", name="吉林省", level=Level.PROVINCE, prefix="22"),
        Area(code=PREFECTURE, name="辽源市", level=Level.PREFECTURE, prefix="2204",
             parent_id="220000000000"),
    ]  # fmt: skip
    communities = []
    for c in range(1, args.counties + 1):
        county = f"2204{c:02d}000000"
        rows.append(
            Area(code=county, name=f"县{c}", level=Level.COUNTY, prefix=county[:6],
                 parent_id=PREFECTURE)
        )  # fmt: skip
        for t in range(1, args.towns + 1):
            town = f"{county[:6]}{t:03d}000"
            rows.append(
                Area(code=town, name=f"镇{c}-{t}", level=Level.TOWN, prefix=town[:9],
                     parent_id=county)
            )  # fmt: skip
            for n in range(1, args.communities + 1):
                code = f"{town[:9]}{n:03d}"
                urban = (t + n) % 5 < 3
                rows.append(
                    Area(code=code, name=f"社区{c}-{t}-{n}", level=Level.COMMUNITY, prefix=code,
                         parent_id=town, urban_rural="111" if urban else "220")
                )  # fmt: skip
                communities.append((code, urban))
    Area.objects.bulk_create(rows, batch_size=2000)
    return communities


def _facility(area: str, name: str, kind: str, rng: random.Random, now, **over) -> tuple:
    floor = Decimal(rng.randrange(80, 1500))
    row = {
        "status": "closed" if rng.random() < 0.03 else "open",
        "floor_area": floor,
        "activity_area": (floor * Decimal(rng.randrange(30, 90)) / 100).quantize(Decimal("0.01")),
        "year_built": rng.choice((None, rng.randrange(1995, 2026))),
        "terminals": rng.choice((0, 0, 1, 2)),
        "open_days": rng.choice((5, 6, 7)),
        "min_daily_hours": Decimal(rng.choice(("6", "7.5", "8", "8.5", "9", "10"))),
        "new_build": rng.random() < 0.1,
        "residential_area": None,
        "commercial_area": Decimal(0),
    }
    row.update(over)
    if row["new_build"]:
        row["residential_area"] = Decimal(rng.randrange(20_000, 200_000))
        row["commercial_area"] = Decimal(rng.randrange(0, 3000))
    return (
        area, area, name, kind, row["status"], row["floor_area"], row["activity_area"],
        row["year_built"], "owned", "", "[]", row["terminals"], "{}", row["open_days"],
        row["min_daily_hours"], "", row["new_build"], row["residential_area"],
        row["commercial_area"], "", now, now,
    )  # fmt: skip


def fill(args, communities: list[tuple[str, bool]]) -> dict:
    from django.db import transaction
    from django.utils import timezone

    rng = random.Random(args.seed)
    now = timezone.now()
    today = timezone.localdate()
    facilities, figures, households, people, officers = [], [], [], [], []
    towns = sorted({code[:9] for code, _u in communities})
    for town in towns:
        if rng.random() < 0.7:
            code = town + "000"
            facilities.append(_facility(code, f"社工站{town}", "social_work", rng, now))
    hid = rid = 0
    for index, (code, urban) in enumerate(communities):
        if rng.random() < 0.9:
            facilities.append(_facility(code, f"党群服务中心{code}", "comprehensive", rng, now))
        if urban and rng.random() < 0.8:
            facilities.append(
                _facility(code, f"日间照料中心{code}", "day_care", rng, now, terminals=0)
            )
        facilities.append(_facility(code, f"服务点{code}", rng.choice(OTHER_KINDS), rng, now))
        if rng.random() < 0.05:
            facilities.append(_facility(code, f"社工室{code}", "social_work", rng, now))
        in_registry = index % 2 == 0
        population = rng.randrange(1500, 12_000)
        if in_registry:
            for _ in range(rng.randrange(args.households * 3 // 4, args.households * 5 // 4 + 1)):
                hid += 1
                households.append(
                    (hid, code, None, code, f"幸福路{hid % 300 + 1}号", "", str(hid % 97 + 1),
                     "registered", False, now, now)
                )  # fmt: skip
                for member in range(RESIDENTS_PER_HOUSEHOLD):
                    rid += 1
                    people.append(
                        (rid, code, hid, "居民", "", "", "", "MF"[member % 2], None, "", "01", "",
                         "head" if member == 0 else "spouse", "active", False, now, now)
                    )  # fmt: skip
            figures.append(
                (code, "population", population, today - dt.timedelta(days=POPULATION_LAG),
                 "统计年报", now)
            )  # fmt: skip
        else:
            for days in (800, 400):
                figures.append(
                    (code, "households", rng.randrange(250, 2500),
                     today - dt.timedelta(days=days), "统计年报", now)
                )  # fmt: skip
            for days in (800, 400):
                figures.append(
                    (code, "population", population, today - dt.timedelta(days=days), "统计年报",
                     now)
                )  # fmt: skip
        if rng.random() < 0.9:
            ended = rng.random() < 0.1
            started = today - dt.timedelta(days=rng.randrange(100, 2000))
            officers.append(
                (code, code, f"信息员{code}", None, started,
                 today - dt.timedelta(days=rng.randrange(1, 90)) if ended else None)
            )  # fmt: skip
            if ended:
                officers.append((code, code, f"新信息员{code}", None, today, None))
    workers, certificates = [], []
    codes = [code for code, _u in communities]
    live_ids = []
    for wid in range(1, args.workers + 1):
        code = codes[wid % len(codes)]
        hired = today - dt.timedelta(days=rng.randrange(30, 4000))
        left = hired + dt.timedelta(days=rng.randrange(10, 900)) if rng.random() < 0.1 else None
        if left is not None and left > today:
            left = None
        post = rng.choices(("committee", "social_work", "grid", "other"), (3, 2, 4, 1))[0]
        workers.append(
            (wid, code, code, f"工作者{wid}", rng.choice("fm"), post,
             "member" if post == "committee" else "", rng.random() < 0.5, "bachelor",
             rng.random() < 0.05, hired, left, "", now, now)
        )  # fmt: skip
        if left is None:
            live_ids.append((wid, code))
        if rng.random() < 0.2:
            obtained = today - dt.timedelta(days=rng.randrange(10, 3000))
            expires = obtained + dt.timedelta(days=rng.randrange(365, 3650))
            level = rng.choice(("assistant", "social_worker", "senior"))
            certificates.append((wid, code, level, f"SW{wid}", obtained, expires, now))
    counties = sorted({code[:6] for code in codes})
    courses, sessions, attendance = [], [], []
    per_session = 200
    session_count = max(1, args.attendance // per_session)
    for cid, county in enumerate(counties, start=1):
        courses.append(
            (cid, county + "000000", county + "000000", f"素质提升培训{cid}", "民政局",
             "in_person", Decimal(8), "", now)
        )  # fmt: skip
    for sid in range(1, session_count + 1):
        cid = (sid - 1) % len(counties) + 1
        day = today - dt.timedelta(days=rng.randrange(1, 1000))
        sessions.append((sid, cid, counties[cid - 1] + "000000", day, day, "党校", Decimal(8), now))
    by_county: dict[str, list[tuple[int, str]]] = {}
    for wid, code in live_ids:
        by_county.setdefault(code[:6], []).append((wid, code))
    for sid, cid, _code, day, _e, _p, _h, _n in sessions:
        pool = by_county.get(counties[cid - 1], [])
        for wid, code in rng.sample(pool, min(per_session, len(pool))):
            attendance.append((sid, wid, code, rng.random() < 0.95, Decimal(8), day, now))
    with transaction.atomic():
        _care_data._copy("facilities_facility", FACILITY_COLUMNS, facilities)
        _care_data._copy("core_reportedfigure", FIGURE_COLUMNS, figures)
        _care_data._copy("registry_household", _care_data.HOUSEHOLD_COLUMNS, households)
        _care_data._copy("registry_resident", _care_data.RESIDENT_COLUMNS, people)
        _care_data._copy("workforce_worker", WORKER_COLUMNS, workers)
        _care_data._copy("workforce_certificate", CERTIFICATE_COLUMNS, certificates)
        _care_data._copy("workforce_course", COURSE_COLUMNS, courses)
        _care_data._copy("workforce_session", SESSION_COLUMNS, sessions)
        _care_data._copy("workforce_attendance", ATTENDANCE_COLUMNS, attendance)
        _care_data._copy("notices_infoofficer", OFFICER_COLUMNS, officers)
    _care_data.analyze(
        "core_area", "facilities_facility", "core_reportedfigure", "registry_household",
        "registry_resident", "workforce_worker", "workforce_certificate", "workforce_attendance",
        "workforce_session", "notices_infoofficer",
    )  # fmt: skip
    return {
        "communities": len(communities),
        "urban_communities": sum(1 for _c, u in communities if u),
        "towns": len(towns),
        "counties": len(counties),
        "facilities": len(facilities),
        "households_in_registry": len(households),
        "residents_in_registry": len(people),
        "reported_figures": len(figures),
        "workers": len(workers),
        "certificates": len(certificates),
        "attendance": len(attendance),
        "info_officers": len(officers),
    }


# What a kept database holds (``--reuse``): rows by table.
KEPT_ROWS = {
    "communities": "core_area WHERE level = 5",
    "facilities": "facilities_facility",
    "households_in_registry": "registry_household",
    "residents_in_registry": "registry_resident",
    "reported_figures": "core_reportedfigure",
    "workers": "workforce_worker",
    "certificates": "workforce_certificate",
    "attendance": "workforce_attendance",
    "info_officers": "notices_infoofficer",
}


# --- timing -------------------------------------------------------------------------------------


def _explain(actor, as_of: dt.date) -> dict:
    """Each query of the prefecture's figures, with its time and the plan's top line."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from linli.facilities.queries import capacity_figures

    with CaptureQueriesContext(connection) as captured:
        capacity_figures(actor=actor, area_code=PREFECTURE, as_of=as_of)
    found = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            plan = [row[0] for row in cursor.fetchall()]
            found.append({"sql": query["sql"][:160], "plan": plan})
    return {"queries": len(captured.captured_queries), "plans": found}


def _scenarios(args) -> dict:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from linli.core.roles import Role
    from linli.facilities.queries import (
        capacity_figures,
        capacity_gaps,
        capacity_rollup,
    )

    officer = get_user_model().objects.filter(username="bench_prefecture").first()
    if officer is None:
        officer = _care_data.officer(Role.COUNTY_OFFICER, PREFECTURE, "bench_prefecture")
    today = timezone.localdate()
    earlier = today - dt.timedelta(days=POPULATION_LAG + 20)

    def fresh():  # a new request: the account's roles are looked up again
        return get_user_model().objects.get(pk=officer.pk)

    def figures(as_of, rows=False):
        def run():
            found = capacity_figures(actor=fresh(), area_code=PREFECTURE, as_of=as_of)
            out = {
                "figures": len(found),
                "values": {
                    k: None if f.value is None else float(f.value) for k, f in found.items()
                },
            }
            if rows:  # every row of every figure built, as if all fifteen pages were read
                out["rows"] = sum(len(f.rows) for f in found.values())
            return out

        return run

    def training():
        from linli.workforce.queries.training import trained_counts

        return {"communities": len(trained_counts(prefix="2204", as_of=today))}

    def rollup(area):
        def run():
            found = capacity_rollup(actor=fresh(), area_code=area, as_of=today)
            return {"children": len(found.children)}

        return run

    def gaps():
        report = capacity_gaps(
            actor=fresh(),
            area_code=PREFECTURE,
            as_of=today,
            lacks_kinds=["day_care"],
            area_per_100_below=30,
            workers_per_10k_below=18,
        )
        return {"communities_with_gaps": len(report.rows), "checked": report.checked}

    return {
        "prefecture_all_figures": timed(args.runs, figures(today)),
        "prefecture_all_figures_with_every_row": timed(args.runs, figures(today, rows=True)),
        "prefecture_all_figures_population_from_registry": timed(args.runs, figures(earlier)),
        "prefecture_trained_counts_alone": timed(args.runs, training),
        "prefecture_rollup": timed(args.runs, rollup(PREFECTURE)),
        "county_rollup": timed(args.runs, rollup(COUNTY)),
        "prefecture_gaps": timed(args.runs, gaps),
        "explain_prefecture_all_figures": _explain(fresh(), today),
    }


def main() -> int:
    args = _parse()
    with bench_database(args, DATABASE) as run:
        if run.reused:
            data = row_counts(KEPT_ROWS)
        else:
            began = time.perf_counter()
            communities = build_areas(args)
            data = fill(args, communities)
            data["load_seconds"] = round(time.perf_counter() - began, 1)
        data["database_size"] = run.database_size()
        scenarios = _scenarios(args)
        run.report(
            "capacity",
            "capacity_figures (every figure with its rows), capacity_rollup and capacity_gaps "
            "of a prefecture, as a prefecture civil-affairs officer",
            budget_ms=BUDGET_MS,
            within_budget=scenarios["prefecture_all_figures"]["median_ms"] <= BUDGET_MS,
            data=data,
            scenarios=scenarios,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
