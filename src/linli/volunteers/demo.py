"""Volunteers for the demo county: organisations, teams, a project library, a year of activities
with sign-ups, attendance and recorded hours, years of earlier service for the veterans, the time
bank and certificates.

Every community has its volunteer station (志愿服务站); 仙城街道 and 灯塔镇 have a volunteer
association and the county a social organisation (西安区阳光志愿者协会). About 4 % of the adult
residents (18–75) of each community are volunteers, a third of them party members; each
community has a party-led team (党员先锋队) and one or two service teams. The county's project
library holds the plans' three groups (older people living alone, left-behind children, people
with disabilities); communities run copies. Each community held about two activities a month
over the past year, most with one shift of two or three hours: 80–90 % of those signed up came
and their organiser recorded their hours; a few records were corrected. Veterans also carry
monthly records of earlier years, so star levels spread from none to five stars. Points were
earned by every record and some were spent on the communities' time-bank services; about one
volunteer in twenty holds a certificate, one revoked. Activities of the next two weeks are open
for sign-up: 仙城社区's visit to older people living alone tomorrow morning among them.

The demo resident 王秀兰 (``resident``) is a volunteer of 仙城社区 with about 320 hours (two
stars), leader of its elderly-care team, and signed up for tomorrow's visit. Deterministic for a
given day (seeded); loading again changes nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from linli.core import audit, pii, scoping
from linli.core.areacodes import Level
from linli.core.demo import COUNTY
from linli.core.models import Area, RoleAssignment, User
from linli.core.roles import Role
from linli.registry.models import Resident

from .actions._common import refresh_totals
from .models import (
    Activity,
    Certificate,
    Membership,
    Offer,
    Organisation,
    PointsEntry,
    Project,
    ServiceRecord,
    Shift,
    Signup,
    Team,
    Volunteer,
    new_certificate_number,
)

SEED = 80801
BATCH = 1000
COUNTY_CODE = COUNTY + "000000"
SHARE = 0.04  # volunteers among adult residents
POINTS_PER_HOUR = 10
CONSENT_VERSION = "2026-1"
HOME = "220403001001"  # 仙城社区

# The county's project library: (name, target group, skills, summary).
LIBRARY = [
    ("空巢老人关爱行动", "elderly_alone", ["elderly_care"],
     "志愿者结对独居、空巢老人，每周上门或电话问候，陪伴聊天、代购代办、清洁整理，发现困难及时报告社区。"),
    ("留守儿童“四点半课堂”", "left_behind_children", ["children"],
     "放学后在社区儿童之家开展作业辅导、阅读和安全教育，假期组织兴趣活动，帮助留守儿童健康成长。"),
    ("助残服务“手拉手”", "disabled", ["disability", "transport"],
     "为残疾人提供陪同就医、出行协助、康复训练陪伴和家庭无障碍小改造。"),
    ("邻里守望平安行", "all", ["safety"],
     "组织居民志愿者开展楼院巡逻、防火防盗宣传和冬季燃气安全入户提醒。"),
    ("银龄数字课堂", "elderly", ["digital"],
     "手把手教老年人使用智能手机：健康码、线上缴费、视频通话和防范电信诈骗。"),
]  # fmt: skip
# Activity kinds a community runs: (project index, title, hours, place, spots, target group).
RUNS = [
    (0, "关爱空巢老人·上门陪伴", 2, "社区党群服务中心集合", 8, "elderly_alone"),
    (0, "独居老人家庭清洁日", 3, "社区党群服务中心集合", 10, "elderly_alone"),
    (1, "四点半课堂·作业辅导", 2, "社区儿童之家", 6, "left_behind_children"),
    (2, "陪同残疾人就医出行", 3, "社区党群服务中心集合", 4, "disabled"),
    (3, "楼院平安巡逻", 2, "社区警务室门前", 12, "all"),
    (4, "银龄数字课堂：学用智能手机", 2, "社区党群服务中心多功能厅", 6, "elderly"),
]  # fmt: skip
OFFERS = [
    ("爱心理发", "社区理发师为志愿者提供一次理发。", 50, None),
    ("家电小维修", "志愿维修队上门检修一次小家电。", 80, None),
    ("爱心超市兑换（粮油一份）", "在社区爱心超市兑换大米或食用油一份。", 120, 30),
]  # fmt: skip
BENEFICIARIES = {
    "elderly_alone": "独居、空巢老人",
    "left_behind_children": "留守儿童",
    "disabled": "残疾人及其家庭",
    "all": "社区居民",
    "elderly": "社区老年人",
}
SKILLS = ["elderly_care", "children", "safety", "cleaning", "digital", "repair", "medical",
          "culture", "transport", "legal", "psychology", "disability"]  # fmt: skip


def _adults(communities: list[Area], today: dt.date) -> dict[str, list[Resident]]:
    youngest = today.replace(year=today.year - 18)
    oldest = today.replace(year=today.year - 75)
    found: dict[str, list[Resident]] = defaultdict(list)
    wanted = {c.code for c in communities}
    rows = Resident.objects.filter(
        area_code__startswith=COUNTY,
        status=Resident.Status.ACTIVE,
        birth_date__lte=youngest,
        birth_date__gte=oldest,
    ).order_by("id")
    for resident in rows.iterator(chunk_size=2000):
        if resident.area_code[:12] in wanted:  # residents sit in grids of their community
            found[resident.area_code[:12]].append(resident)
    return found


def _staff(communities: list[Area]) -> dict[str, User]:
    """The worker who records for each community (a head or worker there, else the county)."""
    county = User.objects.filter(username="county").first()
    picked: dict[str, User] = {}
    rows = (
        RoleAssignment.objects.filter(
            area_id__in=[c.code for c in communities],
            role__in=[Role.COMMUNITY_WORKER, Role.COMMUNITY_HEAD],
        )
        .select_related("user")
        .order_by("area_id", "role", "user__username")
    )
    for row in rows:
        picked.setdefault(row.area_id, row.user)
    return {c.code: picked.get(c.code, county) for c in communities}


class _Builder:
    def __init__(self, rng: random.Random, now: dt.datetime, staff: dict[str, User]):
        self.rng, self.now, self.staff = rng, now, staff
        self.today = timezone.localdate(now)
        self.serial = 0
        self.records: list[ServiceRecord] = []

    def volunteer(self, area: Area, resident: Resident, org: Organisation, **extra) -> Volunteer:
        self.serial += 1
        rng = self.rng
        joined = self.now - dt.timedelta(days=rng.randint(60, 2400))
        fields = {
            "skills": rng.sample(SKILLS, rng.randint(1, 3)),
            "party_member": rng.random() < 0.33,
            **extra,
        }
        return Volunteer(
            area=area,
            area_code=area.code,
            number=f"{COUNTY}{self.serial:06d}",
            resident=resident,
            organisation=org,
            name=resident.name,
            id_number=resident.id_number,
            phone=resident.phone or None,
            phone_verified_at=joined,
            languages=[resident.language or "zh"],
            availability=rng.sample(
                [f"{d}_{p}" for d in ("sat", "sun", "mon", "wed", "fri") for p in ("am", "pm")],
                rng.randint(2, 5),
            ),
            service_areas=[area.code],
            source=Volunteer.Source.SELF if rng.random() < 0.6 else Volunteer.Source.STAFF,
            consent_at=joined,
            consent_version=CONSENT_VERSION,
            is_demo=True,
            created_at=joined,
            updated_at=joined,
            **fields,
        )

    def history(self, volunteer: Volunteer, org: Organisation, months: int, hours: tuple) -> None:
        """Monthly records of earlier years (before the activities of the past year)."""
        recorder = self.staff[volunteer.area_code]
        start = self.today.replace(day=10) - dt.timedelta(days=365)
        for month in range(months):
            day = start - dt.timedelta(days=30 * (month + 1))
            self.records.append(
                ServiceRecord(
                    volunteer=volunteer,
                    area_code=volunteer.area_code,
                    organisation=org,
                    activity_name="日常助老巡访",
                    served_on=day,
                    place="本社区独居老人家中",
                    beneficiaries="独居、空巢老人",
                    content="上门问候、陪伴聊天、代购生活用品，登记老人需求并报告社区。",
                    hours=Decimal(self.rng.choice(hours)),
                    quality=self.rng.choice(["excellent", "good", "good"]),
                    leader_name=recorder.full_name or recorder.username,
                    recorder=recorder,
                    recorder_name=recorder.full_name or recorder.username,
                    recorded_at=timezone.make_aware(dt.datetime.combine(day, dt.time(18))),
                )
            )


def load_volunteers_demo(*, now: dt.datetime | None = None) -> str:
    """Load the volunteers demo (a DEMO_LOADERS entry, after the facilities and workforce
    loaders). Returns a summary for the console; when the county has volunteer organisations
    already, changes nothing."""
    if not Area.objects.filter(code=COUNTY_CODE).exists():
        return ""
    existing = Organisation.objects.filter(area_code__startswith=COUNTY)
    if existing.exists():
        count = Volunteer.objects.filter(area_code__startswith=COUNTY).count()
        return f"Volunteers demo: kept the {count} volunteers already loaded"
    areas = Area.objects.filter(code__startswith=COUNTY, is_demo=True).order_by("code")
    communities = list(areas.filter(level=Level.COMMUNITY))
    if not communities:
        return ""
    now = now or timezone.now()
    rng = random.Random(SEED)
    adults = _adults(communities, timezone.localdate(now))
    if not any(adults.values()):
        return ""
    with transaction.atomic():
        counts = _load(communities, adults, rng, now)
        audit.record(
            scoping.SYSTEM, "volunteers.demo_load", area_code=COUNTY_CODE,
            target_type="volunteers.volunteer", extra=counts,
        )  # fmt: skip
    return (
        f"Volunteers demo: {counts['volunteers']} volunteers in {counts['teams']} teams, "
        f"{counts['activities']} activities, {counts['records']} service records "
        f"({counts['hours']} hours), {counts['certificates']} certificates"
    )


def _load(communities, adults, rng: random.Random, now: dt.datetime) -> dict:
    staff = _staff(communities)
    builder = _Builder(rng, now, staff)
    today = builder.today
    county = Area.objects.get(code=COUNTY_CODE)
    county_user = User.objects.filter(username="county").first() or staff[communities[0].code]
    stations = {
        c.code: Organisation(
            area=c, area_code=c.code, name=f"{c.name}志愿服务站", kind=Organisation.Kind.STATION,
            contact_name=staff[c.code].full_name, created_at=now - dt.timedelta(days=2000),
        )
        for c in communities
    }  # fmt: skip
    others = [
        Organisation(area=county, area_code=county.code, name="西安区阳光志愿者协会",
                     kind=Organisation.Kind.SOCIAL, credit_code="52220403MJY1234567"[:18],
                     contact_name="高文博", created_at=now - dt.timedelta(days=2500)),
    ]  # fmt: skip
    for town in Area.objects.filter(code__in=["220403001000", "220403100000"]):
        others.append(
            Organisation(
                area=town, area_code=town.code, name=f"{town.name}志愿者协会",
                kind=Organisation.Kind.ASSOCIATION, created_at=now - dt.timedelta(days=1500),
            )
        )  # fmt: skip
    Organisation.objects.bulk_create([*stations.values(), *others])

    # Volunteers: about 4 % of the adults, the demo resident among them.
    me = User.objects.filter(username="resident").first()
    volunteers: dict[str, list[Volunteer]] = {}
    for community in communities:
        pool = adults.get(community.code, [])
        chosen = rng.sample(pool, max(6, round(len(pool) * SHARE))) if pool else []
        if me is not None and community.code == HOME:
            mine = Resident.objects.filter(account=me).first()
            if mine is not None:
                chosen = [mine, *[r for r in chosen if r.pk != mine.pk]]
        rows = []
        for resident in chosen:
            extra = {}
            if me is not None and resident.account_id == me.pk:
                extra = {"user": me, "party_member": True, "skills": ["elderly_care", "digital"]}
            rows.append(builder.volunteer(community, resident, stations[community.code], **extra))
        volunteers[community.code] = Volunteer.objects.bulk_create(rows, batch_size=BATCH)

    # Teams: a party-led team and one or two service teams in each community.
    teams: dict[str, list[Team]] = {}
    memberships: list[Membership] = []
    for community in communities:
        people = volunteers[community.code]
        if not people:
            continue
        specs = [("党员先锋队", True, ["safety", "elderly_care"], ["all", "elderly_alone"])]
        specs.append(("助老服务队", False, ["elderly_care"], ["elderly_alone", "elderly"]))
        if rng.random() < 0.6:
            specs.append(("关爱儿童服务队", False, ["children"], ["left_behind_children"]))
        made = []
        for name, party, skills, groups in specs:
            party_people = [v for v in people if v.party_member] or people
            pool = party_people if party else people
            members = rng.sample(pool, min(len(pool), 8))
            members.sort(key=lambda v: v.user_id is not None)  # the demo resident leads one
            leader = members[0]
            if community.code == HOME and name == "助老服务队":
                mine = next((v for v in people if v.user_id), None)
                if mine is not None:
                    members = [mine, *[m for m in members if m.pk != mine.pk]]
                    leader = mine
            team = Team(
                area=community, area_code=community.code, organisation=stations[community.code],
                name=f"{community.name}{name}", leader=leader, party_led=party, skills=skills,
                target_groups=groups, created_at=now - dt.timedelta(days=rng.randint(400, 1500)),
                description=f"{community.name}居民志愿者组成，{'党员带头，' if party else ''}"
                f"常年开展{'、'.join(sorted(skills))}服务。",
            )  # fmt: skip
            made.append((team, members))
        Team.objects.bulk_create([team for team, _m in made])
        teams[community.code] = [team for team, _m in made]
        for team, members in made:
            for index, volunteer in enumerate(members):
                memberships.append(
                    Membership(
                        team=team, volunteer=volunteer, area_code=team.area_code,
                        role=Membership.Role.LEADER if index == 0 else Membership.Role.MEMBER,
                        joined_on=today - dt.timedelta(days=rng.randint(30, 900)),
                    )
                )  # fmt: skip
    Membership.objects.bulk_create(memberships, batch_size=BATCH)

    # The project library and each community's copies.
    library = Project.objects.bulk_create(
        [
            Project(area=county, area_code=county.code, name=name, summary=summary,
                    target_groups=[group], skills=skills, in_library=True,
                    status=Project.Status.OPEN, created_by=county_user,
                    starts_on=today.replace(month=1, day=1) - dt.timedelta(days=365))
            for name, group, skills, summary in LIBRARY
        ]
    )  # fmt: skip
    copies: dict[tuple[str, int], Project] = {}
    for community in communities:
        for index in rng.sample(range(len(LIBRARY)), 3):
            source = library[index]
            copies[(community.code, index)] = Project(
                area=community, area_code=community.code, name=source.name,
                summary=source.summary, target_groups=source.target_groups, skills=source.skills,
                organisation=stations[community.code], copied_from=source,
                status=Project.Status.OPEN, created_by=staff[community.code],
                starts_on=today - dt.timedelta(days=380),
            )  # fmt: skip
    Project.objects.bulk_create(copies.values())

    # A year of activities, and those of the next two weeks.
    activities, shifts_of = [], {}
    for community in communities:
        people = volunteers[community.code]
        if not people:
            continue
        organiser = staff[community.code]
        runs = [(index, run) for index, run in enumerate(RUNS)]
        days = sorted(rng.sample(range(1, 365), 24)) + [-d for d in rng.sample(range(2, 14), 2)]
        if community.code == HOME:
            days.append(-1)
        for day_offset in days:
            if community.code == HOME and day_offset == -1:
                index, run = 0, RUNS[0]
            else:
                index, run = rng.choice(runs)
            project_index, title, hours, place, spots, group = run
            day = today - dt.timedelta(days=day_offset)
            start = timezone.make_aware(dt.datetime.combine(day, dt.time(rng.choice([9, 14]))))
            if day_offset == -1:
                start = timezone.make_aware(dt.datetime.combine(day, dt.time(9)))
            end = start + dt.timedelta(hours=hours)
            future = start > now
            team_list = teams.get(community.code, [])
            team = next((t for t in team_list if group in t.target_groups), None) or (
                team_list[0] if team_list else None
            )
            activity = Activity(
                area=community, area_code=community.code,
                project=copies.get((community.code, project_index)),
                organisation=stations[community.code], team=team, title=title,
                description=LIBRARY[project_index][3], target_group=group,
                beneficiaries=BENEFICIARIES[group],
                skills=LIBRARY[project_index][2], place=f"{community.name}{place}",
                leader_name=(team.leader.name if team and team.leader else organiser.full_name),
                organiser=organiser,
                status=Activity.Status.PUBLISHED if future else Activity.Status.FINISHED,
                starts_at=start, ends_at=end, published_at=start - dt.timedelta(days=7),
                finished_at=None if future else end,
                created_at=start - dt.timedelta(days=8),
            )  # fmt: skip
            activities.append(activity)
            shifts_of[id(activity)] = (start, end, spots, future, community.code)
    Activity.objects.bulk_create(activities, batch_size=BATCH)
    shifts = [
        Shift(activity=a, area_code=a.area_code, starts_at=s, ends_at=e, place=a.place,
              role="志愿者", spots=spots)
        for a in activities
        for s, e, spots, _f, _c in [shifts_of[id(a)]]
    ]  # fmt: skip
    Shift.objects.bulk_create(shifts, batch_size=BATCH)

    # Sign-ups, attendance and the organisers' records.
    signups: list[Signup] = []
    for activity, shift in zip(activities, shifts, strict=True):
        _s, _e, spots, future, code = shifts_of[id(activity)]
        people = volunteers[code]
        wanted = min(len(people), rng.randint(max(2, spots // 2), spots + (0 if future else 2)))
        chosen = rng.sample(people, wanted)
        mine = next((v for v in people if v.user_id), None)
        if mine is not None and code == HOME and activity.target_group == "elderly_alone":
            chosen = [mine, *[v for v in chosen if v.pk != mine.pk]][: max(wanted, 1)]
        if future:
            chosen = chosen[: max(1, spots // 2)]
        for position, volunteer in enumerate(chosen):
            made = shift.starts_at - dt.timedelta(days=rng.randint(1, 6), hours=position)
            if future:
                status = Signup.Status.CONFIRMED
            elif position >= spots:
                status = Signup.Status.CANCELLED
            else:
                status = Signup.Status.ATTENDED if rng.random() < 0.86 else Signup.Status.NO_SHOW
            attended = status == Signup.Status.ATTENDED
            checked_in = shift.starts_at - dt.timedelta(minutes=rng.randint(0, 15))
            signups.append(
                Signup(
                    shift=shift, volunteer=volunteer, area_code=shift.area_code, status=status,
                    created_at=made, walk_in=False,
                    checked_in_at=checked_in if attended else None,
                    checked_out_at=shift.ends_at if attended else None,
                    cancelled_at=made + dt.timedelta(days=1)
                    if status == Signup.Status.CANCELLED else None,
                )
            )  # fmt: skip
    Signup.objects.bulk_create(signups, batch_size=BATCH)
    by_shift = {
        shift.pk: (activity, shift) for activity, shift in zip(activities, shifts, strict=True)
    }
    for signup in signups:
        if signup.status != Signup.Status.ATTENDED:
            continue
        activity, shift = by_shift[signup.shift_id]
        recorder = activity.organiser
        length = Decimal((shift.ends_at - shift.starts_at).total_seconds()) / 3600
        builder.records.append(
            ServiceRecord(
                volunteer=signup.volunteer, area_code=activity.area_code,
                organisation=activity.organisation, activity=activity, signup=signup,
                activity_name=activity.title, served_on=timezone.localdate(shift.starts_at),
                place=activity.place, beneficiaries=activity.beneficiaries,
                content=activity.description[:1000], hours=length.quantize(Decimal("0.01")),
                quality=rng.choice(["excellent", "good", "good", "good", "fair"]),
                leader_name=activity.leader_name, recorder=recorder,
                recorder_name=recorder.full_name or recorder.username,
                recorded_at=shift.ends_at + dt.timedelta(hours=rng.randint(1, 30)),
            )
        )  # fmt: skip

    # Veterans: monthly records of earlier years, so star levels spread out.
    for code, people in volunteers.items():
        for volunteer in people:
            roll = rng.random()
            if volunteer.user_id:
                builder.history(volunteer, stations[code], 60, ("5", "5.5", "4.5"))
            elif roll < 0.01:
                builder.history(volunteer, stations[code], 96, ("16", "17", "18"))
            elif roll < 0.03:
                builder.history(volunteer, stations[code], 96, ("12", "13", "14"))
            elif roll < 0.07:
                builder.history(volunteer, stations[code], 84, ("9", "10", "12"))
            elif roll < 0.15:
                builder.history(volunteer, stations[code], 60, ("6", "8", "7"))
            elif roll < 0.33:
                builder.history(volunteer, stations[code], 36, ("4", "3", "5"))
    records = ServiceRecord.objects.bulk_create(builder.records, batch_size=BATCH)

    # A few corrections (never edits): hours recorded too long, with the reason.
    corrections = []
    for record in rng.sample([r for r in records if r.signup_id], min(6, len(records))):
        corrections.append(
            ServiceRecord(
                volunteer=record.volunteer, area_code=record.area_code,
                organisation=record.organisation, activity=record.activity,
                kind=ServiceRecord.Kind.CORRECTION, corrects=record,
                activity_name=record.activity_name, served_on=record.served_on,
                place=record.place, beneficiaries=record.beneficiaries, content=record.content,
                hours=Decimal("-1.00"), leader_name=record.leader_name, recorder=record.recorder,
                recorder_name=record.recorder_name, reason="提前一小时离开，按实际服务时间更正",
                recorded_at=record.recorded_at + dt.timedelta(days=2),
            )
        )  # fmt: skip
    corrections = ServiceRecord.objects.bulk_create(corrections)

    # The time bank: points earned by every record; services offered; some spent.
    offers = []
    for community in communities:
        for name, text, points, stock in OFFERS:
            offers.append(
                Offer(area=community, area_code=community.code, name=name, description=text,
                      points=points, stock=stock, created_by=staff[community.code])
            )  # fmt: skip
    Offer.objects.bulk_create(offers)
    offers_of = defaultdict(list)
    for offer in offers:
        offers_of[offer.area_code].append(offer)
    entries: list[PointsEntry] = []
    balance: dict[int, int] = defaultdict(int)
    timeline = sorted([*records, *corrections], key=lambda r: (r.recorded_at, r.pk))
    spend_at = {}
    for record in timeline:
        volunteer = record.volunteer
        delta = int(record.hours * POINTS_PER_HOUR)
        if delta < 0:
            delta = -min(-delta, balance[volunteer.pk])
        if delta:
            balance[volunteer.pk] += delta
            entries.append(
                PointsEntry(
                    volunteer=volunteer, area_code=volunteer.area_code,
                    kind=PointsEntry.Kind.EARNED if delta > 0 else PointsEntry.Kind.ADJUSTED,
                    delta=delta, balance=balance[volunteer.pk], record=record,
                    note="" if delta > 0 else record.reason, by=record.recorder,
                    at=record.recorded_at,
                )
            )  # fmt: skip
        spend_at.setdefault(volunteer.pk, record.recorded_at)
    spent = 0
    for code, people in volunteers.items():
        for volunteer in people:
            if balance[volunteer.pk] < 200 or rng.random() < 0.6:
                continue
            offer = rng.choice(offers_of[code])
            if offer.stock is not None and offer.stock == 0:
                continue
            balance[volunteer.pk] -= offer.points
            if offer.stock is not None:
                offer.stock -= 1
            spent += 1
            entries.append(
                PointsEntry(
                    volunteer=volunteer, area_code=volunteer.area_code,
                    kind=PointsEntry.Kind.SPENT, delta=-offer.points,
                    balance=balance[volunteer.pk], offer=offer, by=staff[code],
                    at=now - dt.timedelta(days=rng.randint(3, 60)),
                )
            )  # fmt: skip
    PointsEntry.objects.bulk_create(entries, batch_size=BATCH)
    Offer.objects.bulk_update([o for o in offers if o.stock is not None], ["stock"])
    everyone = [v for people in volunteers.values() for v in people]
    for volunteer in everyone:
        volunteer.points_balance = balance[volunteer.pk]
    Volunteer.objects.bulk_update(everyone, ["points_balance"], batch_size=BATCH)
    refresh_totals([v.pk for v in everyone])

    # Certificates: about one volunteer in twenty (the demo resident too); one revoked.
    hours_of = dict(
        Volunteer.objects.filter(pk__in=[v.pk for v in everyone]).values_list("pk", "hours_total")
    )
    counted = defaultdict(int)
    for record in records:
        counted[record.volunteer_id] += 1
    holders = [v for v in everyone if v.user_id] + rng.sample(everyone, max(1, len(everyone) // 20))
    certificates, seen = [], set()
    for volunteer in holders:
        if volunteer.pk in seen or not hours_of.get(volunteer.pk):
            continue
        seen.add(volunteer.pk)
        issued = today - dt.timedelta(days=rng.randint(3, 90))
        certificates.append(
            Certificate(
                number=new_certificate_number(issued.year), volunteer=volunteer,
                organisation=stations[volunteer.area_code], area_code=volunteer.area_code,
                holder_name=volunteer.name,
                holder_id_masked=pii.mask_id_number(volunteer.id_number) or "未登记",
                period_to=issued, hours=hours_of[volunteer.pk],
                records=counted[volunteer.pk],
                content="主要参加关爱空巢老人、平安巡逻、四点半课堂等社区志愿服务。",
                issued_on=issued, issued_by=staff[volunteer.area_code],
            )
        )  # fmt: skip
    if len(certificates) > 2:
        revoked = certificates[-1]
        revoked.status = Certificate.Status.REVOKED
        revoked.revoked_at = now - dt.timedelta(days=1)
        revoked.revoke_reason = "服务记录更正后重新出具"
    Certificate.objects.bulk_create(certificates)
    total = sum(r.hours for r in [*records, *corrections])
    return {
        "volunteers": len(everyone),
        "teams": sum(len(t) for t in teams.values()),
        "activities": len(activities),
        "signups": len(signups),
        "records": len(records) + len(corrections),
        "hours": int(total),
        "points_spent": spent,
        "certificates": len(certificates),
    }


__all__ = ["load_volunteers_demo"]
