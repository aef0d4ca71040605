"""The demo jurisdiction: 辽源市西安区 (220403) with its six streets and one town.

The county and its streets are real; every community, village, grid and person below them is
synthetic and marked ``is_demo``. Each community has its resident population and households as
reported at the end of the last three years (:data:`FIGURES_AS_OF`): like the city, most
communities lose a little population every year, while those with new residential estates
(:data:`ESTATES`) grow as families move in. Figures for past years are read as of their
31 December, so every year has reported figures of its own. Loading is idempotent. Other apps
add their demo data by listing a loader in ``settings.DEMO_LOADERS``.
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

# The dates of the reported figures, the latest first (year ends: 年末常住人口和户数).
FIGURES_AS_OF = ("2025-12-31", "2024-12-31", "2023-12-31")
FIGURES_SOURCE = "演示数据"
# Communities where new residential estates were handed over in these years: 先锋, 富国, 安家.
ESTATES = ("220403003001", "220403005001", "220403006001")

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


def _communities():
    """(town code, community code, name, urban-rural class, position in its town)."""
    for town_code, _town_name, communities, klass in [*STREETS, TOWN]:
        for index, base in enumerate(communities, start=1):
            name = base if base.endswith("村") else f"{base}社区"
            yield town_code, f"{town_code}{index:03d}", name, klass, index


def _change(code: str, klass: str, year: int) -> int:
    """How much a community's population changed over ``year``, in per mille: +40 to +89 with
    a new estate, −8 to −21 in the city, −15 to −28 in the villages."""
    roll = (int(code[-6:]) * 7 + year * 13) % 50
    if code in ESTATES:
        return 40 + roll
    return -(15 if klass.startswith("2") else 8) - roll % 14


def figures(code: str, klass: str, index: int) -> list[tuple[str, int, int]]:
    """The community's (date, population, households) as reported on each of
    :data:`FIGURES_AS_OF`, the latest first."""
    population = 2600 + (index * 731 + int(code[6:9]) * 389) % 3100
    households = population * 10 // 27
    out = [(FIGURES_AS_OF[0], population, households)]
    for day in FIGURES_AS_OF[1:]:
        change = _change(code, klass, int(day[:4]) + 1)  # over the year after ``day``
        before = population * 1000 // (1000 + change)
        # Households shrink more slowly than the population (smaller households); with a new
        # estate they grow with it.
        households = households * 1000 // (1000 + (change if change > 0 else change // 2))
        population = before
        out.append((day, population, households))
    return out


def _row(rows: list, code: str, name: str, urban_rural: str = "", figure=None) -> None:
    row = {"_row": str(len(rows) + 2), "code": code, "name": name, "urban_rural": urban_rural}
    if figure is not None:
        day, population, households = figure
        row.update(
            as_of=day,
            source=FIGURES_SOURCE,
            population=str(population),
            households=str(households),
        )
    rows.append(row)


def area_rows() -> list[dict[str, str]]:
    """The towns, communities and grids, each community with its latest figures."""
    rows: list[dict[str, str]] = []
    towns = {code: name for code, name, _c, _k in [*STREETS, TOWN]}
    done: set[str] = set()
    for town_code, code, name, klass, index in _communities():
        if town_code not in done:
            _row(rows, town_code + "000", towns[town_code])
            done.add(town_code)
        _row(rows, code, name, klass, figures(code, klass, index)[0])
        for grid in range(1, 4 if klass != "220" else 3):
            _row(rows, f"{code}{grid:03d}", f"{name}第{grid}网格")
    return rows


def figure_rows(position: int) -> list[dict[str, str]]:
    """The communities with their figures as of ``FIGURES_AS_OF[position]``."""
    rows: list[dict[str, str]] = []
    for _town, code, name, klass, index in _communities():
        _row(rows, code, name, klass, figures(code, klass, index)[position])
    return rows


@transaction.atomic
def load_core_demo() -> list[tuple[str, str, str, str]]:
    actions.areas_load_national()
    for rows in [area_rows()] + [figure_rows(i) for i in range(1, len(FIGURES_AS_OF))]:
        result = actions.area_import(actor=scoping.SYSTEM, rows=rows)
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
