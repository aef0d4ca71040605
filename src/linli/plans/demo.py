"""The demo county's plan: 辽源市西安区 adopts the built-in 西安区 plan, reports what no app counts
yet, has its values measured and frozen, and keeps its task ledger.

Everything goes through the plans actions, as the county's officers would do it:

- The county officer (``county``) adopts the built-in template (its targets as the template has
  them) and puts the copy in force. When this year lies past the plan's horizon, the plan and
  its tasks are extended to this year (``plan_update``, ``task_update``: the county keeps
  measuring and reporting on it while the next plan is written), so that the current year can
  be measured and reported on.
- The reported indicators of the plan (the 15-minute fitness circle, satisfaction surveys) get
  values for each community for the year before last, last year and this year
  (``reported_value_set``), entered by the community's head where it has one and otherwise by
  its town's officer, each with a note of its source (``街道报送 2025年度台账`` …): most
  communities meet the targets, some do not, a few have not reported this year yet, and 灯塔镇
  reports its satisfaction surveys as one figure for the whole town.
- The values of those three years are computed by the engine (``plan_recompute`` and the
  recompute itself, run at once; past years are measured as of their 31 December) from the
  other demo data (facilities, workers, training, care visits, disaster information officers,
  the volunteer teams led by party members), and frozen in three snapshots: the two past years
  (``2024年度``, ``2025年度`` when loaded in 2026) and this year so far (``2026年1—11月`` in
  November).
- The task ledger: for each task, each reporting area (towns; communities for the tasks the
  communities report) writes, submits and gets its progress reports approved for the year
  before last and last year (communities by their town's officer, towns by the county officer):
  most are approved, a few wait for approval, one is returned with its reason, some were
  submitted after the due date, and some were never written — 安家街道 most of all. This year's
  reports are under way: some drafts, a few submitted early.

The actions stamp everything with the moment they run. Where the story needs a date in the
past, the row is written by its action first and its time fields are then moved in bulk:
``ReportedValue.entered_at`` (the January after the year reported on; this year's in recent
weeks), ``ProgressReport.submitted_at`` / ``decided_at`` / ``updated_at`` (around the due date:
on time or late, as the reporting rates then count them) and the time and read time of the
notifications those reports sent. The audit trail is append-only and keeps the moment each action
really ran (a submission's ``on_time`` there is as of loading).

One transaction, with one audit event of its own. Deterministic for a given day (seeded).
Loading again changes nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from linli.core import audit, scoping
from linli.core.areacodes import Level
from linli.core.demo import COUNTY
from linli.core.models import Area, Notification, ReportedFigure, RoleAssignment, User
from linli.core.roles import Role

from .actions import catalogue, ledger, measure
from .models import Indicator, Plan, PlanTask, ProgressReport, ReportedValue
from .queries import ledger as ledger_queries
from .queries.catalogue import indicator_label
from .queries.values import plan_board

SEED = 64403
COUNTY_CODE = COUNTY + "000000"
TEMPLATE = "xian_qu"
BATCH = 500
Status = ProgressReport.Status

# --- reported values ------------------------------------------------------------------------------
# By how many years before this one (2: the year before last, 1: last year, 0: this year).

# Share of the residents within 15 minutes' walk of a fitness ground (urban communities; the
# others all of them).
FITNESS = {
    2: {"220403001003": "0.82", "220403002002": "0.95", "220403002003": "0.76",
        "220403003002": "0.91", "220403005002": "0.64", "220403006002": "0.88"},
    1: {"220403001003": "0.90", "220403002003": "0.85", "220403005002": "0.72",
        "220403006002": "0.95"},
    0: {"220403002003": "0.92", "220403005002": "0.80"},
}  # fmt: skip
# Communities that held no satisfaction survey in the year (this year: not yet).
NO_SURVEY = {
    2: ("220403005002", "220403006001"),  # 北寿社区, 安家社区
    1: (),
    0: ("220403002001", "220403003002", "220403005001"),  # 东山社区, 红旗社区, 富国社区
}
# 灯塔镇 reports its villages' surveys as one figure: (villages surveyed, villages).
TOWN_SURVEYS = {"220403100000": {2: (2, 4), 1: (3, 4), 0: (3, 4)}}
# Not reported yet this year: (indicator key, community).
NOT_YET = {
    ("fitness_circle_15min_coverage_urban", "220403005001"),  # 富国社区
    ("satisfaction_survey_coverage", "220403006001"),  # 安家街道: neither community yet
    ("satisfaction_survey_coverage", "220403006002"),
}
LEDGER_NAMES = {
    "fitness_circle_15min_coverage_urban": "15分钟健身圈覆盖测算表",
    "satisfaction_survey_coverage": "群众满意度调查报告",
}

# --- the ledger -------------------------------------------------------------------------------------

SLOW_TOWN = "220403006000"  # 安家街道: the one that stands out
# Reports never written: (years back, task number, area).
MISSING = {
    (2, "8", SLOW_TOWN), (2, "15", SLOW_TOWN), (2, "18", "220403006002"),
    (1, "7", SLOW_TOWN), (1, "9", SLOW_TOWN), (1, "11", SLOW_TOWN), (1, "14", SLOW_TOWN),
    (1, "15", SLOW_TOWN), (1, "12", "220403006001"), (1, "12", "220403006002"),
    (1, "18", "220403100002"), (1, "13", "220403100000"),
}  # fmt: skip
# Last year's reports sent late, in the last weeks: most still wait for approval — 仙城社区's two
# on the desk of 仙城街道 (the demo ``town``), three towns' on the county's — and 富国街道's 社工岗
# report was returned for what it lacks.
WAITING = {
    (1, "12", "220403001001"), (1, "18", "220403001001"),
    (1, "10", "220403100000"), (1, "16", "220403003000"), (1, "17", "220403100000"),
}  # fmt: skip
RETURNED = (1, "16", "220403005000")
RECENT = WAITING | {RETURNED}
RETURN_REASON = "未附“社工岗”人员花名册和薪酬发放凭证，请补充后重新报送。"
LATE_SHARE = {2: 0.18, 1: 0.22}
# This year's reports, a month or so before they are due: written by towns that start early.
EARLY_TOWNS = ("220403001000", "220403004000")  # 仙城街道, 福寿街道

PROGRESS = {
    "6": ["召开社区党建工作联席会议{n}次，{m}个社区落实“两委”成员交叉任职，修订居民公约{m}份。",
          "驻区单位党组织负责人参加联席会议{n}次，议定为民服务事项{k}件，已办结{j}件。"],
    "7": ["引入社会组织承接社区服务项目{n}个，驻区单位向居民开放停车场和活动场地{m}处。",
          "“五社联动”在辖区社区推开，链接慈善资源{k}万元，开展志愿服务活动{n}场。"],
    "8": ["新增老年助餐点{n}个，儿童之家全部正常运行，居家老年人巡访关爱覆盖辖区全部社区。",
          "社区卫生服务站签约居民{k}人，开展文体活动{n}场，医保服务下沉到社区。"],
    "9": ["新增便民服务网点{n}个，{m}个无物业小区纳入兜底物业服务。",
          "“15分钟便民生活圈”布点完成{p}%，引进连锁便利店和快递末端服务站{n}处。"],
    "10": ["开展应急演练{n}次，{m}处微型消防站补充器材，排查化解矛盾纠纷{k}件。",
           "楼栋长、平安志愿者队伍{k}人，“法律进社区”活动{n}场，社区矫正人员帮教到位。"],
    "11": ["完成存量房屋盘点，{m}处综合服务设施改扩建方案报区民政局审核，适老化改造{n}处。",
           "统筹利用闲置用房{m}处增设服务场所，新增社区食堂（老年助餐点）{n}个。"],
    "12": ["取消干部独立办公室，居民活动区域占比提高到{p}%；实行错时上下班和节假日值班，每日开放8小时以上。",
           "会议室、学习室整合为综合功能室，开展活动{k}场；节假日全天开放。"],
    "13": ["开展群众满意度调查，收回问卷{k}份，满意率{p}%；“一窗受理、集成服务”在辖区社区全部推行。",
           "推行“全科社工”，一站式服务大厅日常坐班{m}人，接诉即办{k}件，按时办结率{p}%。"],
    "14": ["政务服务自助终端{n}台投入使用，社区可办事项{k}项全部纳入“一网通办”。",
           "社区综合受理窗口实现“前台一窗受理、后台分类审批”，网上办件{k}件。"],
    "15": ["完成社区地理信息和楼栋数据更新，智慧安防改造小区{n}个。",
           "智慧社区服务平台接入{m}类数据，养老、安防设施智能化改造{n}处。"],
    "16": ["“社工岗”在岗{m}人，落实三岗十八级薪酬和“五险一金”；“两委”成员资格联审完成。",
           "建立社区党组织书记后备人才库{k}人，招录高校毕业生和退役军人{n}人到社区工作。"],
    "17": ["组织社区工作者参加区级培训{k}人次，书记、主任年度轮训完成；{n}人报考社会工作职业资格。",
           "线上线下培训{n}期，参训{k}人次；新取得社工证书{n}人。"],
    "18": ["划分网格{m}个，每格配备专职网格员；“一格三长”到位，民情日记按月上报。",
           "网格员入户走访{k}户次，发现并上报问题{n}件，已办结{j}件。"],
}  # fmt: skip


def _progress(number: str, rng: random.Random, percent: int) -> str:
    templates = PROGRESS.get(number)
    if templates is None:
        return f"按年度工作计划推进，完成{percent}%。"
    n = rng.randint(2, 9)
    return rng.choice(templates).format(
        n=n, m=rng.randint(2, 6), k=rng.randint(40, 900), j=rng.randint(1, n), p=rng.randint(86, 99)
    )


def _at(day: dt.date, rng: random.Random, start: int = 8, end: int = 18) -> dt.datetime:
    minutes = rng.randint(start * 60, end * 60 - 1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60)))


@dataclass
class _People:
    county: User
    towns: dict[str, User]  # town code → its officer
    heads: dict[str, User]  # community code → its head

    def writer(self, area: Area) -> User | None:
        """Who writes an area's reports: the community's head, else its town's officer."""
        if area.level == Level.COMMUNITY:
            return self.heads.get(area.code) or self.towns.get(area.code[:9] + "000")
        return self.towns.get(area.code)

    def approver(self, area: Area) -> User:
        if area.level == Level.COMMUNITY:
            return self.towns.get(area.code[:9] + "000") or self.county
        return self.county


