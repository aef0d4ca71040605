"""Service capacity in people for the demo county: community workers, post levels, certificates
and two years of training.

Every community and village has its two committees (a secretary and a director, or one person
who is both — 一肩挑), deputies and members, full-time social work posts in the bigger urban
communities and a grid worker for each grid on duty (the demo accounts ``grid`` and
``grid-<grid code>``, and the worker of 长安村第2网格 who left). The demo ``head`` is 仙城社区's
secretary and director, ``worker``, ``worker2`` and the duty accounts ``worker-<code>`` are
committee members. About 60 % are party members; hire dates spread over ten years and a few
have left. 铁东社区, 红旗社区 and 安家社区 have fewer than 18 workers per 10,000 residents.

吉林省 gets the 三岗十八级 ladder (一岗 for secretaries and directors, 二岗 for deputies, 三岗
for everyone else; a grade for each two years of service). About a quarter hold a social work
certificate, mostly assistant social worker. Six county courses over two years (素质提升,
书记主任, 社会工作实务 online …) with their sessions and attendance: most communities are
trained within their cycle, 北寿社区, 新安社区 and 东风村 much less, and the secretaries of
东兴社区, 北寿社区 and 长安村 have had no training this year. One more session is ahead.

ID numbers and phones are invented but well-formed (a valid 身份证号 check digit) and unique.
Rows are written in bulk in one transaction with one audit event. Deterministic for a given day
(seeded). Loading again changes nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from stdnum.cn import ric

from linli.core import audit, scoping
from linli.core.areacodes import Level
from linli.core.demo import COUNTY
from linli.core.models import Area, ReportedFigure, RoleAssignment, User
from linli.core.pii import blind_index
from linli.core.roles import Role
from linli.registry.demo import FEMALE_ENDINGS, GIVEN, PHONE_PREFIXES, SURNAMES

from .models import Attendance, Certificate, Course, PostLevel, Session, Worker

SEED = 62203
BATCH = 1000
COUNTY_CODE = COUNTY + "000000"
PROVINCE = COUNTY[:2] + "0" * 10  # 吉林省
PER_10K = 18  # the plans' least: workers per 10,000 urban residents
Role_ = Worker.CommitteeRole
Post = Worker.Post
Edu = Worker.Education

# Workers on the books in each community today, grid workers included.
STAFFING = {
    "220403001001": 12, "220403001002": 11, "220403001003": 12, "220403002001": 10,
    "220403002002": 11, "220403002003": 7, "220403003001": 11, "220403003002": 9,
    "220403004001": 12, "220403004002": 14, "220403005001": 12, "220403005002": 6,
    "220403006001": 8, "220403006002": 7, "220403100001": 8, "220403100002": 6,
    "220403100003": 6, "220403100004": 7,
}  # fmt: skip
SPLIT_HEADS = ("220403001002", "220403002001", "220403003002", "220403004002", "220403100001")
LOW_TRAINING = ("220403005002", "220403006002", "220403100002")  # 北寿社区, 新安社区, 东风村
OVERDUE_HEADS = ("220403002002", "220403005002", "220403100003")  # 东兴社区, 北寿社区, 长安村
SENIOR_SOCIAL_WORKERS = ("220403001001", "220403004001")
# Who left: (community, committee role, post, years ago, reason).
LEFT = [
    ("220403001001", Role_.BOTH, Post.COMMITTEE, 4.2, "退休"),
    ("220403002003", Role_.MEMBER, Post.COMMITTEE, 0.5, "辞职，另谋职业"),
    ("220403002003", "", Post.SOCIAL_WORK, 0.9, "考取事业编制"),
    ("220403005002", Role_.DIRECTOR, Post.COMMITTEE, 1.4, "考录公务员"),
    ("220403006001", Role_.MEMBER, Post.COMMITTEE, 0.3, "合同期满未续聘"),
    ("220403004002", Role_.DEPUTY_DIRECTOR, Post.COMMITTEE, 2.1, "调任街道工作"),
    ("220403003001", "", Post.OTHER, 1.1, "辞职"),
    ("220403100004", Role_.MEMBER, Post.COMMITTEE, 3.0, "换届未连任"),
]
RANK = {Role_.SECRETARY: 1, Role_.DIRECTOR: 1, Role_.BOTH: 1}
RANK |= {Role_.DEPUTY_SECRETARY: 2, Role_.DEPUTY_DIRECTOR: 2}
# Where ID numbers were issued: the county and its neighbours; for those born before 1983 the
# codes of the time (辽源市 and 东丰县 of 四平地区), as GB 11643 checks them.
PLACES = [("220403", 86), ("220402", 6), ("220421", 4), ("220422", 4)]
OLD_PLACES = [("222102", 88), ("222125", 8), ("222101", 4)]
EDUCATION = {  # by post, urban
    "head": [(Edu.BACHELOR, 50), (Edu.COLLEGE, 38), (Edu.MASTER, 6), (Edu.SENIOR, 6)],
    Post.SOCIAL_WORK: [(Edu.BACHELOR, 60), (Edu.MASTER, 10), (Edu.COLLEGE, 30)],
    Post.GRID: [(Edu.COLLEGE, 40), (Edu.SENIOR, 28), (Edu.VOCATIONAL, 15), (Edu.BACHELOR, 14),
                (Edu.UNKNOWN, 3)],
    "other": [(Edu.COLLEGE, 44), (Edu.BACHELOR, 34), (Edu.SENIOR, 12), (Edu.VOCATIONAL, 7),
              (Edu.UNKNOWN, 3)],
    "village": [(Edu.SENIOR, 34), (Edu.COLLEGE, 30), (Edu.JUNIOR, 16), (Edu.VOCATIONAL, 10),
                (Edu.BACHELOR, 10)],
}  # fmt: skip
# Courses: (key, title, organiser, mode, hours, content); sessions: (course, from, days, place).
COURSES = [
    ("quality", "社区工作者素质提升培训班", "中共辽源市西安区委社会工作部", "in_person", 24,
     "政策理论、群众工作方法、社区治理实务、公文写作和信息化应用，结业考核合格发给结业证书。"),
    ("heads", "社区党组织书记、居委会主任培训班", "中共辽源市西安区委组织部", "in_person", 16,
     "基层党建、依法治理、“一肩挑”后的班子建设和议事协商，书记主任每年至少参加一次。"),
    ("social_work", "社会工作实务（线上）", "辽源市西安区民政局", "online", 12,
     "个案工作、小组工作、社区工作三大方法，老年人、儿童和残疾人服务案例分析。"),
    ("one_window", "政务服务“一网通办”业务培训", "辽源市西安区政务服务和数字化建设管理局", "mixed", 6,
     "社区可办政务服务事项清单、帮办代办流程和吉事办App操作。"),
    ("grid", "网格员业务能力提升培训", "中共辽源市西安区委政法委员会", "in_person", 8,
     "网格巡查、民情日记、矛盾纠纷排查化解和信息采集规范。"),
    ("emergency", "基层应急管理和防灾减灾知识培训", "辽源市西安区应急管理局", "mixed", 4,
     "防汛、森林草原防火、冬季燃气安全和灾害信息员工作职责。"),
]  # fmt: skip
SESSIONS = [
    ("quality", -690, 3, "西安区委党校报告厅"), ("heads", -400, 2, "辽源市委党校"),
    ("social_work", -300, 14, "线上：吉林省社会工作网络学院"),
    ("one_window", -250, 1, "西安区政务服务中心三楼培训室"), ("quality", -200, 3, "西安区委党校报告厅"),
    ("grid", -120, 1, "西安区社会治理服务中心"), ("heads", -60, 2, "辽源市委党校"),
    ("emergency", -30, 1, "西安区应急指挥中心（线上同步直播）"), ("quality", 20, 3, "西安区委党校报告厅"),
]  # fmt: skip
# Who a course is for and how many of them come (in the communities trained less: far fewer).
TAKE_UP = {"quality": 0.85, "heads": 1.0, "social_work": 0.35, "one_window": 0.5, "grid": 0.9,
           "emergency": 0.35}  # fmt: skip


def _years_before(day: dt.date, years: float) -> dt.date:
    return day - dt.timedelta(days=round(years * 365.25))


def check_digit(body: str) -> str:
    """The GB 11643 check character of the first 17 digits of a 身份证号 (python-stdnum's, as
    the registry uses)."""
    return ric.calc_check_digit(body + "0")


class _People:
    """Names, ID numbers and phones, unique and deterministic."""

    def __init__(self, rng: random.Random, taken: set[str]):
        self.rng = rng
        self.taken = taken  # blind indexes of live workers already recorded
        self.bodies: set[str] = set()
        self.phones: set[str] = set()
        pairs = [(entry[0], int(entry[1:])) for entry in SURNAMES.split()]
        self.surnames = ([s for s, _w in pairs], [w for _s, w in pairs])

    def pick(self, pairs):
        return self.rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]

    def name(self, birth: dt.date, sex: str) -> str:
        era = next(year for year in (1955, 1975, 1995, 2010, 9999) if birth.year <= year)
        firsts, seconds, singles, share = GIVEN[(era, sex)]
        given = (
            self.rng.choice(singles)
            if self.rng.random() < share
            else self.rng.choice(firsts) + self.rng.choice(seconds)
        )
        return self.rng.choices(*self.surnames)[0] + given

    def id_number(self, birth: dt.date, sex: str) -> str:
        while True:
            order = self.rng.randrange(500) * 2 + (1 if sex == "M" else 0)
            place = self.pick(PLACES if birth.year >= 1983 else OLD_PLACES)
            body = f"{place}{birth:%Y%m%d}{order:03d}"
            number = body + check_digit(body)
            if body in self.bodies or not ric.is_valid(number):
                continue
            if blind_index(number, "id_number") not in self.taken:
                self.bodies.add(body)
                return number

    def phone(self) -> str:
        while True:
            phone = self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if phone not in self.phones:
                self.phones.add(phone)
                return phone


class _Roster:
    """Builds the unsaved workers and certificates of the demo communities."""

    def __init__(self, today: dt.date, taken: set[str], levels: dict[str, PostLevel]):
        self.rng = random.Random(SEED)
        self.today = today
        self.people = _People(self.rng, taken)
        self.levels = levels
        self.workers: list[Worker] = []
        self.certificates: list[Certificate] = []
        self.seq = 0

    def worker(self, community: Area, post: str, role: str = "", *, user: User | None = None,
               hired: dt.date | None = None, left: tuple[dt.date, str] | None = None) -> Worker:  # fmt: skip
        rng, today = self.rng, self.today
        rural = community.urban_rural.startswith("2")
        head = role in RANK and RANK[role] == 1
        if user is not None and user.full_name:
            name = user.full_name
            sex = "F" if name[-1] in FEMALE_ENDINGS else "M"
        else:
            name, sex = "", ("F" if rng.random() < (0.45 if rural and head else 0.7) else "M")
        low, high = (38, 56) if head else (24, 40) if post == Post.SOCIAL_WORK else (25, 55)
        hired = hired or _years_before(today, rng.uniform(0.15, 10))
        if left is None:
            birth = _years_before(today, rng.uniform(low, high))
        elif left[1] == "退休":
            birth = _years_before(left[0], rng.uniform(55, 58))
        else:  # someone who left: their age then
            birth = _years_before(left[0], rng.uniform(low, high))
        birth = min(birth, _years_before(hired, 21))
        name = name or self.people.name(birth, sex)
        edu_key = "village" if rural else "head" if head else post if post in EDUCATION else "other"
        education = self.people.pick(EDUCATION[edu_key])
        social_major = education in (Edu.BACHELOR, Edu.MASTER) and rng.random() < (
            0.6 if post == Post.SOCIAL_WORK else 0.08
        )
        rank = RANK.get(role, 3)
        years = ((left[0] if left else today) - hired).days / 365.25
        grade = min(6, 1 + int(years // 2))
        party = head or role == Role_.DEPUTY_SECRETARY or rng.random() < 0.5
        phone = (user.phone if user is not None else "") or self.people.phone()
        row = Worker(
            community=community, area_code=community.code, name=name, gender=sex.lower(),
            birth_date=birth, id_number=self.people.id_number(birth, sex), phone=phone,
            post=post, committee_role=role, level=self.levels.get(f"{rank}-{grade}"),
            party_member=party, education=education, social_work_major=social_major,
            hired_on=hired, left_on=left[0] if left else None,
            leave_reason=left[1] if left else "", user=user,
        )  # fmt: skip
        self.workers.append(row)
        self.certificate(row, community.code, head)
        return row

    def certificate(self, worker: Worker, code: str, head: bool) -> None:
        rng = self.rng
        odds = {Post.SOCIAL_WORK: 0.8, Post.GRID: 0.08}.get(worker.post, 0.35 if head else 0.14)
        if rng.random() >= odds:
            return
        first = max(2012, worker.hired_on.year - 2, worker.birth_date.year + 22)
        last = self.today.year - 1
        if first > last:
            return
        year = rng.randint(first, last)
        senior = (
            code in SENIOR_SOCIAL_WORKERS
            and worker.post == Post.SOCIAL_WORK
            and not any(
                c.level == Certificate.Level.SENIOR and c.area_code == code
                for c in self.certificates
            )
        )
        if senior:
            level = Certificate.Level.SENIOR
        else:
            level = self.people.pick(
                [(Certificate.Level.ASSISTANT, 72), (Certificate.Level.SOCIAL_WORKER, 28)]
            )
        obtained = dt.date(year, rng.choice((9, 10, 11)), rng.randint(1, 28))
        expires = dt.date(obtained.year + 3, obtained.month, obtained.day)
        while expires < self.today and rng.random() < 0.85:  # renewed, mostly
            expires = dt.date(expires.year + 3, expires.month, expires.day)
        self.seq += 1
        grade = {"assistant": 1, "social_worker": 2, "senior": 3}[level]
        number = f"{year}2204{grade}{self.seq:05d}"
        self.certificates.append(
            Certificate(worker=worker, area_code=code, level=level, number=number,
                        obtained_on=obtained, expires_on=expires)
        )  # fmt: skip

    def community(self, community: Area, grid_staff: list, users: list[User]) -> None:
        """Today's workers of one community (grid workers on duty and past ones included)."""
        code = community.code
        rural = community.urban_rural.startswith("2")
        total = STAFFING.get(code, 8)
        for _grid, user, started, ended in grid_staff:
            left = (ended, "辞职") if ended else None
            self.worker(community, Post.GRID, user=user, hired=started, left=left)
        grid_count = sum(1 for *_x, ended in grid_staff if ended is None)
        if not grid_staff:  # no grid staffing recorded: the grid workers by post alone
            grid_count = 2 if rural else 3
            for _n in range(grid_count):
                self.worker(community, Post.GRID)
        heads = [Role_.SECRETARY, Role_.DIRECTOR] if code in SPLIT_HEADS else [Role_.BOTH]
        roles = (
            heads
            + [Role_.DEPUTY_SECRETARY] * (total >= 8)
            + [Role_.DEPUTY_DIRECTOR] * (total >= 10)
        )
        social = 0 if rural else (total >= 9) + (total >= 12)
        other = int(total >= 11)
        members = max(1, total - grid_count - len(roles) - social - other)
        head_user = next((u for u in users if u.username == "head"), None)
        members_users = [u for u in users if u.username != "head"]
        for index, role in enumerate(roles):
            top = role in Worker.HEADS  # in office since before this year's heads' course
            hired = _years_before(self.today, self.rng.uniform(3, 10)) if top else None
            self.worker(
                community, Post.COMMITTEE, role, user=head_user if index == 0 else None, hired=hired
            )
        for index in range(members):
            user = members_users[index] if index < len(members_users) else None
            self.worker(community, Post.COMMITTEE, Role_.MEMBER, user=user)
        for _n in range(social):
            self.worker(community, Post.SOCIAL_WORK)
        for _n in range(other):
            self.worker(community, Post.OTHER)

    def leavers(self, by_code: dict[str, Area]) -> None:
        for code, role, post, years_ago, reason in LEFT:
            if code in by_code:
                left_on = _years_before(self.today, years_ago)
                hired = _years_before(left_on, self.rng.uniform(2, 8))
                self.worker(by_code[code], post, role, hired=hired, left=(left_on, reason))


