"""Resident import: 100,000 residents from one .xlsx, checked and written, on a fresh database.

Creates a temporary database (SQLite in a temporary directory, or a fresh PostgreSQL database
that is dropped at the end), migrates it, adds a town with three communities and a community
worker for the town's communities, and writes a synthetic .xlsx of residents (valid ID numbers
with check digits from python-stdnum, about 35,000 households in buildings, units and rooms,
some by address only, phones and group tags on some rows).

The import then runs in a child process, as the web request and the worker would run it:
``registry_import_start`` (headers checked, file sealed, job queued) and
``registry_import_run`` (every row checked, then one write transaction). The child reports
the time of each phase and its peak resident memory (``ru_maxrss``). The same file is then
imported a second time, which must change nothing, and the list is exported as .xlsx.

Usage: linli bench registry_import [--rows 100000] [--database sqlite|postgresql]
                                   [--pg-url postgresql://postgres@127.0.0.1:5432]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import PROJECT_DIR, emit, load_average, machine_info  # noqa: E402

COMMUNITIES = ["220403001001", "220403001002", "220403001003"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"  # noqa: E501
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国红玉梅文斌辉鹏波宇浩凯婷雪琳晨欣怡佳子涵梓萱一诺宇轩浩然志强春花冬梅海燕"  # noqa: E501
RELATIONS = ["配偶", "子女", "子女", "父母", "孙子女"]
TAGS = ["党员", "独居老人", "残疾人:二级", "退役军人", "dibao"]

SETUP = """
from linli.core.models import Area, RoleAssignment, User
from linli.core.roles import Role
from linli.core import actions

actions.areas_load_national()
Area.objects.create(code="220403001000", name="仙城街道", level=4, parent_id="220403000000",
                    prefix="220403001")
for i, code in enumerate(%(communities)r, start=1):
    Area.objects.create(code=code, name=f"第{i}社区", level=5, parent_id="220403001000",
                        prefix=code, urban_rural="111")
user = User(username="bench_worker", full_name="bench worker")
user.set_unusable_password()
user.save()
for code in %(communities)r:
    RoleAssignment.objects.create(user=user, role=Role.COMMUNITY_WORKER, area_id=code,
                                  area_code=code)
"""

CHILD = r"""
import json, resource, time, sys
import django
django.setup()
from linli.core.models import User
from linli.registry import actions
from linli.registry.models import ImportJob, Resident, Household
from linli.registry import queries

timings = {}
from linli.registry.imports import jobs
real_plan, real_write = jobs._plan, jobs._write
def timed(name, fn):
    def wrapper(*args, **kwargs):
        t = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            timings[name] = round(time.perf_counter() - t, 2)
    return wrapper
jobs._plan = timed("plan_s", real_plan)
jobs._write = timed("write_s", real_write)

user = User.objects.get(username="bench_worker")
path = sys.argv[1]
result = {}
for attempt in ("first", "again"):
    timings.clear()
    t0, c0 = time.perf_counter(), time.process_time()
    with open(path, "rb") as f:
        data = f.read()
    job = actions.registry_import_start(actor=user, filename="residents.xlsx", data=data)
    del data
    t1 = time.perf_counter()
    actions.registry_import_run(job_id=job.pk)
    t2 = time.perf_counter()
    job.refresh_from_db()
    check = round(t2 - t1 - timings.get("plan_s", 0) - timings.get("write_s", 0), 2)
    result[attempt] = {
        "status": job.status,
        "message": job.message,
        "error_rows": job.error_rows,
        "first_errors": dict(list(job.errors.items())[:5]),
        "counts": job.counts,
        "upload_s": round(t1 - t0, 2),
        "read_and_check_s": check,
        **timings,
        "total_s": round(t2 - t0, 2),
        "cpu_s": round(time.process_time() - c0, 2),
    }