def _people() -> _People | None:
    county = User.objects.filter(
        username="county",
        is_active=True,
        assignments__role=Role.COUNTY_OFFICER,
        assignments__area_code=COUNTY_CODE,
    ).first()
    if county is None:
        return None
    towns: dict[str, User] = {}
    heads: dict[str, User] = {}
    for ra in (
        RoleAssignment.objects.filter(
            role__in=(Role.TOWN_OFFICER, Role.COMMUNITY_HEAD),
            area_code__startswith=COUNTY,
            user__is_active=True,
        )
        .select_related("user")
        .order_by("area_code", "user__username")
    ):
        found = towns if ra.role == Role.TOWN_OFFICER else heads
        found.setdefault(ra.area_code, ra.user)
    return _People(county, towns, heads)


def _population() -> dict[str, int]:
    """The latest reported population of each community."""
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


# --- steps --------------------------------------------------------------------------------------


def _extend(plan: Plan, county: User, year: int) -> bool:
    """Keep the plan and its tasks running to ``year`` when it lies past the horizon."""
    if plan.end_year >= year:
        return False
    catalogue.plan_update(actor=county, plan_id=plan.pk, end_year=year)
    for task in PlanTask.objects.filter(plan=plan).order_by("position", "pk"):
        if task.last_year >= year:
            continue
        ledger.task_update(
            actor=county, task_id=task.pk, number=task.number, title=task.title,
            lead_units=task.lead_units, report_level=task.report_level,
            frequency=task.frequency, due_month=task.due_month, due_day=task.due_day,
            first_year=task.first_year, last_year=year, group=task.group,
            requirement=task.requirement, co_units=task.co_units,
        )  # fmt: skip
    return True


