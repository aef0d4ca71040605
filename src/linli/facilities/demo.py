"""Service capacity in places for the demo county: facilities, venues and eight weeks of bookings.

Every community but 东风村 has a party and mass service centre (党群服务中心), sized against its
households (the registry's, as the capacity figures count them, else the reported figure): most
reach the plans' 30 m² per 100 households, 长青社区, 铁东社区, 北寿社区 and 长安村 fall short.
东兴社区 opens only half a day on Saturday and 新安社区 seven hours a day.
Most urban communities have self-service terminals and an elderly day-care centre; 长青社区 (its
centre is still being built), 铁东社区 and 北寿社区 have none. Around the centres: health
stations, children's homes, reading rooms, fitness grounds, shelters, mini fire stations,
parcel stations, civilisation practice stations; a social work station in every town but
安家街道; three centres built in the plan period count towards the new-build ratio.

Every centre has a hall (confirmed at once), a meeting room (needs approval) and an activity
room; four units of the area open a basketball court, a meeting room, a parking lot and a sports
ground. Bookings cover the last eight weeks (mostly checked in, some no-shows, cancellations and
declines) and the next two (some awaiting approval), made by the demo residents, the groups they
lead, a social organisation and community staff. Busy halls are booked about 60 % of their
hours, some rooms hardly at all. Live bookings of a venue never overlap and every booking is
whole slots inside the venue's hours.

Rows are written in bulk (with the invariants the actions keep) in one transaction with one
audit event. Deterministic for a given day (seeded). Loading again changes nothing.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import DateTimeField, UUIDField
from django.utils import timezone

from linli.core import audit, scoping
from linli.core.areacodes import Level
from linli.core.demo import COUNTY
from linli.core.models import Area, ReportedFigure, RoleAssignment, User
from linli.core.roles import Role

from . import hours as week_hours
from .models import WEEKDAYS, Booking, Facility, Venue

SEED = 61107
BATCH = 1000
COUNTY_CODE = COUNTY + "000000"
PAST_WEEKS = 8
AHEAD_DAYS = 14
BOX = (42.880, 42.920, 125.120, 125.180)  # 辽源市区: latitude and longitude bounds
TARGET_PER_100 = 30  # m² of the centre per 100 households, as the plans ask
Kind = Facility.Kind
Status = Booking.Status

# Per community: the centre's m² per 100 households (no entry: no centre), the share of it for
# residents' activities, opening hours, year built, ownership, self-service terminals.
CENTRES = {
    "220403001001": (38, 0.62, "long", 2013, "owned", 2),  # 仙城社区
    "220403001002": (34, 0.60, "weekend", 2015, "owned", 1),  # 新兴社区
    "220403001003": (24, 0.55, "weekend", 2008, "leased", 1),  # 长青社区: small
    "220403002001": (41, 0.66, "long", 2016, "owned", 2),  # 东山社区
    "220403002002": (35, 0.58, "sat_half", 2011, "owned", 1),  # 东兴社区: Saturday morning
    "220403002003": (21, 0.52, "weekend", 2006, "lent", 0),  # 铁东社区: small
    "220403003001": (43, 0.68, "long", 2023, "owned", 2),  # 先锋社区: new build
    "220403003002": (33, 0.61, "six_days", 2014, "owned", 1),  # 红旗社区
    "220403004001": (45, 0.70, "long", 2019, "owned", 3),  # 福寿社区
    "220403004002": (32, 0.63, "weekend", 2012, "shared", 1),  # 康宁社区
    "220403005001": (31, 0.60, "six_days", 2022, "owned", 1),  # 富国社区: new build
    "220403005002": (27, 0.50, "six_days", 2009, "leased", 0),  # 北寿社区: small
    "220403006001": (31, 0.64, "weekend", 2024, "owned", 1),  # 安家社区: new build
    "220403006002": (33, 0.57, "short", 2010, "owned", 0),  # 新安社区: 7 hours a day
    "220403100001": (36, 0.65, "village", 2018, "owned", 1),  # 灯塔村
    "220403100003": (22, 0.54, "village", 2007, "owned", 0),  # 长安村: small
    "220403100004": (31, 0.60, "village", 2017, "owned", 0),  # 新胜村
}
# Centres built in the plan period: residential floor area served, commercial area built with it.
NEW_BUILDS = {
    "220403003001": (52_000, 3_200),
    "220403005001": (46_000, 4_800),
    "220403006001": (58_000, 6_200),
}
NO_DAY_CARE = ("220403001003", "220403002003", "220403005002")  # 长青 (being built), 铁东, 北寿
NO_SOCIAL_WORK_TOWN = "220403006000"  # 安家街道
BUSY = {"220403001001": 0.7, "220403004002": 0.6, "220403004001": 0.4, "220403001002": 0.35}

PROFILES = {
    "long": {**dict.fromkeys(WEEKDAYS[:5], "08:00-18:00"), "sat": "09:00-17:00", "sun": "09:00-17:00"},
    "weekend": {**dict.fromkeys(WEEKDAYS[:5], "08:00-12:00, 13:00-17:30"),
                "sat": "08:30-12:00, 13:00-17:30", "sun": "08:30-12:00, 13:00-17:30"},
    "six_days": dict.fromkeys(WEEKDAYS[:6], "08:30-17:30"),
    "sat_half": {**dict.fromkeys(WEEKDAYS[:5], "08:30-17:30"), "sat": "08:30-12:00"},
    "short": dict.fromkeys(WEEKDAYS[:5], "08:30-11:30, 13:30-17:30"),
    "village": dict.fromkeys(WEEKDAYS[:6], "08:00-12:00, 13:00-17:00"),
}  # fmt: skip
ALL_DAY = dict.fromkeys(WEEKDAYS, "00:00-24:00")
KIND_HOURS = {
    Kind.DAY_CARE: dict.fromkeys(WEEKDAYS, "07:30-17:30"),
    Kind.HEALTH_STATION: {**dict.fromkeys(WEEKDAYS[:5], "08:00-17:00"), "sat": "08:00-12:00",
                          "sun": "08:00-12:00"},
    Kind.ELDERLY_STATION: dict.fromkeys(WEEKDAYS, "08:00-16:00"),
    Kind.CHILDCARE: dict.fromkeys(WEEKDAYS[:5], "07:30-17:30"),
    Kind.CHILDREN_HOME: {**dict.fromkeys(WEEKDAYS[:5], "15:30-18:30"), "sat": "09:00-11:30, 14:00-17:00",
                         "sun": "09:00-11:30, 14:00-17:00"},
    Kind.LIBRARY: dict.fromkeys(WEEKDAYS[1:], "09:00-17:00"),
    Kind.FITNESS: dict.fromkeys(WEEKDAYS, "05:00-21:00"),
    Kind.SHELTER: ALL_DAY,
    Kind.FIRE_STATION: ALL_DAY,
    Kind.PARCEL_POST: dict.fromkeys(WEEKDAYS, "08:00-20:00"),
    Kind.POLICE: dict.fromkeys(WEEKDAYS[:5], "08:30-17:00"),
    Kind.SOCIAL_WORK: dict.fromkeys(WEEKDAYS[:5], "08:30-11:30, 13:30-17:00"),
    Kind.CULTURE_SPORTS: dict.fromkeys(WEEKDAYS[1:], "08:30-16:30"),
}  # fmt: skip
# Other facilities: kind, urban name, village name, floor area range, activity share, and the
# communities (last six digits) that lack it; "村" for all villages.
OTHERS = [
    (Kind.HEALTH_STATION, "{}卫生服务站", "{}卫生室", (120, 320), 0.2, "005002 006002"),
    (Kind.CHILDREN_HOME, "{}儿童之家", "{}儿童之家", (40, 120), 0.8,
     "002003 005001 006002 100002 100003"),
    (Kind.LIBRARY, "{}图书室", "{}农家书屋", (30, 90), 0.85, ""),
    (Kind.FITNESS, "{}健身广场", "{}文体广场", (600, 2200), 0.9, "001003"),
    (Kind.SHELTER, "{}应急避难场所", "", (3000, 12000), 0.0,
     "村 001002 001003 002002 002003 003002 004002 005001 005002 006002"),
    (Kind.FIRE_STATION, "{}微型消防站", "{}微型消防站", (20, 45), 0.0, "005002 100002 100003 100004"),
    (Kind.PARCEL_POST, "{}快递驿站", "{}村级寄递物流综合服务站", (30, 90), 0.0, "002002"),
    (Kind.CIVILIZATION, "{}新时代文明实践站", "{}新时代文明实践站", (60, 160), 0.8, ""),
    (Kind.POLICE, "{}警务室", "", (20, 40), 0.0, "村 001003 002001 003002 005001 006001 006002"),
    (Kind.CHILDCARE, "{}托育点", "", (120, 260), 0.7,
     "村 001001 001002 001003 002001 002002 002003 003001 003002 005001 005002 006001 006002"),
]  # fmt: skip
UNITS = [  # (community, unit, venue, kind, capacity, approval, residents?, slot, max, hours, busy)
    ("220403003001", "辽源市第五中学", "第五中学篮球场", Venue.Kind.SPORTS, 30, "instant", True, 60, 2,
     {**dict.fromkeys(WEEKDAYS[:5], "17:00-20:00"), "sat": "08:00-18:00", "sun": "08:00-18:00"}, 0.6),
    ("220403001001", "西安区人民医院", "人民医院第三会议室", Venue.Kind.MEETING, 40, "approval", False,
     60, 4, dict.fromkeys(WEEKDAYS[:5], "08:00-12:00, 13:00-17:00"), 0.06),
    ("220403004002", "辽源市鑫达物流有限公司", "鑫达物流停车场", Venue.Kind.PARKING, 80, "instant", True,
     120, 3, {**dict.fromkeys(WEEKDAYS[:5], "18:00-24:00"), "sat": "08:00-20:00", "sun": "08:00-20:00"},
     0.02),
    ("220403002001", "西安区实验小学", "实验小学操场", Venue.Kind.SPORTS, 60, "instant", True, 120, 2,
     {"sat": "08:00-16:00", "sun": "08:00-16:00"}, 0.35),
]  # fmt: skip
ROOMS = ["书画活动室", "舞蹈排练室", "棋牌室", "老年活动室", "阅览活动室", "手工活动室"]
RULES = {  # by venue kind, and for units' resources
    "hall": "爱护设施，使用后恢复桌椅原状；室内禁止吸烟；音响设备请由社区工作人员协助开启；活动结束请关闭灯和空调。",
    "meeting": "会议室须提前申请，经社区审核后使用；请保持室内整洁，使用后关闭投影和空调。",
    "activity": "请按预约时间使用，爱护器材，离开时关好门窗。",
    "unit": "对外开放时段内凭预约使用，服从单位管理人员安排，注意安全，保持场地整洁。",
}
REGULARS = {  # weekly groups: (group, purpose, people)
    "hall": [("夕阳红合唱团", "合唱团排练", 28), ("秧歌队", "东北大秧歌排练", 30),
             ("广场舞队", "广场舞排练", 20), ("老年模特队", "模特队形排练", 16),
             ("京剧票友会", "京剧票友联谊", 18), ("太极拳队", "太极拳练习", 22)],
    "activity": [("书画社", "书法绘画练习", 12), ("棋牌协会", "象棋围棋交流", 10),
                 ("手工编织小组", "手工编织", 8), ("剪纸兴趣班", "满族剪纸学习", 10),
                 ("智能手机课堂", "老年人学用智能手机", 15)],
    "sports": [("篮球爱好者协会", "篮球练习赛", 16), ("青少年足球队", "足球训练", 22)],
}  # fmt: skip
PURPOSES = {
    "staff": {
        "hall": ["主题党日活动", "居民议事会", "健康知识讲座（家庭医生签约）", "防范电信网络诈骗讲座",
                 "社区志愿者培训", "冬季消防安全知识讲座"],
        "meeting": ["社区两委班子会议", "网格员例会", "物业协调会", "低保民主评议会", "业主代表协商会"],
        "activity": ["四点半课堂", "老年人健康体检", "心理健康讲座"],
    },
    "resident": {
        "hall": ["退休老同事联谊会", "社区春晚节目排练", "邻里节活动筹备", "老年大学结业汇报演出排练"],
        "meeting": ["业委会筹备小组碰头会", "楼栋居民商议加装电梯", "小区停车问题居民协商"],
        "activity": ["亲子阅读", "邻里书画交流", "乒乓球练习", "学习使用智能手机", "手工编织"],
        "sports": ["篮球友谊赛", "周末篮球活动", "亲子足球"],
        "parking": ["社区活动车辆临时停放", "婚礼车队临时停放"],
    },
    "organisation": ["助老志愿服务活动", "老年人心理健康讲座", "困境儿童关爱小组活动", "社区骨干能力培训"],
}  # fmt: skip
SOCIAL_ORGANISATION = "辽源市西安区阳光社会工作服务中心"
DECLINE_REASONS = ["该时段社区已安排党员大会，请改约其他时间", "申请用途不符合场地使用规定",
                   "该时段场地检修，暂停开放"]  # fmt: skip


def _local(day: dt.date, minutes: int) -> dt.datetime:
    """The moment ``minutes`` after midnight on ``day`` (1440 is the next midnight)."""
    day += dt.timedelta(days=minutes // 1440)
    return timezone.make_aware(
        dt.datetime.combine(day, dt.time(minutes % 1440 // 60, minutes % 60))
    )


def _dec(value: float, places: int = 2) -> Decimal:
    return Decimal(f"{value:.{places}f}")


def _aligned(days: dict, slot: int) -> dict:
    """Opening hours narrowed to whole slots counted from midnight (08:30 → 09:00 for hours)."""
    out = {}
    for day, ranges in days.items():
        kept = []
        for start, end in week_hours.day_ranges(ranges, day):
            start, end = -(-start // slot) * slot, end // slot * slot
            if end - start >= slot:
                kept.append(
                    [f"{start // 60:02d}:{start % 60:02d}", f"{end // 60:02d}:{end % 60:02d}"]
                )
        if kept:
            out[day] = kept
    return week_hours.clean(out).days


def _households() -> dict[str, int]:
    """Households of each community as the capacity figures count them: the registry's where it
    has any, else the latest reported figure."""
    from django.db.models import Count

    from linli.registry.models import Household

    rows = ReportedFigure.objects.filter(
        area__code__startswith=COUNTY, kind=ReportedFigure.Kind.HOUSEHOLDS
    ).order_by("area_id", "as_of")
    found = dict(rows.values_list("area_id", "value"))  # the latest figure wins
    registry = Household.objects.filter(community__code__startswith=COUNTY)
    found.update(registry.values_list("community_id").annotate(n=Count("id")).order_by())
    return found


def _centres(communities: list[Area], rng: random.Random) -> dict[str, tuple[float, float]]:
    """Where each community lies: amid its demo buildings, else a seeded spot in the city."""
    from linli.registry.models import Building

    spots: dict[str, list[tuple[float, float]]] = defaultdict(list)
    rows = Building.objects.filter(community__in=communities, lat__isnull=False)
    for code, lat, lng in rows.values_list("community_id", "lat", "lng"):
        spots[code].append((float(lat), float(lng)))
    out = {}
    for c in communities:
        seeded = (
            rng.uniform(BOX[0] + 0.004, BOX[1] - 0.004),
            rng.uniform(BOX[2] + 0.005, BOX[3] - 0.005),
        )
        found = spots.get(c.code)
        out[c.code] = (
            tuple(sum(p[i] for p in found) / len(found) for i in (0, 1)) if found else seeded
        )
    return out


class _Places:
    """Builds the unsaved facilities and venues, deterministically from ``SEED``."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.facilities: list[Facility] = []
        self.venues: list[Venue] = []
        self.busy: dict[tuple[str, str], float] = {}  # (area, venue name) → share booked

    def near(self, at, spread: float = 0.0015) -> tuple[Decimal, Decimal]:
        return tuple(_dec(at[i] + self.rng.uniform(-spread, spread), 6) for i in (0, 1))

    def facility(self, area: Area, kind: str, name: str, floor: float, share: float, hours: dict,
                 at, address: str, **extra) -> Facility:  # fmt: skip
        cleaned = week_hours.clean(hours)
        lat, lng = self.near(at, extra.pop("spread", 0.0015))
        floor = max(round(floor, 1 if floor < 100 else 0), 1)
        row = Facility(
            area=area, area_code=area.code, name=name, kind=kind, floor_area=_dec(floor),
            activity_area=_dec(floor * share), address=address, latitude=lat, longitude=lng,
            hours=cleaned.days, open_days=cleaned.open_days,
            min_daily_hours=cleaned.min_daily_hours, **extra,
        )  # fmt: skip
        self.facilities.append(row)
        return row

    def community(self, community: Area, households: int, at, index: int) -> None:
        rng, code, name = self.rng, community.code, community.name
        rural = community.urban_rural.startswith("2")
        road = f"{name.removesuffix('社区')}{('路', '街', '大路')[index % 3]}"
        number = rng.randrange(8, 180)

        def address(near: int = 0) -> str:
            if rural:
                return f"灯塔镇{name}{rng.randint(1, 6)}组" if near else f"灯塔镇{name}村委会院内"
            return f"西安区{road}{number + near}号"

        plan = CENTRES.get(code)
        if plan is not None:
            per_100, share, profile, year, ownership, terminals = plan
            floor = households * per_100 / 100
            access = ["ramp", "handrails"] if rural else ["ramp", "handrails", "toilet"]
            if floor > 500 and not rural:
                access.append("lift")
            if year >= 2015:
                access += ["tactile", "parking"]
            if rng.random() < 0.5:
                access.append("wheelchair")
            if code in ("220403001001", "220403004001"):
                access.append("hearing")
            residential, commercial = NEW_BUILDS.get(code, (None, 0))
            centre = self.facility(
                community, Kind.COMPREHENSIVE, f"{name}党群服务中心", floor, share,
                PROFILES[profile], at, address(), spread=0.0004, year_built=year,
                ownership=ownership, terminals=terminals, accessibility=access,
                phone=f"0437-{rng.randrange(3_100_000, 3_699_999)}", new_build=code in NEW_BUILDS,
                residential_area=_dec(residential) if residential else None,
                commercial_area=_dec(commercial), note=_centre_note(code, profile),
            )  # fmt: skip
            self.rooms(community, centre, floor, rural)
        if not rural and code not in NO_DAY_CARE:
            self.facility(
                community, Kind.DAY_CARE, f"{name}老年人日间照料中心", rng.uniform(320, 620),
                rng.uniform(0.55, 0.75), KIND_HOURS[Kind.DAY_CARE], at,
                address(rng.randrange(2, 30)), year_built=rng.randint(2014, 2024),
                ownership=rng.choice(["owned", "owned", "leased", "shared"]),
                accessibility=["ramp", "toilet", "handrails", "wheelchair", "lift"],
                phone=f"0437-{rng.randrange(3_100_000, 3_699_999)}",
                note="委托社会力量运营，提供助餐、日托、康复理疗和文化娱乐服务。",
            )  # fmt: skip
        elif code == NO_DAY_CARE[0]:
            self.facility(
                community, Kind.DAY_CARE, f"{name}老年人日间照料中心", 420, 0.7, {}, at, address(6),
                status=Facility.Status.BUILDING, note="由闲置锅炉房改建，预计明年投入使用。",
            )  # fmt: skip
        elif rural and code != "220403100002":
            self.facility(
                community, Kind.ELDERLY_STATION, f"{name}互助幸福院", rng.uniform(160, 320), 0.7,
                KIND_HOURS[Kind.ELDERLY_STATION], at, address(1),
                year_built=rng.randint(2013, 2021), accessibility=["ramp", "handrails"],
            )  # fmt: skip
        for kind, urban_name, rural_name, (low, high), share, lacking in OTHERS:
            if code[-6:] in lacking.split() or (rural and "村" in lacking):
                continue
            hours = KIND_HOURS.get(kind) or PROFILES[CENTRES.get(code, (0, 0, "village"))[2]]
            self.facility(
                community, kind, (rural_name if rural else urban_name).format(name),
                rng.uniform(low, high), share, hours, at, address(rng.randrange(1, 60)),
                year_built=rng.randint(2010, 2025),
                accessibility=["ramp"] if share and rng.random() < 0.7 else [],
                ownership=rng.choice(["owned", "owned", "shared", "lent"]),
            )  # fmt: skip

    def rooms(self, community: Area, centre: Facility, floor: float, rural: bool) -> None:
        rng, code = self.rng, community.code
        room = "村民活动室" if rural else ROOMS[int(code[-4:]) % len(ROOMS)]
        short = room in ("舞蹈排练室", "棋牌室")  # booked by the half hour
        busy = BUSY.get(code)
        quiet = 0.02 if code == "220403100003" else rng.choice([0.3, 0.2, 0.12])
        specs = [
            ("多功能厅", Venue.Kind.HALL, max(40, min(160, round(floor / 6, -1))), "instant", 60, 4,
             busy or quiet),
            ("会议室", Venue.Kind.MEETING, rng.choice([16, 20, 24, 30]), "approval", 60, 4,
             0.25 if busy else rng.choice([0.12, 0.08, 0.04])),
            (room, Venue.Kind.ACTIVITY, rng.choice([20, 24, 30, 40]), "instant", 30 if short else 60,
             6 if short else 3,
             busy or (0.02 if code == "220403100004" else rng.choice([0.45, 0.3, 0.15]))),
        ]  # fmt: skip
        for name, kind, capacity, approval, slot, max_slots, share in specs:
            self.venues.append(
                Venue(
                    area=community, area_code=code, facility=centre, name=name, kind=kind,
                    capacity=capacity, rules=RULES[kind], address=centre.address,
                    latitude=centre.latitude, longitude=centre.longitude, approval=approval,
                    hours=_aligned(centre.hours, slot), slot_minutes=slot, max_slots=max_slots,
                )
            )  # fmt: skip
            self.busy[(code, name)] = share

    def unit(self, community: Area, spec, at) -> None:
        code, unit, name, kind, capacity, approval, residents, slot, max_slots, hours, busy = spec
        lat, lng = self.near(at, 0.004)
        self.venues.append(
            Venue(
                area=community, area_code=code, unit_name=unit, name=name, kind=kind,
                capacity=capacity, rules=RULES["unit"], address=f"西安区{unit}院内",
                latitude=lat, longitude=lng, for_residents=residents, approval=approval,
                hours=_aligned(hours, slot), slot_minutes=slot, max_slots=max_slots,
                days_ahead=7 if kind == Venue.Kind.PARKING else 14,
            )
        )  # fmt: skip
        self.busy[(code, name)] = busy

    def town(self, town: Area, at) -> None:
        if town.code != NO_SOCIAL_WORK_TOWN:
            self.facility(
                town, Kind.SOCIAL_WORK, f"{town.name}社会工作站", self.rng.uniform(90, 220), 0.6,
                KIND_HOURS[Kind.SOCIAL_WORK], at, f"西安区{town.name}办事处", spread=0.002,
                year_built=self.rng.randint(2021, 2024), ownership="shared",
                accessibility=["ramp", "toilet"],
                note="乡镇（街道）社会工作站，配备专职社工，开展“五社联动”服务。",
            )  # fmt: skip
        if town.code.endswith("100000"):
            self.facility(
                town, Kind.CULTURE_SPORTS, f"{town.name}综合文化站", 860, 0.7,
                KIND_HOURS[Kind.CULTURE_SPORTS], at, f"{town.name}人民政府东侧", year_built=2016,
                accessibility=["ramp", "toilet", "handrails"],
            )  # fmt: skip