result["peak_rss_import_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
result["residents"] = Resident.objects.count()
result["households"] = Household.objects.count()
t = time.perf_counter()
export = actions.registry_export(actor=user, fmt="xlsx")
size = sum(len(chunk) for chunk in export.chunks)
result["export_xlsx"] = {"rows": export.rows, "bytes": size, "seconds": round(time.perf_counter() - t, 2)}
result["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
print("RESULT=" + json.dumps(result, ensure_ascii=False))
"""


def make_id(birth, seq: int) -> str:
    from stdnum.cn import ric

    body = f"220403{birth:%Y%m%d}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


def write_file(path: Path, rows: int, seed: int = 20261122) -> dict:
    """The synthetic workbook: returns how many households and tags it holds."""
    import datetime as dt

    from openpyxl import Workbook

    rng = random.Random(seed)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("居民")
    sheet.append(
        [
            "社区代码",
            "楼栋",
            "单元",
            "房号",
            "地址",
            "居住类型",
            "姓名",
            "身份证号",
            "手机号",
            "民族",
            "与户主关系",
            "迁入日期",
            "群体标签",
        ]  # fmt: skip
    )
    used: set[tuple] = set()
    start = dt.date(1930, 1, 1)
    written = households = tags = 0
    while written < rows:
        households += 1
        community = COMMUNITIES[households % len(COMMUNITIES)]
        by_address = households % 10 == 0
        n = households // len(COMMUNITIES)
        j = n % 60  # 60 homes a building: 6 units of 5 floors with 2 rooms each
        building, unit, room = (
            f"{n // 60 + 1}号楼",
            str(j // 10 + 1),
            str(j % 10 // 2 * 100 + 101 + j % 2),
        )
        address = f"幸福村{n}号" if by_address else ""
        kind = rng.choice(["户籍", "户籍", "户籍", "常住", "流动"])
        moved_in = (dt.date(2000, 1, 1) + dt.timedelta(days=rng.randrange(9000))).isoformat()
        for member in range(rng.choice([1, 2, 2, 3, 3, 3, 4, 4, 5])):
            if written >= rows:
                break
            while True:
                key = (start + dt.timedelta(days=rng.randrange(32000)), rng.randrange(1, 1000))
                if key not in used:
                    used.add(key)
                    break
            tag = rng.choice(TAGS) if rng.random() < 0.05 else ""
            tags += bool(tag)
            sheet.append(
                [
                    community,
                    "" if by_address else building,
                    "" if by_address else unit,
                    "" if by_address else room,
                    address,
                    kind,
                    rng.choice(SURNAMES)
                    + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2]))),
                    make_id(key[0], key[1]),
                    f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
                    if rng.random() < 0.7
                    else "",
                    "汉族" if rng.random() < 0.9 else "满族",
                    "户主" if member == 0 else rng.choice(RELATIONS),
                    moved_in,
                    tag,
                ]
            )
            written += 1
    book.save(path)
    return {"rows": written, "households": households, "tagged": tags, "bytes": path.stat().st_size}


def _env(tmp: Path, database_url: str) -> dict[str, str]:
    from linli.cli import gen_keys_text

    env = {k: v for k, v in os.environ.items() if not k.startswith("LINLI_")}
    for line in gen_keys_text().splitlines():
        key, _, value = line.partition("=")
        env[key] = value
    env.update(
        {
            "LINLI_DEBUG": "0",
            "LINLI_VAR_DIR": str(tmp),
            "LINLI_DATABASE_URL": database_url,
            "LINLI_ALLOWED_HOSTS": "127.0.0.1",
            "LINLI_LOG_LEVEL": "WARNING",
            "LINLI_TASKS_BACKEND": "database",
            "DJANGO_SETTINGS_MODULE": "linli.settings",
            "PYTHONWARNINGS": "ignore",
        }
    )
    return env


def _manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "linli.cli", "manage", *args],
        env=env,
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode != 0:
        raise RuntimeError(f"linli manage {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def _pg(base: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{base.rstrip('/')}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432")
    args = parser.parse_args()

    load_before = load_average()
    tmp = Path(tempfile.mkdtemp(prefix="linli-bench-import-"))
    pg_name = f"linli_bench_import_{os.getpid()}"
    if args.database == "postgresql":
        _pg(args.pg_url, f'CREATE DATABASE "{pg_name}"')
        url = f"{args.pg_url.rstrip('/')}/{pg_name}"
    else:
        url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    try:
        env = _env(tmp, url)
        _manage(env, "migrate", "--no-input", "-v", "0")
        _manage(env, "shell", "-c", SETUP % {"communities": COMMUNITIES})
        path = tmp / "residents.xlsx"
        started = time.perf_counter()
        made = write_file(path, args.rows)
        generate_s = round(time.perf_counter() - started, 1)
        child = subprocess.run(
            [sys.executable, "-c", CHILD, str(path)],
            env=env,
            cwd=PROJECT_DIR,
            capture_output=True,
            text=True,
            timeout=1800,
        )
        line = next((x for x in child.stdout.splitlines() if x.startswith("RESULT=")), None)
        if child.returncode != 0 or line is None:
            raise RuntimeError(child.stderr[-4000:])
        result = json.loads(line.split("=", 1)[1])
        emit(
            {
                "benchmark": "registry_import",
                "file": {**made, "generate_s": generate_s, "format": "xlsx"},
                "import": result["first"],
                "import_again": result["again"],
                "registry_after": {
                    "residents": result["residents"],
                    "households": result["households"],
                },
                "export_xlsx": result["export_xlsx"],
                "peak_rss_mib": {
                    "import": result["peak_rss_import_mib"],
                    "with_export": result["peak_rss_mib"],
                },
                "budget": {"total_s": 60, "peak_rss_mib": 500},
                "machine": {
                    **machine_info(database=args.database),
                    "load_average_before": load_before,
                    "load_average_after": load_average(),
                },
            }
        )
        return 0
    except Exception as exc:
        print(f"registry_import failed: {exc}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if args.database == "postgresql":
            try:
                _pg(args.pg_url, f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
            except Exception as exc:  # noqa: BLE001
                print(f"could not drop {pg_name}: {exc}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
