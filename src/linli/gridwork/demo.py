"""Grid work for the demo county: the work-item list, tasks under it and two weeks of daily log.

The county gets the built-in community work-item list (社区工作事项准入清单). Under it, the demo
department officer (``dept``), civil-affairs officer (``county``), street officer (``town``) and
community head (``head``) have given grids and communities tasks over the last two months: most
are done with their results, some are open, two are overdue and one was cancelled. Today the
street officer gives one more through ``task_assign``, so the grid worker hears of it. The demo
grid worker (``grid``) and a few others have written their daily log (民情日记) on most working
days of the last two weeks; one entry names the appeal its author raised that day.

Grid workers on duty come from the care demo's staffing (:func:`linli.care.demo.staff_grids`).
Deterministic for a given day (seeded). Loading again changes nothing.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from linli.care.demo import COUNTY_CODE, HOME_GRID, staff_grids
from linli.core import audit, scoping
from linli.core.demo import COUNTY
from linli.core.models import Area, RoleAssignment, User
from linli.core.roles import Role

from . import actions
from .models import Log, Task, WorkItem

SEED = 70412
BATCH = 1000
LOG_DAYS = 14
HOME = HOME_GRID[:12]  # 仙城社区


@dataclass(frozen=True)
class _Assignment:
    """Tasks given together: who, under which item, to where, when (days from today), and
    what became of each (``done``, ``open`` or ``cancelled``, in the order of ``places``)."""

    by: str
    item: str
    title: str
    description: str
    places: tuple[str, ...]
    assigned: int
    due: int | None
    fates: tuple[str, ...]


ASSIGNMENTS = [
    _Assignment(
        "dept", "XZ-07", "2027年度城乡居民医保集中缴费宣传和催缴",
        "入户或电话告知未缴费居民2027年度城乡居民医保缴费标准和截止时间，协助老年人通过手机或到银行网点缴费，11月15日前报送未缴费人员名单及原因。",
        ("220403001001", "220403001002", "220403001003", "220403002001"), -40, -8,
        ("done", "done", "open", "done"),
    ),
    _Assignment(
        "town", "XZ-10", "冬季消防安全检查：楼道杂物和电动车充电",
        "逐楼逐单元检查楼道堆物、电动车入户和飞线充电，发现隐患当场劝改并拍照留存，拒不整改的报街道综合执法队。",
        ("220403001001001", "220403001001002", "220403001001003", "220403001002001"), -12, 5,
        ("open", "done", "open", "done"),
    ),
    _Assignment(
        "head", "XZ-01", "入冬前为独居老人检查取暖和燃气安全",
        "供暖开始后一周内，到网格内独居、空巢老人家中查看暖气温度、燃气软管和一氧化碳报警器，问题登记后报社区。",
        ("220403001001001", "220403001001002", "220403001001003"), -20, -3,
        ("open", "done", "done"),
    ),
    _Assignment(
        "county", "XZ-18", "“全民反诈”宣传进社区",
        "在社区公告栏张贴反诈海报，组织一次面向老年人的防范电信网络诈骗讲座，推广安装国家反诈中心App。",
        ("220403002001", "220403002003"), -30, -5,
        ("done", "done"),
    ),
    _Assignment(
        "town", "XZ-16", "人口变动情况抽样调查入户登记协助",
        "配合统计调查员入户，提前告知居民调查时间并陪同入户，调查对象名单另行下发。",
        ("220403001002", "220403001003"), -60, -30,
        ("done", "cancelled"),
    ),
    _Assignment(
        "town", "XZ-15", "垃圾分类桶站冬季巡查",
        "每周巡查网格内垃圾分类桶站，记录满溢、混投和破损情况，拍照报社区。",
        ("220403001001001",), -8, 20,
        ("open",),
    ),
]  # fmt: skip
# Given today through the action: (by, item, title, description, places, due in days).
TODAY = (
    "town", "XZ-11", "灾害信息员培训报名和应急物资清点",
    "各网格于下周一前上报一名参加区灾害信息员培训的人员，并清点网格应急物资（手电、雨衣、沙袋、救生衣）数量，缺少的报社区补充。",
    ("220403001001001", "220403001001002"), 7,
)  # fmt: skip
RESULTS = {
    "XZ-07": "已入户和电话通知未缴费居民，帮助{n}位老人完成手机缴费，未缴费名单已报社区。",
    "XZ-10": "检查楼栋{n}栋，清理楼道杂物6处，劝导电动车入户充电3户，已拍照存档。",
    "XZ-01": "走访独居、空巢老人{n}户，更换老化燃气软管2户，暖气不热的1户已报供热公司。",
    "XZ-18": "张贴反诈海报{n}张，举办反诈讲座一场，60余名居民参加。",
    "XZ-16": "已配合调查员完成{n}户入户登记。",
}
CANCEL_REASON = "调查样本调整，本社区不再列入调查范围。"

URBAN_LOG = {
    "saw": ["3号楼2单元楼道堆放纸箱和旧家具，影响通行。", "小区东门路灯不亮，晚上出行不便。", "楼前积雪没有清，老人出门容易滑倒。", "有住户在楼道里给电动车充电。", "垃圾站周边有散落垃圾，清运不及时。", "5号楼外墙保温层有一块松动，刮风时往下掉渣。", "小区里有陌生人发保健品传单，专找老人搭话。", "单元门闭门器坏了，门关不严，楼道很冷。"],
    "heard": ["居民反映暖气不热，室温只有十六七度。", "几位老人问今年高龄津贴什么时候发。", "有居民希望在小区里增设电动车充电桩。", "住户反映楼上装修噪音大，晚上也不停。", "居民问医保缴费截止时间和缴费方式。", "老人说手机上办事不会操作，希望社区教一教。", "居民反映楼下饭店油烟大，窗户都不敢开。"],
    "resolved": ["联系物业清理了楼道杂物。", "帮助两位老人在手机上缴纳了医保。", "劝导住户把电动车推到集中充电点充电。", "协调邻里之间的停车纠纷，双方达成一致。", "给独居老人送去社区发放的防滑鞋套。", "暖气不热的问题已转给供热公司，约好明天上门。", "帮王阿姨预约了家庭医生上门。"],
}  # fmt: skip
RURAL_LOG = {
    "saw": ["村道积雪较厚，农用车通行困难。", "3组有两户老房子屋顶积雪较多。", "村头垃圾收集点满了，还没清运。", "有村民在院里烧秸秆取暖。"],
    "heard": ["村民问今年种粮补贴什么时候发。", "留守老人说孩子过年可能不回来。", "有村民想了解城乡居民养老保险怎么续缴。"],
    "resolved": ["组织村民清扫了村道积雪。", "提醒村民冬季取暖注意一氧化碳中毒，检查了烟道。", "帮老人给外地打工的儿子打了视频电话。", "联系镇里安排清运了垃圾。"],
}  # fmt: skip


def _local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _users(names) -> dict[str, User]:
    return {u.username: u for u in User.objects.filter(username__in=names, is_active=True)}


def _doers(places, staff: dict[str, User]) -> dict[str, User]:
    """Who marks a task done at each place: the grid's worker, or a community worker."""
    found = {code: staff[code] for code in places if code in staff}
    communities = [code for code in places if len(code) == 12]
    for assignment in (
        RoleAssignment.objects.filter(
            area_id__in=communities,
            role__in=(Role.COMMUNITY_WORKER, Role.COMMUNITY_HEAD),
            user__is_active=True,
        )
        .select_related("user")
        .order_by("role", "user__username")
    ):
        found.setdefault(assignment.area_id, assignment.user)
    return found


