"""Synthetic appeals at benchmark scale, written fast (COPY on PostgreSQL).

Builds the county of bench/_registry_data.py (7 streets, 84 communities, 672 grids), gives it
the default appeals catalogue, an own unit per community and street, two department offices
and a property company with county-wide routing rules, a community worker per community, a
street officer per street, and then ``appeals`` appeals submitted over the last 365 days:

- states as a year of them stands on a given day: about 3% open (the most recent: awaiting
  dispatch, dispatched, accepted, in progress), resolved and confirmed ones from the last days,
  and the rest closed, except 2.5% rejected and 2.5% merged;
- clocks as the actions set them: response and resolution deadlines from the category's tier,
  ``due_at``/``warn_at`` on open appeals only, escalation level 1 or 2 on overdue ones;
- units as routing sends them; accepted ones carry the community's worker (or the street
  officer, or the office's member) as ``accepted_by``; one live dispatch per appeal that a unit
  holds; ratings on most closed ones; contact phones encrypted and blind-indexed as the
  application stores them (from a pool of numbers encrypted once).

Events, ratings rows and closed appeals' past dispatches are not written: the measured reads
do not touch them, and the tables' size barely changes the cost of an insert.
Deterministic for a given seed.
"""

from __future__ import annotations

import datetime as dt
import json
import random

from _registry_data import build_areas

COUNTY = "220403000000"
OPEN_DECAY_DAYS = 12  # P(still open) = 0.95 · exp(-age / 12 days): ~3% of a year's appeals
CHANNELS = [("online", 35), ("phone", 30), ("window", 18), ("patrol", 12), ("api", 5)]
WEIGHTS = {
    "property.utilities": 10, "property.lift": 3, "property.leak": 7, "property.management": 9,
    "environment.rubbish": 8, "environment.drains": 5, "environment.greenery": 3, "noise": 8,
    "dispute": 5, "elderly": 6, "assistance": 4, "employment": 3, "health": 4, "order": 4,
    "fire.escape": 3, "roads": 8, "policy": 5, "urgent": 0.5, "other": 3,
}  # fmt: skip
OFFICES = [
    ("department", "区住建局", "property.utilities"),
    ("department", "区卫健局", "health"),
    ("provider", "仙城物业服务有限公司", "property.management"),
]


def _user(username: str, role: str | None = None, code: str | None = None):
    from linli.core.models import RoleAssignment, User

    user, created = User.objects.get_or_create(username=username, defaults={"full_name": username})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    if role:
        RoleAssignment.objects.get_or_create(
            user=user, role=role, area_id=code, defaults={"area_code": code}
        )
    return User.objects.get(pk=user.pk)