def _ladder(province: Area) -> dict[str, PostLevel]:
    """The 三岗十八级 ladder of the province (rows already there are kept)."""
    digits = "一二三四五六"
    have = {level.code: level for level in PostLevel.objects.filter(area=province)}
    rows = [
        PostLevel(area=province, area_code=province.code, code=f"{post}-{grade}",
                  name=f"{digits[post - 1]}岗{digits[grade - 1]}级", sort=(post - 1) * 6 + grade)
        for post in (1, 2, 3)
        for grade in range(1, 7)
        if f"{post}-{grade}" not in have
    ]  # fmt: skip
    PostLevel.objects.bulk_create(rows)
    return {level.code: level for level in PostLevel.objects.filter(area=province)}


def _grid_staff(communities: list[Area]) -> dict[str, list]:
    """Grid workers of each community from the registry's grid staffing: (grid, account,
    from, until) — the last worker of each grid, on duty or not."""
    from linli.registry.models import GridStaff

    duties = (GridStaff.Duty.GRID_WORKER, GridStaff.Duty.PART_TIME)
    latest: dict[str, GridStaff] = {}
    for duty in (
        GridStaff.objects.filter(grid__parent__in=communities, duty__in=duties, user__isnull=False)
        .select_related("user")
        .order_by("grid_id", "started_on", "pk")
    ):
        latest[duty.grid_id] = duty
    found: dict[str, list] = defaultdict(list)
    for grid, duty in sorted(latest.items()):
        found[grid[:12]].append((grid, duty.user, duty.started_on, duty.ended_on))
    return found