def _reported(
    plan: Plan, people: _People, communities: list[Area], years: dict[int, int], today: dt.date
) -> tuple[int, list[str]]:
    """Enter the plan's reported indicators for each community (灯塔镇's surveys for the town)
    and year; move each entry to when it was made. Returns the count and the keys left
    without values (reported indicators this demo has no figures for)."""
    rng = random.Random(SEED + 2)
    population = _population()
    indicators = list(
        Indicator.objects.filter(targets__plan=plan, source=Indicator.Source.REPORTED).order_by(
            "targets__position"
        )
    )
    towns = {c.code[:9] + "000" for c in communities}
    names = dict(Area.objects.filter(code__in=towns).values_list("code", "name"))
    entered: list[ReportedValue] = []
    skipped = []

    def reporter(code: str) -> tuple[User | None, str]:
        """Who enters an area's value and how the note names them."""
        town = code[:9] + "000"
        if code != town and code in people.heads:
            return people.heads[code], "社区"
        return people.towns.get(town), "镇政府" if names.get(town, "").endswith("镇") else "街道"

    def enter(indicator, code, year, back, numerator, denominator):
        user, who = reporter(code)
        if user is None:
            return
        period = f"{year}年度" if back else f"{year}年（截至{today.month}月）"
        row = measure.reported_value_set(
            actor=user, indicator_id=indicator.pk, area_code=code, year=year,
            numerator=numerator, denominator=denominator,
            note=f"{who}报送 {period}{LEDGER_NAMES.get(indicator.key, '台账')}",
        )  # fmt: skip
        if back:  # in the January after the year (at the latest, now)
            day = dt.date(year + 1, 1, 6) + dt.timedelta(days=rng.randint(0, 20))
        else:  # in the last weeks (this year)
            day = max(today - dt.timedelta(days=rng.randint(3, 25)), dt.date(year, 1, 1))
        row.entered_at = min(_at(day, rng), timezone.now())
        entered.append(row)

    for indicator in indicators:
        if indicator.key not in LEDGER_NAMES:
            skipped.append(indicator.key)
            continue
        for back, year in sorted(years.items(), reverse=True):
            for c in communities:
                if back == 0 and (indicator.key, c.code) in NOT_YET:
                    continue
                urban = c.urban_rural.startswith("1")
                if indicator.key == "fitness_circle_15min_coverage_urban":
                    if not urban or not population.get(c.code):
                        continue
                    people_count = population[c.code]
                    share = Decimal(FITNESS[back].get(c.code, "1"))
                    enter(indicator, c.code, year, back, int(people_count * share), people_count)
                elif indicator.key == "satisfaction_survey_coverage":
                    if c.code[:9] + "000" in TOWN_SURVEYS:
                        continue
                    enter(indicator, c.code, year, back, int(c.code not in NO_SURVEY[back]), 1)
            if indicator.key == "satisfaction_survey_coverage":
                for town, by_year in TOWN_SURVEYS.items():
                    if town in towns:
                        enter(indicator, town, year, back, *by_year[back])
    ReportedValue.objects.bulk_update(entered, ["entered_at"], batch_size=BATCH)
    return len(entered), skipped


