"""Six months of care visits (特殊困难老年人探访) for the demo county.

The county gets the built-in visit policy and a worker on duty in every grid of the demo (the
demo grid worker ``grid`` in 仙城社区第1网格, an account ``grid-<grid code>`` elsewhere; villages
have part-time grid workers) — except 长安村第2网格, whose worker left at the start of last month
and has not been replaced, so its plans are unassigned since. The roster is refreshed from the
registry and the plans are made month by month through the actions, as the monthly run would
have made them (a few people are put at high risk three months ago and are visited weekly since).

Visits are written in bulk, with the plans' counts, last visits and statuses kept as
``visit_record`` keeps them: most communities visit 92–100 % of their people each month;
铁东社区 and 北寿社区 fall behind (60–80 %) and so does 长安村 with its unstaffed grid. Most visits
are at home, some by phone or video; now and then nobody is home (an attempt that does not
count). Checklists raise an occasional concern, some of which become needs found: most older
needs are met, a few are open and three become appeals through ``need_to_appeal``. The current
month is partly done, so the grid worker's page shows people still to visit and last month's
overdue ones, and the sweep has told the workers and community heads of those.

Deterministic for a given day (seeded). Loading again changes nothing.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation

from linli.appeals.demo import _password  # the demo password, hashed once
from linli.core import audit, scoping
from linli.core.areacodes import Level
from linli.core.demo import COUNTY
from linli.core.models import Area, RoleAssignment, User
from linli.core.roles import Role
from linli.registry.models import GridStaff, Resident

from . import actions
from .models import Need, Plan, Risk, Run, Subject, Visit, month_end, month_start

SEED = 60501
BATCH = 1000
MONTHS = 6  # the current month and the five before it
COUNTY_CODE = COUNTY + "000000"
HOME_GRID = "220403001001001"  # the demo grid worker's grid (仙城社区第1网格)
BEHIND = ("220403002003", "220403005002")  # 铁东社区, 北寿社区: their workers fall behind
UNSTAFFED_GRID = "220403100003002"  # 长安村第2网格: its worker left last month
HIGH_RISK_SHARE = 0.015
APPEALS = 3  # needs turned into appeals

GRID_WORKER_NAMES = (
    "李秀梅 张伟东 王丽华 刘洪波 陈晓红 杨志国 赵玉兰 黄建华 周丽娜 吴海燕 徐振江 孙桂香 "
    "胡晓梅 朱国庆 高淑芬 林春生 何丽娟 郭振华 马秀英 罗海军 梁雪梅 宋立国 郑丽萍 谢志明 "
    "韩秀兰 唐建军 冯晓燕 于洪涛 董玉珍 萧春梅 程立新 曹丽红 袁志刚 邓桂英 许海峰 傅淑珍 "
    "沈晓东 曾玉梅 彭立军 吕春燕 苏振国 卢秀云 蒋丽华 蔡永强 贾淑兰 丁海波 魏桂荣 薛晓丽 "
    "叶建国 阎秀珍 余立伟 潘丽萍"
)

CONCERN_ODDS = {  # per check, on a home visit
    "health": 0.05,
    "safety_gas": 0.015,
    "safety_electric": 0.015,
    "safety_fire": 0.01,
    "food": 0.02,
    "hygiene": 0.02,
    "mood": 0.03,
    "loneliness": 0.04,
}
AT_THE_DOOR = {"safety_gas", "safety_electric", "safety_fire", "hygiene"}  # not checked by phone
CONCERN_NOTES = {
    "health": [
        "近几天血压偏高，有点头晕，已提醒按时服药，并联系了家庭医生。",
        "腿疼加重，走路吃力，建议到社区卫生服务站看看。",
        "感冒咳嗽好几天了，已提醒及时就医。",
    ],
    "safety_gas": ["燃气软管老化开裂，建议尽快更换。", "燃气灶用完没关总阀，已提醒。"],
    "safety_electric": ["插线板私拉乱接，电线老化，存在安全隐患。", "电热毯用了十几年，建议更换。"],
    "safety_fire": ["楼道和门口堆放纸箱杂物，已劝导清理。", "家中没有灭火器，已讲解防火常识。"],
    "food": ["冰箱里存的饭菜不多，老人说自己做饭吃力。", "最近饭量明显减少。"],
    "hygiene": ["家中卫生较差，需要有人帮忙打扫。", "被褥长时间没换洗。"],
    "mood": ["情绪低落，说晚上睡不好。", "老伴去世后一直闷闷不乐。"],
    "loneliness": ["子女很少回来，老人说一个人很孤单。", "平时很少出门，几乎没人说话。"],
}
# For children the checklist's concerns are their own (no gas or wiring of their own to check).
CHILD_CONCERN_NOTES = {
    "health": ["孩子感冒发烧两天了，已提醒爷爷奶奶带去看医生。"],
    "hygiene": ["孩子衣服单薄，屋里取暖不足。"],
    "mood": ["孩子最近不爱说话，说想爸爸妈妈。"],
    "loneliness": ["父母半年没回来，孩子放学后常一个人在家。"],
}
VISIT_NOTES = {
    "elderly": ["老人精神状态良好，家中整洁，生活能自理。", "询问了近期饮食起居，提醒天冷注意保暖。", "检查了燃气阀门和电线，没有安全隐患。", "陪老人聊了半小时，心情不错。", "帮老人查看了药品有效期，过期药已清理。", "老人说儿子上周回来过，一切都好。"],
    "disability": ["精神状态不错，家人照顾得很周到。", "询问了康复训练情况，轮椅使用正常。", "提醒家属按时申领残疾人两项补贴。"],
    "child": ["孩子在家写作业，爷爷奶奶身体尚可。", "了解了孩子的学习情况，成绩稳定。", "提醒家长注意孩子假期安全，不要去河边玩。"],
    "phone": ["电话询问近况，说一切都好。", "电话联系，说身体还行，让别惦记。", "视频看了家里情况，气色不错。"],
}  # fmt: skip
NOBODY_NOTES = {
    "elderly": "敲门无人应答，邻居说老人去女儿家了，过几天再来。",
    "disability": "家中无人，家属说去医院做康复了。",
    "child": "家中无人，爷爷带孩子去镇上了。",
}
NEED_OF_CHECK = {
    "health": Need.Kind.HEALTH,
    "safety_gas": Need.Kind.HOUSING,
    "safety_electric": Need.Kind.HOUSING,
    "safety_fire": Need.Kind.HOUSING,
    "food": Need.Kind.MEALS,
    "hygiene": Need.Kind.DAILY_CARE,
    "mood": Need.Kind.COMPANY,
    "loneliness": Need.Kind.COMPANY,
}
NEED_TEXTS = {
    Need.Kind.HEALTH: ["需要家庭医生上门测血压、调整用药。", "腿脚不便，希望帮忙预约医院复查。"],
    Need.Kind.DAILY_CARE: ["需要助浴、打扫卫生等居家照护服务。", "希望有人定期上门帮忙洗衣做饭。"],
    Need.Kind.MEALS: ["做饭困难，希望申请社区老年助餐。"],
    Need.Kind.HOUSING: ["燃气软管老化需更换，卫生间需要加装扶手。", "家中电线老化，需要请电工检修。"],
    Need.Kind.FINANCE: ["医药费负担重，想咨询临时救助。"],
    Need.Kind.COMPANY: ["希望志愿者定期上门陪伴聊天。", "想参加社区老年活动，需要有人陪同。"],
    Need.Kind.LEGAL: ["子女赡养费有纠纷，需要法律咨询。"],
}  # fmt: skip
CHILD_NEED_TEXTS = {
    Need.Kind.HEALTH: ["需要协助带孩子到医院复查。"],
    Need.Kind.DAILY_CARE: ["孩子冬衣不够，需要协调爱心衣物。"],
    Need.Kind.COMPANY: ["希望志愿者定期辅导孩子功课、陪伴交流。"],
    Need.Kind.FINANCE: ["家庭困难，咨询困境儿童生活补贴。"],
    Need.Kind.LEGAL: ["父母离异抚养费未给付，需要法律咨询。"],
}  # fmt: skip
HEALTH_NOTES = ["高血压，长期服用降压药。", "糖尿病，每天注射胰岛素。", "腿脚不便，出门需拐杖。", "冠心病，家中备有急救药。", "身体状况尚可，无慢性病。", "听力较差，佩戴助听器，交流需大声。", "去年做过白内障手术，视力有所恢复。"]  # fmt: skip
LIVING_NOTES = {
    "special_elderly.living_alone": "独居，子女在外地工作，每周电话联系一次。",
    "special_elderly.empty_nest": "老两口同住，子女都在外地。",
    "special_elderly.left_behind": "子女外出务工，老人在家种地。",
    "special_elderly.advanced_age": "高龄，由女儿每天过来照看。",
    "special_elderly.disabled": "失能，由老伴照料，行动需轮椅。",
    "special_elderly.fp_family": "计划生育特殊家庭，需多关心。",
    "disability": "重度残疾，日常生活需家人照料。",
    "left_behind_child": "父母在外务工，与祖父母同住。",
    "child_in_difficulty": "家庭困难，享受困境儿童基本生活补贴。",
}
CHILD_HEALTH = ["身体健康，正在上小学。", "身体健康，上初中。", "有过敏性鼻炎，换季时注意。"]


# --- grid staff -------------------------------------------------------------------------------


def _local(day: dt.date, hour: int = 0, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _months_before(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 - count
    return dt.date(index // 12, index % 12 + 1, 1)


def staff_grids(today: dt.date | None = None) -> dict[str, User]:
    """A grid worker on duty in every demo grid but :data:`UNSTAFFED_GRID` (whose worker left
    at the start of last month): a demo account holding the grid-worker role on the grid where
    there is one (``grid``), else an account ``grid-<grid code>`` made here. Villages have
    part-time grid workers (兼职网格员). Idempotent: grids that have (or had) a worker keep
    them. Returns ``{grid code: worker}`` of the grids with a worker on duty."""
    today = today or timezone.localdate()
    grids = list(
        Area.objects.filter(code__startswith=COUNTY, level=Level.GRID, is_demo=True)
        .select_related("parent")
        .order_by("code")
    )
    if not grids:
        return {}
    duties = (GridStaff.Duty.GRID_WORKER, GridStaff.Duty.PART_TIME)
    staffed = set(
        GridStaff.objects.filter(grid__in=grids, duty__in=duties).values_list("grid_id", flat=True)
    )
    holders = dict(
        RoleAssignment.objects.filter(
            role=Role.GRID_WORKER, area_id__in=[g.code for g in grids], user__is_active=True
        )
        .order_by("user__username")
        .values_list("area_id", "user_id")
    )
    wanted = [g for g in grids if g.code not in staffed]
    names = GRID_WORKER_NAMES.split()
    rng = random.Random(SEED + 1)
    taken = set(
        User.objects.filter(username__in=[f"grid-{g.code}" for g in wanted]).values_list(
            "username", flat=True
        )
    )
    new_users = []
    for index, grid in enumerate(wanted):
        username = f"grid-{grid.code}"
        if grid.code not in holders and username not in taken:
            user = User(
                username=username,
                full_name=names[(int(grid.code[6:]) + index) % len(names)],
                password=_password(),
                home_area_id=grid.parent_id,
            )
            new_users.append((grid, user))
    User.objects.bulk_create([user for _grid, user in new_users])
    RoleAssignment.objects.bulk_create(
        RoleAssignment(user=user, role=Role.GRID_WORKER, area_id=grid.code, area_code=grid.code)
        for grid, user in new_users
    )
    by_name = {
        u.username: u.pk
        for u in User.objects.filter(username__in=[f"grid-{g.code}" for g in wanted])
    }
    left_on = _months_before(month_start(today), 1)
    rows = []
    for grid in wanted:
        user_id = holders.get(grid.code) or by_name.get(f"grid-{grid.code}")
        if user_id is None:
            continue
        rural = grid.parent.urban_rural.startswith("2")
        started = today - dt.timedelta(days=rng.randrange(240, 1500))
        ended = left_on if grid.code == UNSTAFFED_GRID else None
        rows.append(
            GridStaff(
                grid=grid,
                area_code=grid.code,
                duty=GridStaff.Duty.PART_TIME if rural else GridStaff.Duty.GRID_WORKER,
                user_id=user_id,
                started_on=min(started, left_on - dt.timedelta(days=200)),
                ended_on=ended,
            )
        )
    GridStaff.objects.bulk_create(rows)
    on_duty = (
        GridStaff.objects.filter(
            grid__in=grids, duty__in=duties, ended_on__isnull=True, user__is_active=True
        )
        .select_related("user")
        .order_by("grid_id", "duty", "pk")
    )
    found: dict[str, User] = {}
    for duty in on_duty:
        found.setdefault(duty.grid_id, duty.user)
    return found


# --- plans and visits ---------------------------------------------------------------------------


@dataclass
class _Plan:
    pk: int
    subject_id: int
    resident_id: int
    area_code: str
    month: dt.date
    required: int
    worker_id: int | None
    kind: str
    visits: list[Visit] = field(default_factory=list)


class _Visits:
    """Builds unsaved visits and needs for the plans, deterministically from ``SEED``."""

    def __init__(self, now: dt.datetime, community_staff: dict[str, list[int]]):
        self.rng = random.Random(SEED)
        self.now = now
        self.today = timezone.localdate(now)
        self.community_staff = community_staff
        self.visits: list[Visit] = []
        self.needs: list[Need] = []

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def key(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def visitor(self, plan: _Plan) -> int | None:
        if plan.worker_id is not None:
            return plan.worker_id
        staff = self.community_staff.get(plan.area_code[:12])
        return staff[plan.subject_id % len(staff)] if staff else None

    def moment(self, day: dt.date) -> dt.datetime | None:
        """A working hour on ``day`` (a weekday near it, mostly), before now; None if none."""
        if day.weekday() >= 5 and self.chance(0.8):
            shift = -1 if day.weekday() == 5 else 1
            moved = day + dt.timedelta(days=shift)
            if moved.month == day.month and moved <= self.today:
                day = moved
        hour = self.rng.choice((8, 9, 9, 10, 10, 10, 11, 14, 14, 15, 15, 16, 16, 17, 19))
        at = _local(day, hour, self.rng.randrange(60))
        if at > self.now - dt.timedelta(minutes=20):
            at = self.now - dt.timedelta(minutes=self.rng.randrange(20, 180))
            if timezone.localdate(at) != day:
                return None
        return at

    def days_for(self, plan: _Plan, count: int, last_day: int) -> list[int]:
        """Days of the month for ``count`` visits: a week apart for weekly plans."""
        if count <= 0 or last_day < 1:
            return []
        if plan.required >= 4:
            slots = [(1 + 7 * week, min(7 + 7 * week, last_day)) for week in range(4)]
            days = [self.rng.randint(lo, hi) for lo, hi in slots if lo <= last_day]
            return days[:count]
        if plan.required == 2:
            half = max(1, last_day // 2)
            days = [self.rng.randint(1, half), self.rng.randint(min(half + 1, last_day), last_day)]
            return days[:count]
        return [round(self.rng.triangular(1, last_day, min(12, last_day)))]

    def plan(self, plan: _Plan, met: bool, last_day: int) -> None:
        """The visits of one plan: all it requires when ``met``, else fewer (and maybe a
        visit where nobody was home). ``last_day``: the last day of the month visits may fall."""
        counted = plan.required if met else self.rng.randrange(plan.required)
        worker = self.visitor(plan)
        if worker is None:
            return
        for day in sorted(self.days_for(plan, counted, last_day)):
            self.visit(plan, worker, plan.month.replace(day=day), counted=True)
        if (not met and self.chance(0.35)) or self.chance(0.02):
            day = self.rng.randint(max(1, last_day - 12), last_day)
            self.visit(plan, worker, plan.month.replace(day=day), counted=False)

    def visit(self, plan: _Plan, worker: int, day: dt.date, *, counted: bool) -> None:
        at = self.moment(day)
        if at is None:
            return
        child = plan.kind == "child"
        weekly = plan.required >= 4
        if weekly and len(plan.visits) % 2 == 1:
            mode = Visit.Mode.PHONE
        else:
            mode = self.rng.choices(
                [Visit.Mode.HOME, Visit.Mode.PHONE, Visit.Mode.VIDEO], weights=[80, 16, 4]
            )[0]
        if not counted:
            saw = Visit.Saw.NOBODY
        elif child:
            saw = self.rng.choices(
                [Visit.Saw.FAMILY, Visit.Saw.PERSON, Visit.Saw.CARER], weights=[55, 40, 5]
            )[0]
        else:
            saw = self.rng.choices(
                [Visit.Saw.PERSON, Visit.Saw.FAMILY, Visit.Saw.CARER], weights=[88, 9, 3]
            )[0]
        checks: dict[str, str] = {}
        concerns = []
        own = CHILD_CONCERN_NOTES if child else CONCERN_NOTES
        if counted:
            for check in Visit.CHECKS:
                if mode != Visit.Mode.HOME and check in AT_THE_DOOR:
                    checks[check] = Visit.Check.NA
                elif check in own and self.chance(CONCERN_ODDS[check]):
                    checks[check] = Visit.Check.CONCERN
                    concerns.append(check)
                else:
                    checks[check] = Visit.Check.OK
        if concerns:
            notes = self.rng.choice(own[concerns[0]])
        elif not counted:
            notes = NOBODY_NOTES.get(plan.kind, NOBODY_NOTES["elderly"])
        elif self.chance(0.5):
            kind = "phone" if mode != Visit.Mode.HOME else plan.kind
            notes = self.rng.choice(VISIT_NOTES.get(kind, VISIT_NOTES["elderly"]))
        else:
            notes = ""
        recorded = min(at + dt.timedelta(minutes=self.rng.randrange(5, 240)), self.now)
        visit = Visit(
            subject_id=plan.subject_id,
            plan_id=plan.pk if counted else None,
            resident_id=plan.resident_id,
            area_code=plan.area_code,
            worker_id=worker,
            visited_at=at,
            mode=mode,
            saw=saw,
            checks=checks,
            concerns=len(concerns),
            notes=notes or None,
            client_key=self.key(),
            created_at=recorded,
        )
        plan.visits.append(visit)
        self.visits.append(visit)
        kind = None
        if concerns and self.chance(0.45):
            kind = NEED_OF_CHECK[concerns[0]]
        elif counted and self.chance(0.004):
            kind = self.rng.choice([Need.Kind.FINANCE, Need.Kind.LEGAL])
        if kind is not None:
            self.need(plan, visit, kind, worker, recorded)

    def need(self, plan: _Plan, visit: Visit, kind: str, worker: int, at: dt.datetime) -> None:
        age = (self.today - timezone.localdate(at)).days
        met_on = None
        if self.chance(0.75 if age > 30 else 0.3):
            met_on = timezone.localdate(at) + dt.timedelta(days=self.rng.randint(2, 25))
            if met_on > self.today:
                met_on = None
        self.needs.append(
            Need(
                visit=visit,
                subject_id=plan.subject_id,
                resident_id=plan.resident_id,
                area_code=plan.area_code,
                kind=kind,
                urgency=Need.Urgency.URGENT if self.chance(0.1) else Need.Urgency.NORMAL,
                description=self.rng.choice(
                    (CHILD_NEED_TEXTS if plan.kind == "child" else {}).get(kind) or NEED_TEXTS[kind]
                ),
                met_on=met_on,
                created_by_id=worker,
                created_at=at,
            )
        )


def _targets(rng: random.Random, plans: list[_Plan], behind: bool, tally: list[int]) -> set[int]:
    """Which plans of one community's month are met: 92–100 % of them, or 60–80 % where the
    community is behind (``tally``: met and plans of its months so far, which keeps a small
    community's months together in that band). Misses fall on unassigned plans first."""
    n = len(plans)
    if behind and n >= 5:
        met = round(rng.uniform(0.62, 0.78) * n)
        met = min(max(met, math.ceil(0.6 * n)), math.floor(0.8 * n))
    elif behind:
        met = min(max(round(rng.uniform(0.62, 0.78) * (tally[1] + n)) - tally[0], 0), n)
    else:
        met = n if rng.random() < 0.3 else math.ceil(rng.uniform(0.925, 1.0) * n)
    tally[0] += met
    tally[1] += n
    weights = {p.pk: (6 if p.worker_id is None else 1) for p in plans}
    pool = list(plans)
    missed: set[int] = set()
    while len(missed) < n - met and pool:
        pick = rng.choices(pool, weights=[weights[p.pk] for p in pool])[0]
        pool.remove(pick)
        missed.add(pick.pk)
    return {p.pk for p in plans} - missed


def _community_staff() -> dict[str, list[int]]:
    """The community workers and heads who visit people outside any staffed grid."""
    staff: dict[str, list[int]] = defaultdict(list)
    for code, user_id in (
        RoleAssignment.objects.filter(
            area_code__startswith=COUNTY,
            role__in=(Role.COMMUNITY_WORKER, Role.COMMUNITY_HEAD),
            user__is_active=True,
        )
        .order_by("area_code", "user__username")
        .values_list("area_code", "user_id")
    ):
        if len(code) == 12:
            staff[code].append(user_id)
    return staff


def _plans(months: list[dt.date]) -> list[_Plan]:
    rows = (
        Plan.objects.filter(area_code__startswith=COUNTY, month__in=months)
        .exclude(status=Plan.Status.DROPPED)
        .order_by("month", "area_code", "pk")
        .values_list(
            "pk", "subject_id", "resident_id", "area_code", "month", "required", "worker_id",
            "subject__kind",
        )
    )  # fmt: skip
    return [_Plan(*row) for row in rows]


def _generate(months: list[dt.date], now: dt.datetime) -> list[Run]:
    """Plans month by month as the monthly run made them (on each month's first night), a few
    people put at high risk three months ago, and this month's plan made again today for who
    joined the roster since. Returns the runs to record."""
    runs = []
    when = [_local(m, 2, 5) for m in months] + [now]
    for index, (month, at) in enumerate(zip([*months, months[-1]], when, strict=True)):
        if index == 3:
            _set_high_risk()
        counts = actions.care_plan_generate(
            actor=scoping.SYSTEM, area_code=COUNTY_CODE, month=month, now=at
        )
        runs.append(
            Run(
                area_code=COUNTY_CODE,
                month=month,
                status=Run.Status.DONE,
                counts=counts,
                created_at=at,
                finished_at=at + dt.timedelta(seconds=2 + index % 3),
            )
        )
    return runs


def _set_high_risk() -> None:
    """A few elderly people at high risk, two of them in the demo grid worker's grid."""
    rng = random.Random(SEED + 2)
    subjects = list(
        Subject.objects.filter(area_code__startswith=COUNTY, ended_on__isnull=True, kind="elderly")
        .order_by("pk")
        .values_list("pk", "area_code")
    )
    count = max(2, round(len(subjects) * HIGH_RISK_SHARE))
    home = [pk for pk, code in subjects if code == HOME_GRID]
    others = [pk for pk, code in subjects if code != HOME_GRID]
    chosen = rng.sample(home, min(2, len(home)))
    chosen += rng.sample(others, min(max(count - len(chosen), 0), len(others)))
    for pk in sorted(chosen):
        actions.care_subject_set_risk(actor=scoping.SYSTEM, subject_id=pk, risk=Risk.HIGH)


def _build_visits(months: list[dt.date], now: dt.datetime) -> tuple[_Visits, list[_Plan]]:
    builder = _Visits(now, _community_staff())
    rng = random.Random(SEED + 3)
    plans = _plans(months)
    today = timezone.localdate(now)
    current = months[-1]
    last = months[-2] if len(months) > 1 else None
    by_place: dict[tuple[dt.date, str], list[_Plan]] = defaultdict(list)
    for plan in plans:
        by_place[(plan.month, plan.area_code[:12])].append(plan)
    unstaffed_community = UNSTAFFED_GRID[:12]
    tallies: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for (month, community), group in sorted(by_place.items()):
        behind = community in BEHIND or community == unstaffed_community
        if month < current:
            met = _targets(rng, group, behind, tallies[community])
            if month == last and community == HOME_GRID[:12]:
                met = _home_misses(rng, group, met)
            days = calendar.monthrange(month.year, month.month)[1]
            for plan in group:
                builder.plan(plan, plan.pk in met, days)
            continue
        # This month, so far: the share of the month gone by, a little less where behind.
        gone = today.day / calendar.monthrange(month.year, month.month)[1]
        share = min(0.95, gone * (0.7 if behind else 1.0) + 0.05)
        home_open, last_home = False, _last_home(group)
        for plan in sorted(group, key=lambda p: p.area_code != HOME_GRID):
            home = plan.area_code == HOME_GRID
            if plan.required >= 4:
                weeks = min(4, max(0, (today.day - 1) // 7 + (1 if rng.random() < 0.6 else 0)))
                done = weeks if rng.random() < 0.9 else max(weeks - 1, 0)
                worker = builder.visitor(plan)
                if worker is not None:
                    for day in sorted(builder.days_for(plan, done, today.day)):
                        builder.visit(plan, worker, month.replace(day=day), counted=True)
                continue
            met = rng.random() < (share * 0.6 if home else share)
            if home and met and not home_open and plan is last_home:
                met = False  # the demo grid worker has someone still to visit
            home_open = home_open or (home and not met)
            builder.plan(plan, met, today.day)
    return builder, plans


def _last_home(group: list[_Plan]) -> _Plan | None:
    homes = [p for p in group if p.area_code == HOME_GRID and p.required < 4]
    return homes[-1] if homes else None


def _home_misses(rng: random.Random, group: list[_Plan], met: set[int]) -> set[int]:
    """Last month the demo grid worker left one person unvisited (two in a big grid): they are
    overdue now."""
    home = sorted(p.pk for p in group if p.area_code == HOME_GRID)
    if len(home) < 2:
        return met
    missed = [pk for pk in home if pk not in met]
    want = 1 + (len(home) >= 12)
    if len(missed) > want:
        met |= set(missed[want:])
    elif len(missed) < want:
        met -= set(rng.sample([pk for pk in home if pk in met], want - len(missed)))
    return met


def _write(builder: _Visits, plans: list[_Plan], months: list[dt.date], now: dt.datetime) -> None:
    for start in range(0, len(builder.visits), BATCH):
        Visit.objects.bulk_create(builder.visits[start : start + BATCH])
    for start in range(0, len(builder.needs), BATCH):
        Need.objects.bulk_create(builder.needs[start : start + BATCH])
    today = timezone.localdate(now)
    adapt = connection.ops.adapt_datetimefield_value
    changed = []
    for plan in plans:
        counted = [v.visited_at for v in plan.visits if v.plan_id is not None]
        if not counted:
            continue
        status = Plan.Status.DONE if len(counted) >= plan.required else Plan.Status.OPEN
        # The due-soon reminder went out three days before the month's end to who was not
        # yet met then.
        reminder = _local(month_end(plan.month) - dt.timedelta(days=3), 8)
        before = sum(1 for at in counted if at < reminder)
        reminded = reminder if before < plan.required and reminder < now else None
        changed.append(
            (len(counted), adapt(max(counted)), status, adapt(reminded) if reminded else None,
             plan.pk)
        )  # fmt: skip
    _executemany(
        "UPDATE care_plan SET done = %s, last_visit_at = %s, status = %s, "
        "reminded_at = %s WHERE id = %s",
        changed,
    )
    # Unmet plans of past months: the reminder and, on the next month's first day, the overdue
    # alert went out — except last month's, which the sweep sends now.
    for month in months[:-2]:
        due = month_end(month)
        unmet = Plan.objects.filter(
            area_code__startswith=COUNTY, month=month, status=Plan.Status.OPEN
        )
        unmet.filter(reminded_at__isnull=True).update(reminded_at=_local(due - dt.timedelta(3), 8))
        unmet.update(overdue_alerted_at=_local(due + dt.timedelta(days=1), 0, 5))
    if len(months) > 1:
        due = month_end(months[-2])
        if due - dt.timedelta(days=3) < today:
            Plan.objects.filter(
                area_code__startswith=COUNTY,
                month=months[-2],
                status=Plan.Status.OPEN,
                reminded_at__isnull=True,
            ).update(reminded_at=_local(due - dt.timedelta(days=3), 8))


def _executemany(sql: str, rows: list[tuple]) -> None:
    """One statement for many rows (a model instance per row would cost more than the rest)."""
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[start : start + BATCH])


def _notes(builder: _Visits, now: dt.datetime) -> int:
    """Health and living notes in the archives of the demo grid and of a third of the others,
    written by the worker of their last visit."""
    rng = random.Random(SEED + 4)
    last: dict[int, Visit] = {}
    for visit in builder.visits:
        if visit.plan_id is not None:
            held = last.get(visit.subject_id)
            if held is None or held.visited_at < visit.visited_at:
                last[visit.subject_id] = visit
    rows = []
    subjects = Subject.objects.filter(area_code__startswith=COUNTY, ended_on__isnull=True)
    sealed = Subject._meta.get_field("health_notes").get_db_prep_value
    adapt = connection.ops.adapt_datetimefield_value
    for pk, area_code, kind, tags in subjects.order_by("pk").values_list(
        "pk", "area_code", "kind", "tags"
    ):
        visit = last.get(pk)
        if visit is None or (area_code != HOME_GRID and rng.random() > 0.33):
            continue
        living = next((LIVING_NOTES[t] for t in tags if t in LIVING_NOTES), "")
        health = rng.choice(CHILD_HEALTH if kind == "child" else HEALTH_NOTES)
        rows.append(
            (sealed(health, connection), sealed(living, connection),
             adapt(visit.created_at), visit.worker_id, pk)
        )  # fmt: skip
    _executemany(
        "UPDATE care_subject SET health_notes = %s, living_notes = %s, "
        "notes_updated_at = %s, notes_updated_by_id = %s WHERE id = %s",
        rows,
    )
    return len(rows)


def _appeals(builder: _Visits) -> int:
    """Three open needs become appeals through the action, by the worker who found them: those
    of the last weeks first, and of the demo grid among them."""
    from linli.appeals.models import Category

    if not Category.objects.filter(area_code=COUNTY_CODE, active=True).exists():
        return 0
    recent = builder.now - dt.timedelta(days=45)
    open_needs = [n for n in builder.needs if n.met_on is None and n.kind != Need.Kind.LEGAL]
    open_needs.sort(
        key=lambda n: (n.created_at < recent, n.area_code != HOME_GRID, -n.created_at.timestamp())
    )
    users = User.objects.in_bulk({n.created_by_id for n in open_needs[: APPEALS * 3]})
    made = 0
    for need in open_needs:
        if made >= APPEALS:
            break
        user = users.get(need.created_by_id)
        if user is None or not user.is_active:
            continue
        actions.need_to_appeal(actor=user, need_id=need.pk)
        made += 1
    return made


def _rates(months: list[dt.date]) -> dict[tuple[dt.date, str], tuple[int, int]]:
    """(met, plans) per month and community."""
    rows = (
        Plan.objects.filter(area_code__startswith=COUNTY, month__in=months)
        .exclude(status=Plan.Status.DROPPED)
        .values_list("month", "area_code", "status")
    )
    found: dict[tuple[dt.date, str], list[int]] = defaultdict(lambda: [0, 0])
    for month, code, status in rows:
        cell = found[(month, code[:12])]
        cell[0] += status == Plan.Status.DONE
        cell[1] += 1
    return {key: (met, total) for key, (met, total) in found.items()}


def _summary(headline: str) -> str:
    lines = [f"Care demo: {headline}"]
    if User.objects.filter(username__startswith="grid-", is_active=True).exists():
        lines.append(
            "  Grid workers: 'grid' in 仙城社区第1网格, grid-<grid code> in the other grids "
            "(password as for the demo accounts); 长安村第2网格 has none since its worker left."
        )
    return "\n".join(lines)


def load_care_demo(*, now: dt.datetime | None = None) -> str:
    """Load the care demo (a DEMO_LOADERS entry, after the registry and appeals loaders).
    Returns a summary for the console; when this month's plan run is recorded already,
    changes nothing."""
    county = Area.objects.filter(code=COUNTY_CODE).first()
    if county is None:
        return ""
    now = now or timezone.now()
    today = timezone.localdate(now)
    current = month_start(today)
    if Run.objects.filter(area_code=COUNTY_CODE, month=current).exists():
        people = Subject.objects.filter(area_code__startswith=COUNTY, ended_on__isnull=True)
        return _summary(f"kept the care roster of {people.count()} people already loaded")
    months = [_months_before(current, back) for back in range(MONTHS - 1, -1, -1)]
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        actions.care_policy_defaults(actor=scoping.SYSTEM, county_code=COUNTY_CODE)
        staff = staff_grids(today)
        if not Resident.objects.filter(
            area_code__startswith=COUNTY, status=Resident.Status.ACTIVE
        ).exists():
            return _summary("no residents in the registry, so no one to visit")
        runs = _generate(months, now)
        builder, plans = _build_visits(months, now)
        _write(builder, plans, months, now)
        # The worker who left the unstaffed grid left with their account.
        User.objects.filter(username=f"grid-{UNSTAFFED_GRID}").update(is_active=False)
        notes = _notes(builder, now)
        Run.objects.bulk_create(runs)
        appeals = _appeals(builder)
        swept = actions.care_sweep(now=now)
        rates = _rates(months)
        roster = Subject.objects.filter(area_code__startswith=COUNTY, ended_on__isnull=True)
        counts = {
            "roster": roster.count(),
            "high_risk": roster.filter(risk=Risk.HIGH).count(),
            "plans": len(plans),
            "visits": len(builder.visits),
            "needs": len(builder.needs),
            "appeals": appeals,
            "notes": notes,
            "grid_workers": len(staff),
            "overdue_alerted": swept["overdue"],
        }
        audit.record(
            scoping.SYSTEM,
            "care.demo_load",
            area_code=COUNTY_CODE,
            target_type="care.plan",
            extra=counts,
        )
    last = months[-2]
    met = sum(m for (month, _c), (m, _t) in rates.items() if month == last)
    total = sum(t for (month, _c), (_m, t) in rates.items() if month == last)
    names = dict(
        Area.objects.filter(code__in=[*BEHIND, UNSTAFFED_GRID[:12]]).values_list("code", "name")
    )
    behind = ", ".join(
        f"{names.get(code, code)} {_share(rates, last, code)}"
        for code in (*BEHIND, UNSTAFFED_GRID[:12])
    )
    rate = f"{met / total:.0%}" if total else "—"
    return _summary(
        f"{counts['roster']} people on the care roster, {counts['plans']} visit plans over "
        f"{MONTHS} months, {counts['visits']} visits, {counts['needs']} needs found; county "
        f"visit rate last month {rate} (behind: {behind})"
    )


def release_demo_registry(*, residents: int = 20_000) -> str:
    """Before the registry loader (a DEMO_LOADERS entry listed first): when the demo registry
    is about to be replaced by one of another size, remove what the care demo (and the demo
    alert) hold of its people, so the registry can go and the loaders after it load again for
    the new one. Changes nothing otherwise."""
    from linli.registry.models import Household

    existing = Resident.objects.filter(is_demo=True).count()
    if existing == 0 or (existing == residents and Household.objects.filter(is_demo=True).exists()):
        return ""
    with transaction.atomic():
        subjects = Subject.objects.filter(resident__is_demo=True)
        Need.objects.filter(subject__in=subjects).delete()
        Visit.objects.filter(subject__in=subjects).delete()
        Plan.objects.filter(subject__in=subjects).delete()
        removed = subjects.count()
        subjects.delete()
        Run.objects.filter(area_code=COUNTY_CODE).delete()
        from linli.notices.demo import release_demo_alert

        release_demo_alert()
    return f"Care demo: removed the care roster of {removed} people of the demo registry"


def _share(rates, month: dt.date, community: str) -> str:
    met, total = rates.get((month, community), (0, 0))
    return f"{met / total:.0%}" if total else "—"


def visit_rates(months: list[dt.date] | None = None) -> dict[tuple[dt.date, str], float]:
    """Met share per (month, community) of the demo county (for checks and the console)."""
    months = months or list(
        Plan.objects.filter(area_code__startswith=COUNTY)
        .values_list("month", flat=True)
        .distinct()
        .order_by("month")
    )
    return {key: met / total for key, (met, total) in _rates(months).items() if total}


__all__ = ["load_care_demo", "release_demo_registry", "staff_grids", "visit_rates"]
