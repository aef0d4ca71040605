"""Issuing an emergency alert to a county of --residents residents, and its fan-out.

Creates a fresh PostgreSQL database (or uses --database-url), migrates it, fills it with
--residents synthetic residents (bench/_registry_data.py: one county, 7 towns, 84 communities,
672 grids, ~8% group memberships, among them the vulnerable groups), gives --accounts of them
(a share, default 0.3) an account, and then, --rounds times:

- ``issue``: ``notices.actions.alert_issue`` by the county officer to the whole county, as the
  page or the API calls it, committed, with its fan-out task queued in the database task queue
  (the production backend): the time the officer waits;
- ``fanout``: ``notices.actions.alert_fanout`` of that alert, as the task worker runs it: one
  recipient row per active resident (vulnerable flag from the care roster and the groups) and
  one in-app notification per resident account, in set-based batches of 20,000 residents;
  the figure is recipients per second;
- ``rerun``: the fan-out run again (what a retried task or the sweep does): nothing is added;
- ``live``: the county's live page counts (``alert_live``, one GROUP BY over the recipients)
  and the first page of people not accounted for, after a third of the vulnerable residents
  were checked.

The figures are the median round. Budget: ``issue`` in milliseconds, ``fanout`` ≥ 5,000
recipients/s at 200,000 residents.

Usage: linli bench alert_fanout [--residents 200000] [--accounts 0.3] [--rounds 3]
                                [--batch 20000] [--database-url postgresql://…] [--keep]
                                [--reuse]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import emit, load_average, machine_info  # noqa: E402

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
COUNTY = "220403000000"


def _database(args) -> tuple[str, str | None]:
    if args.database_url:
        return args.database_url, None
    import psycopg

    name = f"linli_bench_alerts_{args.residents}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and not args.reuse:
            conn.execute(f'DROP DATABASE "{name}"')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    return ADMIN_URL.rsplit("/", 1)[0] + "/" + name, name


def _drop(name: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def _accounts(share: float) -> int:
    """Give every n-th resident an account (username ``r<id>``), linked in the registry."""
    from django.db import connection, transaction

    step = max(1, round(1 / share)) if share > 0 else 0
    if not step:
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO core_user (password, is_superuser, username, email, is_staff, is_active,"
            " date_joined, full_name, language, elderly_mode)"
            " SELECT '!', FALSE, 'r' || id, '', FALSE, TRUE, now(), name, '', FALSE"
            " FROM registry_resident WHERE id %% %s = 0 AND account_id IS NULL"
            " ON CONFLICT (username) DO NOTHING",
            [step],
        )
        cursor.execute(
            "UPDATE registry_resident r SET account_id = u.id FROM core_user u"
            " WHERE u.username = 'r' || r.id AND r.account_id IS NULL"
        )
        cursor.execute("SELECT COUNT(*) FROM registry_resident WHERE account_id IS NOT NULL")
        count = cursor.fetchone()[0]
        cursor.execute("ANALYZE core_user")
        cursor.execute("ANALYZE registry_resident")
    return count


def _officer(username: str, role: str, code: str):
    from linli.core.models import RoleAssignment, User

    user, _ = User.objects.get_or_create(username=username, defaults={"full_name": username})
    RoleAssignment.objects.get_or_create(
        user=user, role=role, area_id=code, defaults={"area_code": code}
    )
    return User.objects.get(pk=user.pk)


def _round(county, checker, batch: int) -> dict:
    from django.db import connection

    from linli.notices.actions import alerts as actions
    from linli.notices.models import AlertRecipient
    from linli.notices.queries import alerts as queries

    started = time.perf_counter()
    alert = actions.alert_issue(
        actor=county,
        area_code=COUNTY,
        kind="rainstorm",
        severity="red",
        title="暴雨红色预警",
        instructions="请立即停止户外活动，低洼地区居民转移到安全场所。",
        shelters=[{"name": f"避难场所{i}", "address": f"幸福路{i}号"} for i in range(1, 11)],
        check_after=30,
    )
    issue_ms = (time.perf_counter() - started) * 1000

    started = time.perf_counter()
    result = actions.alert_fanout(alert_id=alert.pk, batch=batch)
    fanout_s = time.perf_counter() - started

    started = time.perf_counter()
    again = actions.alert_fanout(alert_id=alert.pk, batch=batch)
    rerun_s = time.perf_counter() - started
    assert again["written"] == 0 and again["notified"] == 0

    # A third of the vulnerable residents checked safe; the check time has come.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE notices_alertrecipient SET checked = 'safe', checked_at = now()"
            " WHERE alert_id = %s AND vulnerable AND id %% 3 = 0",
            [alert.pk],
        )
        cursor.execute(
            "UPDATE notices_alert SET issued_at = issued_at - interval '31 minutes' WHERE id = %s",
            [alert.pk],
        )
    live_times = []
    for _ in range(5):
        started = time.perf_counter()
        live = queries.alert_live(actor=county, alert_id=alert.pk)
        people = queries.alert_unaccounted(actor=county, alert_id=alert.pk, live=live)
        first = list(people[:25])
        people.count()
        live_times.append((time.perf_counter() - started) * 1000)
    started = time.perf_counter()
    checks = queries.check_list(actor=checker)
    checks.count()
    list(checks[:25])
    check_ms = (time.perf_counter() - started) * 1000
    vulnerable = AlertRecipient.objects.filter(alert=alert, vulnerable=True).count()
    return {
        "alert": alert.pk,
        "issue_ms": round(issue_ms, 2),
        "recipients": result["recipients"],
        "notified": result["notified"],
        "vulnerable": vulnerable,
        "fanout_seconds": round(fanout_s, 3),
        "recipients_per_second": round(result["written"] / fanout_s) if fanout_s else 0,
        "rerun_seconds": round(rerun_s, 3),
        "live_ms_median": round(statistics.median(live_times), 2),
        "live_rows": len(live.rows),
        "unaccounted_first_page": len(first),
        "community_check_list_ms": round(check_ms, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=200_000)
    parser.add_argument("--accounts", type=float, default=0.3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=20_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="reuse a kept database")
    args = parser.parse_args()

    url, created = _database(args)
    os.environ["LINLI_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    import django

    django.setup()
    import _registry_data
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from linli.core.roles import Role
    from linli.registry.models import Resident

    if connection.vendor != "postgresql":
        sys.exit("alert_fanout measures PostgreSQL: give a postgresql:// --database-url")
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    if Resident.objects.count() < args.residents:
        filled = _registry_data.fill(args.residents)
    else:
        filled = {"residents": Resident.objects.count(), "reused": True}
    accounts = _accounts(args.accounts)
    fill_seconds = round(time.perf_counter() - started, 1)

    # A running task worker has its URL configuration loaded; load it before timing.
    from django.urls import reverse

    reverse("notices:alerts")
    county = _officer("bench_county", Role.COUNTY_OFFICER, COUNTY)
    checker = _officer("bench_worker", Role.COMMUNITY_WORKER, "220403001001")
    rounds = [_round(county, checker, args.batch) for _ in range(args.rounds)]
    median = sorted(rounds, key=lambda r: r["recipients_per_second"])[(len(rounds) - 1) // 2]
    emit(
        {
            "benchmark": "alert_fanout",
            "machine": machine_info(f"PostgreSQL {connection.pg_version // 10000}"),
            "data": {**filled, "accounts": accounts, "fill_seconds": fill_seconds},
            "tasks_backend": settings.TASKS["default"]["BACKEND"],
            "batch": args.batch,
            "budget": {"issue": "returns at once (ms)", "fanout_recipients_per_second": 5000},
            "median_round": median,
            "rounds": rounds,
            "load_average": load_average(),
        }
    )
    if created and not args.keep:
        _drop(created)


if __name__ == "__main__":
    main()
