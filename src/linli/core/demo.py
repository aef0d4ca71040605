"""The demo jurisdiction: 辽源市西安区 (220403) with its six streets and one town.

The county and its streets are real; every community, village, grid and person below them is
synthetic and marked ``is_demo``. Loading is idempotent. Other apps add their demo data by
listing a loader in ``settings.DEMO_LOADERS``.
"""

from __future__ import annotations

from django.db import transaction

from . import actions, scoping
from .models import Area, User
from .roles import Role

COUNTY = "220403"
DEMO_PASSWORD = "Linli-demo-2026"

STREETS = [
    ("220403001", "仙城街道", ["仙城", "新兴", "长青"], "111"),
    ("220403002", "东山街道", ["东山", "东兴", "铁东"], "111"),
    ("220403003", "先锋街道", ["先锋", "红旗"], "111"),
    ("220403004", "福寿街道", ["福寿", "康宁"], "111"),
    ("220403005", "富国街道", ["富国", "北寿"], "112"),
    ("220403006", "安家街道", ["安家", "新安"], "112"),
]
TOWN = ("220403100", "灯塔镇", ["灯塔村", "东风村", "长安村", "新胜村"], "220")

# (username, name, phone, role, area code)
USERS = [
    ("resident", "王秀兰", "13800000001", Role.RESIDENT, "220403001001"),
    ("resident2", "李建国", "13800000002", Role.RESIDENT, "220403001002"),
    ("grid", "赵丽", "13800000003", Role.GRID_WORKER, "220403001001001"),
    ("buildinghead", "孙长海", "13800000004", Role.BUILDING_HEAD, "220403001001001"),
    ("worker", "周敏", "13800000005", Role.COMMUNITY_WORKER, "220403001001"),
    ("head", "吴桂芳", "13800000006", Role.COMMUNITY_HEAD, "220403001001"),
    ("worker2", "郑凯", "13800000007", Role.COMMUNITY_WORKER, "220403001002"),
    ("town", "冯立军", "13800000008", Role.TOWN_OFFICER, "220403001000"),
    ("dept", "陈红梅", "13800000009", Role.DEPARTMENT_OFFICER, "220403000000"),
    ("county", "刘志强", "13800000010", Role.COUNTY_OFFICER, "220403000000"),
    ("provider", "杨帆", "13800000011", Role.PROVIDER, "220403000000"),
    ("secadmin", "何静", "13800000012", Role.SECURITY_ADMIN, "220403000000"),
    ("auditor", "马骏", "13800000013", Role.AUDIT_ADMIN, "220403000000"),
    ("sysadmin", "罗斌", "13800000014", Role.SYSTEM_ADMIN, "220403000000"),
]


def area_rows() -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []

    def add(
        code: str,
        name: str,
        urban_rural: str = "",
        population: int | None = None,
        households: int | None = None,
    ):
        row = {
            "_row": str(len(rows) + 2),
            "code": code,
            "name": name,
            "urban_rural": urban_rural,
            "source": "演示数据",
            "as_of": "2026-01-01",
        }
        if population is not None:
            row["population"] = str(population)
            row["households"] = str(households)
        rows.append(row)

    for town_code, town_name, communities, klass in [*STREETS, TOWN]:
        add(town_code + "000", town_name)
        for index, base in enumerate(communities, start=1):
            community = f"{town_code}{index:03d}"
            name = base if base.endswith("村") else f"{base}社区"
            population = 2600 + (index * 731 + int(town_code[-3:]) * 389) % 3100
            add(community, name, klass, population, population * 10 // 27)
            for grid in range(1, 4 if klass != "220" else 3):
                add(f"{community}{grid:03d}", f"{name}第{grid}网格")
    return rows


@transaction.atomic
def load_core_demo() -> list[tuple[str, str, str, str]]:
    actions.areas_load_national()
    result = actions.area_import(actor=scoping.SYSTEM, rows=area_rows())
    if not result.ok:
        raise RuntimeError(f"demo areas are invalid: {result.errors}")
    Area.objects.filter(code__startswith=COUNTY, level__gte=4).update(is_demo=True)
    printed = []
    for username, name, phone, role, area_code in USERS:
        if not User.objects.filter(username=username).exists():
            actions.user_create(
                actor=scoping.SYSTEM,
                username=username,
                full_name=name,
                password=DEMO_PASSWORD,
                phone=phone,
                role=role,
                area_code=area_code,
            )
        area = Area.objects.get(code=area_code)
        printed.append((str(Role(role).label), username, phone, area.name))
    return printed
