"""Registry ledgers: the county-wide 特殊困难老年人台账 as .xlsx, on PostgreSQL, at county scale.

Creates a fresh PostgreSQL database (``linli_bench_ledger_<random>`` on the server of
``--server``, default ``postgresql://postgres@127.0.0.1:5432``), migrates it and fills it with
COPY: one county of 20 towns × 15 communities × 10 grids, ``--residents`` synthetic residents
(default 1,000,000) in households of 1–4 with valid-looking identity numbers (GB 11643 check
digit), phones, birth dates of a plausible age pyramid, encrypted and blind-indexed as the app
stores them; ``--special-share`` of them (default 8%) in 特殊困难老年人 kinds (one or two each),
plus smaller shares in the other ledgers' groups. Then, as a county civil-affairs officer
(``county_officer``: registry.view and pii.reveal over the county), it times
``ledgers.ledger_export(fmt="xlsx")`` for the whole county, unmasked (decrypting every identity
and phone number) and masked, ``--runs`` times each (default 3), and reports the medians;
also the .csv export, the ledger page (summary + first page) and the ledger index, and, for
reference, openpyxl's write-only mode writing the same rows. The database is dropped at the
end unless ``--keep``.

Usage: linli bench registry_ledger [--residents 1000000] [--special-share 0.08] [--runs 3]
                                   [--server postgresql://postgres@127.0.0.1:5432] [--keep]
                                   [--no-openpyxl]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import PROJECT_DIR, emit, load_average, machine_info  # noqa: E402

BUDGET_S = 10.0
COUNTY = "220403"
TOWNS, COMMUNITIES, GRIDS = 20, 15, 10
TODAY = dt.date.today()

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红建国建华志强淑珍凤英桂兰德福文秀海燕"
ETHNICITY = ["01"] * 92 + ["03", "11", "08", "06", "15", "02", "05", "10"]
KINDS = [  # (tag, weight, grade choices or None)
    ("special_elderly.living_alone", 30, None),
    ("special_elderly.empty_nest", 35, None),
    ("special_elderly.advanced_age", 25, None),
    ("special_elderly.left_behind", 5, None),
    ("special_elderly.disabled", 8, ["失能", "半失能"]),
    ("special_elderly.fp_family", 2, None),
]
OTHER_TAGS = [  # (tag, share of all residents, grade choices or None, who)
    ("disability", 0.015, ["视力残疾二级", "肢体残疾三级", "听力残疾四级", "智力残疾二级"], "any"),
    ("dibao", 0.010, None, "any"),
    ("tekun", 0.001, None, "old"),
    ("veteran", 0.008, None, "adult"),
    ("left_behind_child", 0.005, None, "child"),
]


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=1_000_000)
    parser.add_argument("--special-share", type=float, default=0.08)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    parser.add_argument("--no-openpyxl", action="store_true", help="skip the openpyxl reference")
    parser.add_argument("--seed", type=int, default=20260101)
    args = parser.parse_args()
    if args.residents < 1000 or not 0 < args.special_share < 0.2 or args.runs < 1:
        parser.error("--residents ≥ 1000, 0 < --special-share < 0.2, --runs ≥ 1")
    return args


def _setup_django(url: str, tmp: Path) -> None:
    from linli.cli import gen_keys_text

    for line in gen_keys_text().splitlines():
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


def _admin(server: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(sql)


# --- synthetic county ---------------------------------------------------------------------


def _areas() -> dict:
    from linli.core.models import Area

    rows = [
        Area(code="220000000000", name="吉林省", level=1, prefix="22"),
        Area(code="220400000000", name="辽源市", level=2, prefix="2204", parent_id="220000000000"),
        Area(code="220403000000", name="西安区", level=3, prefix=COUNTY, parent_id="220400000000"),
    ]
    communities, grids = [], []
    for t in range(1, TOWNS + 1):
        town = f"{COUNTY}{t:03d}"
        rows.append(
            Area(
                code=f"{town}000",
                name=f"第{t}街道",
                level=4,
                prefix=town,
                parent_id=COUNTY + "000000",
            )
        )
        for c in range(1, COMMUNITIES + 1):
            code = f"{town}{c:03d}"
            rural = t > TOWNS // 2
            name = f"{'村' if rural else '社区'}{t:02d}{c:02d}"
            rows.append(
                Area(
                    code=code,
                    name=name,
                    level=5,
                    prefix=code,
                    parent_id=f"{town}000",
                    urban_rural="220" if rural else "111",
                )
            )
            communities.append((code, name))
            for g in range(1, GRIDS + 1):
                grid = f"{code}{g:03d}"
                rows.append(
                    Area(code=grid, name=f"{name}第{g}网格", level=6, prefix=grid, parent_id=code)
                )
                grids.append(grid)
    Area.objects.bulk_create(rows, batch_size=2000)
    return {"communities": communities, "grids": len(grids)}


def _birth(rng: random.Random) -> dt.date:
    band = rng.random()
    if band < 0.18:
        age = rng.randint(0, 17)
    elif band < 0.78:
        age = rng.randint(18, 59)
    elif band < 0.95:
        age = rng.randint(60, 79)
    else:
        age = rng.randint(80, 99)
    return TODAY - dt.timedelta(days=age * 365 + rng.randint(0, 364))


def _fill(args, areas: dict) -> dict:
    """Households, residents and memberships by COPY in one transaction (FKs are deferred)."""
    from django.db import connection, transaction
    from stdnum.cn import ric

    from linli.core.pii import blind_index, encrypt

    rng = random.Random(args.seed)
    now = dt.datetime.now(dt.UTC)
    n = args.residents
    seq_by_birth: dict[tuple[dt.date, int], int] = {}
    kind_tags = [k for k, _w, _g in KINDS]
    kind_weights = [w for _k, w, _g in KINDS]
    kind_grades = {k: g for k, _w, g in KINDS}
    counts = {"households": 0, "residents": 0, "memberships": 0, "special_elderly_people": 0}
    per_tag: dict[str, int] = {}
    communities = areas["communities"]
    per_community = n // len(communities)
    resident_id = 0
    household_id = 0
    tag_rows: list[tuple] = []

    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg 3
        h_copy_sql = (
            "COPY registry_household (id, community_id, grid_id, area_code, building_id, unit, "
            "room, address, residence_type, head_id, is_demo, created_at, updated_at) FROM STDIN"
        )
        r_copy_sql = (
            "COPY registry_resident (id, area_code, household_id, name, name_pinyin, "
            "name_initials, id_number, id_bidx, id_tail, sex, birth_date, phone, phone_bidx, "
            "phone_tail, ethnicity, language, relationship, status, moved_in_on, is_demo, "
            "created_at, updated_at) FROM STDIN"
        )
        households: list[tuple] = []
        residents: list[tuple] = []
        for index, (community, cname) in enumerate(communities):
            target = per_community + (1 if index < n - per_community * len(communities) else 0)
            made = 0
            while made < target:
                household_id += 1
                size = min(target - made, rng.choice((1, 1, 2, 2, 2, 3, 3, 4)))
                g = rng.randint(1, GRIDS + 1)  # GRIDS + 1: not in a grid
                grid = f"{community}{g:03d}" if g <= GRIDS else None
                area_code = grid or community
                address = (
                    f"{cname}{rng.randint(1, 40)}号楼{rng.randint(1, 4)}单元{rng.randint(1, 18)}"
                    f"{rng.randint(1, 4):02d}室"
                )
                head_id = resident_id + 1
                households.append(
                    (
                        household_id,
                        community,
                        grid,
                        area_code,
                        None,
                        "",
                        "",
                        address,
                        "registered",
                        head_id,
                        False,
                        now,
                        now,
                    )
                )
                for member in range(size):
                    resident_id += 1
                    born = _birth(rng)
                    while member == 0 and (TODAY - born).days < 18 * 366:  # heads are adults
                        born = _birth(rng)
                    male = rng.random() < 0.5
                    key = (born, 1 if male else 0)
                    seq = seq_by_birth.get(key, 0)
                    seq_by_birth[key] = seq + 1
                    order = (seq * 2 + (1 if male else 0)) % 1000
                    body = f"{COUNTY}{born:%Y%m%d}{order:03d}"
                    number = body + ric.calc_check_digit(body + "0")
                    phone = f"1{rng.choice('3456789')}{rng.randint(0, 999_999_999):09d}"
                    has_phone = born.year < TODAY.year - 12
                    age = TODAY.year - born.year
                    residents.append(
                        (
                            resident_id,
                            area_code,
                            household_id,
                            rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2))),
                            "",
                            "",
                            encrypt(number),
                            blind_index(number, "id_number"),
                            number[-4:],
                            "M" if male else "F",
                            born,
                            encrypt(phone) if has_phone else None,
                            blind_index(phone, "phone") if has_phone else None,
                            phone[-4:] if has_phone else "",
                            rng.choice(ETHNICITY),
                            "zh",
                            "head" if member == 0 else rng.choice(("spouse", "child", "parent")),
                            "active",
                            TODAY - dt.timedelta(days=rng.randint(0, 9000)),
                            False,
                            now,
                            now,
                        )
                    )
                    _tags_for(
                        rng,
                        resident_id,
                        area_code,
                        age,
                        args.special_share,
                        (kind_tags, kind_weights, kind_grades),
                        tag_rows,
                        counts,
                        per_tag,
                    )
                made += size
            if len(residents) > 50_000 or index == len(communities) - 1:
                with raw.copy(h_copy_sql) as copy:
                    for row in households:
                        copy.write_row(row)
                with raw.copy(r_copy_sql) as copy:
                    for row in residents:
                        copy.write_row(row)
                counts["households"] += len(households)
                counts["residents"] += len(residents)
                households.clear()
                residents.clear()
        with raw.copy(
            "COPY registry_residenttag (resident_id, tag_id, area_code, grade, started_on, "
            "created_at) FROM STDIN"
        ) as copy:
            for row in tag_rows:
                copy.write_row((*row, now))
        counts["memberships"] = len(tag_rows)
        for table in ("registry_household", "registry_resident", "registry_residenttag"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT MAX(id) FROM {table}))"
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {**counts, "memberships_by_tag": dict(sorted(per_tag.items()))}


def _tags_for(rng, resident_id, area_code, age, share, kinds, tag_rows, counts, per_tag):
    kind_tags, kind_weights, kind_grades = kinds
    since = TODAY - dt.timedelta(days=rng.randint(30, 3000))
    # elderly people join until the share is reached so far: spread evenly over the county
    if age >= 60 and counts["special_elderly_people"] < share * resident_id:
        counts["special_elderly_people"] += 1
        chosen = {rng.choices(kind_tags, kind_weights)[0]}
        if rng.random() < 0.2:
            chosen.add(rng.choices(kind_tags, kind_weights)[0])
        for tag in sorted(chosen):
            grades = kind_grades[tag]
            tag_rows.append(
                (resident_id, tag, area_code, rng.choice(grades) if grades else "", since)
            )
            per_tag[tag] = per_tag.get(tag, 0) + 1
    for tag, share, grades, who in OTHER_TAGS:
        fits = (
            who == "any"
            or (who == "old" and age >= 60)
            or (who == "adult" and age >= 20)
            or (who == "child" and age < 16)
        )
        boost = {"old": 1 / 0.22, "adult": 1 / 0.75, "child": 1 / 0.16}.get(who, 1)
        if fits and rng.random() < share * boost:
            tag_rows.append(
                (resident_id, tag, area_code, rng.choice(grades) if grades else "", since)
            )
            per_tag[tag] = per_tag.get(tag, 0) + 1


def _officer():
    from linli.core.models import Area, RoleAssignment, User
    from linli.core.roles import Role

    county = Area.objects.get(code=COUNTY + "000000")
    user = User(username="bench_county", full_name="bench county officer")
    user.set_unusable_password()
    user.save()
    RoleAssignment.objects.create(
        user=user, role=Role.COUNTY_OFFICER, area=county, area_code=county.code
    )
    return user


# --- timing -------------------------------------------------------------------------------


def _timed(runs: int, fn) -> dict:
    seconds, last = [], None
    for _ in range(runs):
        began = time.perf_counter()
        last = fn()
        seconds.append(time.perf_counter() - began)
    return {
        "median_s": round(statistics.median(seconds), 3),
        "runs_s": [round(s, 3) for s in seconds],
        **(last or {}),
    }


def _scenarios(args, officer) -> dict:
    from django.contrib.auth import get_user_model

    from linli.registry import ledgers

    county = COUNTY + "000000"

    def fresh():  # a new request: grants are looked up again
        return get_user_model().objects.get(pk=officer.pk)

    def xlsx(masked: bool):
        def run():
            export = ledgers.ledger_export(
                actor=fresh(), ledger="special_elderly", area_code=county, fmt="xlsx", masked=masked
            )
            assert export.masked is masked
            return {"rows": export.rows, "bytes": len(export.content)}

        return run

    def csv_export():
        export = ledgers.ledger_export(
            actor=fresh(), ledger="special_elderly", area_code=county, fmt="csv"
        )
        size = sum(len(chunk) for chunk in export.chunks())
        return {"rows": export.rows, "bytes": size}

    def page():
        scope = ledgers.ledger_scope(actor=fresh(), area_code=county, ledger="special_elderly")
        names = ledgers.area_names(scope=scope)
        summary = ledgers.ledger_summary(scope=scope, names=names)
        first = ledgers.ledger_page(scope=scope, names=names, page=1)
        return {
            "people": summary.total,
            "communities": len(summary.rows),
            "page_rows": len(first.rows),
        }

    def index():
        scope = ledgers.ledger_scope(actor=fresh(), area_code=county)
        overview = ledgers.ledger_overview(scope=scope)
        return {"ledgers": overview.totals}

    results = {
        "xlsx_county_unmasked": _timed(args.runs, xlsx(False)),
        "xlsx_county_masked": _timed(args.runs, xlsx(True)),
        "csv_county_unmasked": _timed(args.runs, csv_export),
        "page_county_summary_and_first_page": _timed(args.runs, page),
        "index_county": _timed(args.runs, index),
    }
    if not args.no_openpyxl:
        results["reference_openpyxl_write_only"] = _openpyxl_reference(fresh())
    return results


def _openpyxl_reference(actor) -> dict:
    """The same rows (unmasked) through openpyxl's write-only mode: what the budget rules out."""
    from openpyxl import Workbook
    from openpyxl.xml import LXML

    from linli.registry import ledgers

    scope = ledgers.ledger_scope(actor=actor, area_code=COUNTY + "000000", ledger="special_elderly")
    names = ledgers.area_names(scope=scope)
    columns = scope.ledger.columns
    began = time.perf_counter()
    book = Workbook(write_only=True)
    sheet = book.create_sheet(scope.ledger.title)
    sheet.append([str(c.label) for c in columns])
    rows = 0
    for rows, row in enumerate(
        ledgers.ledger_rows(scope=scope, names=names, reveal_numbers=True, reveal_address=True),
        start=1,
    ):
        sheet.append(ledgers.cells(row, columns, rows))
    out = io.BytesIO()
    book.save(out)
    return {"seconds": round(time.perf_counter() - began, 3), "rows": rows, "lxml": LXML}


