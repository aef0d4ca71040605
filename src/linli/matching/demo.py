"""The three lists (三项清单) for the demo county: residents' needs, service resources and
livelihood projects, with matches between needs and volunteer teams.

Needs: the open appeals asking for help for a person (elderly care, social assistance, health
care) and the needs found on care visits of the last three months are listed by their
community's worker; several communities list what their workers know of older people living
alone, left-behind children and people with disabilities (:data:`ENTERED`). The county's
volunteer teams and venues are brought into the resources list by the platform itself, as the
daily sweep does. The workers then match some needs to volunteer teams in one click (仙城社区's
older person living alone to the elderly-care team that 王秀兰 leads, whose draft activity she is
told about); one match is done, so its need is met, and one was called off, so its need waits
again. What no team offers (help for people with disabilities, meals) and most appeals and
care-visit needs stay unmatched, so the towns' "needs waiting" page has content.

Livelihood projects (:data:`PROJECTS`) of the county, three towns and 仙城社区 carry their budget,
funding source, lead unit and beneficiaries, milestones (some done) and progress reports: one
is completed, three are under way, one is being prepared and not yet shown to residents, one
was cancelled with its reason; the projects for meals, for older people in 灯塔镇 and for people
with disabilities are linked to the needs of their area that they answer.

Every row is written through the lists' actions by whoever would write it (the community's
worker, its head, the town's or the county's officer; the platform for the resources), in one
transaction; then the needs' and the projects' dates are spread over the past weeks and months
as they happened. Deterministic for a given day. When the county has the demo's projects
already, loading again changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation

from linli.core import areacodes, audit, scoping
from linli.core.areacodes import Level
from linli.core.demo import COUNTY
from linli.core.errors import ActionError
from linli.core.models import Area, RoleAssignment, User
from linli.core.roles import Cap, Role

from .actions import lists as actions
from .actions import projects as project_actions
from .models import Category, LivelihoodProject, Match, Need, ProjectUpdate, Resource
from .queries import matcher

COUNTY_CODE = COUNTY + "000000"
APPEALS_MAX = 6  # open appeals listed as needs
CARE_MAX = 8  # needs found on care visits listed
CARE_DAYS = 90  # ... of the last three months
WINDOW_DAYS = 60  # how long an entered need wants help, from today


@dataclass(frozen=True)
class Entry:
    """A need a community's worker lists; ``team`` is the team (by the end of its name) the
    worker matches it to, ``end`` how that match ends (``done`` or ``cancelled``)."""

    key: str
    area: str
    category: str
    title: str
    who: str
    description: str
    place: str
    times: tuple[str, ...]
    people: int
    days: int  # listed this many days ago
    urgency: str = Need.Urgency.NORMAL
    until: int = WINDOW_DAYS
    team: str = ""
    end: str = ""
    end_note: str = ""


ENTERED = [
    Entry("xiancheng_alone", "220403001001", Category.ELDERLY_CARE, "周末上门陪伴、代购生活用品",
          "独居老人（82岁，腿脚不便）",
          "老人独自居住，子女在外地工作。希望每周六上午有人上门陪伴聊天，顺便代购一周的米面和蔬菜。",
          "仙城社区3号楼", ("sat_am",), 1, 9, team="助老服务队"),
    Entry("xiancheng_homework", "220403001001", Category.CHILDREN, "留守儿童周末作业辅导",
          "留守儿童（小学三年级，2名）",
          "父母在外务工，孩子随祖母生活，数学和英语作业常常没人辅导，希望周末有志愿者帮忙。",
          "仙城社区儿童之家", ("sat_pm", "sun_pm"), 2, 6, team="关爱儿童服务队"),
    Entry("xinxing_winter", "220403001002", Category.ELDERLY_CARE, "入冬后独居老人每周巡访",
          "独居老人（2户）",
          "入冬后两位独居老人很少出门，希望每周有人上门看看取暖和用电是否安全，陪老人聊聊天。",
          "新兴社区", ("wed_am", "sat_am"), 2, 21, team="党员先锋队", end=Match.Status.DONE,
          end_note="已连续巡访三周，两户老人取暖和用电正常，转为日常结对关爱。"),
    Entry("changqing_hospital", "220403001003", Category.DISABILITY, "陪同残疾人到医院复查",
          "肢体残疾居民（轮椅出行）",
          "每月需到区医院康复科复查一次，家属白天上班，需要有人陪同推轮椅、挂号和取药。",
          "长青社区", ("wed_am",), 1, 15),
    Entry("dongxing_holiday", "220403002002", Category.CHILDREN, "留守儿童寒假看护和阅读陪伴",
          "留守儿童（4名）",
          "寒假期间父母不在身边，孩子白天无人看管，希望有志愿者在社区儿童之家组织看护和阅读。",
          "东兴社区儿童之家", ("mon_pm", "wed_pm", "fri_pm"), 4, 4,
          urgency=Need.Urgency.LOW, until=45, team="关爱儿童服务队"),
    Entry("xianfeng_discharge", "220403003001", Category.ELDERLY_CARE, "独居老人出院后一周照看",
          "独居老人（78岁，刚出院）",
          "老人做完手术刚出院，需要有人每隔一天上门看看，帮忙做饭、提醒按时吃药。",
          "先锋社区", ("mon_am", "wed_am", "fri_am"), 1, 2,
          urgency=Need.Urgency.URGENT, until=14, team="助老服务队"),
    Entry("fushou_ramp", "220403004001", Category.DISABILITY, "残疾人家庭无障碍小改造",
          "重度残疾人家庭",
          "卫生间需要加装扶手，门口台阶需要改成坡道，方便轮椅进出。",
          "福寿社区", (), 1, 26),
    Entry("dengta_calls", "220403100001", Category.ELDERLY_CARE, "空巢老人每周电话问候和上门探望",
          "空巢老人（3户）",
          "子女都在外地，三户老人住得分散，希望每周有人打电话问候，每月上门探望一次。",
          "灯塔村", ("sun_am",), 3, 11, team="助老服务队", end=Match.Status.CANCELLED,
          end_note="服务队部分队员外出务工，人手不足，另行安排。"),
    Entry("changan_reading", "220403100003", Category.CHILDREN, "留守儿童周末阅读陪伴",
          "留守儿童（5名）",
          "村里留守儿童周末没有去处，希望有志愿者在村部图书角带孩子们读书、做手工。",
          "长安村村部", ("sat_am",), 5, 13, urgency=Need.Urgency.LOW),
    Entry("dongfeng_meals", "220403100002", Category.MEALS, "高龄独居老人助餐送餐",
          "高龄独居老人（3名）",
          "村里没有助餐点，三位八十岁以上的独居老人做饭困难，希望工作日中午有人送餐。",
          "东风村", ("mon_am", "tue_am", "wed_am", "thu_am", "fri_am"), 3, 17),
    Entry("beishou_meals", "220403005002", Category.MEALS, "独居老人午餐送餐上门",
          "独居老人（行动不便，2名）",
          "两位老人行动不便，下楼买菜做饭困难，希望每天中午有人送一份午餐。",
          "北寿社区", ("mon_am", "wed_am", "fri_am"), 2, 10),
    Entry("xinsheng_rehab", "220403100004", Category.DISABILITY, "智力残疾青年康复训练陪伴",
          "智力残疾青年",
          "家属希望每周五下午有志愿者陪同孩子到村卫生室做康复训练，并教一些生活自理技能。",
          "新胜村", ("fri_pm",), 1, 7, urgency=Need.Urgency.LOW),
]  # fmt: skip


@dataclass(frozen=True)
class Step:
    """A progress report ``days`` from today (negative: in the past)."""

    days: int
    status: str
    progress: int
    text: str
    published: bool = True


@dataclass(frozen=True)
class ProjectPlan:
    """A livelihood project: where, what, and how it went (days counted from today)."""

    area: str
    name: str
    category: str
    summary: str
    budget: str
    funding: str
    lead_unit: str
    beneficiaries: str
    beneficiary_count: int
    starts: int
    ends: int
    milestones: tuple[tuple[str, int, int, int | None], ...]  # title, due, share, done
    steps: tuple[Step, ...]
    published: bool = True
    cancel: tuple[int, str] | None = None  # days, reason
    links: tuple[str, ...] = ()  # categories of the needs of its area that it answers


U, D, P = (LivelihoodProject.Status.UNDER_WAY, LivelihoodProject.Status.DONE,
           LivelihoodProject.Status.PLANNED)  # fmt: skip
PROJECTS = [
    ProjectPlan(COUNTY_CODE, "西安区老年助餐服务网络建设", Category.MEALS,
         "在城市社区和农村建设老年助餐点，为60岁以上老年人提供堂食和送餐服务，对独居、高龄和低保"
         "老年人给予就餐补贴，解决老年人“吃饭难”问题。",
         "1200000", LivelihoodProject.Funding.FISCAL, "西安区民政局",
         "全区60岁以上老年人，重点是独居、高龄和低保老年人", 3200, -240, 120,
         (("完成助餐点选址和场地改造", -180, 30, -185), ("确定助餐服务运营机构", -150, 20, -152),
          ("首批6个城市社区助餐点开业", -90, 30, -88), ("农村互助助餐点开业", 60, 20, None)),
         (Step(-184, U, 30, "8处助餐点完成选址，场地改造已全部开工。"),
          Step(-150, U, 50, "通过政府购买服务确定2家运营机构，签订服务协议。"),
          Step(-86, U, 80, "首批6个城市社区助餐点开业，日均就餐老年人约260人次，送餐上门42户。")),
         links=(Category.MEALS,)),
    ProjectPlan("220403001000", "仙城街道留守儿童“四点半课堂”", Category.CHILDREN,
         "利用社区儿童之家和新时代文明实践站，在放学后为留守儿童和双职工家庭子女提供作业辅导、"
         "阅读和安全教育，由志愿者和社工共同授课。",
         "80000", LivelihoodProject.Funding.PARTY_FUND, "仙城街道党工委",
         "辖区留守儿童和双职工家庭子女", 120, -300, -30,
         (("3个社区儿童之家完成布置", -270, 30, -272), ("招募并培训授课志愿者", -240, 20, -238),
          ("春季学期开课", -200, 25, -201), ("秋季学期开课并完成评估", -40, 25, -35)),
         (Step(-270, U, 30, "3个社区儿童之家布置完成，配齐桌椅和图书。"),
          Step(-200, U, 75, "春季学期开课，每周一至周五放学后开放，报名儿童98名。"),
          Step(-33, D, 100, "秋季学期课程结束，累计服务儿童126名，家长满意度96%。"))),
    ProjectPlan("220403001001", "仙城社区老旧楼院适老化改造", Category.HOUSING,
         "为社区内12栋无电梯老旧楼院加装楼道扶手、台阶防滑条和声控照明，为高龄独居老人家庭免费"
         "安装紧急呼叫设备。",
         "350000", LivelihoodProject.Funding.LOTTERY, "仙城社区居民委员会",
         "老旧楼院住户，重点是高龄独居老人家庭", 860, -90, 90,
         (("入户摸底并确定改造清单", -80, 20, -82), ("楼道扶手和防滑条安装", -20, 40, -18),
          ("紧急呼叫设备安装", 30, 40, None)),
         (Step(-80, U, 20, "完成12栋楼院入户摸底，确定改造清单并在居务公开栏公示。"),
          Step(-17, U, 60, "楼道扶手和防滑条安装完成，声控照明改造完成8栋。"),
          Step(-5, U, 60, "紧急呼叫设备供应商已确定，下周起分批入户安装。", published=False))),
    ProjectPlan("220403100000", "灯塔镇农村互助幸福院", Category.ELDERLY_CARE,
         "利用闲置村部改建互助幸福院，为农村独居、空巢老人提供日间照料、助餐和文化娱乐活动，由村内"
         "低龄老人和志愿者结对互助。",
         "600000", LivelihoodProject.Funding.MIXED, "灯塔镇人民政府",
         "灯塔镇4个村的独居、空巢老人", 180, -150, 200,
         (("闲置村部改建设计", -120, 20, -125), ("改建施工", 30, 50, None),
          ("开院运营", 150, 30, None)),
         (Step(-124, U, 20, "完成灯塔村、长安村两处闲置村部的改建设计，报镇政府审定。"),
          Step(-40, U, 35, "改建施工进行中，主体已完工，正在进行内部装修。")),
         links=(Category.ELDERLY_CARE,)),
    ProjectPlan(COUNTY_CODE, "西安区残疾人家庭无障碍改造", Category.DISABILITY,
         "为有需要的重度残疾人家庭进行卫生间、厨房和出入口的无障碍改造，加装扶手、坡道和紧急呼叫"
         "设备。",
         "500000", LivelihoodProject.Funding.FISCAL, "西安区残疾人联合会",
         "全区重度残疾人家庭", 150, 30, 300,
         (("入户评估，确定改造家庭", 40, 30, None), ("招标确定施工单位", 70, 20, None),
          ("完成改造并验收", 280, 50, None)),
         (Step(-6, P, 0, "完成首批申请受理，改造方案已报区残联审核。", published=False),),
         published=False, links=(Category.DISABILITY,)),
    ProjectPlan("220403002000", "东山街道社区嵌入式托育点", Category.CHILDREN,
         "在东山社区党群服务中心内建设嵌入式托育点，为3岁以下婴幼儿家庭提供普惠托育服务。",
         "400000", LivelihoodProject.Funding.PURCHASE, "东山街道办事处",
         "辖区3岁以下婴幼儿家庭", 60, -120, 60,
         (("场地选址和设计", -100, 30, -102), ("装修改造", 0, 40, None), ("开园招生", 50, 30, None)),
         (Step(-101, U, 15, "完成场地选址和设计方案。"),),
         cancel=(-20, "经消防安全评估，党群服务中心场地不符合托育机构设置要求，项目取消；"
                      "托育需求并入区级普惠托育服务统筹解决。")),
]  # fmt: skip


def _day_at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


class _People:
    """Who writes what: each community's worker (else its head, else the county officer), and
    whoever manages livelihood projects nearest above an area."""

    def __init__(self):
        self.county = User.objects.filter(username="county", is_active=True).first()
        rows = (
            RoleAssignment.objects.filter(
                area_code__startswith=COUNTY,
                role__in=[Role.COMMUNITY_WORKER, Role.COMMUNITY_HEAD],
                user__is_active=True,
            )
            .select_related("user")
            .order_by("area_id", "-role", "user__username")  # a worker before the head
        )
        self.workers: dict[str, User] = {}
        for row in rows:
            self.workers.setdefault(row.area_id, row.user)
        rows = (
            RoleAssignment.objects.filter(
                area_code__startswith=COUNTY,
                role__in=[Role.COMMUNITY_HEAD, Role.TOWN_OFFICER, Role.COUNTY_OFFICER],
                user__is_active=True,
            )
            .select_related("user")
            .order_by("area_id", "user__username")
        )
        self.leads: dict[str, User] = {}
        for row in rows:
            self.leads.setdefault(row.area_id, row.user)

    def worker(self, area_code: str):
        """The worker of the community of ``area_code``, else the county officer, else the
        platform."""
        user = self.workers.get(area_code[:12])
        if user is not None and scoping.has_cap(user, Cap.MATCH_MANAGE, area_code):
            return user
        return self.county or scoping.SYSTEM

    def lead(self, area_code: str):
        """The nearest one who manages livelihood projects over ``area_code``."""
        for code in [area_code, *reversed(areacodes.ancestors(area_code))]:
            user = self.leads.get(code)
            if user is not None and scoping.has_cap(user, Cap.PROJECT_MANAGE, area_code):
                return user
        return scoping.SYSTEM


def _listed_at(need: Need, when: dt.datetime) -> None:
    """The need was listed at ``when`` (the action lists it now)."""
    Need.objects.filter(pk=need.pk).update(created_at=when, updated_at=when)


def _from_appeals(people: _People, now: dt.datetime) -> list[Need]:
    from linli.appeals.models import OPEN_STATES, Appeal

    keys = actions.IMPORT_APPEAL_KEYS
    rows = (
        Appeal.objects.filter(
            Q(category__key__in=keys) | Q(category__parent__key__in=keys),
            area_code__startswith=COUNTY,
            state__in=OPEN_STATES,
            listed_need__isnull=True,
        )
        .order_by("submitted_at", "id")
        .only("pk", "area_code", "submitted_at")
    )
    listed = []
    for appeal in rows:
        if len(listed) == APPEALS_MAX:
            break
        actor = people.worker(appeal.area_code)
        try:
            need = actions.need_from_appeal(actor=actor, appeal_id=appeal.pk)
        except ActionError:
            continue
        _listed_at(need, min(appeal.submitted_at + dt.timedelta(hours=2), now))
        listed.append(need)
    return listed


def _from_care_visits(people: _People, now: dt.datetime, appeals: list[Need]) -> list[Need]:
    from linli.care.models import Need as CareNeed

    taken = [need.appeal_id for need in appeals]
    rows = (
        CareNeed.objects.filter(
            area_code__startswith=COUNTY,
            met_on__isnull=True,
            listed_need__isnull=True,
            created_at__gte=now - dt.timedelta(days=CARE_DAYS),
        )
        .exclude(appeal_id__in=taken)  # the appeal it raised is listed already
        .order_by("-created_at", "-id")
        .only("pk", "area_code", "created_at")
    )
    listed = []
    for care_need in rows[:CARE_MAX]:
        try:
            need = actions.need_from_care_need(
                actor=people.worker(care_need.area_code), care_need_id=care_need.pk
            )
        except ActionError:
            continue
        _listed_at(need, min(care_need.created_at + dt.timedelta(days=1), now))
        listed.append(need)
    return listed


def _entered(people: _People, now: dt.datetime, codes: set[str]) -> dict[str, Need]:
    today = timezone.localdate(now)
    listed = {}
    for entry in ENTERED:
        if entry.area not in codes:
            continue
        need = actions.need_create(
            actor=people.worker(entry.area),
            area_code=entry.area,
            category=entry.category,
            title=entry.title,
            who=entry.who,
            description=entry.description,
            place=entry.place,
            times=list(entry.times),
            people=entry.people,
            urgency=entry.urgency,
            wanted_from=today,
            wanted_until=today + dt.timedelta(days=entry.until),
        )
        _listed_at(need, now - dt.timedelta(days=entry.days, hours=3))
        listed[entry.key] = need
    return listed


def _confirm(actor, need: Need, team_name: str) -> Match | None:
    """Confirm the best suggested team for the need (one named ``…team_name`` first) with room
    for its people; None when no team can help."""
    if not getattr(actor, "is_authenticated", False):
        return None
    teams = [
        found
        for found in matcher.rank(need, limit=matcher.LIMIT_MAX)
        if found.kind == Resource.Kind.TEAM and found.spare >= need.people
    ]
    wanted = [found for found in teams if team_name and found.name.endswith(team_name)]
    for found in wanted or teams:
        try:
            return actions.match_confirm(
                actor=actor, need_id=need.pk, resource_id=found.resource_id
            )
        except ActionError:
            continue
    return None


def _matches(people: _People, entered: dict[str, Need], appeals: list[Need]) -> dict[str, int]:
    counts = {"confirmed": 0, "done": 0, "cancelled": 0}
    for entry in ENTERED:
        need = entered.get(entry.key)
        if need is None or not entry.team:
            continue
        actor = people.worker(need.area_code)
        match = _confirm(actor, need, entry.team)
        if match is None:
            continue
        counts["confirmed"] += 1
        if entry.end:
            actions.match_end(actor=actor, match_id=match.pk, outcome=entry.end,
                              note=entry.end_note)  # fmt: skip
            counts[entry.end] += 1
    # An appeal asking for care for an older person, matched to its community's team.
    for need in appeals:
        if need.category == Category.ELDERLY_CARE:
            if _confirm(people.worker(need.area_code), need, "助老服务队") is not None:
                counts["confirmed"] += 1
            break
    return counts


def _project(people: _People, plan: ProjectPlan, today: dt.date) -> LivelihoodProject:
    actor = people.lead(plan.area)
    project = project_actions.project_create(
        actor=actor,
        area_code=plan.area,
        name=plan.name,
        category=plan.category,
        summary=plan.summary,
        budget=plan.budget,
        funding=plan.funding,
        lead_unit=plan.lead_unit,
        beneficiaries=plan.beneficiaries,
        beneficiary_count=plan.beneficiary_count,
        starts_on=today + dt.timedelta(days=plan.starts),
        ends_on=today + dt.timedelta(days=plan.ends),
    )
    for title, due, share, done in plan.milestones:
        milestone = project_actions.milestone_add(
            actor=actor, project_id=project.pk, title=title,
            due_on=today + dt.timedelta(days=due), weight=share,
        )  # fmt: skip
        if done is not None:
            project_actions.milestone_complete(
                actor=actor, project_id=project.pk, milestone_id=milestone.pk,
                done_on=today + dt.timedelta(days=done),
            )  # fmt: skip
    dated = []
    for step in plan.steps:
        update = project_actions.project_report(
            actor=actor, project_id=project.pk, progress=step.progress, status=step.status,
            text=step.text, published=step.published,
        )  # fmt: skip
        dated.append((update.pk, step.days))
    if plan.published:
        project_actions.project_publish(actor=actor, project_id=project.pk)
    if plan.cancel is not None:
        days, reason = plan.cancel
        project_actions.project_cancel(actor=actor, project_id=project.pk, reason=reason)
        last = ProjectUpdate.objects.filter(project=project).order_by("-at", "-id").first()
        dated.append((last.pk, days))
    for pk, days in dated:
        ProjectUpdate.objects.filter(pk=pk).update(at=_day_at(today + dt.timedelta(days=days), 16))
    first = min([plan.starts, *(days for _pk, days in dated)]) - 20
    LivelihoodProject.objects.filter(pk=project.pk).update(
        created_at=_day_at(today + dt.timedelta(days=first), 10)
    )
    return project


def _link(people: _People, project: LivelihoodProject, plan: ProjectPlan, needs: list[Need]) -> int:
    linked = 0
    prefix = areacodes.prefix_of(plan.area)
    for need in needs:
        if need.category in plan.links and need.area_code.startswith(prefix):
            project_actions.project_need_link(
                actor=people.lead(plan.area), project_id=project.pk, need_id=need.pk
            )
            linked += 1
    return linked


def _kept() -> str:
    needs = Need.objects.filter(area_code__startswith=COUNTY)
    projects = LivelihoodProject.objects.filter(area_code__startswith=COUNTY)
    return (
        f"Matching demo: kept the {needs.count()} needs and {projects.count()} livelihood "
        "projects already loaded"
    )


def load_matching_demo(*, now: dt.datetime | None = None) -> str:
    """Load the needs, resources and livelihood projects demo (a DEMO_LOADERS entry, after the
    volunteers loader). Returns a summary for the console; when the county has the demo's
    projects already, changes nothing."""
    if not Area.objects.filter(code=COUNTY_CODE).exists():
        return ""
    names = [plan.name for plan in PROJECTS]
    if LivelihoodProject.objects.filter(area_code__startswith=COUNTY, name__in=names).exists():
        return _kept()
    codes = set(
        Area.objects.filter(
            code__startswith=COUNTY, level=Level.COMMUNITY, is_demo=True
        ).values_list("code", flat=True)
    )
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        people = _People()
        appeals = _from_appeals(people, now)
        care = _from_care_visits(people, now, appeals)
        entered = _entered(people, now, codes)
        synced = actions.resources_sync(actor=scoping.SYSTEM, area_code=COUNTY_CODE)
        matched = _matches(people, entered, appeals)
        needs = [*appeals, *care, *entered.values()]
        projects, linked = [], 0
        present = set(
            Area.objects.filter(code__in=[p.area for p in PROJECTS]).values_list("code", flat=True)
        )
        for plan in PROJECTS:
            if plan.area in present:
                project = _project(people, plan, today)
                linked += _link(people, project, plan, needs)
                projects.append(project)
        rows = LivelihoodProject.objects.filter(pk__in=[p.pk for p in projects])
        statuses = Counter(rows.values_list("status", flat=True))
        counts = {
            "needs_from_appeals": len(appeals),
            "needs_from_care_visits": len(care),
            "needs_entered": len(entered),
            "needs_waiting": Need.objects.filter(
                pk__in=[n.pk for n in needs], status=Need.Status.OPEN
            ).count(),
            "resources_listed": synced.created,
            "matches": matched["confirmed"],
            "matches_done": matched["done"],
            "matches_cancelled": matched["cancelled"],
            "projects": len(projects),
            "projects_published": rows.filter(published=True).count(),
            "needs_linked": linked,
        }
        audit.record(
            scoping.SYSTEM, "matching.demo_load", area_code=COUNTY_CODE,
            target_type="matching.need", extra=counts,
        )  # fmt: skip
    resources = Resource.objects.filter(area_code__startswith=COUNTY)
    return (
        f"Matching demo: {len(needs)} needs ({len(appeals)} from appeals, {len(care)} from care "
        f"visits, {len(entered)} entered), {counts['needs_waiting']} waiting for help; "
        f"{resources.count()} resources ({resources.filter(kind=Resource.Kind.TEAM).count()} "
        f"volunteer teams, {resources.filter(kind=Resource.Kind.VENUE).count()} venues); "
        f"{matched['confirmed']} matches confirmed ({matched['done']} done, "
        f"{matched['cancelled']} called off); {len(projects)} livelihood projects "
        f"({statuses[D]} completed, {statuses[U]} under way, {statuses[P]} planned, "
        f"{statuses[LivelihoodProject.Status.CANCELLED]} cancelled), "
        f"{counts['projects_published']} shown to residents"
    )


__all__ = ["ENTERED", "PROJECTS", "load_matching_demo"]