def _centre_note(code: str, profile: str) -> str:
    if code in NEW_BUILDS:
        return "新建住宅小区按规划配建，与小区同步建设、同步交付使用。"
    if profile == "sat_half":
        return "周六上午开放，周日闭馆，节假日另行通知。"
    if profile == "short":
        return "与社区居委会合署办公，工作日中午闭馆。"
    return "用房面积不足，已列入改扩建计划。" if CENTRES[code][0] < TARGET_PER_100 else ""


# --- bookings -------------------------------------------------------------------------------------


@dataclass
class _Who:
    user: User
    kind: str
    organisation: str
    purpose: str
    people: int


@dataclass
class _Slotted:
    """A venue being booked: how busy it gets, who books and decides, what is taken each day."""

    venue: Venue
    share: float
    residents: list[User]
    staff: list[User]
    deciders: list[User]
    regulars: list[tuple[int, int, int, _Who]] = field(default_factory=list)
    taken: dict[dt.date, list[tuple[int, int]]] = field(default_factory=lambda: defaultdict(list))


class _Bookings:
    def __init__(self, rng: random.Random, now: dt.datetime, provider: User | None):
        self.rng, self.now, self.today = rng, now, timezone.localdate(now)
        self.provider = provider
        self.rows: list[Booking] = []
        self.cache: dict[tuple[int, int], list[tuple[int, int]]] = {}

    def ranges(self, venue: Venue, weekday: int) -> list[tuple[int, int]]:
        key = (venue.pk, weekday)
        if key not in self.cache:
            name = WEEKDAYS[weekday]
            self.cache[key] = week_hours.day_ranges(venue.hours.get(name), name)
        return self.cache[key]

    def place(
        self, v: _Slotted, day: dt.date, start: int, end: int, who: _Who, status=None
    ) -> bool:
        """Book ``start``–``end`` (minutes) on ``day`` when it lies in the hours, is free, and is
        wholly past or wholly ahead (within the venue's days ahead)."""
        if not any(s <= start and end <= e for s, e in self.ranges(v.venue, day.weekday())):
            return False
        if any(start < e and s < end for s, e in v.taken[day]):
            return False
        starts, ends = _local(day, start), _local(day, end)
        latest = self.now + dt.timedelta(days=v.venue.days_ahead, hours=-1)
        if starts < self.now < ends or starts > latest:
            return False
        v.taken[day].append((start, end))
        self.rows.append(self.booking(v, starts, ends, who, status))
        return True

    def who(self, v: _Slotted) -> _Who | None:
        rng, venue = self.rng, v.venue
        roll, most = rng.random(), venue.capacity
        staff_purposes = PURPOSES["staff"].get(venue.kind)
        if (
            v.staff
            and staff_purposes
            and (roll < 0.3 or not v.residents or not venue.for_residents)
        ):
            return _Who(rng.choice(v.staff), "staff", "", rng.choice(staff_purposes),
                        rng.randint(8, max(8, most * 2 // 3)))  # fmt: skip
        if self.provider and roll > 0.975 and venue.kind in ("hall", "activity", "meeting"):
            return _Who(self.provider, "organisation", SOCIAL_ORGANISATION,
                        rng.choice(PURPOSES["organisation"]), rng.randint(10, most))  # fmt: skip
        if v.residents and venue.for_residents and venue.kind in PURPOSES["resident"]:
            return _Who(rng.choice(v.residents), "resident", "",
                        rng.choice(PURPOSES["resident"][venue.kind]), rng.randint(2, max(2, most // 2)))  # fmt: skip
        return None

    def plan_regulars(self, v: _Slotted, community: Area, lead: User | None) -> None:
        """Weekly groups of residents, on a fixed day and time; ``lead`` leads the first."""
        groups, rng, slot = REGULARS.get(v.venue.kind, []), self.rng, v.venue.slot_minutes
        wanted = 5 if v.share >= 0.5 else 2 if v.share >= 0.25 else 0
        if not groups or not wanted or not v.residents:
            return
        open_days = [i for i, d in enumerate(WEEKDAYS) if v.venue.hours.get(d)]
        for index, (group, purpose, people) in enumerate(
            rng.sample(groups, min(wanted, len(groups)))
        ):
            weekday = rng.choice(open_days)
            start, end = rng.choice(self.ranges(v.venue, weekday))
            length = min(v.venue.max_slots, max(1, 120 // slot), (end - start) // slot)
            first = start + rng.randrange((end - start) // slot - length + 1) * slot
            booker = lead if index == 0 and lead is not None else rng.choice(v.residents)
            name = f"{community.name.removesuffix('社区')}{group}"
            who = _Who(booker, "organisation", name, purpose, min(people, v.venue.capacity))
            v.regulars.append((weekday, first, first + length * slot, who))

    def booking(self, v: _Slotted, starts, ends, who: _Who, status) -> Booking:
        """One booking, its status and the times and people of what happened to it."""
        rng, now, venue = self.rng, self.now, v.venue
        longest = dt.timedelta(days=venue.days_ahead, minutes=-5)
        created = starts - min(
            dt.timedelta(hours=rng.uniform(3, 24 * min(venue.days_ahead, 9))), longest
        )
        if ends > now:  # ahead: booked in the last days, never in the future
            created = max(
                min(created, now - dt.timedelta(minutes=rng.randint(5, 600))), starts - longest
            )
        decider = rng.choice(v.deciders).pk if v.deciders else None
        row = Booking(
            venue_id=venue.pk, area_code=venue.area_code, starts_at=starts, ends_at=ends,
            booker_id=who.user.pk, booker_kind=who.kind, organisation=who.organisation,
            purpose=who.purpose, attendees=max(1, who.people), created_at=created,
            client_key=uuid.UUID(int=rng.getrandbits(128), version=4),
        )  # fmt: skip
        approval, roll = venue.approval == Venue.Approval.APPROVAL, rng.random()
        if status is None and ends <= now:
            status = (Status.REJECTED if approval and roll < 0.08 else Status.CANCELLED if roll > 0.91
                      else Status.NO_SHOW if roll > 0.84 else Status.CHECKED_IN)  # fmt: skip
        elif status is None and approval and (starts - now > dt.timedelta(days=2) or roll < 0.15):
            status = (
                Status.PENDING
                if roll < 0.7
                else Status.REJECTED
                if roll > 0.95
                else Status.CONFIRMED
            )
        elif status is None:
            status = Status.CANCELLED if roll > 0.93 else Status.CONFIRMED
        row.status = status = (
            Status.CANCELLED if status == Status.REJECTED and not decider else status
        )
        if (
            approval
            and decider
            and status != Status.PENDING
            and (status != Status.CANCELLED or roll < 0.5)
        ):
            row.decided_by_id = decider
            row.decided_at = max(
                min(created + dt.timedelta(hours=rng.uniform(0.5, 20)), starts, now), created
            )
            row.reason = rng.choice(DECLINE_REASONS) if status == Status.REJECTED else ""
        if status == Status.CANCELLED:
            row.cancelled_at = created + (min(starts, now) - created) * rng.uniform(0.2, 0.95)
            row.reason = rng.choice(["", "", "活动改期", "人数不够，活动取消", "临时有事"])
        if status == Status.CHECKED_IN:
            row.checked_in_at = starts + dt.timedelta(minutes=rng.randint(-10, 8))
            row.checked_in_by_id = decider
        return row

    def venue(self, v: _Slotted, days: list[dt.date]) -> None:
        """The venue's bookings day by day: its regular groups, then others up to how busy it
        is that day (weekends busier on sports grounds; further ahead, fewer booked yet)."""
        rng, slot, kind = self.rng, v.venue.slot_minutes, v.venue.kind
        for day in days:
            ranges = self.ranges(v.venue, day.weekday())
            if not ranges:
                continue
            for weekday, start, end, who in v.regulars:
                if weekday == day.weekday() and rng.random() < 0.92:
                    self.place(v, day, start, end, who)
            ahead = (day - self.today).days
            fade = 1.0 if ahead <= 2 else max(0.25, 1 - ahead / 16)
            weekend = day.weekday() >= 5
            share = v.share * (
                1.3 if weekend and kind == "sports" else 0.6 if weekend and kind == "meeting" else 1
            )
            want = max(0.0, min(0.95, rng.gauss(share, max(0.01, share / 4)) * fade))
            want *= sum(e - s for s, e in ranges)
            for _attempt in range(12):
                left = want - sum(e - s for s, e in v.taken[day])
                s, e = rng.choice(ranges)
                n = rng.randint(1, min(v.venue.max_slots, (e - s) // slot, max(1, 180 // slot)))
                if left <= 0 or (n * slot > left and rng.random() > left / (n * slot)):
                    break
                start = s + rng.randrange((e - s) // slot - n + 1) * slot
                who = self.who(v)
                if who is not None:
                    self.place(v, day, start, start + n * slot, who)


def _write_bookings(builder: _Places, communities: list[Area], now: dt.datetime) -> list[Booking]:
    """Bookings by resident accounts (and the groups they lead), community staff and a social
    organisation; decided and checked in by the community's staff (or the town's officers)."""
    residents, staff, officers = defaultdict(list), defaultdict(list), defaultdict(list)
    roles = (Role.RESIDENT, Role.COMMUNITY_WORKER, Role.COMMUNITY_HEAD, Role.TOWN_OFFICER)
    for ra in (
        RoleAssignment.objects.filter(
            role__in=roles, area_code__startswith=COUNTY, user__is_active=True
        )
        .select_related("user")
        .order_by("user__username", "pk")
    ):
        group = {Role.RESIDENT: residents, Role.TOWN_OFFICER: officers}.get(ra.role, staff)
        group[ra.area_code[:9] if ra.role == Role.TOWN_OFFICER else ra.area_code[:12]].append(
            ra.user
        )
    everyone = sorted({u for users in residents.values() for u in users}, key=lambda u: u.username)
    provider = User.objects.filter(username="provider", is_active=True).first()
    lead = User.objects.filter(username="resident", is_active=True).first()
    bookings = _Bookings(random.Random(SEED + 1), now, provider)
    days = [bookings.today + dt.timedelta(days=d) for d in range(-7 * PAST_WEEKS, AHEAD_DAYS + 1)]
    by_code = {c.code: c for c in communities}
    slotted = []
    for venue in Venue.objects.filter(area_code__startswith=COUNTY).order_by("area_code", "name"):
        code = venue.area_code[:12]
        own = residents.get(code, [])
        v = _Slotted(
            venue, builder.busy.get((code, venue.name), 0.1), own or everyone,
            staff.get(code, []), staff.get(code) or officers.get(code[:9]) or [],
        )  # fmt: skip
        home = lead if lead in own and venue.kind == Venue.Kind.HALL else None
        bookings.plan_regulars(v, by_code[code], home)
        slotted.append(v)
    if lead is not None:
        _scripted(bookings, slotted, lead)
    for v in slotted:
        bookings.venue(v, days)
    _insert(bookings.rows)
    return bookings.rows


def _insert(rows: list[Booking]) -> None:
    """Insert bookings as ``bulk_create`` would, in a few ``executemany`` statements: on SQLite
    ``bulk_create`` cuts them into statements of some fifty rows and prepares every value
    through its field, which costs more than making them."""
    fields = [f for f in Booking._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(Booking._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608

    def prepare(f):
        if isinstance(f, DateTimeField):
            return connection.ops.adapt_datetimefield_value
        if isinstance(f, UUIDField):
            return lambda value: f.get_db_prep_save(value, connection)
        return lambda value: value

    prepared = [(f.attname, prepare(f)) for f in fields]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(
                sql,
                [[adapt(getattr(row, name)) for name, adapt in prepared]
                 for row in rows[start : start + BATCH]],
            )  # fmt: skip


def _scripted(bookings: _Bookings, slotted: list[_Slotted], lead: User) -> None:
    """The demo resident's request for her community's meeting room next week awaits approval."""
    home = next((v for v in slotted for *_t, who in v.regulars if who.user == lead), None)
    room = next(
        (v for v in slotted if home and v.venue.area_code == home.venue.area_code
         and v.venue.approval == Venue.Approval.APPROVAL),
        None,
    )  # fmt: skip
    who = _Who(lead, "resident", "", "合唱团骨干商量新年演出安排", 8)
    for ahead in range(4, 10) if room else ():
        day = bookings.today + dt.timedelta(days=ahead)
        ranges = bookings.ranges(room.venue, day.weekday())
        if ranges and bookings.place(
            room, day, ranges[-1][0], ranges[-1][0] + 120, who, Status.PENDING
        ):
            return


def gaps() -> dict[str, list[str]]:
    """The demo county's gaps against the plans, as community codes: no centre, under 30 m² per
    100 households, open under 8 hours on some day, urban without an elderly day-care centre."""
    households = _households()
    facilities = Facility.objects.filter(area_code__startswith=COUNTY, status=Facility.Status.OPEN)
    centres = {f.area_code: f for f in facilities.filter(kind=Kind.COMPREHENSIVE)}
    day_care = set(facilities.filter(kind=Kind.DAY_CARE).values_list("area_code", flat=True))
    out: dict[str, list[str]] = {"no_centre": [], "small": [], "short_hours": [], "no_day_care": []}
    for c in Area.objects.filter(code__startswith=COUNTY, level=Level.COMMUNITY).order_by("code"):
        centre = centres.get(c.code)
        if centre is None:
            out["no_centre"].append(c.code)
        elif (
            households.get(c.code) and centre.floor_area * 100 / households[c.code] < TARGET_PER_100
        ):
            out["small"].append(c.code)
        if centre is not None and centre.min_daily_hours < 8:
            out["short_hours"].append(c.code)
        if c.urban_rural.startswith("1") and c.code not in day_care:
            out["no_day_care"].append(c.code)
    return out


def load_facilities_demo(*, now: dt.datetime | None = None) -> str:
    """Load the facilities demo (a DEMO_LOADERS entry, after the notices loader). Returns a
    summary for the console; when the county has facilities already, changes nothing."""
    if not Area.objects.filter(code=COUNTY_CODE).exists():
        return ""
    existing = Facility.objects.filter(area_code__startswith=COUNTY)
    if existing.exists():
        bookings = Booking.objects.filter(area_code__startswith=COUNTY).count()
        return f"Facilities demo: kept the {existing.count()} facilities and {bookings} bookings already loaded"
    areas = Area.objects.filter(code__startswith=COUNTY, is_demo=True).order_by("code")
    communities = list(areas.filter(level=Level.COMMUNITY))
    if not communities:
        return ""
    now, rng, households = now or timezone.now(), random.Random(SEED), _households()
    with transaction.atomic():
        at = _centres(communities, rng)
        builder = _Places(rng)
        for index, community in enumerate(communities):
            builder.community(
                community, households.get(community.code, 1000), at[community.code], index
            )
        for town in areas.filter(level=Level.TOWN):
            inside = [at[c.code] for c in communities if c.code.startswith(town.code[:9])] or [
                at[communities[0].code]
            ]
            builder.town(town, tuple(sum(p[i] for p in inside) / len(inside) for i in (0, 1)))
        by_code = {c.code: c for c in communities}
        for spec in UNITS:
            if spec[0] in by_code:
                builder.unit(by_code[spec[0]], spec, at[spec[0]])
        Facility.objects.bulk_create(builder.facilities, batch_size=BATCH)
        ids = {
            (area, name): pk
            for area, name, pk in existing.values_list("area_id", "name", "pk")
        }  # fmt: skip
        for venue in builder.venues:
            if venue.facility is not None:
                key = (venue.area_id, venue.facility.name)
                venue.facility, venue.facility_id = None, ids[key]
        Venue.objects.bulk_create(builder.venues, batch_size=BATCH)
        rows = _write_bookings(builder, communities, now)
        counts = {
            "facilities": len(builder.facilities),
            "centres": sum(f.kind == Kind.COMPREHENSIVE for f in builder.facilities),
            "venues": len(builder.venues),
            "bookings": len(rows),
            "upcoming": sum(b.starts_at >= now for b in rows),
            "pending": sum(b.status == Status.PENDING for b in rows),
        }
        audit.record(
            scoping.SYSTEM, "facilities.demo_load", area_code=COUNTY_CODE,
            target_type="facilities.facility", extra=counts,
        )  # fmt: skip
    found = gaps()
    names = dict(areas.values_list("code", "name"))

    def listed(key: str) -> str:
        return "、".join(names[code] for code in found[key]) or "—"

    return (
        f"Facilities demo: {counts['facilities']} facilities ({counts['centres']} service centres), "
        f"{counts['venues']} venues, {counts['bookings']} bookings over the last {PAST_WEEKS} weeks "
        f"and the next {AHEAD_DAYS} days ({counts['pending']} awaiting approval)\n"
        f"  Gaps: no centre {listed('no_centre')}; under {TARGET_PER_100} m² per 100 households "
        f"{listed('small')}; open under 8 hours {listed('short_hours')}; no day-care centre "
        f"{listed('no_day_care')}"
    )


__all__ = ["gaps", "load_facilities_demo"]
