"""Notices, disaster information officers and a past emergency alert for the demo county.

Notices of the last two months from the county, the street and a community: to all residents,
to residents and staff, to special-difficulty elderly people only (特殊困难老年人), to grid and
community workers, to community heads; one has expired and one, published through the action,
waits for next week. Residents with accounts have read some of them (the demo resident ``resident``
has two still unread), and so have staff.

Most communities have a disaster information officer (灾害信息员); 东兴社区 and 新安社区 never had
one, and 东风村's stepped down two months ago. Overnight, the county issued an orange rainstorm
alert (暴雨橙色预警) to every resident: the fan-out ran through ``alert_fanout``, most residents
with an account answered "I am aware" (two asked for help), and the grid workers checked on every
vulnerable resident who had not answered — safe, except one who could not be reached and one
found needing help, whose check (through ``alert_check``) raised an urgent appeal. The alert has
ended.

Deterministic for a given day (seeded). Loading again changes nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation

from linli.care.demo import COUNTY_CODE, HOME_GRID, staff_grids
from linli.core import areacodes, audit, scoping
from linli.core.areacodes import Level
from linli.core.demo import COUNTY
from linli.core.models import Area, Notification, RoleAssignment, User
from linli.core.roles import STAFF_ROLES, Role
from linli.registry.models import Resident, ResidentTag

from . import actions
from .models import Alert, AlertRecipient, InfoOfficer, Notice, NoticeRead

SEED = 80523
BATCH = 1000
NO_OFFICER = ("220403002002", "220403006002")  # 东兴社区, 新安社区
OFFICER_LEFT = "220403100002"  # 东风村: the officer stepped down two months ago
OFFICER_NAMES = (
    "孙立波 王春艳 刘振宇 赵淑梅 李国峰 张晓丽 高德明 徐红梅 马志强 郭丽娟 姜洪亮 韩雪莲 宋振东 "
    "曲丽华 于海龙 关秀芝"
)


@dataclass(frozen=True)
class _Notice:
    by: str
    area: str
    title: str
    body: str
    audience: str = Notice.Audience.RESIDENTS
    tags: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    published: int = 0  # days before today
    expires: int | None = None  # days after today (negative: expired)
    pinned: bool = False
    read_share: float = 0.5


NOTICES = [
    _Notice(
        "county", COUNTY_CODE, "关于2027年度城乡居民医保集中缴费的通知",
        "2027年度城乡居民基本医疗保险集中缴费期为即日起至12月31日，个人缴费标准为每人每年400元。可通过“吉林智慧人社”、银行App或到社区服务站缴费。低保、特困人员和重度残疾人由政府资助参保，无需个人缴费。行动不便的老年人可联系网格员上门协助。",
        published=35, expires=38, pinned=True, read_share=0.6,
    ),
    _Notice(
        "county", COUNTY_CODE, "冬季供暖期安全提示",
        "供暖期间请注意：不要在暖气管道上晾晒衣物；发现暖气漏水请关闭阀门并联系物业或供热公司；使用土暖气、火炉取暖的居民请保持烟道畅通、室内通风，谨防一氧化碳中毒；电动车请勿推入楼道或入户充电。供热服务热线：0437-3122345。",
        audience=Notice.Audience.EVERYONE, published=20, read_share=0.55,
    ),
    _Notice(
        "town", "220403001000", "仙城街道冬季清雪志愿服务招募",
        "入冬后降雪天气增多，街道招募清雪志愿者，主要负责小区主干道、单元门口和老年人出行路线的积雪清理。有意参加的居民可在社区服务站或网格员处报名，参加服务可计入志愿服务时长。",
        published=10, read_share=0.45,
    ),
    _Notice(
        "county", COUNTY_CODE, "高龄津贴和养老服务补贴年度资格认证提醒",
        "享受高龄津贴、养老服务补贴的老年人请于12月20日前完成年度资格认证：可在手机上刷脸认证，也可由网格员上门协助认证。逾期未认证的将暂停发放，认证后恢复并补发。",
        tags=("special_elderly",), published=14, expires=27, read_share=0.5,
    ),
    _Notice(
        "county", COUNTY_CODE, "关于做好特殊困难老年人冬季探访工作的通知",
        "各社区、网格：入冬以来气温骤降，请对探访名单内的独居、空巢、失能和高龄老年人加密探访，重点查看取暖、燃气和用电安全，高风险老人每周至少探访一次，发现问题及时登记需求并转为诉求办理。本月探访率将在月底通报。",
        audience=Notice.Audience.STAFF, roles=(Role.GRID_WORKER, Role.COMMUNITY_WORKER),
        published=18, pinned=True, read_share=0.8,
    ),
    _Notice(
        "town", "220403001000", "仙城街道十一月社区书记例会通知",
        "定于本周四上午9:00在街道三楼会议室召开社区书记例会，议题：冬季安全、医保缴费进度、探访率通报。请各社区书记准时参加，不能参会的提前向街道党工委请假。",
        audience=Notice.Audience.STAFF, roles=(Role.COMMUNITY_HEAD,), published=6,
        read_share=1.0,
    ),
    _Notice(
        "head", "220403001001", "仙城社区老年人智能手机培训班开课啦",
        "社区将于每周二、四下午2点在社区活动室开设老年人智能手机培训班，内容包括视频通话、手机挂号、医保缴费和防范诈骗。请带上自己的手机，现场有志愿者一对一指导，报名请联系社区服务站。",
        published=5, read_share=0.5,
    ),
    _Notice(
        "county", COUNTY_CODE, "国庆、中秋假期政务服务安排",
        "国庆、中秋假期期间，区政务服务中心和各社区服务站暂停对外办公，10月9日起恢复正常。假期如有紧急事项，可拨打12345政务服务便民热线或通过本平台提交诉求。",
        audience=Notice.Audience.EVERYONE, published=56, expires=-45, read_share=0.5,
    ),
]  # fmt: skip
# Published through the action for next week: (by, area, title, body).
NEXT_WEEK = (
    "head", "220403001001", "12月起社区服务站冬季作息时间调整",
    "自12月1日起，仙城社区服务站冬季作息时间调整为：上午8:30—11:30，下午13:00—16:30，周六上午值班。急事可随时联系本网格的网格员。",
)  # fmt: skip
UNREAD_BY_RESIDENT = 2  # the newest notices the demo resident has not opened yet

ALERT = {
    "kind": Alert.Kind.RAINSTORM,
    "severity": Alert.Severity.ORANGE,
    "title": "西安区发布暴雨橙色预警",
    "instructions": (
        "预计未来6小时内我区将出现50毫米以上强降雨，局地伴有雷电和短时大风。请尽量减少外出，"
        "远离河道、低洼地带、地下车库和地下室；低洼地区和危旧房屋的居民听从社区安排及时转移；"
        "照顾好家中老人和孩子。需要帮助请点击“我需要帮助”或联系本网格网格员。"
    ),
    "shelters": [
        {"name": "仙城街道应急避难场所（仙城小学体育馆）", "address": "仙城路58号"},
        {"name": "东山街道综合服务中心", "address": "东山大路102号"},
        {"name": "灯塔镇中心学校", "address": "灯塔镇政府路12号"},
    ],
    "check_after": 30,
}
HOURS_AGO = 14  # the alert was issued this long before the load
IN_FORCE = dt.timedelta(hours=12, minutes=30)
HELP_NOTE = "家中地下室进水，老人行动不便，需要帮助转移到女儿家。"
UNREACHED_NOTE = "电话无人接听，上门敲门无人应答，已联系其女儿，还没有回音。"
SAFE_NOTES = ["已电话联系，老人在家，一切安全。", "已上门查看，门窗关好，家里没有进水。", "家人陪同，安全。", ""]  # fmt: skip
HELP_ASKED_NOTE = "已上门查看，院子积水已帮忙排掉，人员安全。"


def _local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _executemany(sql: str, rows: list[tuple]) -> None:
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[start : start + BATCH])


def _users(names) -> dict[str, User]:
    return {u.username: u for u in User.objects.filter(username__in=names, is_active=True)}


# --- notices ----------------------------------------------------------------------------------


def _readers() -> tuple[list[tuple[int, str, set[str]]], list[tuple[int, str, str]]]:
    """Residents with accounts: (user, home area, groups held, with their parents); staff
    assignments in the county: (user, role, area)."""
    residents = list(
        Resident.objects.filter(
            area_code__startswith=COUNTY,
            status=Resident.Status.ACTIVE,
            account__isnull=False,
            account__is_active=True,
        )
        .order_by("pk")
        .values_list("pk", "account_id", "area_code")
    )
    held: dict[int, set[str]] = defaultdict(set)
    for resident_id, tag, parent in ResidentTag.objects.filter(
        resident_id__in=[r[0] for r in residents], ended_on__isnull=True
    ).values_list("resident_id", "tag_id", "tag__parent_id"):
        held[resident_id] |= {tag, parent} - {None}
    staff = list(
        RoleAssignment.objects.filter(
            area_code__startswith=COUNTY, role__in=STAFF_ROLES, user__is_active=True
        )
        .order_by("user_id", "area_code")
        .values_list("user_id", "role", "area_code")
    )
    return [(user, code, held[pk]) for pk, user, code in residents], staff


def _within(code: str, root: str) -> bool:
    """Does ``code`` lie in the area ``root`` (a canonical code)?"""
    return code.startswith(areacodes.prefix_of(root))


def _notices(rng: random.Random, now: dt.datetime) -> tuple[list[Notice], list[NoticeRead]]:
    today = timezone.localdate(now)
    users = _users({n.by for n in NOTICES})
    residents, staff = _readers()
    me = User.objects.filter(username="resident").values_list("pk", flat=True).first()
    notices, reads = [], []
    for_residents = [n for n in NOTICES if n.by in users and n.audience != Notice.Audience.STAFF]
    newest = sorted(for_residents, key=lambda n: n.published)[:UNREAD_BY_RESIDENT]
    for spec in NOTICES:
        by = users.get(spec.by)
        if by is None:
            continue
        day = today - dt.timedelta(days=spec.published)
        publish_at = _local(day, rng.choice((8, 9, 10, 14, 15)), rng.randrange(60))
        expires_at = (
            _local(today + dt.timedelta(days=spec.expires), 0) if spec.expires is not None else None
        )
        notice = Notice(
            area_code=spec.area,
            title=spec.title,
            body=spec.body,
            audience=spec.audience,
            tags=list(spec.tags),
            roles=list(spec.roles),
            publish_at=publish_at,
            expires_at=expires_at,
            pinned=spec.pinned,
            created_by=by,
            created_at=publish_at,
            updated_at=publish_at,
        )
        notices.append(notice)
        until = min(now, expires_at) if expires_at else now
        readers: dict[int, str] = {}  # who read it, and where they are counted
        if spec.audience in (Notice.Audience.RESIDENTS, Notice.Audience.EVERYONE):
            for user_id, home, tags in residents:
                if not _within(home, spec.area) or (spec.tags and not set(spec.tags) & tags):
                    continue
                if user_id == me and spec in newest:
                    continue
                if user_id == me or rng.random() < spec.read_share:
                    readers.setdefault(user_id, home[:12])
        if spec.audience in (Notice.Audience.STAFF, Notice.Audience.EVERYONE):
            for user_id, role, code in staff:
                if not _within(code, spec.area) or (spec.roles and role not in spec.roles):
                    continue
                if rng.random() < spec.read_share:
                    readers.setdefault(user_id, code[:12])
        span = max((until - publish_at).total_seconds(), 60)
        for user_id, area_code in readers.items():
            # Most read a notice in its first days.
            at = publish_at + dt.timedelta(seconds=span * rng.random() ** 2.5)
            reads.append(
                NoticeRead(notice=notice, user_id=user_id, area_code=area_code, read_at=at)
            )
    return notices, reads


# --- information officers -----------------------------------------------------------------------


def _officers(rng: random.Random, today: dt.date) -> list[InfoOfficer]:
    """An officer for each community but two; in 东风村 the officer stepped down. About half
    are community workers with an account; the others are residents named by the community."""
    communities = list(
        Area.objects.filter(code__startswith=COUNTY, level=Level.COMMUNITY, is_demo=True).order_by(
            "code"
        )
    )
    workers: dict[str, User] = {}
    for assignment in (
        RoleAssignment.objects.filter(
            area_id__in=[c.code for c in communities],
            role=Role.COMMUNITY_WORKER,
            user__is_active=True,
        )
        .select_related("user")
        .order_by("user__username")
    ):
        workers.setdefault(assignment.area_id, assignment.user)
    names = OFFICER_NAMES.split()
    rows = []
    for index, community in enumerate(communities):
        if community.code in NO_OFFICER:
            continue
        worker = workers.get(community.code)
        use_worker = worker is not None and (community.code == HOME_GRID[:12] or index % 2 == 0)
        started = today - dt.timedelta(days=rng.randrange(300, 1400))
        trained = started + dt.timedelta(days=rng.randrange(20, 200))
        officer = InfoOfficer(
            community=community,
            area_code=community.code,
            user=worker if use_worker else None,
            name=(worker.full_name if use_worker else names[index % len(names)]),
            phone=(worker.phone if use_worker and worker.phone else
                   f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"),
            trained_on=trained if trained < today and rng.random() < 0.85 else None,
            started_on=started,
        )  # fmt: skip
        if community.code == OFFICER_LEFT:
            officer.ended_on = today - dt.timedelta(days=rng.randrange(50, 70))
            officer.started_on = min(officer.started_on, officer.ended_on - dt.timedelta(days=400))
        rows.append(officer)
    return rows


# --- the alert ----------------------------------------------------------------------------------


def _checkers(staff: dict[str, User]):
    """Who checks the residents of a grid or community code: the grid's worker on duty, else
    a worker of the community (homes outside any grid, grids without a worker)."""
    community: dict[str, int] = {}
    for code, user_id in (
        RoleAssignment.objects.filter(
            area_code__startswith=COUNTY,
            role__in=(Role.COMMUNITY_WORKER, Role.COMMUNITY_HEAD),
            user__is_active=True,
        )
        .order_by("role", "user__username")
        .values_list("area_code", "user_id")
    ):
        if len(code) == 12:
            community.setdefault(code, user_id)

    def checker(area_code: str) -> int | None:
        worker = staff.get(area_code)
        return worker.pk if worker is not None else community.get(area_code[:12])

    return checker


def _alert(rng: random.Random, now: dt.datetime, staff: dict[str, User]) -> dict[str, int]:
    issuer = _users(["county"]).get("county")
    issued = (now - dt.timedelta(hours=HOURS_AGO)).replace(second=0, microsecond=0)
    alert = Alert.objects.create(
        area_code=COUNTY_CODE,
        status=Alert.Status.SENDING,
        issued_by=issuer,
        issued_at=issued,
        ends_at=issued + IN_FORCE + dt.timedelta(hours=2),
        **ALERT,
    )
    fanout = actions.alert_fanout(alert_id=alert.pk)
    adapt = connection.ops.adapt_datetimefield_value
    ended = issued + IN_FORCE
    Alert.objects.filter(pk=alert.pk).update(
        fanout_started_at=issued + dt.timedelta(seconds=2),
        fanout_finished_at=issued + dt.timedelta(seconds=2 + max(fanout.get("seconds", 1), 1)),
    )
    recipients = list(
        AlertRecipient.objects.filter(alert=alert)
        .order_by("pk")
        .values_list("pk", "user_id", "area_code", "vulnerable")
    )
    # Answers: most residents with an account are aware within the hour; two ask for help.
    with_account = [r for r in recipients if r[1] is not None]
    helpers = set(rng.sample([r[0] for r in with_account], min(2, len(with_account))))
    answers, answered_users = [], {}
    for pk, user_id, _code, _vulnerable in with_account:
        if pk not in helpers and rng.random() > 0.86:
            continue
        at = issued + dt.timedelta(minutes=1 + rng.lognormvariate(2.3, 0.9))
        at = min(at, ended - dt.timedelta(minutes=5))
        ack = AlertRecipient.Ack.HELP if pk in helpers else AlertRecipient.Ack.KNOWN
        answers.append((ack, adapt(at), pk))
        answered_users[user_id] = at
    _executemany("UPDATE notices_alertrecipient SET ack = %s, ack_at = %s WHERE id = %s", answers)
    # The alert reached them when it was issued; who answered had read it.
    sent = Notification.objects.filter(
        kind="alert.issued", target_type=Alert._meta.label_lower, target_id=str(alert.pk)
    )
    sent.update(at=issued + dt.timedelta(seconds=5))
    _executemany(
        "UPDATE core_notification SET read_at = %s WHERE kind = %s AND "
        "target_type = %s AND target_id = %s AND user_id = %s",
        [
            (adapt(at), "alert.issued", Alert._meta.label_lower, str(alert.pk), user_id)
            for user_id, at in answered_users.items()
        ],
    )
    # Checks: every vulnerable resident who did not answer, and who asked for help.
    checker_of = _checkers(staff)
    answered = {pk for _ack, _at, pk in answers}
    due = [
        r for r in recipients if (r[3] and r[0] not in answered) or r[0] in helpers
    ]  # fmt: skip
    # One found needing help: in the demo grid if someone there is due a check, else in
    # another grid with a worker on duty.
    staffed = [r for r in due if r[2] in staff and r[0] not in helpers]
    home = [r for r in staffed if r[2] == HOME_GRID] or staffed
    helped = rng.choice(home) if home else None
    help_pk = helped[0] if helped else None
    away = [
        r
        for r in due
        if r[2][:12] != HOME_GRID[:12] and r[0] not in helpers and r[0] != help_pk
        and checker_of(r[2]) is not None
    ]  # fmt: skip
    unreached_pk = rng.choice(away)[0] if away else None
    checks = []
    start = issued + dt.timedelta(minutes=ALERT["check_after"])
    for pk, _user, code, _vulnerable in due:
        if pk == help_pk:
            continue
        checker = checker_of(code)
        if checker is None:
            continue
        at = start + dt.timedelta(minutes=rng.uniform(5, 7 * 60))
        if pk == unreached_pk:
            result, note = AlertRecipient.CheckResult.UNREACHED, UNREACHED_NOTE
        elif pk in helpers:
            result, note = AlertRecipient.CheckResult.SAFE, HELP_ASKED_NOTE
        else:
            result, note = AlertRecipient.CheckResult.SAFE, rng.choice(SAFE_NOTES)
        checks.append((result, checker, adapt(at), note, pk))
    _executemany(
        "UPDATE notices_alertrecipient SET checked = %s, checked_by_id = %s, "
        "checked_at = %s, check_note = %s WHERE id = %s",
        checks,
    )
    Alert.objects.filter(pk=alert.pk).update(status=Alert.Status.ENDED, ended_at=ended)
    if helped is not None:
        # The last check, after the rain: through the action, which raises the urgent appeal.
        actions.alert_check(
            actor=staff[helped[2]],
            recipient_id=help_pk,
            result=AlertRecipient.CheckResult.HELP,
            note=HELP_NOTE,
        )
    return {
        "recipients": len(recipients),
        "vulnerable": sum(1 for r in recipients if r[3]),
        "answered": len(answers),
        "checked": len(checks) + (helped is not None),
    }


def release_demo_alert() -> int:
    """Remove the demo alert and its notifications (when the demo registry is replaced: its
    recipients are the registry's people). Returns how many alerts were removed."""
    alerts = Alert.objects.filter(area_code=COUNTY_CODE, title=ALERT["title"])
    ids = [str(pk) for pk in alerts.values_list("pk", flat=True)]
    Notification.objects.filter(target_type=Alert._meta.label_lower, target_id__in=ids).delete()
    alerts.delete()
    return len(ids)


def load_notices_demo(*, now: dt.datetime | None = None) -> str:
    """Load the notices demo (a DEMO_LOADERS entry, after the care loader). Returns a summary
    for the console. Each part — the notices, the information officers, the alert — is loaded
    when the county has none yet, so loading again changes nothing."""
    if not Area.objects.filter(code=COUNTY_CODE).exists():
        return ""
    now = now or timezone.now()
    today = timezone.localdate(now)
    rng = random.Random(SEED)
    parts = []
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        counts: dict[str, int] = {}
        if not Notice.objects.filter(area_code__startswith=COUNTY).exists():
            counts.update(_load_notices(rng, now))
            parts.append(f"{counts['notices']} notices ({counts['reads']} read receipts)")
        if not InfoOfficer.objects.filter(area_code__startswith=COUNTY).exists():
            officers = _officers(random.Random(SEED + 1), today)
            InfoOfficer.objects.bulk_create(officers)
            counts["officers"] = sum(o.ended_on is None for o in officers)
            missing = (
                Area.objects.filter(
                    code__startswith=COUNTY, level=Level.COMMUNITY, is_demo=True
                ).count()
                - counts["officers"]
            )
            parts.append(
                f"{counts['officers']} disaster information officers ({missing} communities "
                "without one)"
            )
        if (
            not Alert.objects.filter(area_code__startswith=COUNTY).exists()
            and Resident.objects.filter(area_code__startswith=COUNTY).exists()
        ):
            alert = _alert(random.Random(SEED + 2), now, staff_grids(today))
            counts.update(alert)
            parts.append(
                f"a past rainstorm alert to {alert['recipients']} residents "
                f"({alert['answered']} answered, {alert['checked']} checked)"
            )
        if counts:
            audit.record(
                scoping.SYSTEM,
                "notices.demo_load",
                area_code=COUNTY_CODE,
                target_type="notices.notice",
                extra=counts,
            )
    if not parts:
        return "Notices demo: kept the notices, information officers and alert already loaded"
    return "Notices demo: " + ", ".join(parts)


def _load_notices(rng: random.Random, now: dt.datetime) -> dict[str, int]:
    """The notices with their read receipts, and next week's through the action."""
    today = timezone.localdate(now)
    rows, reads = _notices(rng, now)
    Notice.objects.bulk_create(rows)
    NoticeRead.objects.bulk_create(reads, batch_size=BATCH)
    scheduled = 0
    by, area, title, body = NEXT_WEEK
    author = _users([by]).get(by)
    if author is not None and Area.objects.filter(code=area).exists():
        actions.notice_publish(
            actor=author,
            area_code=area,
            title=title,
            body=body,
            publish_at=_local(today + dt.timedelta(days=7), 8),
        )
        scheduled = 1
    return {"notices": len(rows) + scheduled, "reads": len(reads)}


__all__ = ["load_notices_demo", "release_demo_alert"]