def _tasks(rng: random.Random, now: dt.datetime, staff: dict[str, User]) -> list[Task]:
    today = timezone.localdate(now)
    items = {
        i.code: i for i in WorkItem.objects.filter(area_code=COUNTY_CODE, active=True)
    }  # fmt: skip
    users = _users({a.by for a in ASSIGNMENTS})
    areas = set(
        Area.objects.filter(code__in={c for a in ASSIGNMENTS for c in a.places}).values_list(
            "code", flat=True
        )
    )
    doers = _doers({c for a in ASSIGNMENTS for c in a.places}, staff)
    tasks = []
    for a in ASSIGNMENTS:
        item, by = items.get(a.item), users.get(a.by)
        if item is None or by is None:
            continue
        assigned = _local(today + dt.timedelta(days=a.assigned), 9, rng.randrange(60))
        batch = uuid.UUID(int=rng.getrandbits(128), version=4)
        for place, fate in zip(a.places, a.fates, strict=True):
            if place not in areas:
                continue
            task = Task(
                item=item,
                area_code=place,
                title=a.title,
                description=a.description,
                due_on=today + dt.timedelta(days=a.due) if a.due is not None else None,
                assigned_by=by,
                assigned_at=assigned,
                batch=batch,
            )
            doer = doers.get(place)
            if fate == "done" and doer is not None:
                span = max(((task.due_on or today) - assigned.date()).days - 1, 1)
                day = assigned.date() + dt.timedelta(days=rng.randint(1, span))
                day = min(day, today - dt.timedelta(days=1))
                task.status = Task.Status.DONE
                task.result = RESULTS[a.item].format(n=rng.randint(8, 40))
                task.done_by = doer
                task.done_at = min(_local(day, rng.randint(10, 17), rng.randrange(60)), now)
            elif fate == "cancelled":
                task.status = Task.Status.CANCELLED
                task.result = CANCEL_REASON
                task.done_by = by
                task.done_at = assigned + dt.timedelta(days=rng.randint(3, 10))
            tasks.append(task)
    return tasks


