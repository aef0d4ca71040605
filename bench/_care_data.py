"""Synthetic care data at benchmark scale, written fast (COPY into PostgreSQL).

- ``create_database`` / ``setup_django``: a fresh PostgreSQL database for one benchmark, with
  keys generated for it, and Django pointed at it (tasks run in-process).
- ``build_county``: the county 220403 with ``towns`` × ``communities`` × ``grids`` areas.
- ``fill_registry``: households and residents with care memberships as a county's registry holds
  them — special-difficulty elderly of every kind (some in two kinds), severely disabled people
  (``肢体一级``, ``视力二级`` …), left-behind children and children in difficulty — plus people in
  groups the policy does not visit (dibao, veterans, grade three and four disabilities) and
  people in no group; 85% live in a grid, the rest in their community outside any grid.
  Personal numbers are left empty: the roster never reads them.
- ``fill_staff``: one full-time grid worker (an account with the grid-worker role) per grid.
- ``fill_plans``: the roster and its monthly plans for past months as generation and visits
  leave them (most met, a few dropped, some unmet and overdue, some unassigned).

Deterministic for a given seed.
"""

from __future__ import annotations

import datetime as dt
import os
import random
from pathlib import Path

COUNTY = "220403000000"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚华玉萍红国志淑珍凤德福文海燕"
ELDERLY_KINDS = [  # (tag, weight, grades or None)
    ("special_elderly.living_alone", 30, None),
    ("special_elderly.empty_nest", 30, None),
    ("special_elderly.left_behind", 10, None),
    ("special_elderly.advanced_age", 20, None),
    ("special_elderly.disabled", 8, ("失能", "半失能")),
    ("special_elderly.fp_family", 2, None),
]
DISABILITY_KINDS = ("肢体", "视力", "听力", "言语", "智力", "精神", "多重")

HOUSEHOLD_COLUMNS = (
    "id, community_id, grid_id, area_code, address, unit, room, residence_type, is_demo, "
    "created_at, updated_at"
)
RESIDENT_COLUMNS = (
    "id, area_code, household_id, name, name_pinyin, name_initials, id_tail, sex, birth_date, "
    "phone_tail, ethnicity, language, relationship, status, is_demo, created_at, updated_at"
)
TAG_COLUMNS = "resident_id, tag_id, area_code, grade, started_on, created_at"
SUBJECT_COLUMNS = (
    "id, resident_id, area_code, kind, tags, frequency, risk, started_on, end_reason, created_at, "
    "updated_at"
)
PLAN_COLUMNS = (
    "subject_id, resident_id, area_code, month, due_on, frequency, required, done, status, "
    "worker_id, last_visit_at, dropped_on, drop_reason, created_at"
)


# --- the database ----------------------------------------------------------------------------


def admin(server: str, sql: str, params=None):
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        cursor = conn.execute(sql, params)
        return cursor.fetchone() if sql.startswith("SELECT") else None


def create_database(server: str, name: str) -> None:
    admin(server, f'DROP DATABASE IF EXISTS "{name}"')
    admin(server, f'CREATE DATABASE "{name}"')