def _accounts() -> dict[str, list[User]]:
    """Community staff accounts by community (the demo head first), to link to worker records."""
    found: dict[str, list[User]] = defaultdict(list)
    for ra in (
        RoleAssignment.objects.filter(
            role__in=(Role.COMMUNITY_HEAD, Role.COMMUNITY_WORKER), area_code__startswith=COUNTY
        )
        .select_related("user")
        .order_by("role", "user__username")
    ):
        if ra.user not in found[ra.area_code]:
            found[ra.area_code].append(ra.user)
    return found


def _training(workers: list[Worker], today: dt.date, by: User | None) -> tuple[list, list, list]:
    """Courses, sessions and attendance of the last two years (and one session ahead)."""
    rng = random.Random(SEED + 1)
    courses = {}
    for key, title, organiser, mode, hours, content in COURSES:
        first = min(offset for k, offset, _d, _p in SESSIONS if k == key)
        courses[key] = Course(
            area_id=COUNTY_CODE, area_code=COUNTY_CODE, title=title, organiser=organiser,
            mode=mode, hours=Decimal(hours), description=content, created_by=by,
            created_at=timezone.make_aware(dt.datetime.combine(today + dt.timedelta(first - 30), dt.time(9))),
        )  # fmt: skip
    sessions = []
    for key, offset, days, place in SESSIONS:
        start = today + dt.timedelta(days=offset)
        sessions.append(
            (key, Session(course=courses[key], area_code=COUNTY_CODE, starts_on=start,
                          ends_on=start + dt.timedelta(days=days - 1), place=place,
                          hours=courses[key].hours))
        )  # fmt: skip
    year_ago = today - dt.timedelta(days=365)
    attendances: dict[tuple[int, int], Attendance] = {}

    def attend(index: int, session: Session, worker: Worker, came: bool = True) -> None:
        online = session.course.mode == "online"
        hours = session.hours if not online else Decimal(rng.choice((8, 10, 12, 12, 12)))
        recorded = session.ends_on + dt.timedelta(days=rng.randint(1, 3))
        attendances[(index, id(worker))] = Attendance(
            session=session, worker=worker, area_code=worker.area_code, attended=came,
            hours=hours if came else Decimal(0), trained_on=session.ends_on, recorded_by=by,
            recorded_at=timezone.make_aware(dt.datetime.combine(recorded, dt.time(10))),
        )  # fmt: skip

    def eligible(worker: Worker, session: Session) -> bool:
        if worker.hired_on > session.starts_on or session.ends_on >= today:
            return False
        if worker.left_on is not None and worker.left_on < session.ends_on:
            return False
        overdue = worker.committee_role in Worker.HEADS and worker.area_code in OVERDUE_HEADS
        return not (overdue and session.ends_on > year_ago)

    # Where training lags, only the heads and about a third of the others have had any.
    idle = set()
    for code in LOW_TRAINING:
        others = [
            w for w in workers if w.area_code == code and w.committee_role not in Worker.HEADS
        ]
        keen = rng.sample(others, round(len(others) * 0.3))
        idle |= {id(w) for w in others if w not in keen}
    for index, (key, session) in enumerate(sessions):
        for worker in workers:
            if id(worker) in idle or not eligible(worker, session):
                continue
            head = worker.committee_role in Worker.HEADS
            if key == "heads" and not head or key == "grid" and worker.post != Post.GRID:
                continue
            if key == "one_window" and worker.post == Post.GRID:
                continue
            odds = (
                0.95 if key == "social_work" and worker.post == Post.SOCIAL_WORK else TAKE_UP[key]
            )
            if rng.random() < odds:
                attend(index, session, worker, came=key == "heads" or rng.random() > 0.04)
    # Where training is kept up, whoever the sessions missed came to the latest they could.
    window = today - dt.timedelta(days=730)
    for worker in workers:
        if id(worker) in idle or worker.left_on is not None:
            continue
        if any(
            a.worker is worker and a.attended and a.trained_on > window
            for a in attendances.values()
        ):
            continue
        for index in range(len(sessions) - 1, -1, -1):
            key, session = sessions[index]
            if (
                key in ("quality", "emergency")
                and eligible(worker, session)
                and session.ends_on > window
            ):
                attend(index, session, worker)
                break
    return list(courses.values()), [s for _k, s in sessions], list(attendances.values())