def main() -> int:
    args = _parse()
    load_before = load_average()
    name = f"linli_bench_ledger_{secrets.token_hex(4)}"
    tmp = Path(tempfile.mkdtemp(prefix="linli-bench-"))
    created = False
    try:
        _admin(args.server, f'CREATE DATABASE "{name}"')
        created = True
        _setup_django(f"{args.server}/{name}", tmp)
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", "--no-input", verbosity=0)
        began = time.perf_counter()
        areas = _areas()
        data = _fill(args, areas)
        load_s = time.perf_counter() - began
        officer = _officer()
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            database = cursor.fetchone()[0].split(" on ")[0]
        scenarios = _scenarios(args, officer)
        best = scenarios["xlsx_county_unmasked"]["median_s"]
        emit(
            {
                "benchmark": "registry_ledger",
                "what": "ledger_export(fmt='xlsx') of the county's 特殊困难老年人台账 as a "
                "county_officer, median of the runs",
                "budget_s": BUDGET_S,
                "within_budget": max(best, scenarios["xlsx_county_masked"]["median_s"]) <= BUDGET_S,
                "data": {
                    "towns": TOWNS,
                    "communities": len(areas["communities"]),
                    "grids": areas["grids"],
                    **data,
                    "load_seconds": round(load_s, 1),
                    "seed": args.seed,
                },
                "scenarios": scenarios,
                "machine": {
                    **machine_info(database=database),
                    "load_average_before": load_before,
                    "load_average_after": load_average(),
                },
            }
        )
        return 0
    except Exception as exc:
        import traceback

        traceback.print_exc()
        print(f"registry_ledger failed: {exc}", file=sys.stderr)
        return 1
    finally:
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        if created and not args.keep:
            _admin(args.server, f'DROP DATABASE IF EXISTS "{name}"')
        elif created:
            print(f"kept database {name}", file=sys.stderr)
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
        os.chdir(PROJECT_DIR)


if __name__ == "__main__":
    sys.exit(main())
