"""The workforce demo: the workers of every community with their posts, levels and certificates,
two years of training, gaps against the plans (short-staffed communities, little training,
overdue secretaries), and a loader that changes nothing when run again."""

from __future__ import annotations

import time
from collections import Counter, defaultdict

import pytest
from django.conf import settings
from django.utils import timezone
from stdnum.cn import ric

from linli.appeals.demo import load_appeals_demo
from linli.care.demo import UNSTAFFED_GRID, staff_grids
from linli.core.areacodes import Level
from linli.core.demo import load_core_demo
from linli.core.models import Area, AuditEvent, ReportedFigure
from linli.registry.demo import PHONE_PREFIXES, load_registry_demo
from linli.workforce import rules
from linli.workforce.demo import (
    LOW_TRAINING,
    OVERDUE_HEADS,
    STAFFING,
    check_digit,
    load_workforce_demo,
    short_staffed,
)
from linli.workforce.models import Attendance, Certificate, Course, PostLevel, Session, Worker

N = 600
Role_ = Worker.CommitteeRole


@pytest.fixture
def demo(db):
    load_core_demo()
    load_registry_demo(residents=N)
    load_appeals_demo(residents=N, appeals=0)  # the duty accounts of the communities
    staff_grids()  # the grid workers on duty
    started = time.perf_counter()
    out = load_workforce_demo()
    return out, time.perf_counter() - started


def test_listed_after_the_facilities_loader():
    loaders = settings.DEMO_LOADERS
    assert loaders.index("linli.workforce.demo.load_workforce_demo") > loaders.index(
        "linli.facilities.demo.load_facilities_demo"
    )


def test_check_digit_is_gb_11643():
    for body in ("22040319850612002", "11010519491231002", "44030819990101123"):
        assert ric.is_valid(body + check_digit(body))
    assert check_digit("11010519491231002") == "X"


def test_workers_of_every_community(demo):
    out, seconds = demo
    assert seconds < 5
    assert "community workers" in out and "Gaps" in out
    live = Worker.objects.filter(left_on__isnull=True)
    per_community = Counter(live.values_list("area_code", flat=True))
    assert per_community == Counter(STAFFING)
    assert all(6 <= n <= 15 for n in per_community.values())
    left = Worker.objects.filter(left_on__isnull=False)
    assert 5 <= left.count() <= 12 and all(w.leave_reason for w in left)

    heads: dict[str, Counter] = defaultdict(Counter)
    for w in live:
        heads[w.area_code][w.committee_role] += 1
    for code, roles in heads.items():
        assert roles[Role_.SECRETARY] <= 1 and roles[Role_.DIRECTOR] <= 1, code
        assert roles[Role_.BOTH] <= 1, code
        assert not (roles[Role_.BOTH] and (roles[Role_.SECRETARY] or roles[Role_.DIRECTOR]))
        assert roles[Role_.BOTH] or (roles[Role_.SECRETARY] and roles[Role_.DIRECTOR])
    posts = Counter(live.values_list("post", flat=True))
    assert set(posts) == set(Worker.Post.values)
    assert 0.5 <= live.filter(party_member=True).count() / live.count() <= 0.7
    assert len(set(live.values_list("education", flat=True))) >= 5
    hired = sorted(live.values_list("hired_on", flat=True))
    assert (hired[-1] - hired[0]).days > 365 * 8

    # Accounts linked: the demo head, workers, duty accounts and grid workers.
    head = live.get(user__username="head")
    assert head.area_code == "220403001001" and head.committee_role == Role_.BOTH
    assert head.name == head.user.full_name
    assert live.get(user__username="worker").post == Worker.Post.COMMITTEE
    assert live.filter(user__username__startswith="worker-").count() >= 10
    grid = live.get(user__username="grid")
    assert grid.post == Worker.Post.GRID and grid.area_code == "220403001001"
    assert live.filter(post=Worker.Post.GRID, user__isnull=False).count() >= 40
    gone = left.get(user__username=f"grid-{UNSTAFFED_GRID}")
    assert gone.post == Worker.Post.GRID