def _bulk(model, rows: list) -> None:
    for start in range(0, len(rows), BATCH):
        model.objects.bulk_create(rows[start : start + BATCH])


def _population() -> dict[str, int]:
    found: dict[str, int] = {}
    for area_id, value in (
        ReportedFigure.objects.filter(
            area__code__startswith=COUNTY, kind=ReportedFigure.Kind.POPULATION
        )
        .order_by("area_id", "as_of")
        .values_list("area_id", "value")
    ):
        found[area_id] = value
    return found


def short_staffed() -> dict[str, float]:
    """Urban demo communities under the plans' workers per 10,000 residents, with their figure."""
    population = _population()
    live = defaultdict(int)
    for code in Worker.objects.filter(
        area_code__startswith=COUNTY, left_on__isnull=True
    ).values_list("area_code", flat=True):
        live[code] += 1
    out = {}
    for c in Area.objects.filter(
        code__startswith=COUNTY, level=Level.COMMUNITY, urban_rural__startswith="1"
    ).order_by("code"):
        if population.get(c.code):
            per_10k = live[c.code] * 10_000 / population[c.code]
            if per_10k < PER_10K:
                out[c.code] = round(per_10k, 1)
    return out


def load_workforce_demo(*, today: dt.date | None = None) -> str:
    """Load the workforce demo (a DEMO_LOADERS entry, after the facilities loader). Returns a
    summary for the console; when the county has worker records already, changes nothing."""
    province = Area.objects.filter(code=PROVINCE).first()
    if province is None or not Area.objects.filter(code=COUNTY_CODE).exists():
        return ""
    existing = Worker.objects.filter(area_code__startswith=COUNTY)
    if existing.exists():
        return f"Workforce demo: kept the {existing.count()} worker records already loaded"
    communities = list(
        Area.objects.filter(code__startswith=COUNTY, level=Level.COMMUNITY, is_demo=True).order_by(
            "code"
        )
    )
    if not communities:
        return ""
    today = today or timezone.localdate()
    with transaction.atomic():
        levels = _ladder(province)
        taken = set(
            Worker.objects.filter(left_on__isnull=True, id_number_bidx__isnull=False).values_list(
                "id_number_bidx", flat=True
            )
        )
        roster = _Roster(today, taken, levels)
        grid_staff, accounts = _grid_staff(communities), _accounts()
        for community in communities:
            roster.community(
                community, grid_staff.get(community.code, []), accounts.get(community.code, [])
            )
        roster.leavers({c.code: c for c in communities})
        _bulk(Worker, roster.workers)
        _bulk(Certificate, roster.certificates)
        by = User.objects.filter(username="county", is_active=True).first()
        courses, sessions, attendances = _training(roster.workers, today, by)
        _bulk(Course, courses)
        _bulk(Session, sessions)
        _bulk(Attendance, attendances)
        counts = {
            "workers": sum(w.left_on is None for w in roster.workers),
            "left": sum(w.left_on is not None for w in roster.workers),
            "linked": sum(w.user_id is not None for w in roster.workers),
            "certificates": len(roster.certificates),
            "courses": len(courses),
            "sessions": len(sessions),
            "attendances": len(attendances),
        }
        audit.record(
            scoping.SYSTEM, "workforce.demo_load", area_code=COUNTY_CODE,
            target_type="workforce.worker", extra=counts,
        )  # fmt: skip
    names = dict(
        Area.objects.filter(code__in=[c.code for c in communities]).values_list("code", "name")
    )
    short = "、".join(f"{names[code]} {value}" for code, value in short_staffed().items()) or "—"
    low = "、".join(names[code] for code in LOW_TRAINING if code in names)
    overdue = "、".join(names[code] for code in OVERDUE_HEADS if code in names)
    return (
        f"Workforce demo: {counts['workers']} community workers in {len(communities)} communities "
        f"({counts['left']} more have left), the 三岗十八级 ladder of {province.name}, "
        f"{counts['certificates']} social work certificates, {counts['courses']} courses with "
        f"{counts['sessions']} sessions and {counts['attendances']} attendances\n"
        f"  Gaps: under {PER_10K} workers per 10,000 residents {short}; trained least {low}; "
        f"secretaries overdue for training {overdue}"
    )


__all__ = ["check_digit", "load_workforce_demo", "short_staffed"]
