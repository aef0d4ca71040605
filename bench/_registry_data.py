"""Synthetic registry data at benchmark scale, written fast (COPY on PostgreSQL).

Builds a county (220403) with towns, communities and grids, then households and residents
with valid ID numbers, encrypted personal fields and blind indexes exactly as the application
writes them, and ~8% group memberships. Deterministic for a given seed.
"""

from __future__ import annotations

import datetime as dt
import random
from functools import cache

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
    "苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红建国建华志强淑珍凤兰"
TOWNS = 7
COMMUNITIES_PER_TOWN = 12
GRIDS_PER_COMMUNITY = 8


@cache
def _pinyin(name: str) -> tuple[str, str]:
    from linli.registry.actions._common import pinyin_of

    return pinyin_of(name)


_ORDERS: dict[tuple[dt.date, bool], int] = {}


def _id_number(rng: random.Random, birth: dt.date, female: bool, seq: int) -> str:
    """A unique, valid number: the order code counts up per birth date and sex."""
    from stdnum.cn import ric

    taken = _ORDERS.get((birth, female), 0)
    _ORDERS[(birth, female)] = taken + 1
    order = taken * 2 + (0 if female else 1)
    area = ("220403", "220402", "220421", "220422")[order // 1000 % 4]
    body = f"{area}{birth:%Y%m%d}{order % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def build_areas() -> list[str]:
    """The county, towns, communities and grids; returns the grid codes."""
    from linli.core.areacodes import Level
    from linli.core.models import Area

    rows = [
        Area(code="220000000000", name="吉林省", level=Level.PROVINCE, prefix="22"),
        Area(code="220400000000", name="辽源市", level=Level.PREFECTURE, prefix="2204",
             parent_id="220000000000"),
        Area(code="220403000000", name="西安区", level=Level.COUNTY, prefix="220403",
             parent_id="220400000000"),
    ]  # fmt: skip
    grids = []
    for t in range(1, TOWNS + 1):
        town = f"220403{t:03d}000"
        rows.append(
            Area(code=town, name=f"街道{t}", level=Level.TOWN, prefix=town[:9],
                 parent_id="220403000000")
        )  # fmt: skip
        for c in range(1, COMMUNITIES_PER_TOWN + 1):
            community = f"{town[:9]}{c:03d}"
            rows.append(
                Area(code=community, name=f"社区{t}-{c}", level=Level.COMMUNITY, prefix=community,
                     parent_id=town, urban_rural="111" if t < TOWNS else "220")
            )  # fmt: skip
            for g in range(1, GRIDS_PER_COMMUNITY + 1):
                grid = f"{community}{g:03d}"
                rows.append(
                    Area(code=grid, name=f"网格{g}", level=Level.GRID, prefix=grid,
                         parent_id=community)
                )  # fmt: skip
                grids.append(grid)
    Area.objects.bulk_create(rows, ignore_conflicts=True)
    return grids


def fill(residents: int, seed: int = 20261122) -> dict:
    """Write ``residents`` residents (~2.6 per household) and their tags; returns counts."""
    from django.db import connection
    from django.utils import timezone

    from linli.core import pii

    rng = random.Random(seed)
    grids = build_areas()
    now = timezone.now()
    today = timezone.localdate()
    households: list[tuple] = []
    people: list[tuple] = []
    tags: list[tuple] = []
    tag_codes = [
        "special_elderly.living_alone", "special_elderly.empty_nest", "disability", "dibao",
        "veteran", "party_member", "tekun",
    ]  # fmt: skip
    hid = rid = 0
    while rid < residents:
        hid += 1
        grid = grids[hid % len(grids)]
        community = grid[:12]
        households.append(
            (hid, community, grid, grid, f"幸福路{hid % 300 + 1}号{hid % 97 + 1}室", "", "", "registered",
             False, now, now)
        )  # fmt: skip
        for member in range(rng.choice((1, 2, 2, 3, 3, 4))):
            if rid >= residents:
                break
            rid += 1
            female = rng.random() < 0.5
            age = min(int(rng.triangular(0, 100, 55)), 99)
            birth = today - dt.timedelta(days=age * 365 + rng.randrange(365))
            name = rng.choice(SURNAMES) + "".join(
                rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))
            )
            number = _id_number(rng, birth, female, rid)
            phone = f"13{rng.randrange(10**9):09d}" if age >= 16 else ""
            pinyin, initials = _pinyin(name)
            people.append(
                (rid, grid, hid, name, pinyin, initials, pii.encrypt(number),
                 pii.blind_index(number, "id_number"), number[-4:], "F" if female else "M", birth,
                 pii.encrypt(phone) if phone else None,
                 pii.blind_index(phone, "phone") if phone else None, phone[-4:], "01", "",
                 "head" if member == 0 else "relative", "active", False, now, now)
            )  # fmt: skip
            if rng.random() < 0.08:
                code = tag_codes[0] if age >= 60 and rng.random() < 0.5 else rng.choice(tag_codes)
                tags.append((rid, code, grid, "二级" if code == "disability" else "", today))
    _write(connection, households, people, tags)
    return {"households": len(households), "residents": len(people), "memberships": len(tags)}


HOUSEHOLD_COLUMNS = (
    "id, community_id, grid_id, area_code, address, unit, room, residence_type, is_demo, "
    "created_at, updated_at"
)
RESIDENT_COLUMNS = (
    "id, area_code, household_id, name, name_pinyin, name_initials, id_number, id_bidx, id_tail, "
    "sex, birth_date, phone, phone_bidx, phone_tail, ethnicity, language, relationship, status, "
    "is_demo, created_at, updated_at"
)
TAG_COLUMNS = "resident_id, tag_id, area_code, grade, started_on"


def _write(connection, households, people, tags) -> None:
    _insert(connection, households, people, tags)
    if connection.vendor == "postgresql":
        # What autovacuum does on a live server: statistics and the visibility map.
        with connection.cursor() as cursor:
            for table in ("registry_household", "registry_resident", "registry_residenttag"):
                cursor.execute(f"VACUUM ANALYZE {table}")


def _insert(connection, households, people, tags) -> None:
    from django.db import transaction

    with transaction.atomic():
        if connection.vendor == "postgresql":
            raw = connection.connection
            with raw.cursor() as cursor:
                for table, columns, rows in (
                    ("registry_household", HOUSEHOLD_COLUMNS, households),
                    ("registry_resident", RESIDENT_COLUMNS, people),
                    ("registry_residenttag", TAG_COLUMNS + ", created_at", [
                        (*t, dt.datetime.now(dt.UTC)) for t in tags
                    ]),
                ):  # fmt: skip
                    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
                for table in ("registry_household", "registry_resident", "registry_residenttag"):
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                    )
                cursor.execute("ANALYZE")
        else:
            with connection.cursor() as cursor:
                for table, columns, rows in (
                    ("registry_household", HOUSEHOLD_COLUMNS, households),
                    ("registry_resident", RESIDENT_COLUMNS, people),
                    ("registry_residenttag", TAG_COLUMNS + ", created_at", [
                        (*t, dt.datetime.now(dt.UTC)) for t in tags
                    ]),
                ):  # fmt: skip
                    marks = ", ".join(["%s"] * len(columns.split(",")))
                    cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)
                cursor.execute("ANALYZE")