def setup_django(url: str, var_dir: Path) -> None:
    from linli.cli import gen_keys_text

    for line in gen_keys_text().splitlines():
        key, _, value = line.partition("=")
        os.environ[key] = value
    os.environ.update(
        {
            "LINLI_DEBUG": "0",
            "LINLI_VAR_DIR": str(var_dir),
            "LINLI_DATABASE_URL": url,
            "LINLI_LOG_LEVEL": "WARNING",
            "LINLI_TASKS_BACKEND": "immediate",
            "DJANGO_SETTINGS_MODULE": "linli.settings",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", "--no-input", verbosity=0)


def database_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        return cursor.fetchone()[0].split(" on ")[0]


def _copy(table: str, columns: str, rows) -> None:
    from django.db import connection

    with connection.connection.cursor() as cursor:
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        if columns.startswith("id,"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )


def analyze(*tables: str) -> None:
    """What autovacuum does on a live server: statistics and the visibility map."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM ANALYZE {table}")


# --- areas and staff -------------------------------------------------------------------------


def build_county(towns: int, communities: int, grids: int) -> list[str]:
    """The county and its towns, communities and grids; returns the grid codes."""
    from linli.core.areacodes import Level
    from linli.core.models import Area

    rows = [
        Area(code="220000000000", name="吉林省", level=Level.PROVINCE, prefix="22"),
        Area(code="220400000000", name="辽源市", level=Level.PREFECTURE, prefix="2204",
             parent_id="220000000000"),
        Area(code=COUNTY, name="西安区", level=Level.COUNTY, prefix="220403",
             parent_id="220400000000"),
    ]  # fmt: skip
    codes = []
    for t in range(1, towns + 1):
        town = f"220403{t:03d}000"
        rows.append(
            Area(code=town, name=f"街道{t}", level=Level.TOWN, prefix=town[:9], parent_id=COUNTY)
        )
        for c in range(1, communities + 1):
            community = f"{town[:9]}{c:03d}"
            rows.append(
                Area(code=community, name=f"社区{t}-{c}", level=Level.COMMUNITY, prefix=community,
                     parent_id=town, urban_rural="111" if t % 4 else "220")
            )  # fmt: skip
            for g in range(1, grids + 1):
                grid = f"{community}{g:03d}"
                rows.append(
                    Area(code=grid, name=f"网格{g}", level=Level.GRID, prefix=grid,
                         parent_id=community)
                )  # fmt: skip
                codes.append(grid)
    Area.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    return codes


def _accounts(names_and_places: list[tuple[str, str, str]]) -> dict[str, int]:
    """Accounts ``(username, role, area code)`` with their role; returns username → id."""
    from django.contrib.auth.hashers import make_password

    from linli.core.models import RoleAssignment, User

    unusable = make_password(None)
    User.objects.bulk_create(
        [
            User(username=name, full_name=name, password=unusable)
            for name, _r, _a in names_and_places
        ],
        batch_size=2000,
    )
    ids = dict(
        User.objects.filter(username__in=[n for n, _r, _a in names_and_places]).values_list(
            "username", "pk"
        )
    )
    RoleAssignment.objects.bulk_create(
        [
            RoleAssignment(user_id=ids[name], role=role, area_id=code, area_code=code)
            for name, role, code in names_and_places
        ],
        batch_size=2000,
    )
    return ids


def fill_staff(grids: list[str]) -> dict[str, int]:
    """One full-time grid worker on duty per grid; returns grid → user id."""
    from linli.core.roles import Role
    from linli.registry.models import GridStaff

    ids = _accounts([(f"gw{grid}", Role.GRID_WORKER, grid) for grid in grids])
    start = dt.date.today() - dt.timedelta(days=400)
    GridStaff.objects.bulk_create(
        [
            GridStaff(
                grid_id=grid,
                area_code=grid,
                duty=GridStaff.Duty.GRID_WORKER,
                user_id=ids[f"gw{grid}"],
                started_on=start,
            )
            for grid in grids
        ],
        batch_size=2000,
    )
    return {grid: ids[f"gw{grid}"] for grid in grids}


def officer(role: str, code: str, username: str):
    """An account holding ``role`` over ``code``."""
    from linli.core.models import User

    _accounts([(username, role, code)])
    return User.objects.get(username=username)


# --- the registry ----------------------------------------------------------------------------


def _care_memberships(rng: random.Random) -> list[tuple[str, str]]:
    """One or two memberships that put someone on the roster: (tag, grade)."""
    roll = rng.random()
    if roll < 0.70:
        codes = [code for code, _w, _g in ELDERLY_KINDS]
        weights = [w for _c, w, _g in ELDERLY_KINDS]
        code = rng.choices(codes, weights)[0]
        grades = {c: g for c, _w, g in ELDERLY_KINDS}[code]
        found = [(code, rng.choice(grades) if grades else "")]
        if rng.random() < 0.12:
            other = rng.choices(codes, weights)[0]
            if other != code:
                grades = {c: g for c, _w, g in ELDERLY_KINDS}[other]
                found.append((other, rng.choice(grades) if grades else ""))
        if rng.random() < 0.05:
            found.append(
                ("disability", rng.choice(DISABILITY_KINDS) + rng.choice(("一级", "二级")))
            )
        return found
    if roll < 0.85:
        return [("disability", rng.choice(DISABILITY_KINDS) + rng.choice(("一级", "二级")))]
    if roll < 0.95:
        return [("left_behind_child", "")]
    return [("child_in_difficulty", rng.choice(("低保家庭儿童", "重残儿童", "重病儿童")))]


def _other_membership(rng: random.Random) -> tuple[str, str]:
    """A membership the policy does not visit."""
    code = rng.choice(("dibao", "veteran", "party_member", "disability", "disability"))
    grade = (
        rng.choice(DISABILITY_KINDS) + rng.choice(("三级", "四级")) if code == "disability" else ""
    )
    return code, grade


def fill_registry(grids: list[str], on_roster: int, *, seed: int = 20261122) -> dict:
    """Residents: ``on_roster`` in care groups, half as many in other groups, as many again in
    none; about two per household. Returns counts."""
    from django.db import transaction
    from django.utils import timezone

    rng = random.Random(seed)
    now = timezone.now()
    today = timezone.localdate()
    households, people, tags = [], [], []
    kinds = ["care"] * on_roster + ["other"] * (on_roster // 2) + ["none"] * on_roster
    rng.shuffle(kinds)
    hid = 0
    for rid, kind in enumerate(kinds, start=1):
        if rid % 2 == 1:
            hid += 1
            grid = grids[rng.randrange(len(grids))]
            community = grid[:12]
            in_grid = rng.random() < 0.85
            place = grid if in_grid else community
            households.append(
                (hid, community, grid if in_grid else None, place, f"幸福路{hid % 300 + 1}号",
                 "", str(hid % 97 + 1), "registered", False, now, now)
            )  # fmt: skip
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        age = rng.randint(60, 95) if kind == "care" and rng.random() < 0.7 else rng.randint(3, 90)
        birth = today - dt.timedelta(days=age * 365 + rng.randrange(365))
        people.append(
            (rid, place, hid, name, "", "", "", rng.choice("MF"), birth, "", "01", "",
             "head" if rid % 2 else "spouse", "active", False, now, now)
        )  # fmt: skip
        started = today - dt.timedelta(days=rng.randrange(30, 3000))
        memberships = (
            _care_memberships(rng)
            if kind == "care"
            else [_other_membership(rng)]
            if kind == "other"
            else []
        )
        for code, grade in memberships:
            tags.append((rid, code, place, grade, started, now))
    with transaction.atomic():
        _copy("registry_household", HOUSEHOLD_COLUMNS, households)
        _copy("registry_resident", RESIDENT_COLUMNS, people)
        _copy("registry_residenttag", TAG_COLUMNS, tags)
    analyze("registry_household", "registry_resident", "registry_residenttag")
    return {"households": len(households), "residents": len(people), "memberships": len(tags)}


# --- plans of past months ----------------------------------------------------------------------


def _month_add(month: dt.date, months: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def fill_plans(grids: list[str], subjects: int, months: int, *, seed: int = 20261122) -> dict:
    """Residents on the roster, their roster entries and ``months`` months of plans up to the
    current one, with the visits' outcome: past months mostly met (about 93%), 2% dropped
    (a third of them met first), the rest unmet; this month part way. A worker per community
    carries the plans of its grids; 10% of plans are unassigned."""
    from django.db import transaction
    from django.utils import timezone

    from linli.care.models import month_end, month_start
    from linli.core.roles import Role

    rng = random.Random(seed)
    now = timezone.now()
    today = timezone.localdate()
    communities = sorted({grid[:12] for grid in grids})
    workers = _accounts([(f"cw{c}", Role.COMMUNITY_WORKER, c) for c in communities])
    this_month = month_start(today)
    first = _month_add(this_month, -(months - 1))
    households, people, roster, plans, on_roster = [], [], [], [], []
    progress = min(1.0, today.day / month_end(today).day)
    for sid in range(1, subjects + 1):
        grid = grids[rng.randrange(len(grids))]
        place = grid if rng.random() < 0.85 else grid[:12]
        households.append(
            (sid, grid[:12], grid if len(place) == 15 else None, place, f"幸福路{sid % 300 + 1}号",
             "", "", "registered", False, now, now)
        )  # fmt: skip
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        people.append(
            (sid, place, sid, name, "", "", "", rng.choice("MF"), None, "", "01", "", "head",
             "active", False, now, now)
        )  # fmt: skip
        weekly = rng.random() < 0.05
        frequency, required = ("weekly", 4) if weekly else ("monthly", 1)
        kind = rng.choices(("elderly", "disability", "child"), (70, 15, 15))[0]
        roster.append(
            (sid, sid, place, kind, '["special_elderly.living_alone"]', frequency,
             "high" if weekly else "normal", first, "", now, now)
        )  # fmt: skip
        worker = workers[f"cw{place[:12]}"] if rng.random() < 0.9 else None
        on_roster.append((sid, place, frequency, required, worker))
    # Month by month, as each month's generation writes them (a month's rows lie together).
    for step in range(months):
        month = _month_add(first, step)
        end = month_end(month)
        current = month == this_month
        met_share = 0.93 * progress if current else 0.93
        visit_day = timezone.make_aware(dt.datetime.combine(month, dt.time(10)))
        for sid, place, frequency, required, worker in on_roster:
            roll = rng.random()
            if roll < 0.02:
                done = required if rng.random() < 0.33 else 0
                status = "done" if done else "dropped"
                dropped = (month + dt.timedelta(days=rng.randrange(28))) if not done else None
                reason = rng.choice(("died", "moved", "tag_ended")) if not done else ""
            elif roll < 0.02 + met_share:
                done, status, dropped, reason = required, "done", None, ""
            else:
                done = rng.randrange(required) if required > 1 else 0
                status, dropped, reason = "open", None, ""
            last = (
                visit_day + dt.timedelta(days=rng.randrange(min(28, (end - month).days + 1)))
                if done
                else None
            )
            plans.append(
                (sid, sid, place, month, end, frequency, required, done, status, worker, last,
                 dropped, reason, now)
            )  # fmt: skip
    with transaction.atomic():
        _copy("registry_household", HOUSEHOLD_COLUMNS, households)
        _copy("registry_resident", RESIDENT_COLUMNS, people)
        _copy("care_subject", SUBJECT_COLUMNS, roster)
        _copy("care_plan", PLAN_COLUMNS, plans)
    analyze("registry_household", "registry_resident", "care_subject", "care_plan")
    return {"subjects": len(roster), "plans": len(plans), "months": months}
