"""Registry search at county scale: p50/p95 of the resident list as the search page runs it.

Creates a fresh PostgreSQL database (or uses --database-url), migrates it, fills it with
--residents synthetic residents (bench/_registry_data.py), then times, for a county officer
and for one community's worker, what the resident list page does per search: the scoped,
filtered count, the first page of 20 and their group memberships
(``queries.resident_search`` + ``queries.tags_by_resident``).

Searches: name (surname + given name), surname alone, pinyin initials, full pinyin, four-digit
ID tail, phone tail, full ID number (blind index), address words. Each kind runs --samples
times with different values; the figure is p50/p95 over all samples of a kind.

Usage: linli bench registry_search [--residents 1000000] [--samples 40] [--keep]
                                   [--database-url postgresql://…]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import emit, load_average, machine_info, summarise_latencies  # noqa: E402

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def _database(args) -> tuple[str, str | None]:
    if args.database_url:
        return args.database_url, None
    import psycopg

    name = f"linli_bench_search_{args.residents}"
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=40)
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
    from django.core.management import call_command
    from django.db import connection

    from linli.core.models import Area, RoleAssignment, User
    from linli.core.roles import Role
    from linli.registry import queries
    from linli.registry.models import Household, Resident

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    if Resident.objects.count() < args.residents:
        filled = _registry_data.fill(args.residents)
    else:
        filled = {"residents": Resident.objects.count(), "reused": True}
    fill_seconds = round(time.perf_counter() - started, 1)

    def officer(username: str, role: str, code: str) -> User:
        user, _ = User.objects.get_or_create(username=username)
        RoleAssignment.objects.get_or_create(
            user=user, role=role, area_id=code, defaults={"area_code": code}
        )
        return User.objects.get(pk=user.pk)

    county = officer("bench_county", Role.COUNTY_OFFICER, "220403000000")
    worker = officer("bench_worker", Role.COMMUNITY_WORKER, "220403001001")
    assert Area.objects.filter(code="220403001001").exists()

    rng = random.Random(7)
    sample = list(
        Resident.objects.order_by("?").values_list(
            "name", "name_pinyin", "name_initials", "id_tail", "phone_tail", "pk"
        )[: args.samples * 2]
    )
    full_ids = [Resident.objects.get(pk=row[5]).id_number for row in sample[: args.samples]]
    addresses = list(
        Household.objects.order_by("?").values_list("address", flat=True)[: args.samples]
    )
    kinds = {
        "name": [row[0] for row in sample],
        "surname": [row[0][0] for row in sample],
        "pinyin_initials": [row[2] for row in sample],
        "pinyin_full": [row[1] for row in sample],
        "id_tail": [row[3] for row in sample],
        "phone_tail": [row[4] for row in sample if row[4]],
        "full_id": full_ids,
        "address": [a.split("号")[0] + "号" for a in addresses],
    }

    def run(actor, text: str) -> int:
        qs = queries.resident_search(actor=actor, filters=queries.ResidentFilters(q=text)).rows
        count = qs.count()
        page = list(qs[:20])
        queries.tags_by_resident(actor=actor, resident_ids=[r.pk for r in page])
        return count

    results = {}
    for label, actor in (("county_officer", county), ("community_worker", worker)):
        per_kind = {}
        for kind, values in kinds.items():
            values = [v for v in values if v][: args.samples]
            rng.shuffle(values)
            run(actor, values[0])  # warm the plan cache
            times, matched = [], []
            for value in values:
                t0 = time.perf_counter()
                matched.append(run(actor, value))
                times.append(time.perf_counter() - t0)
            per_kind[kind] = {
                **summarise_latencies(times),
                "samples": len(times),
                "median_matches": sorted(matched)[len(matched) // 2],
            }
        results[label] = per_kind

    emit(
        {
            "benchmark": "registry_search",
            "machine": machine_info(f"PostgreSQL {connection.pg_version // 10000}"),
            "data": {**filled, "fill_seconds": fill_seconds},
            "page_size": 20,
            "results": results,
            "load_average": load_average(),
        }
    )
    if created and not args.keep:
        _drop(created)


if __name__ == "__main__":
    main()
