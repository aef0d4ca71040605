"""The care demo: a county's roster with six months of plans and visits, most communities
visited, three clearly behind, one grid without a worker, the current month half done, and a
loader that changes nothing when run again and makes way for a registry of another size."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter, defaultdict

import pytest
from django.core.management import call_command
from django.db.models import Count, Max
from django.utils import timezone

from linli.appeals.demo import load_appeals_demo
from linli.appeals.models import Channel
from linli.care import queries
from linli.care.defaults import BUILTIN_POLICY
from linli.care.demo import (
    BEHIND,
    COUNTY_CODE,
    HOME_GRID,
    MONTHS,
    UNSTAFFED_GRID,
    load_care_demo,
    release_demo_registry,
    staff_grids,
)
from linli.care.models import Need, Plan, Policy, Risk, Run, Subject, Visit, month_start
from linli.core import scoping
from linli.core.demo import load_core_demo
from linli.core.models import Area, AuditEvent, Notification, User
from linli.core.roles import Cap
from linli.registry.demo import load_registry_demo
from linli.registry.models import GridStaff, Resident

N = 3000
BEHIND_ALL = (*BEHIND, UNSTAFFED_GRID[:12])


@pytest.fixture
def demo(db):
    load_core_demo()
    load_registry_demo(residents=N)
    load_appeals_demo(residents=N, appeals=0)  # the categories needs become appeals in
    return load_care_demo()


def _months() -> list:
    return sorted(set(Plan.objects.values_list("month", flat=True)))


def _rates() -> dict:
    """(met, plans) per (month, community), dropped plans left out."""
    cells: dict = defaultdict(lambda: [0, 0])
    for month, code, done, required in Plan.objects.exclude(status=Plan.Status.DROPPED).values_list(
        "month", "area_code", "done", "required"
    ):
        cell = cells[(month, code[:12])]
        cell[0] += done >= required
        cell[1] += 1
    return cells


def test_a_roster_with_six_months_of_plans_and_realistic_gaps(demo):
    today = timezone.localdate()
    current = month_start(today)
    assert "people on the care roster" in demo and "长安村" in demo

    # The built-in policy, the roster from the registry, a few at high risk (weekly).
    assert Policy.objects.filter(area_code=COUNTY_CODE).count() == len(BUILTIN_POLICY)
    roster = Subject.objects.filter(ended_on__isnull=True)
    assert roster.count() >= 50
    high = roster.filter(risk=Risk.HIGH)
    assert 2 <= high.count() <= max(3, roster.count() // 20)
    assert set(high.values_list("frequency", flat=True)) == {"weekly"}
    assert Plan.objects.filter(subject__in=high, month=current, required=4).count() == high.count()
    assert set(roster.values_list("kind", flat=True)) >= {"elderly", "child"}

    # Plans for this month and the five before, made by the monthly runs.
    months = _months()
    assert len(months) == MONTHS and months[-1] == current
    assert Run.objects.filter(area_code=COUNTY_CODE, status=Run.Status.DONE).count() == MONTHS + 1
    assert Plan.objects.filter(month=current).count() == roster.count()

    # A worker on duty in every grid but one; its plans are unassigned since its worker left.
    grids = Area.objects.filter(code__startswith="220403", level=6, is_demo=True)
    on_duty = GridStaff.objects.filter(ended_on__isnull=True, user__is_active=True)
    assert set(on_duty.values_list("grid_id", flat=True)) == set(
        grids.exclude(code=UNSTAFFED_GRID).values_list("code", flat=True)
    )
    assert on_duty.get(grid_id=HOME_GRID).user.username == "grid"
    left = GridStaff.objects.get(grid_id=UNSTAFFED_GRID)
    assert left.ended_on == months[-2] and not left.user.is_active
    unstaffed = Plan.objects.filter(area_code=UNSTAFFED_GRID)
    assert unstaffed.exists()
    assert not unstaffed.filter(month__gte=months[-2]).exclude(worker=None).exists()
    assert set(unstaffed.filter(month__lt=months[-2]).values_list("worker", flat=True)) == {
        left.user_id
    }
    for worker_id, area_code in (
        Plan.objects.exclude(worker=None).values_list("worker_id", "area_code").distinct()[:200]
    ):
        assert GridStaff.objects.filter(user_id=worker_id, grid_id=area_code).exists()

    # Past months: most communities visit 92–100 %, the three behind 60–80 %.
    cells = _rates()
    past = [m for m in months if m < current]
    totals: dict = defaultdict(lambda: [0, 0])
    for (month, community), (met, plans) in cells.items():
        if month in past:
            totals[community][0] += met
            totals[community][1] += plans
            if community in BEHIND_ALL and plans >= 5:
                assert 0.6 <= met / plans <= 0.8, (month, community, met, plans)
    assert set(BEHIND_ALL) <= set(totals)
    for community in BEHIND_ALL:
        met, plans = totals[community]
        assert 0.6 <= met / plans <= 0.8, community
    others = {c: met / plans for c, (met, plans) in totals.items() if c not in BEHIND_ALL}
    assert len(others) >= 12
    assert min(others.values()) >= 0.85
    assert sum(rate >= 0.92 for rate in others.values()) >= 0.8 * len(others)

    # This month is partly done: people are still to be visited, and some overdue from the last.
    met, plans = map(sum, zip(*[v for (m, _c), v in cells.items() if m == current], strict=True))
    assert met / plans < 0.95
    if today.day > 5:
        assert met / plans > 0.1
    grid = User.objects.get(username="grid")
    due = queries.plans_due(actor=grid, today=today)
    assert any(p.month == current for p in due)
    if Plan.objects.filter(area_code=HOME_GRID, month=months[-2]).count() >= 2:
        assert any(p.due_on < today for p in due)
        assert Notification.objects.filter(user=grid, kind="care.visits_overdue").exists()


def test_visits_checklists_and_needs(demo):
    visits = Visit.objects.all()
    assert visits.count() > Plan.objects.count() * 0.8
    modes = Counter(visits.values_list("mode", flat=True))
    assert modes["home"] > 0.6 * sum(modes.values()) and modes["phone"] > 0
    # Nobody home: an attempt that counts towards no plan.
    attempts = visits.filter(saw=Visit.Saw.NOBODY)
    assert attempts.exists() and not attempts.exclude(plan=None).exists()
    # Checklists: every item answered on counted visits; safety not checked by phone.
    concerns = 0
    for visit in visits.exclude(saw=Visit.Saw.NOBODY)[:2000]:
        assert set(visit.checks) == set(Visit.CHECKS)
        assert visit.concerns == sum(v == "concern" for v in visit.checks.values())
        if visit.mode != Visit.Mode.HOME:
            assert visit.checks["safety_gas"] == "na"
        concerns += bool(visit.concerns)
    assert 0 < concerns < 0.2 * min(visits.count(), 2000)
    assert visits.filter(notes__isnull=False).exists()
    # Needs found on visits: most of the older ones met, some open, three became appeals.
    needs = Need.objects.select_related("visit", "appeal")
    assert needs.count() >= 10
    assert needs.filter(met_on__isnull=False).exists() and needs.filter(met_on=None).exists()
    for need in needs:
        assert need.visit.subject_id == need.subject_id and need.visit.concerns >= 0
        if need.met_on:
            assert timezone.localdate(need.created_at) <= need.met_on <= timezone.localdate()
    appealed = needs.exclude(appeal=None)
    assert appealed.count() == 3
    for need in appealed:
        assert need.met_on is None
        assert need.appeal.channel == Channel.CARE_VISIT
        assert need.appeal.resident_id == need.resident_id
        assert AuditEvent.objects.filter(action="care.need.appeal", target_id=str(need.pk)).exists()
    # Archives with notes, written by the worker who visits them.
    noted = Subject.objects.filter(health_notes__isnull=False)
    assert noted.exists()
    for subject in noted[:20]:
        assert Visit.objects.filter(subject=subject, worker=subject.notes_updated_by).exists()


def test_plans_agree_with_their_visits(demo):
    now = timezone.now()
    today = timezone.localdate()
    current = month_start(today)
    counted = {
        row["plan"]: row
        for row in Visit.objects.exclude(plan=None)
        .values("plan")
        .annotate(n=Count("pk"), last=Max("visited_at"))
    }
    plans = list(Plan.objects.all())
    for plan in plans:
        row = counted.get(plan.pk)
        assert plan.done == (row["n"] if row else 0), plan.pk
        assert plan.last_visit_at == (row["last"] if row else None)
        assert (plan.status == Plan.Status.DONE) == (plan.done >= plan.required)
        if plan.month < current:  # reminded and alerted as the sweep does
            assert (plan.overdue_alerted_at is not None) == (plan.status == Plan.Status.OPEN)
    for visit in Visit.objects.select_related("plan", "worker")[:3000]:
        assert visit.visited_at <= now
        if visit.plan is not None:
            assert month_start(timezone.localdate(visit.visited_at)) == visit.plan.month
            assert visit.area_code == visit.plan.area_code
            if visit.plan.worker_id:
                assert visit.worker_id == visit.plan.worker_id
        if visit.worker.is_active:
            assert scoping.has_cap(visit.worker, Cap.CARE_VISIT, visit.area_code)
    # Last month's unmet plans were alerted by the sweep just now.
    last = month_start(current - dt.timedelta(days=1))
    unmet = Plan.objects.filter(month=last, status=Plan.Status.OPEN)
    assert unmet.exists() and not unmet.filter(overdue_alerted_at=None).exists()


def test_loading_again_changes_nothing(demo):
    def snapshot():
        return (
            Subject.objects.count(),
            Plan.objects.count(),
            Visit.objects.count(),
            Need.objects.count(),
            Run.objects.count(),
            AuditEvent.objects.count(),
            Notification.objects.count(),
            User.objects.count(),
            GridStaff.objects.count(),
            sorted(Plan.objects.values_list("subject_id", "month", "done", "status")),
        )

    first = snapshot()
    assert "kept the care roster" in load_care_demo()
    assert snapshot() == first
    staff_grids()
    assert release_demo_registry(residents=N) == ""  # the registry stays as it is
    assert snapshot() == first


def _load(residents: int) -> str:
    out = io.StringIO()
    call_command("load_demo", "--residents", str(residents), "--appeals", "20", stdout=out)
    return out.getvalue()


def test_the_demo_command_loads_again_for_a_registry_of_another_size(db, settings):
    settings.DEMO_LOADERS = [
        "linli.care.demo.release_demo_registry",
        "linli.registry.demo.load_registry_demo",
        "linli.appeals.demo.load_appeals_demo",
        "linli.care.demo.load_care_demo",
        "linli.gridwork.demo.load_gridwork_demo",
        "linli.notices.demo.load_notices_demo",
    ]
    out = _load(900)
    assert "Care demo:" in out and "Grid work demo:" in out and "Notices demo:" in out
    first = Subject.objects.count()
    assert first and Plan.objects.filter(month=month_start(timezone.localdate())).exists()

    out = _load(700)  # another registry: the care demo makes way and loads again
    assert "removed the care roster" in out
    assert Resident.objects.filter(is_demo=True).count() == 700
    assert not Subject.objects.exclude(resident__is_demo=True).exists()
    assert Plan.objects.filter(month=month_start(timezone.localdate())).exists()
    from linli.notices.models import Alert, AlertRecipient

    assert Alert.objects.count() == 1
    assert AlertRecipient.objects.count() == 700

    events = AuditEvent.objects.exclude(action="area.import")  # the areas load every time
    before = events.count()
    assert "kept the care roster" in _load(700)
    assert list(events.order_by("pk").values_list("action", flat=True)[before:]) == []