def test_workers_keep_the_rules_of_the_actions(demo):
    workers = list(Worker.objects.select_related("community", "level"))
    numbers = [w.id_number for w in workers]
    assert len(set(numbers)) == len(numbers)
    assert len({w.phone for w in workers}) == len(workers)
    today = timezone.localdate()
    for w in workers:
        assert w.area_code == w.community.code and w.community.level == Level.COMMUNITY
        assert ric.is_valid(w.id_number), w.id_number
        assert ric.get_birth_date(w.id_number) == w.birth_date
        assert (int(w.id_number[16]) % 2 == 1) == (w.gender == "m")
        assert len(w.phone) == 11 and w.phone[:3] in PHONE_PREFIXES + ["138"]
        assert w.hired_on <= today and (w.left_on is None or w.hired_on <= w.left_on <= today)
        assert (w.birth_date.year + 21) <= w.hired_on.year + 1
        assert w.level is not None and w.level.area_code == "220000000000"
        rank = w.level.code.split("-")[0]
        if w.committee_role in Worker.HEADS:
            assert rank == "1" and w.party_member
        elif w.committee_role in (Role_.DEPUTY_SECRETARY, Role_.DEPUTY_DIRECTOR):
            assert rank == "2"
        else:
            assert rank == "3"
    for c in Certificate.objects.select_related("worker"):
        assert c.area_code == c.worker.area_code and c.obtained_on <= today


def test_the_ladder_and_certificates(demo):
    levels = list(PostLevel.objects.filter(area_id="220000000000").order_by("sort"))
    assert [lv.code for lv in levels] == [f"{p}-{g}" for p in (1, 2, 3) for g in range(1, 7)]
    assert levels[0].name == "一岗一级" and levels[-1].name == "三岗六级"
    workers = Worker.objects.count()
    certified = Certificate.objects.values("worker").distinct().count()
    assert 0.15 <= certified / workers <= 0.35
    levels_held = Counter(Certificate.objects.values_list("level", flat=True))
    assert levels_held["assistant"] > levels_held["social_worker"] > levels_held["senior"] >= 1
    assert levels_held["senior"] <= 2


def test_gaps_in_staffing(demo):
    short = short_staffed()
    assert 2 <= len(short) <= 4 and all(value < 18 for value in short.values())
    population = dict(  # the latest figure of each community (later rows win)
        ReportedFigure.objects.filter(kind="population")
        .order_by("area_id", "as_of")
        .values_list("area_id", "value")
    )
    urban = Area.objects.filter(code__startswith="220403", level=Level.COMMUNITY)
    urban = [c.code for c in urban if c.urban_rural.startswith("1")]
    live = Worker.objects.filter(left_on__isnull=True, area_code__in=urban).count()
    assert live * 10_000 / sum(population[code] for code in urban) >= 18  # the county meets it


def _trained(worker: Worker, today, cycles) -> bool:
    months = cycles[rules.applies_to(worker)].months
    since = rules.window_start(today, months)
    return any(a.attended and a.trained_on >= since for a in worker.attendances.all())


def test_training_high_in_most_low_in_a_few_and_overdue_secretaries(demo):
    today = timezone.localdate()
    assert 5 <= Course.objects.count() <= 8
    sessions = Session.objects.select_related("course")
    assert sessions.filter(starts_on__gt=today).count() == 1
    assert not Attendance.objects.filter(session__starts_on__gt=today).exists()
    for a in Attendance.objects.select_related("session", "worker"):
        assert a.area_code == a.worker.area_code and a.trained_on == a.session.ends_on
        assert a.worker.hired_on <= a.session.starts_on
        assert a.hours <= a.session.hours and (a.attended or a.hours == 0)
    cycles = rules.cycles_for("220403001001")
    workers = Worker.objects.filter(left_on__isnull=True).prefetch_related("attendances")
    coverage: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    overdue = set()
    for w in workers:
        ok = _trained(w, today, cycles)
        coverage[w.area_code][0] += ok
        coverage[w.area_code][1] += 1
        if w.committee_role in Worker.HEADS and not ok:
            overdue.add(w.area_code)
    shares = {code: done / total for code, (done, total) in coverage.items()}
    assert overdue == set(OVERDUE_HEADS)
    assert all(shares[code] < 0.6 for code in LOW_TRAINING)
    high = [code for code in shares if code not in LOW_TRAINING]
    assert sum(shares[code] >= 0.85 for code in high) >= len(high) - 2


def test_loading_again_changes_nothing(demo):
    def snapshot():
        return (
            Worker.objects.count(),
            PostLevel.objects.count(),
            Certificate.objects.count(),
            Course.objects.count(),
            Session.objects.count(),
            Attendance.objects.count(),
            AuditEvent.objects.count(),
        )

    first = snapshot()
    assert AuditEvent.objects.filter(action="workforce.demo_load").count() == 1
    assert "kept the" in load_workforce_demo()
    assert snapshot() == first

    # The registry can still be replaced by one of another size.
    load_registry_demo(residents=N - 100)
    assert snapshot()[:2] == first[:2]


def test_without_registry_it_still_loads(db):
    load_core_demo()
    out = load_workforce_demo()
    assert "community workers" in out
    assert Worker.objects.filter(left_on__isnull=True).count() == sum(STAFFING.values())
    assert Worker.objects.filter(user__username="head", committee_role=Role_.BOTH).exists()