def setup() -> dict:
    """Areas, catalogue, units, rules and staff (idempotent); returns what ``fill`` needs."""
    from linli.appeals import actions, queries
    from linli.appeals.models import Category, RoutingRule, Unit, UnitMember
    from linli.core.areacodes import Level
    from linli.core.models import Area
    from linli.core.roles import Role
    from linli.core.scoping import SYSTEM

    grids = build_areas()
    actions.appeal_defaults_load(actor=SYSTEM, county_code=COUNTY)
    county = Area.objects.get(code=COUNTY)
    categories = {
        c.key: c for c in Category.objects.filter(area_code=COUNTY).select_related("tier")
    }
    offices = {}
    for kind, name, key in OFFICES:
        unit, _ = Unit.objects.get_or_create(
            area=county, name=name, defaults={"kind": kind, "area_code": COUNTY}
        )
        member = _user(f"bench_{kind}_{unit.pk}", Role.DEPARTMENT_OFFICER, COUNTY)
        UnitMember.objects.get_or_create(unit=unit, user=member, defaults={"is_supervisor": True})
        RoutingRule.objects.get_or_create(
            area=county,
            category=categories[key],
            defaults={"unit": unit, "prefix": "220403", "area_code": COUNTY},
        )
        offices[key] = (unit, member)
    communities = list(
        Area.objects.filter(code__startswith="220403", level=Level.COMMUNITY).order_by("code")
    )
    towns = list(Area.objects.filter(code__startswith="220403", level=Level.TOWN).order_by("code"))
    community_units, town_units, staff = {}, {}, {}
    for area in communities:
        unit = queries.unit_for_area(area.code, Unit.Kind.COMMUNITY)
        community_units[area.code] = unit
        staff[unit.pk] = _user(f"bench_w_{area.code}", Role.COMMUNITY_WORKER, area.code)
    for area in towns:
        unit = queries.unit_for_area(area.code, Unit.Kind.TOWN)
        town_units[area.code[:9]] = unit
        staff[unit.pk] = _user(f"bench_t_{area.code}", Role.TOWN_OFFICER, area.code)
    for _key, (unit, member) in offices.items():
        staff[unit.pk] = member
    return {
        "grids": grids,
        "categories": categories,
        "offices": offices,
        "community_units": community_units,
        "town_units": town_units,
        "staff": staff,
    }


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = (
            text.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return text


def fill(appeals: int, seed: int = 20261122) -> dict:
    """Write ``appeals`` appeals (and the live dispatches of those a unit holds)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from linli.appeals.demo import RESOLUTIONS, TEXTS
    from linli.appeals.models import Appeal, warn_from
    from linli.core import pii

    rng = random.Random(seed)
    context = setup()
    categories = context["categories"]
    keys = [k for k in WEIGHTS if k in categories]
    weights = [WEIGHTS[k] for k in keys]
    channels, channel_weights = zip(*CHANNELS, strict=True)
    grids = context["grids"]
    now = timezone.now()
    texts = {k: [(t, b) for t, b, _w in TEXTS[k]] for k in keys}
    phones = [f"13{rng.randrange(10**9):09d}" for _ in range(2000)]
    phone_pool = [(pii.encrypt(p), pii.blind_index(p, "phone")) for p in phones]
    worker_home = "220403001001"
    home_worker = context["staff"][context["community_units"][worker_home].pk]

    fields = list(Appeal._meta.concrete_fields)
    columns = [f.column for f in fields]
    base = {}
    for f in fields:
        default = f.get_default() if f.has_default() else None
        default = default if not callable(default) else None
        if default is None and not f.null and f.get_internal_type() in ("CharField", "TextField"):
            default = ""
        base[f.column] = default
    start_id = (Appeal.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    dispatch_rows: list[tuple] = []
    counts: dict[str, int] = {}
    # Oldest first, so that a duplicate is merged into an earlier appeal.
    ages = sorted((rng.random() * 365 for _ in range(appeals)), reverse=True)

    def unit_for(category, code):
        if category.key in context["offices"]:
            return context["offices"][category.key][0]
        if category.unit_kind == "town":
            return context["town_units"][code[:9]]
        return context["community_units"][code[:12]]

    recent_by_place: dict[tuple[str, int], int] = {}

    def lines():
        for index, age_days in enumerate(ages):
            yield line(index, age_days)

    def line(index: int, age_days: float) -> str:
        pk = start_id + index
        submitted = now - dt.timedelta(days=age_days)
        key = rng.choices(keys, weights=weights)[0]
        category = categories[key]
        tier = category.tier
        code = grids[rng.randrange(len(grids))]
        title, body = rng.choice(texts[key])
        channel = rng.choices(channels, weights=channel_weights)[0]
        respond_due = tier.respond_due(submitted)
        resolve_due = submitted + dt.timedelta(minutes=tier.resolve_minutes_estimate())
        unit = unit_for(category, code)
        row = dict(base)
        phone, bidx = phone_pool[index % len(phone_pool)]
        row.update(
            id=pk, area_code=code, category_id=category.pk, tier_id=tier.pk, title=title,
            description=body.format(place=f"幸福路{index % 300 + 1}号"), address="",
            channel=channel, contact_name="张先生", contact_phone=phone,
            contact_phone_bidx=bidx, token=f"{rng.getrandbits(128):032x}",
            submitted_at=submitted, respond_due=respond_due, resolve_due=resolve_due,
            attributes={"trapped": "no"} if key == "property.lift" else {},
            unit_id=unit.pk, accountable_unit_id=unit.pk, public=False, is_demo=False,
        )  # fmt: skip
        if channel in ("window", "phone") and code.startswith(worker_home):
            row["entered_by_id"] = home_worker.pk
        handler = context["staff"][unit.pk]
        accepted = submitted + dt.timedelta(minutes=tier.respond_minutes * rng.uniform(0.05, 1.1))
        resolved = accepted + (resolve_due - submitted) * rng.betavariate(1.5, 2.5) * 1.1
        place = (code[:12], category.pk)
        if rng.random() < 0.95 * pow(2.718281828, -age_days / OPEN_DECAY_DAYS):
            if age_days < 1:
                state = rng.choices(
                    ["submitted", "dispatched", "accepted", "in_progress"], [10, 50, 25, 15]
                )[0]
            else:
                state = rng.choices(
                    ["submitted", "dispatched", "accepted", "in_progress"], [3, 12, 25, 60]
                )[0]
            start = submitted
            if state in ("submitted", "dispatched"):
                due = respond_due
            else:
                due = resolve_due
                start = min(accepted, now)
                row.update(first_accepted_at=start, accepted_by_id=handler.pk,
                           responded_on_time=start <= respond_due)  # fmt: skip
            if state == "submitted":
                row.update(unit_id=None)
            row.update(
                state=state, state_changed_at=start, due_at=due, warn_at=warn_from(start, due)
            )
            if due < now:
                overdue = now - due
                row.update(
                    escalation_level=2 if overdue > dt.timedelta(hours=24) else 1,
                    escalated_at=due + dt.timedelta(minutes=3),
                )
        else:
            rejected_or_merged = rng.random()
            if rejected_or_merged < 0.025:
                row.update(state="rejected", state_changed_at=submitted + dt.timedelta(hours=3),
                           closed_at=submitted + dt.timedelta(hours=3), unit_id=None)  # fmt: skip
            elif rejected_or_merged < 0.05 and place in recent_by_place:
                row.update(state="merged", merged_into_id=recent_by_place[place],
                           state_changed_at=submitted + dt.timedelta(hours=2))  # fmt: skip
            else:
                resolved = min(resolved, now - dt.timedelta(minutes=5))
                accepted = min(accepted, resolved)
                row.update(
                    first_accepted_at=accepted, accepted_by_id=handler.pk,
                    responded_on_time=accepted <= respond_due, resolved_at=resolved,
                    resolved_on_time=resolved <= resolve_due,
                    resolution=rng.choice(RESOLUTIONS.get(key) or RESOLUTIONS["other"]),
                )  # fmt: skip
                since = (now - resolved).days
                if since < 7 and rng.random() < 0.5:
                    row.update(state="resolved", state_changed_at=resolved)
                else:
                    confirmed = resolved + dt.timedelta(days=rng.uniform(0.2, 7))
                    confirmed = min(confirmed, now - dt.timedelta(minutes=1))
                    closed = confirmed + dt.timedelta(days=rng.uniform(0, 15))
                    rating = rng.choices([5, 4, 3], [60, 28, 12])[0]
                    if closed > now:
                        row.update(state="confirmed", state_changed_at=confirmed,
                                   confirmed_at=confirmed)  # fmt: skip
                    else:
                        row.update(state="closed", state_changed_at=closed, confirmed_at=confirmed,
                                   closed_at=closed)  # fmt: skip
                        if rng.random() < 0.8:
                            row.update(rating=rating, rated_at=closed)
                recent_by_place[place] = pk
        state = row["state"]
        counts[state] = counts.get(state, 0) + 1
        if state in ("dispatched", "accepted", "in_progress", "resolved", "confirmed"):
            took = row["first_accepted_at"] if state != "dispatched" else None
            dispatch_rows.append(
                (pk, row["unit_id"], submitted, row.get("accepted_by_id") if took else None, took,
                 True, None, "")
            )  # fmt: skip
        return "\t".join(_copy_text(row[c]) for c in columns) + "\n"

    _write(connection, transaction, columns, lines(), dispatch_rows)
    return {
        "appeals": appeals,
        "states": dict(sorted(counts.items())),
        "open": sum(
            counts.get(s, 0) for s in ("submitted", "dispatched", "accepted", "in_progress")
        ),
        "live_dispatches": len(dispatch_rows),
    }


def _write(connection, transaction, columns, lines, dispatch_rows) -> None:
    if connection.vendor != "postgresql":
        raise RuntimeError("the appeals benchmarks run on PostgreSQL")
    with transaction.atomic():
        raw = connection.connection
        with raw.cursor() as cursor:
            with cursor.copy(f"COPY appeals_appeal ({', '.join(columns)}) FROM STDIN") as copy:
                chunk: list[str] = []
                for text in lines:
                    chunk.append(text)
                    if len(chunk) == 5000:
                        copy.write("".join(chunk))
                        chunk = []
                copy.write("".join(chunk))
            with cursor.copy(
                "COPY appeals_dispatch (appeal_id, unit_id, dispatched_at, accepted_by_id, "
                "accepted_at, live, ended_at, outcome) FROM STDIN"
            ) as copy:
                for row in dispatch_rows:
                    copy.write_row(row)
            for table in ("appeals_appeal", "appeals_dispatch"):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                )
    with connection.cursor() as cursor:
        for table in ("appeals_appeal", "appeals_dispatch"):
            cursor.execute(f"VACUUM ANALYZE {table}")


ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DATABASE = "linli_bench_appeals"


def prepare(appeals: int, *, database_url: str = "", fresh: bool = False) -> dict:
    """Point Django at the benchmark database (``linli_bench_appeals`` on the local server
    unless ``database_url``), migrate it and fill it up to ``appeals`` appeals. An existing
    database is reused (the fill takes minutes) unless ``fresh``; returns what was done."""
    import os
    import time

    import psycopg

    url = database_url
    if not url:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]
            ).fetchone()
            if exists and fresh:
                conn.execute(f'DROP DATABASE "{DATABASE}"')
                exists = None
            if not exists:
                conn.execute(f'CREATE DATABASE "{DATABASE}"')
        url = ADMIN_URL.rsplit("/", 1)[0] + "/" + DATABASE
    os.environ["LINLI_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from linli.appeals.models import Appeal

    call_command("migrate", verbosity=0)
    have = Appeal.objects.count()
    started = time.perf_counter()
    filled = None
    if have < appeals:
        filled = fill(appeals - have, seed=20261122 + have)
    else:
        setup()
    return {
        "database_url": url,
        "appeals": Appeal.objects.count(),
        "added": filled,
        "fill_seconds": round(time.perf_counter() - started, 1) if filled else 0.0,
    }


def drop() -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}"')
