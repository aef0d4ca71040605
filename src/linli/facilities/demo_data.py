"""The facilities demo's data: what the demo county has in places, and the builder that turns
it into unsaved facilities and venues.

The tables give, per community, the party and mass service centre's size, share for residents'
activities, opening hours, year built, ownership and terminals (:data:`CENTRES`); the centres
built in the plan period (:data:`NEW_BUILDS`); the opening hours of each profile and kind; the
other facilities and who lacks them (:data:`OTHERS`); the units that open a resource
(:data:`UNITS`); the rooms, house rules, weekly groups, purposes and decline reasons the bookings
use. :class:`_Places` builds the rows from them, deterministically from the random generators it
is given; :mod:`linli.facilities.demo` writes them and makes the bookings.

Each facility is dated as the county recorded it, so that the capacity figures of past years
(read as of their 31 December) find what stood then: the facilities built before the records
start (:data:`RECORDS_START`) were entered in the census of the weeks before it, later ones in
the year they opened. 先锋社区's new centre opened in 2023, 安家社区's in 2025 and 新胜村's in
2026; the social work stations of 富国街道 and 灯塔镇 opened in 2025 and 2026
(:data:`STATIONS_OPENED`); the units opened their grounds and rooms to residents in 2025.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from linli.core.models import Area

from . import hours as week_hours
from .models import WEEKDAYS, Facility, Venue

TARGET_PER_100 = 30  # m² of the centre per 100 households, as the plans ask
Kind = Facility.Kind

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
    "220403006001": (31, 0.64, "weekend", 2025, "owned", 1),  # 安家社区: new build
    "220403006002": (33, 0.57, "short", 2010, "owned", 0),  # 新安社区: 7 hours a day
    "220403100001": (36, 0.65, "village", 2018, "owned", 1),  # 灯塔村
    "220403100003": (22, 0.54, "village", 2007, "owned", 0),  # 长安村: small
    "220403100004": (31, 0.60, "village", 2026, "owned", 0),  # 新胜村: opened in 2026
}
# Centres built in the plan period: residential floor area served, commercial area built with it.
NEW_BUILDS = {
    "220403003001": (52_000, 3_200),
    "220403005001": (46_000, 4_800),
    "220403006001": (58_000, 6_200),
}
NO_DAY_CARE = ("220403001003", "220403002003", "220403005002")  # 长青 (being built), 铁东, 北寿
NO_SOCIAL_WORK_TOWN = "220403006000"  # 安家街道
# The social work stations opened last: 富国街道's in 2025, 灯塔镇's in 2026.
STATIONS_OPENED = {"220403005000": 2025, "220403100000": 2026}
# The facility records start on this day, after a census of the facilities standing then, held
# over the CENSUS_DAYS before it; facilities built since are recorded in the year they open.
RECORDS_START = dt.date(2023, 3, 1)
CENSUS_DAYS = 28
UNITS_OPENED = 2025  # the year the units opened their grounds and rooms to residents
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


class _Places:
    """Builds the unsaved facilities and venues, deterministically from the generators given:
    ``rng`` for what they are, ``dates`` for when they were recorded. ``last_day`` is the last
    day a record may carry (before the first booking of any venue); no year built lies after
    its year."""

    def __init__(self, rng: random.Random, *, dates: random.Random, last_day: dt.date):
        self.rng, self.dates, self.last_day = rng, dates, last_day
        self.facilities: list[Facility] = []
        self.venues: list[Venue] = []
        self.busy: dict[tuple[str, str], float] = {}  # (area, venue name) → share booked

    def _moment(self, day: dt.date) -> dt.datetime:
        """A moment of office hours on ``day`` (at the latest ``last_day``)."""
        minutes = self.dates.randint(8 * 60 + 30, 17 * 60 + 30)
        day = min(day, self.last_day)
        return timezone.make_aware(dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60)))

    def recorded(self, year: int | None, status: str = Facility.Status.OPEN) -> dt.datetime:
        """When a facility built in ``year`` was recorded: in the census before the records
        start, else on a day of its opening year (March to November); one being built, some
        months ago."""
        dates = self.dates
        if status == Facility.Status.BUILDING:
            return self._moment(self.last_day - dt.timedelta(days=dates.randint(90, 200)))
        if year is None or year < RECORDS_START.year:
            return self._moment(RECORDS_START - dt.timedelta(days=dates.randint(1, CENSUS_DAYS)))
        last = min(dt.date(year, 11, 30), self.last_day)
        first = min(max(dt.date(year, 3, 1), RECORDS_START), last)
        return self._moment(first + dt.timedelta(days=dates.randint(0, (last - first).days)))

    def edited(self, created: dt.datetime) -> dt.datetime:
        """When a record was last changed: half of them never since."""
        if self.dates.random() < 0.5:
            return created
        day = timezone.localdate(created)
        later = day + dt.timedelta(days=self.dates.randint(0, max((self.last_day - day).days, 0)))
        return max(self._moment(later), created)

    def near(self, at, spread: float = 0.0015) -> tuple[Decimal, Decimal]:
        return tuple(_dec(at[i] + self.rng.uniform(-spread, spread), 6) for i in (0, 1))

    def facility(self, area: Area, kind: str, name: str, floor: float, share: float, hours: dict,
                 at, address: str, **extra) -> Facility:  # fmt: skip
        cleaned = week_hours.clean(hours)
        lat, lng = self.near(at, extra.pop("spread", 0.0015))
        floor = max(round(floor, 1 if floor < 100 else 0), 1)
        if extra.get("year_built") is not None:
            extra["year_built"] = min(extra["year_built"], self.last_day.year)
        created = self.recorded(extra.get("year_built"), extra.get("status", Facility.Status.OPEN))
        row = Facility(
            area=area, area_code=area.code, name=name, kind=kind, floor_area=_dec(floor),
            activity_area=_dec(floor * share), address=address, latitude=lat, longitude=lng,
            hours=cleaned.days, open_days=cleaned.open_days,
            min_daily_hours=cleaned.min_daily_hours, created_at=created,
            updated_at=self.edited(created), **extra,
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
                    created_at=centre.created_at, updated_at=centre.created_at,
                )
            )  # fmt: skip
            self.busy[(code, name)] = share

    def unit(self, community: Area, spec, at) -> None:
        code, unit, name, kind, capacity, approval, residents, slot, max_slots, hours, busy = spec
        lat, lng = self.near(at, 0.004)
        opened = self.recorded(UNITS_OPENED)
        self.venues.append(
            Venue(
                area=community, area_code=code, unit_name=unit, name=name, kind=kind,
                capacity=capacity, rules=RULES["unit"], address=f"西安区{unit}院内",
                latitude=lat, longitude=lng, for_residents=residents, approval=approval,
                hours=_aligned(hours, slot), slot_minutes=slot, max_slots=max_slots,
                days_ahead=7 if kind == Venue.Kind.PARKING else 14, created_at=opened,
                updated_at=opened,
            )
        )  # fmt: skip
        self.busy[(code, name)] = busy

    def town(self, town: Area, at) -> None:
        if town.code != NO_SOCIAL_WORK_TOWN:
            floor, year = self.rng.uniform(90, 220), self.rng.randint(2021, 2024)
            self.facility(
                town, Kind.SOCIAL_WORK, f"{town.name}社会工作站", floor, 0.6,
                KIND_HOURS[Kind.SOCIAL_WORK], at, f"西安区{town.name}办事处", spread=0.002,
                year_built=STATIONS_OPENED.get(town.code, year), ownership="shared",
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