@dataclass
class _Story:
    """What happened to one report: who wrote and decided it, and when."""

    report: ProgressReport
    submitted_at: dt.datetime | None = None
    decided_at: dt.datetime | None = None
    written_at: dt.datetime | None = None


def _ledger(
    plan: Plan, people: _People, years: dict[int, int], today: dt.date, now: dt.datetime
) -> Counter:
    """Progress reports of the past two years (and this year's under way) through the ledger's
    actions, then moved to their dates."""
    rng = random.Random(SEED + 3)
    tasks = list(PlanTask.objects.filter(plan=plan).order_by("position", "pk"))
    areas = list(
        Area.objects.filter(
            code__startswith=COUNTY, level__in={t.report_level for t in tasks}
        ).order_by("code")
    )
    stories: list[_Story] = []
    counts: Counter = Counter()
    for back, year in sorted(years.items(), reverse=True):
        for task in tasks:
            period = str(year)
            if period not in ledger_queries.task_periods(task):
                continue
            due = ledger_queries.period_due(task, period)
            for area in areas:
                if area.level != task.report_level:
                    continue
                writer = people.writer(area)
                key = (back, task.number, area.code)
                if writer is None or key in MISSING:
                    counts["missing"] += bool(due < today)
                    continue
                percent = (
                    rng.randint(55, 85) if back == 2 else rng.randint(85, 100) if back == 1
                    else rng.randint(60, 95)
                )  # fmt: skip
                if due >= today:  # not due yet: some written, a few sent early
                    story = _early(task, area, period, due, writer, people, rng, percent, today)
                    if story is not None:
                        stories.append(story)
                        counts[story.report.status] += 1
                    continue
                text = _progress(task.number, rng, percent)
                report = ledger.report_save(
                    actor=writer, task_id=task.pk, area_code=area.code, period=period,
                    text=text, percent=percent,
                )  # fmt: skip
                report = ledger.report_submit(actor=writer, report_id=report.pk)
                late = key in RECENT or rng.random() < LATE_SHARE[back]
                if key in RECENT:
                    sent = max(
                        _at(today - dt.timedelta(days=rng.randint(12, 40)), rng),
                        _at(due + dt.timedelta(days=3), rng),
                    )
                elif late:
                    sent = _at(due + dt.timedelta(days=rng.randint(3, 45)), rng)
                else:
                    sent = _at(due - dt.timedelta(days=rng.randint(0, 20)), rng)
                story = _Story(report, submitted_at=sent, written_at=sent - dt.timedelta(days=2))
                counts["late"] += late
                if key == RETURNED:
                    report = ledger.report_return(
                        actor=people.approver(area), report_id=report.pk, reason=RETURN_REASON
                    )
                    story.decided_at = min(sent + dt.timedelta(days=rng.randint(3, 8)), now)
                elif key not in WAITING:
                    report = ledger.report_approve(actor=people.approver(area), report_id=report.pk)
                    story.decided_at = min(
                        _at(sent.date() + dt.timedelta(days=rng.randint(2, 15)), rng), now
                    )
                story.report = report
                stories.append(story)
                counts[report.status] += 1
    _backdate(stories)
    return counts


