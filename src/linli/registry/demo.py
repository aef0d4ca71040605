"""A synthetic registry for the demo county: buildings, households, residents, group tags.

Every person, address, ID number and phone is invented (seeded: each load on a day is the same)
and every row is marked ``is_demo``. The shape is a northeastern county town's: about a quarter
aged 60+, mostly one-child families, most households 户籍, some 满族, 朝鲜族 and 回族 families,
about 8% of residents in a group (特殊人群) since a date. Urban communities get buildings (楼栋)
drawn into their grids; villages get households by address (灯塔村3组12号) placed in grids by
villager group; a few households stay outside any grid, as in a real county.

Rows are written in bulk in one transaction with one audit event. Personal fields and what
derives from them (pinyin, blind indexes, tails) are set as ``actions.people._apply_person`` sets
them (a test holds them equal). Loading again with the same size changes nothing; another size
replaces the registry demo.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from decimal import Decimal

from django.db import transaction
from django.db.models import OuterRef, ProtectedError, Q, Subquery
from django.utils import timezone
from stdnum.cn import ric

from linli.core import audit, scoping
from linli.core.areacodes import Level
from linli.core.demo import COUNTY, USERS
from linli.core.models import Area, ReportedFigure, User
from linli.core.pii import blind_index
from linli.core.roles import Role

from .actions.people import _apply_person
from .identity import IdFacts
from .models import Building, GridStaff, Household, Residence, Resident, ResidentTag

DEFAULT_RESIDENTS = 20_000
SEED = 220403
BATCH = 1000
CENTRE = (42.888, 125.137)  # 辽源市, near the 西安区 government
Rel = Resident.Relationship
Kind = Household.ResidenceType

# Surnames as common in Jilin, with weights (roughly per mille).
SURNAMES = (
    "王75 李70 张68 刘60 赵30 杨26 孙25 陈22 于20 高18 徐16 马15 朱14 郭14 周13 吴12 韩12 姜12 "
    "宋11 胡7 曲8 曹8 郑8 孟8 董8 付7 梁7 田7 任6 吕6 魏6 冯6 金6 崔6 黄6 林6 邢5 史5 邵5 丁5 "
    "袁5 苏5 贾5 范5 齐5 白5 侯5 闫5 何5 杜5 谭4 尹4 罗4 郝4 潘4 薛4 姚4 程4 关4 常4 隋3 鲁3 "
    "佟3 葛3 康3 秦3 迟3 谷3 蔡3 修2 丛2 初2 栾2 滕2 那1 战1"
)
# Surnames typical of an ethnic group, and how often a family of that group bears one.
ETHNIC_SURNAMES = {
    "11": ("关 佟 那 赵 肇 富 金 白 郎 何 罗 伊 舒 傅 吴", 0.4),  # 满族
    "10": ("金 金 李 朴 朴 崔 郑 姜 赵 尹 张 林 韩 申 全 玄 权", 1.0),  # 朝鲜族
    "03": ("马 马 马 回 白 杨 海 沙 哈 穆 丁 李", 0.6),  # 回族
}
# Given names by the last birth year of a generation and sex: (first characters, second
# characters, one-character names, share of one-character names).
GIVEN = {
    (1955, "M"): ("德福振长宝国建春志玉树连占永有庆万景广殿文金洪", "福林海山生刚森贵才祥春臣财江发义田明友", "洪成富文明海", 0.1),
    (1955, "F"): ("秀桂淑玉凤素兰翠春亚金银宝", "兰芝珍英芬荣华琴云霞梅香清娥", "英兰珍芬", 0.08),
    (1975, "M"): ("建立志国卫红永振海长春宏晓德洪东军文", "华新强军东刚峰林伟光平波明辉涛成民斌", "伟军勇强刚斌涛明杰平东辉峰波", 0.3),
    (1975, "F"): ("丽红春秀凤淑艳玉晓雅桂海立彩亚", "华梅霞娟娜琴秋艳萍杰玲芳荣敏君", "丽红艳敏静萍霞梅娟芳燕英", 0.3),
    (1995, "M"): ("海志晓大东宏明文立春金鹏俊建浩", "涛勇东伟辉亮博鹏宇龙飞超峰杰磊鑫", "磊鹏超健峰亮博宇旭鑫浩龙猛帅", 0.3),
    (1995, "F"): ("丽婷晓雪美佳秀春思海玉丹欣晶", "丽婷梅玲丹颖莹娜慧琳倩楠雪薇", "丹晶颖雪莹娜慧欣宁佳琳倩楠微爽静", 0.3),
    (2010, "M"): ("子浩宇俊家一天明佳旭思嘉志博鑫晨", "豪然航健杰鸣宇轩乐东远伟泽阳辰瑞", "浩宇博鑫昊泽晨阳帅航", 0.15),
    (2010, "F"): ("欣思佳雨雪梦嘉诗心静紫若美晓", "怡雨琪婷莹瑶欣慧涵彤琳萱璐月", "婧萌月琪悦璐妍", 0.15),
    (9999, "M"): ("子宇浩奕梓沐俊一锦铭睿泽宸煜皓景承", "墨轩宇辰睿宸熙诺程泽航铭阳川琛霖", "睿轩辰宸泽煜皓祺", 0.08),
    (9999, "F"): ("梓一雨若可诗语子安依沐芷欣思佳梦书", "涵诺桐萱汐馨琪彤晴若怡瑶然妍溪宁", "悦萱妍琪瑶彤涵桐", 0.08),
    # 朝鲜族 born up to 1995
    (10, "M"): ("英成明东光哲龙永正俊昌范", "哲浩洙吉龙日镐男锡植", "", 0),
    (10, "F"): ("美英顺贞春明玉恩贤惠善", "玉子姬淑花爱善珠兰顺惠", "", 0),
}  # fmt: skip
FEMALE_ENDINGS = {
    c for (_y, sex), (_f, ends, ones, _s) in GIVEN.items() if sex == "F" for c in ends + ones
} - {c for (_y, sex), (_f, ends, ones, _s) in GIVEN.items() if sex == "M" for c in ends + ones}
# Families by GB/T 3304 ethnicity: 汉族 and, as fits 辽源, 满族, 朝鲜族, 回族, 蒙古族, 锡伯族.
ETHNIC_MIX = [("01", 910), ("11", 55), ("10", 15), ("03", 12), ("02", 6), ("38", 2)]
# Where ID numbers were issued: mostly here, else nearby Jilin counties and a few farther.
HOME_PLACES = [("220403", 90), ("220402", 4), ("220421", 3), ("220422", 3)]
AWAY_PLACES = [
    ("220421", 15), ("220422", 15), ("220402", 10), ("220581", 6), ("220102", 5), ("220104", 5),
    ("220202", 5), ("220302", 5), ("220322", 5), ("220502", 4), ("220382", 3), ("220602", 3),
    ("222401", 3), ("220702", 3), ("220802", 3), ("211202", 3), ("230102", 2), ("370102", 1),
]  # fmt: skip
KOREAN_PLACES = [("220403", 60), ("222401", 25), ("222403", 8), ("222405", 7)]
PHONE_PREFIXES = [
    str(p)
    for p in (*range(130, 140), *range(150, 160), 166, 173, *range(175, 179), *range(180, 190))
    if p != 154
] + ["198", "199"]
DISABILITY_KINDS = [
    ("肢体", 50), ("视力", 12), ("听力", 12), ("言语", 2), ("智力", 8), ("精神", 10), ("多重", 6)
]  # fmt: skip
DISABILITY_GRADES = [("一级", 15), ("二级", 25), ("三级", 30), ("四级", 30)]
ROADS = ["路", "街", "大路"]
FLOORS = [6, 6, 6, 6, 7, 7, 11, 12, 15, 17, 18]
# Household make-ups: (name, urban weight, rural weight); ``_Generator.members`` says who.
MAKEUPS = [
    ("elderly_alone", 9, 8), ("elderly_couple", 13, 16), ("midlife_couple", 18, 15),
    ("one_child", 24, 16), ("two_children", 3, 5), ("three_generations", 8, 9),
    ("elder_headed", 4, 7), ("single_adult", 12, 6), ("young_couple", 4, 3),
    ("single_parent", 3, 2), ("left_behind", 0, 8),
]  # fmt: skip
MOBILE_MAKEUPS = {"single_adult", "young_couple", "one_child"}


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _coordinate(value: float) -> Decimal:
    return Decimal(f"{value:.6f}")


def _fill_person(resident: Resident, *, name, id_number, birth_date, sex, phone, ethnicity,
                 language) -> None:  # fmt: skip
    """Set the personal fields exactly as the actions do (``actions.people._apply_person``)."""
    _apply_person(
        resident,
        {
            "name": name,
            "id": IdFacts(number=id_number, birth_date=birth_date, sex=sex),
            "phone": phone or "",
            "ethnicity": ethnicity,
            "language": language,
        },
    )


class _Generator:
    """Builds unsaved rows for the demo communities, deterministically from ``SEED``."""

    def __init__(self, today: dt.date, taken_bidx: set[str]):
        self.rng = random.Random(SEED)
        self.today = today
        self.taken_bidx = taken_bidx  # ID blind indexes of non-demo residents
        self.used: set[str] = set()
        pairs = [(entry[0], int(entry[1:])) for entry in SURNAMES.split()]
        self.surnames = ([s for s, _w in pairs], [w for _s, w in pairs])
        self.buildings: list[Building] = []
        self.households: list[Household] = []
        self.residents: list[Resident] = []
        self.residences: list[Residence] = []
        self.tags: list[ResidentTag] = []

    # --- draws ----------------------------------------------------------------------------

    def pick(self, pairs):
        return self.rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def age(self, low: int, high: int, mode: float) -> int:
        return round(self.rng.triangular(low, high, mode))

    def sex(self, male: float = 0.5) -> str:
        return "M" if self.rng.random() < male else "F"

    def days(self, low: int, high: int) -> dt.timedelta:
        return dt.timedelta(days=self.rng.randrange(low, high))

    def surname(self, ethnicity: str) -> str:
        names, share = ETHNIC_SURNAMES.get(ethnicity, ("", 0))
        if names and self.chance(share):
            return self.rng.choice(names.split())
        return self.rng.choices(*self.surnames)[0]

    def given_name(self, birth: dt.date, sex: str, ethnicity: str) -> str:
        if ethnicity == "10" and birth.year <= 1995:
            era = 10
        else:
            era = next(year for year in (1955, 1975, 1995, 2010, 9999) if birth.year <= year)
        firsts, seconds, singles, share = GIVEN[(era, sex)]
        if self.chance(share):
            return self.rng.choice(singles)
        return self.rng.choice(firsts) + self.rng.choice(seconds)

    def id_number(self, birth: dt.date, sex: str, place: str) -> str:
        """A valid 身份证号: place, birth date, a sequence whose last digit is odd for men."""
        while True:
            order = self.rng.randrange(500) * 2 + (1 if sex == "M" else 0)
            body = f"{place}{birth:%Y%m%d}{order:03d}"
            if body in self.used:
                continue
            self.used.add(body)
            number = body + ric.calc_check_digit(body + "0")
            if not self.taken_bidx or blind_index(number, "id_number") not in self.taken_bidx:
                return number

    def phone(self) -> str:
        return self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    # --- households -----------------------------------------------------------------------

    def members(self, makeup: str) -> list[tuple[str, int, str]]:
        """(relationship, age, sex) of each member of a household, the head first."""
        age, sex, chance = self.age, self.sex, self.chance
        if makeup == "elderly_alone":
            return [(Rel.HEAD, age(62, 96, 74), sex(0.32))]
        if makeup == "single_adult":
            return [(Rel.HEAD, age(20, 59, 36), sex(0.58))]
        if makeup in ("elderly_couple", "midlife_couple", "young_couple"):
            low, high, mode = {
                "elderly_couple": (60, 86, 64),
                "midlife_couple": (45, 64, 57),
                "young_couple": (22, 36, 28),
            }[makeup]
            head, head_sex = age(low, high, mode), sex(0.85)
            spouse_sex = "F" if head_sex == "M" else "M"
            return [
                (Rel.HEAD, head, head_sex),
                (Rel.SPOUSE, max(head - age(-2, 6, 2), 20), spouse_sex),
            ]
        if makeup == "left_behind":  # grandparents with grandchildren whose parents work away
            head = age(52, 78, 62)
            people = [(Rel.HEAD, head, "M"), (Rel.SPOUSE, max(head - age(-1, 5, 2), 48), "F")]
            for _n in range(1 + chance(0.35)):
                people.append((Rel.GRANDCHILD, age(2, 15, 8), sex(0.52)))
            return people
        if makeup == "elder_headed":  # parents with a married son and his child
            head = age(58, 84, 66)
            child = max(head - age(24, 32, 27), 24)
            people = [
                (Rel.HEAD, head, "M"),
                (Rel.SPOUSE, head - age(0, 4, 2), "F"),
                (Rel.CHILD, child, "M"),
                (Rel.CHILD_IN_LAW, max(child - age(-1, 3, 1), 22), "F"),
            ]
            if child >= 27:
                people.append((Rel.GRANDCHILD, max(child - age(24, 32, 27), 0), sex(0.52)))
            return people
        # Parents with children (and, in three generations, the head's parents).
        head_sex = sex(0.25) if makeup == "single_parent" else sex(0.88)
        head = age(27, 48, 36) if makeup == "two_children" else age(27, 60, 45)
        people = [(Rel.HEAD, head, head_sex)]
        if makeup != "single_parent":
            spouse_sex = "F" if head_sex == "M" else "M"
            people.append((Rel.SPOUSE, max(head - age(-2, 5, 2), 21), spouse_sex))
        for _n in range(2 if makeup == "two_children" else 1):
            people.append((Rel.CHILD, min(max(head - age(23, 34, 27), 0), 30), sex(0.52)))
        if makeup == "three_generations":
            for parent_sex in ("M", "F") if chance(0.4) else (sex(0.3),):
                people.append((Rel.PARENT, min(head + age(22, 32, 27), 97), parent_sex))
        return people

    def household(self, community: Area, grid: Area | None, rural: bool, at, quota: int) -> int:
        """Add one household at ``at`` = (building, unit, room, address); return its size."""
        makeup = self.pick([(name, r if rural else u) for name, u, r in MAKEUPS])
        people = self.members(makeup)[:quota]
        if makeup in MOBILE_MAKEUPS and self.chance(0.14):
            kind = Kind.FLOATING
        else:
            kind = self.pick([(Kind.REGISTERED, 86), (Kind.RESIDENT, 9), (Kind.NOMINAL, 4)])
        building, unit, room, address = at
        code = grid.code if grid else community.code
        household = Household(
            community=community, grid=grid, area_code=code, building=building, unit=unit,
            room=room, address=address, residence_type=kind, is_demo=True,
        )  # fmt: skip
        self.households.append(household)
        if kind == Kind.FLOATING:
            since = self.today - self.days(60, 365 * 5)
        else:
            years = self.rng.randrange(1, max(2, min(40, people[0][1] - 18)))
            since = _years_before(self.today, years) - self.days(0, 365)
        family = self.pick(ETHNIC_MIX)
        if family == "10":
            places = KOREAN_PLACES
        elif kind in (Kind.FLOATING, Kind.RESIDENT):
            places = AWAY_PLACES
        else:
            places = HOME_PLACES
        head_surname = father_surname = ""
        first = len(self.residents)
        for relationship, age, sex in people:
            ethnicity = family
            if relationship in (Rel.SPOUSE, Rel.CHILD_IN_LAW):
                if family != "01" and self.chance(0.3):
                    ethnicity = "01"
                elif family == "01" and self.chance(0.04):
                    ethnicity = self.pick(ETHNIC_MIX[1:])
            birth = _years_before(self.today, age) - self.days(0, 365)
            if relationship in (Rel.CHILD, Rel.GRANDCHILD) and father_surname:
                surname = father_surname
            elif relationship == Rel.PARENT and sex == "M" or relationship == Rel.CHILD:
                surname = head_surname
            else:
                surname = self.surname(ethnicity)
            if relationship == Rel.HEAD:
                head_surname = surname
            if relationship in (Rel.HEAD, Rel.SPOUSE) and sex == "M":
                father_surname = surname
            if makeup == "left_behind" and relationship == Rel.GRANDCHILD and self.chance(0.3):
                surname = self.surname(ethnicity)  # a daughter's child
            place = self.pick(places) if self.chance(0.9) else self.pick(HOME_PLACES)
            has_phone = age >= 18 and self.chance(0.97 if age < 60 else 0.85 if age < 75 else 0.5)
            language = ""
            if ethnicity == "10" and age >= 60 and self.chance(0.4):
                language = Resident.Language.KOREAN
            resident = Resident(household=household, area_code=code, is_demo=True)
            _fill_person(
                resident,
                name=surname + self.given_name(birth, sex, ethnicity),
                id_number=self.id_number(birth, sex, place),
                birth_date=birth,
                sex=sex,
                phone=self.phone() if has_phone else "",
                ethnicity=ethnicity,
                language=language,
            )
            resident.relationship = relationship
            resident.moved_in_on = max(since, birth)
            self.residents.append(resident)
            self.residences.append(
                Residence(
                    resident=resident, household=household, area_code=code,
                    relationship=relationship, started_on=resident.moved_in_on,
                    start_reason="出生" if birth > since else "",
                )
            )  # fmt: skip
            self.person_tags(resident, age, makeup, rural)
        self.household_tags(self.residents[first:], rural)
        return len(people)

    # --- groups ---------------------------------------------------------------------------

    def add_tag(self, resident: Resident, code: str, grade="", *, at_age=0, within=10) -> None:
        """A membership that began within the last ``within`` years, not before ``at_age``."""
        born = resident.birth_date
        start = max(_years_before(self.today, within), _years_before(born, -at_age), born)
        start += self.days(0, (self.today - start).days + 1)
        self.membership(resident, code, grade, start)

    def membership(self, resident: Resident, code: str, grade: str, start: dt.date) -> None:
        self.tags.append(
            ResidentTag(
                resident=resident, tag_id=code, area_code=resident.area_code, grade=grade,
                started_on=max(start, resident.birth_date),
            )
        )  # fmt: skip

    def person_tags(self, resident: Resident, age: int, makeup: str, rural: bool) -> None:
        add, chance, pick, male = self.add_tag, self.chance, self.pick, resident.sex == "M"
        if age >= 60:
            if makeup == "elderly_alone" and chance(0.35):
                add(resident, "special_elderly.living_alone", at_age=60, within=8)
            elif makeup in ("elderly_couple", "left_behind") and chance(0.06):
                kind = "left_behind" if rural else "empty_nest"
                add(resident, f"special_elderly.{kind}", at_age=60, within=8)
            if age >= 80 and chance(0.2):
                add(resident, "special_elderly.advanced_age", at_age=80, within=6)
            if chance(0.015):
                grade = pick([("失能", 40), ("半失能", 60)])
                add(resident, "special_elderly.disabled", grade, at_age=60)
            if chance(0.004):
                add(resident, "special_elderly.fp_family", at_age=60)
        if makeup == "left_behind" and age < 16 and chance(0.85):
            add(resident, "left_behind_child", within=6)
        if chance(0.003 if age < 18 else 0.009 if age < 60 else 0.018):
            grade = pick(DISABILITY_KINDS) + pick(DISABILITY_GRADES)
            add(resident, "disability", grade, within=15)
        if male and age >= 25 and chance(0.015 if age >= 40 else 0.006):
            add(resident, "veteran", at_age=22, within=45)
            if age >= 60 and chance(0.08):
                grade = pick([("伤残军人", 3), ("在乡复员军人", 4), ("带病回乡退伍军人", 2)])
                add(resident, "entitled_group", grade, within=20)
        if age >= 18 and chance(0.007 if age < 36 else 0.01 if age < 60 else 0.018):
            add(resident, "party_member", at_age=18, within=60)
        if age < 18 and chance(0.004):
            grade = pick([("低保家庭儿童", 4), ("重残儿童", 2), ("重病儿童", 2), ("父母重残", 2)])
            add(resident, "child_in_difficulty", grade, within=5)
        if 20 <= age < 60 and chance(0.006):
            add(resident, "unemployed", within=2)
        if not male and 22 <= age <= 38 and chance(0.012):
            add(resident, "pregnant", within=1)
        if age < 3 and chance(0.5):
            add(resident, "infant")
        if age >= 18 and chance(0.002):
            add(resident, "mental_rehab", pick([("0级", 5), ("1级", 3), ("2级", 2)]), within=8)
        if 18 <= age < 65 and chance(0.0012):
            code = pick([("community_correction", 2), ("released_prisoner", 3), ("drug_rehab", 1)])
            add(resident, code, within=4)

    def household_tags(self, members: list[Resident], rural: bool) -> None:
        """低保, 特困 and 低保边缘 are granted to a household: every member is in the group."""
        code = self.pick([("dibao", 15 if rural else 9), ("low_income", 3), ("", 980)])
        if len(members) == 1 and members[0].birth_date < _years_before(self.today, 60):
            code = code or ("tekun" if self.chance(0.03 if rural else 0.012) else "")
        if not code or not members:
            return
        start = self.today - self.days(30, 365 * 8)
        for resident in members:
            self.membership(resident, code, "", start)

    # --- places ---------------------------------------------------------------------------

    def community(self, index: int, community: Area, grids: list[Area], quota: int) -> None:
        """Households (and, in towns, buildings) of one community, ``quota`` residents in all."""
        if quota <= 0:
            return
        rural = community.urban_rural.startswith("2")
        estimate = max(1, round(quota / 2.3))  # households, at about 2.3 people each
        lat = CENTRE[0] + self.rng.uniform(-0.03, 0.03)
        lng = CENTRE[1] + self.rng.uniform(-0.04, 0.04)
        slots = (
            self.village(community, grids, estimate)
            if rural
            else self.town(index, community, grids, estimate, quota, lat, lng)
        )
        left = quota
        for at, grid in slots:
            left -= self.household(community, grid, rural, at, left)
            if left <= 0:
                return

    def town(self, index, community, grids, estimate, quota, lat, lng):
        """Buildings of an urban community, split among its grids; yields random free rooms."""
        count = min(max(math.ceil(estimate / 40), 6), 30)
        base = community.name.removesuffix("社区")
        road = base + self.rng.choice(ROADS)
        number = self.rng.randrange(1, 60)
        buildings = []
        for n in range(1, count + 1):
            number += self.rng.randrange(1, 4)
            buildings.append(
                Building(
                    community=community, area_code=community.code, name=f"{n}号楼",
                    address=f"{road}{number}号{n}号楼", units=self.rng.randint(2, 6),
                    floors=self.rng.choice(FLOORS), is_demo=True,
                    lat=_coordinate(lat + self.rng.uniform(-0.004, 0.004)),
                    lng=_coordinate(lng + self.rng.uniform(-0.005, 0.005)),
                )
            )  # fmt: skip
        # Contiguous runs of buildings per grid; in every third community the newest building
        # is not yet in any grid.
        drawn = buildings[:-1] if grids and index % 3 == 1 else buildings
        for position, building in enumerate(drawn):
            if grids:
                building.grid = grids[position * len(grids) // len(drawn)]
                building.area_code = building.grid.code
        self.buildings.extend(buildings)
        # Flats per floor and unit: two, or more where that is needed for a room per resident.
        doors = max(2, math.ceil(quota / sum(b.units * b.floors for b in buildings)))
        rooms = [
            (b, unit, floor * 100 + door)
            for b in buildings
            for unit in range(1, b.units + 1)
            for floor in range(1, b.floors + 1)
            for door in range(1, doors + 1)
        ]
        self.rng.shuffle(rooms)
        for building, unit, room in rooms:
            address = f"{building.address} {unit}单元 {room}室"
            yield (building, str(unit), str(room), address), building.grid

    def village(self, community, grids, estimate):
        """Households of a village by villager group (组), the groups split among its grids."""
        groups = min(max(math.ceil(estimate / 30), 3), 12)
        numbers = dict.fromkeys(range(1, groups + 1), 0)
        while True:
            group = self.rng.randint(1, groups)
            numbers[group] += self.rng.randint(1, 3)
            grid = grids[(group - 1) * len(grids) // groups] if grids else None
            if self.chance(0.04):
                grid = None  # newly registered, not yet placed in a grid
            address = f"{community.name}{group}组{numbers[group]}号"
            yield (None, "", "", address), grid


def _communities() -> list[tuple[Area, list[Area], int]]:
    """The demo communities and villages with their grids and reported population (weight)."""
    demo = Area.objects.filter(code__startswith=COUNTY, level=Level.COMMUNITY, is_demo=True)
    communities = list(demo.order_by("code"))
    grids: dict[str, list[Area]] = {}
    for grid in Area.objects.filter(parent__in=communities, level=Level.GRID).order_by("code"):
        grids.setdefault(grid.parent_id, []).append(grid)
    weights: dict[str, int] = {}
    figures = ReportedFigure.objects.filter(
        area__in=communities, kind=ReportedFigure.Kind.POPULATION
    ).order_by("area_id", "as_of")
    for area_id, value in figures.values_list("area_id", "value"):
        weights[area_id] = value  # the latest figure wins
    return [(c, grids.get(c.code, []), weights.get(c.code, 3000)) for c in communities]


def _quotas(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (largest remainder); sums exactly."""
    whole = sum(weights) or 1
    exact = [total * w / whole for w in weights]
    quotas = [math.floor(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: exact[i] - quotas[i], reverse=True)
    for i in order[: total - sum(quotas)]:
        quotas[i] += 1
    return quotas


def _link_accounts(residents: list[Resident]) -> None:
    """Each demo resident account becomes a household head, aged 40–75, of its community."""
    today = timezone.localdate()
    for username, full_name, phone, role, area_code in USERS:
        user = User.objects.filter(username=username).first()
        if role != Role.RESIDENT or user is None or Resident.objects.filter(account=user).exists():
            continue
        sex = "F" if full_name[-1] in FEMALE_ENDINGS else "M"
        resident = next(
            (r for r in residents
             if r.area_code.startswith(area_code) and r.relationship == Rel.HEAD
             and r.sex == sex and 40 <= r.age_on(today) <= 75 and r.account is None),
            None,
        )  # fmt: skip
        if resident is not None:
            resident.account = user
            fields = ("id_number", "birth_date", "sex", "ethnicity", "language")
            values = {field: getattr(resident, field) for field in fields}
            _fill_person(resident, name=full_name, phone=phone, **values)


def _clear() -> None:
    """Remove the registry demo (and grid duties that name its people or buildings)."""
    demo_residents = Resident.objects.filter(is_demo=True)
    Household.objects.filter(is_demo=True).update(head=None)
    GridStaff.objects.filter(Q(resident__is_demo=True) | Q(building__is_demo=True)).delete()
    ResidentTag.objects.filter(resident__in=demo_residents).delete()
    Residence.objects.filter(Q(resident__is_demo=True) | Q(household__is_demo=True)).delete()
    demo_residents.delete()
    Household.objects.filter(is_demo=True).delete()
    Building.objects.filter(is_demo=True).delete()


def _bulk(model, rows: list) -> None:
    for start in range(0, len(rows), BATCH):
        model.objects.bulk_create(rows[start : start + BATCH])


def load_registry_demo(*, residents: int = DEFAULT_RESIDENTS, today: dt.date | None = None):
    """Load ``residents`` synthetic residents into the demo communities (a DEMO_LOADERS entry).

    Returns a one-line summary for the console; when the same number of demo residents is
    already loaded, changes nothing.
    """
    if residents < 0:
        raise ValueError("the number of demo residents cannot be negative")
    existing = Resident.objects.filter(is_demo=True).count()
    if existing == residents and (
        residents == 0 or Household.objects.filter(is_demo=True).exists()
    ):
        return (
            f"Registry demo: kept the {existing} demo residents already loaded" if existing else ""
        )
    today = today or timezone.localdate()
    with transaction.atomic():
        try:
            _clear()
        except ProtectedError as exc:
            raise RuntimeError(
                "Other data refers to the demo registry, so it cannot be replaced with a "
                "different number of residents; start from an empty database (rm -r var/)."
            ) from exc
        taken = set(
            Resident.objects.filter(is_demo=False, id_bidx__isnull=False).values_list(
                "id_bidx", flat=True
            )
        )
        generator = _Generator(today, taken)
        communities = _communities()
        quotas = _quotas(residents, [weight for _c, _g, weight in communities])
        for index, ((community, grids, _w), quota) in enumerate(
            zip(communities, quotas, strict=True)
        ):
            generator.community(index, community, grids, quota)
        _link_accounts(generator.residents)
        _bulk(Building, generator.buildings)
        _bulk(Household, generator.households)
        _bulk(Resident, generator.residents)
        heads = Resident.objects.filter(household=OuterRef("pk"), relationship=Rel.HEAD)
        Household.objects.filter(is_demo=True).update(
            head=Subquery(heads.order_by("pk").values("pk")[:1])
        )
        _bulk(Residence, generator.residences)
        _bulk(ResidentTag, generator.tags)
        counts = {
            "buildings": len(generator.buildings),
            "households": len(generator.households),
            "residents": len(generator.residents),
            "tags": len(generator.tags),
            "tagged_residents": len({id(t.resident) for t in generator.tags}),
            "unassigned_households": sum(h.grid is None for h in generator.households),
            "replaced_residents": existing,
        }
        audit.record(
            scoping.SYSTEM,
            "registry.demo_load",
            area_code=COUNTY + "000000",
            target_type="registry.resident",
            extra=counts,
        )
    return (
        f"Registry demo: {counts['residents']} residents in {counts['households']} households, "
        f"{counts['buildings']} buildings"
    )