def _logs(rng: random.Random, today: dt.date, staff: dict[str, User]) -> list[Log]:
    """Two weeks of daily log: the demo grid worker on most working days, three others now
    and then (an urban grid next door, a street away and a village)."""
    from linli.appeals.models import Appeal

    writers = [(code, staff[code], 0.9) for code in (HOME_GRID,) if code in staff]
    for code in ("220403001001002", "220403002001001", "220403100001001"):
        if code in staff:
            writers.append((code, staff[code], 0.5))
    raised = {}
    if writers:
        since = _local(today - dt.timedelta(days=LOG_DAYS), 0)
        for appeal in Appeal.objects.filter(
            entered_by__in=[user for _c, user, _p in writers], submitted_at__gte=since
        ).order_by("submitted_at"):
            day = timezone.localdate(appeal.submitted_at)
            raised.setdefault((appeal.entered_by_id, day), appeal)
    rural = set(
        Area.objects.filter(
            code__in={code[:12] for code, _u, _p in writers}, urban_rural__startswith="2"
        ).values_list("code", flat=True)
    )
    logs = []
    for code, user, odds in writers:
        texts = RURAL_LOG if code[:12] in rural else URBAN_LOG
        for back in range(LOG_DAYS, 0, -1):
            day = today - dt.timedelta(days=back)
            appeal = raised.get((user.pk, day))
            working = day.weekday() < 5 or rng.random() < 0.2
            if appeal is None and (not working or rng.random() > odds):
                continue
            for _entry in range(1 + (rng.random() < 0.15)):
                picked = {
                    name: rng.choice(texts[name]) if rng.random() < share else ""
                    for name, share in (("saw", 0.8), ("heard", 0.6), ("resolved", 0.6))
                }
                if not any(picked.values()):
                    picked["saw"] = rng.choice(texts["saw"])
                written = _local(day, rng.randint(16, 20), rng.randrange(60))
                logs.append(
                    Log(
                        area_code=code,
                        author=user,
                        day=day,
                        appeal=appeal,
                        client_key=uuid.UUID(int=rng.getrandbits(128), version=4),
                        created_at=written,
                        updated_at=written,
                        **picked,
                    )
                )
                appeal = None
    return logs