def _early(task, area, period, due, writer, people, rng, percent, today) -> _Story | None:
    """This year's report before it is due: drafts here and there; the early towns (and their
    communities) have sent some, and a few of those are approved."""
    early = area.code[:9] + "000" in EARLY_TOWNS
    roll = rng.random()
    if roll > (0.6 if early else 0.2):
        return None
    text = _progress(task.number, rng, percent) + "（年度进展，待年底补充全年数据）"
    report = ledger.report_save(
        actor=writer, task_id=task.pk, area_code=area.code, period=period, text=text,
        percent=percent,
    )  # fmt: skip
    written = _at(
        max(today - dt.timedelta(days=rng.randint(2, 20)), dt.date(int(period[:4]), 1, 1)), rng
    )
    story = _Story(report, written_at=written)
    if early and roll < 0.3:
        story.report = ledger.report_submit(actor=writer, report_id=report.pk)
        story.submitted_at = written + dt.timedelta(hours=rng.randint(1, 30))
        if roll < 0.12:
            story.report = ledger.report_approve(actor=people.approver(area), report_id=report.pk)
            story.decided_at = story.submitted_at + dt.timedelta(hours=rng.randint(2, 40))
    return story


def _backdate(stories: list[_Story]) -> None:
    """Move each report, and the notifications it sent, to when it happened (in bulk)."""
    now = timezone.now()
    by_id = {str(s.report.pk): s for s in stories}
    reports = []
    for story in stories:
        report = story.report
        submitted = min(story.submitted_at, now) if story.submitted_at else None
        decided = min(max(story.decided_at, submitted), now) if story.decided_at else None
        written = min(story.written_at or submitted or now, submitted or now)
        report.submitted_at, report.decided_at = submitted, decided
        report.updated_at = decided or submitted or written
        reports.append(report)
    ProgressReport.objects.bulk_update(
        reports, ["submitted_at", "decided_at", "updated_at"], batch_size=BATCH
    )
    notes = []
    for note in Notification.objects.filter(
        target_type=ProgressReport._meta.label_lower, target_id__in=list(by_id)
    ).only("pk", "kind", "target_id"):
        report = by_id[note.target_id].report
        sent = note.kind == "plans.report_submitted"
        when = report.submitted_at if sent else report.decided_at
        if when is None:
            continue
        # Read once acted on: the approver's when it was decided, the reporter's approval at
        # once; a return, and what still waits for approval, unread.
        done = note.kind == "plans.report_approved" or (sent and report.decided_at is not None)
        note.at, note.read_at = when, (report.decided_at if done else None)
        notes.append(note)
    Notification.objects.bulk_update(notes, ["at", "read_at"], batch_size=BATCH)


def _current_label(today: dt.date) -> str:
    if today.month == 1:
        return f"{today.year}年1月"
    return f"{today.year}年1—{today.month}月"


def load_plans_demo(*, now: dt.datetime | None = None) -> str:
    """Load the plans demo (a DEMO_LOADERS entry, the last: it measures the other apps' demo
    data). Returns a summary for the console; when the county has adopted the plan already,
    changes nothing."""
    county_area = Area.objects.filter(code=COUNTY_CODE).first()
    if county_area is None:
        return ""
    template = Plan.objects.filter(is_template=True, template_key=TEMPLATE).first()
    if template is None:
        catalogue.catalogue_install()
        template = Plan.objects.filter(is_template=True, template_key=TEMPLATE).first()
    if template is None:
        return ""
    kept = Plan.objects.filter(area_code=COUNTY_CODE, template=template).exclude(
        status=Plan.Status.CLOSED
    )
    if kept.exists():
        plan = kept.order_by("pk").first()
        reports = ProgressReport.objects.filter(task__plan=plan).count()
        return (
            f"Plans demo: kept the plan “{plan.title}” already adopted ({reports} progress reports)"
        )
    people = _people()
    communities = list(
        Area.objects.filter(code__startswith=COUNTY, level=Level.COMMUNITY, is_demo=True).order_by(
            "code"
        )
    )
    if people is None or not communities:
        return ""
    now = now or timezone.now()
    today = timezone.localdate(now)
    years = {back: today.year - back for back in (2, 1, 0)}
    county = people.county
    with transaction.atomic():
        plan = catalogue.plan_adopt(actor=county, template_id=template.pk, area_code=COUNTY_CODE)
        Plan.objects.filter(pk=plan.pk).update(is_demo=True)
        extended = _extend(plan, county, today.year)
        # Entered while the plan is a draft, so that nothing is queued: the recomputes below
        # measure every year once.
        reported, skipped = _reported(plan, people, communities, years, today)
        catalogue.plan_activate(actor=county, plan_id=plan.pk)
        ledger_counts = _ledger(plan, people, years, today, now)
        for back, year in sorted(years.items(), reverse=True):
            run = measure.plan_recompute(actor=county, plan_id=plan.pk, year=year)
            run = measure.recompute_run(run.pk)
            if run.status != run.Status.DONE:
                raise RuntimeError(f"the demo plan's {year} values failed: {run.error}")
            label = f"{year}年度" if back else _current_label(today)
            note = (
                f"{year}年12月31日口径，年度台账报送后冻结"
                if back
                else f"截至{today.month}月{today.day}日的实时数据"
            )
            measure.snapshot_take(actor=county, plan_id=plan.pk, label=label, year=year, note=note)
        board = plan_board(actor=county, plan_id=plan.pk, year=today.year)
        statuses = Counter(item.state.status for item in board.items)
        counts = {
            "plan": plan.pk,
            "targets": len(board.items),
            "reported_values": reported,
            "snapshots": len(years),
            **{f"reports_{key}": value for key, value in sorted(ledger_counts.items())},
        }
        audit.record(scoping.SYSTEM, "plans.demo_load", plan, area_code=COUNTY_CODE, extra=counts)
    plan.refresh_from_db()
    missed = [
        indicator_label(item.indicator) for item in board.items if item.state.status == "not_met"
    ]
    approved = ledger_counts[Status.APPROVED]
    lines = [
        f"Plans demo: {plan.title} ({plan.start_year}–{plan.end_year}"
        + (", extended to this year" if extended else "")
        + f") adopted by {county_area.name} and in force: {len(board.items)} targets, "
        f"{reported} reported values, values of {years[2]}–{years[0]} computed with "
        f"{len(years)} snapshots",
        f"  {today.year}: {statuses['met']} met, {statuses['at_risk']} at risk, "
        f"{statuses['not_met']} not met, {statuses['no_data']} without data; not met: "
        + ("、".join(missed) or "—"),
        f"  Task ledger {years[2]}–{years[0]}: {approved} reports approved, "
        f"{ledger_counts[Status.SUBMITTED]} awaiting approval, {ledger_counts[Status.RETURNED]} "
        f"returned, {ledger_counts[Status.DRAFT]} drafts, {ledger_counts['missing']} not written, "
        f"{ledger_counts['late']} submitted late",
    ]
    if skipped:
        lines.append("  No demo figures for: " + ", ".join(skipped))
    return "\n".join(lines)


__all__ = ["load_plans_demo"]