def _patrol(today: dt.date, staff: dict[str, User]) -> int:
    """Today the demo grid worker found a loose wall on their round, raised an appeal for it
    and wrote it in the log — both through the actions. Returns the entries written."""
    from linli.appeals.actions import appeal_submit
    from linli.appeals.models import Category, Channel
    from linli.registry.models import Building

    from .actions import log_write

    user = staff.get(HOME_GRID)
    if user is None:
        return 0
    category = Category.objects.filter(
        area_code=COUNTY_CODE, key="property.leak", active=True
    ).first()
    building = Building.objects.filter(grid_id=HOME_GRID).order_by("pk").first()
    appeal = None
    if category is not None:
        appeal = appeal_submit(
            actor=user,
            channel=Channel.PATROL,
            category_id=category.pk,
            area_code=HOME_GRID,
            title="外墙保温层松动，刮风往下掉碎片",
            description=(
                "巡查发现楼北侧外墙保温层有一大块松动，刮风时往下掉碎片，楼下是居民进出通道，"
                "存在安全隐患，已拉警戒线提醒绕行，请尽快安排维修。"
            ),
            address=building.address if building is not None else "",
        )
    log_write(
        actor=user,
        area_code=HOME_GRID,
        day=today,
        saw="楼北侧外墙保温层松动，刮风往下掉碎片，楼下是居民进出通道。",
        heard="一楼住户说前几天大风时就掉过一块。",
        resolved="拉了警戒线提醒居民绕行，已上报诉求。",
        client_key=uuid.UUID(int=random.Random(SEED + 1).getrandbits(128), version=4),
        appeal_id=appeal.pk if appeal is not None else None,
    )
    return 1


def load_gridwork_demo(*, now: dt.datetime | None = None) -> str:
    """Load the grid-work demo (a DEMO_LOADERS entry, after the care loader). Returns a summary
    for the console; when the demo tasks are there already, changes nothing."""
    if not Area.objects.filter(code=COUNTY_CODE).exists():
        return ""
    now = now or timezone.now()
    today = timezone.localdate(now)
    tasks = Task.objects.filter(area_code__startswith=COUNTY)
    if tasks.exists():
        return (
            f"Grid work demo: kept the {tasks.count()} grid tasks and "
            f"{Log.objects.filter(area_code__startswith=COUNTY).count()} daily log entries "
            "already loaded"
        )
    rng = random.Random(SEED)
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        actions.workitem_defaults(actor=scoping.SYSTEM, county_code=COUNTY_CODE)
        staff = staff_grids(today)
        rows = _tasks(rng, now, staff)
        Task.objects.bulk_create(rows, batch_size=BATCH)
        given = 0
        by, code, title, description, places, due = TODAY
        user = _users([by]).get(by)
        item = WorkItem.objects.filter(area_code=COUNTY_CODE, code=code, active=True).first()
        present = list(Area.objects.filter(code__in=places).values_list("code", flat=True))
        if user is not None and item is not None and present:
            given = len(
                actions.task_assign(
                    actor=user,
                    item_id=item.pk,
                    area_codes=sorted(present),
                    title=title,
                    description=description,
                    due_on=today + dt.timedelta(days=due),
                )
            )
        logs = _logs(rng, today, staff)
        Log.objects.bulk_create(logs, batch_size=BATCH)
        patrol = _patrol(today, staff)
        counts = {
            "tasks": len(rows) + given,
            "done": sum(t.status == Task.Status.DONE for t in rows),
            "overdue": sum(
                t.status == Task.Status.OPEN and t.due_on is not None and t.due_on < today
                for t in rows
            ),
            "logs": len(logs) + patrol,
        }
        audit.record(
            scoping.SYSTEM,
            "gridwork.demo_load",
            area_code=COUNTY_CODE,
            target_type="gridwork.task",
            extra=counts,
        )
    return (
        f"Grid work demo: the county's work-item list, {counts['tasks']} grid tasks "
        f"({counts['done']} done, {counts['overdue']} overdue), {counts['logs']} daily log "
        "entries of the last two weeks"
    )


__all__ = ["load_gridwork_demo"]
