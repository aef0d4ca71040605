"""The plans demo: 西安区 adopts its plan and puts it in force, its areas report what no app counts
yet, the engine measures three years from the other demo data (a mix of met, at risk and not
met), snapshots freeze them, the task ledger holds reports in every state with a town that
lags, and a second load changes nothing.

The other demo loaders and this one run once for the module (with a small registry), inside a
transaction rolled back at the end; each test runs in a savepoint of it."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from linli.appeals.demo import load_appeals_demo
from linli.care.demo import load_care_demo
from linli.core.areacodes import Level
from linli.core.demo import load_core_demo
from linli.core.models import AuditEvent, Notification, RoleAssignment, User
from linli.core.roles import Role
from linli.facilities.demo import load_facilities_demo
from linli.notices.demo import load_notices_demo
from linli.plans.demo import SLOW_TOWN, load_plans_demo
from linli.plans.models import (
    Indicator,
    Measurement,
    Plan,
    PlanTask,
    ProgressReport,
    Recompute,
    ReportedValue,
    Snapshot,
    SnapshotValue,
    Target,
)
from linli.plans.queries.ledger import ledger_rates
from linli.plans.queries.status import Status
from linli.plans.queries.values import plan_board, plan_children, plan_trend
from linli.registry.demo import load_registry_demo
from linli.volunteers.demo import load_volunteers_demo
from linli.volunteers.models import Team
from linli.workforce.demo import load_workforce_demo

N = 600
COUNTY_CODE = "220403000000"
Report = ProgressReport.Status


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """Every demo loader the plan measures, then the plans demo (timed); rolled back after."""
    with django_db_blocker.unblock(), transaction.atomic():
        load_core_demo()
        load_registry_demo(residents=N)
        load_appeals_demo(residents=N, appeals=0)  # the towns' officers
        load_care_demo()
        load_notices_demo()
        load_facilities_demo()
        load_workforce_demo()
        load_volunteers_demo()
        started, cpu = time.perf_counter(), time.process_time()
        out = load_plans_demo()
        seconds = (time.perf_counter() - started, time.process_time() - cpu)
        yield out, seconds
        transaction.set_rollback(True)


@pytest.fixture
def demo(loaded, db):
    out, seconds = loaded
    plan = Plan.objects.get(area_code=COUNTY_CODE, is_template=False)
    return out, seconds, plan, User.objects.get(username="county")


def _years():
    this = timezone.localdate().year
    return this - 2, this - 1, this


def test_listed_last():
    assert settings.DEMO_LOADERS[-1] == "linli.plans.demo.load_plans_demo"


def test_the_county_adopts_its_plan_and_puts_it_in_force(demo):
    out, seconds, plan, county = demo
    wall, cpu = seconds
    print(f"plans demo loaded in {wall:.1f} s ({cpu:.1f} s of CPU)")  # measured, not asserted
    assert "Plans demo:" in out and "Task ledger" in out
    template = Plan.objects.get(is_template=True, template_key="xian_qu")
    assert plan.template_id == template.pk and plan.is_demo
    assert plan.status == Plan.Status.ACTIVE and plan.created_by == county
    assert plan.start_year == template.start_year
    assert plan.end_year == max(template.end_year, timezone.localdate().year)
    wanted = {
        t.indicator_id: (t.op, t.value, t.binding, t.due_year, t.per_community)
        for t in template.targets.all()
    }
    got = {
        t.indicator_id: (t.op, t.value, t.binding, t.due_year, t.per_community)
        for t in plan.targets.all()
    }
    assert got == wanted  # its targets as the template has them
    tasks = list(PlanTask.objects.filter(plan=plan))
    assert len(tasks) == template.tasks.count()
    assert all(t.last_year == plan.end_year for t in tasks)
    actions = set(
        AuditEvent.objects.filter(actor=county, target_id=str(plan.pk)).values_list(
            "action", flat=True
        )
    )
    assert {"plans.plan.adopt", "plans.plan.activate"} <= actions
    assert AuditEvent.objects.filter(action="plans.demo_load").count() == 1


def test_reported_values_from_the_communities_and_towns(demo):
    _out, _seconds, plan, _county = demo
    first, last, this = _years()
    indicators = Indicator.objects.filter(targets__plan=plan, source=Indicator.Source.REPORTED)
    assert set(indicators.values_list("key", flat=True)) >= {
        "fitness_circle_15min_coverage_urban",
        "satisfaction_survey_coverage",
    }
    # The volunteer team coverage is computed from the volunteers demo: nothing entered for it.
    assert not ReportedValue.objects.filter(indicator__key="volunteer_team_coverage").exists()
    rows = ReportedValue.objects.filter(indicator__in=indicators).select_related("entered_by")
    assert set(rows.values_list("year", flat=True)) == {first, last, this}
    heads = set(
        RoleAssignment.objects.filter(role=Role.COMMUNITY_HEAD).values_list("user_id", flat=True)
    )
    towns = dict(
        RoleAssignment.objects.filter(role=Role.TOWN_OFFICER).values_list("user_id", "area_code")
    )
    now = timezone.now()
    for row in rows:
        assert "报送" in row.note and str(row.year) in row.note
        assert (
            row.entered_by_id in heads or towns.get(row.entered_by_id, "")[:9] == row.area_code[:9]
        )
        assert row.entered_at <= now
        if row.year < this:
            assert timezone.localdate(row.entered_at).year == row.year + 1
    # The head of 仙城社区 enters its own; 灯塔镇 reports its surveys for the whole town.
    assert rows.filter(area_code="220403001001", entered_by__username="head").exists()
    surveys = rows.filter(indicator__key="satisfaction_survey_coverage")
    assert surveys.filter(area_code="220403100000").count() == 3
    assert not surveys.filter(area_code__startswith="220403100", area_code__endswith="001").exists()
    # Some communities have not reported this year yet.
    for key in ("fitness_circle_15min_coverage_urban", "satisfaction_survey_coverage"):
        assert (
            rows.filter(indicator__key=key, year=this).count()
            < rows.filter(indicator__key=key, year=last).count()
        )


def test_the_board_has_real_values_and_a_mix_of_statuses(demo):
    _out, _seconds, plan, county = demo
    board = plan_board(actor=county, plan_id=plan.pk)
    assert board.year == timezone.localdate().year and not board.stale
    assert len(board.items) == plan.targets.count()
    for item in board.items:
        assert item.cell.value is not None, item.indicator.key  # every target has a value
    assert board.counts[Status.MET] >= 1 and board.counts[Status.NOT_MET] >= 1
    # Reported values are summed from the entries (灯塔镇's one for the town).
    surveys = next(i for i in board.items if i.indicator.key == "satisfaction_survey_coverage")
    assert surveys.cell.source == "reported"
    entries = ReportedValue.objects.filter(
        indicator=surveys.indicator, year=board.year, area_code__startswith="220403"
    )
    assert surveys.cell.counted == entries.count()
    # The volunteer team coverage is counted from the teams: every community, covered when it
    # has an active team led by party members.
    teams = next(i for i in board.items if i.indicator.key == "volunteer_team_coverage")
    assert teams.cell.source == "computed"
    covered = (
        Team.objects.filter(area_code__startswith="220403", party_led=True, active=True)
        .values("area_code")
        .distinct()
        .count()
    )
    assert (teams.cell.numerator, teams.cell.denominator) == (covered, 18)
    assert covered > 0
    # The towns differ: not every one is at its worst.
    children = plan_children(actor=county, plan_id=plan.pk)
    assert len(children.rows) == 7
    assert len({row.worst for row in children.rows}) >= 2


def test_three_years_measured_and_frozen(demo):
    _out, _seconds, plan, county = demo
    first, last, this = _years()
    assert set(Measurement.objects.filter(plan=plan).values_list("year", flat=True)) == {
        first,
        last,
        this,
    }
    runs = Recompute.objects.filter(plan=plan)
    assert runs.count() == 3 and set(runs.values_list("status", flat=True)) == {"done"}
    snapshots = list(Snapshot.objects.filter(plan=plan).order_by("measured_at", "id"))
    assert [s.label for s in snapshots[:2]] == [f"{first}年度", f"{last}年度"]
    assert [s.year for s in snapshots] == [first, last, this]
    assert snapshots[2].label.startswith(f"{this}年")
    areas = Measurement.objects.filter(plan=plan, year=this).count()
    assert areas == 1 + 7 + 18  # the county, its towns and its communities
    for snapshot in snapshots:
        assert SnapshotValue.objects.filter(snapshot=snapshot).count() == areas
    trend = plan_trend(actor=county, plan_id=plan.pk)
    assert [p.snapshot_id for p in trend.points] == [s.pk for s in snapshots] + [None]


def test_the_ledger_in_every_state(demo):
    _out, _seconds, plan, county = demo
    first, last, this = _years()
    reports = ProgressReport.objects.filter(task__plan=plan).select_related("task")
    statuses = Counter(reports.values_list("status", flat=True))
    assert set(statuses) == set(Report.values)
    assert statuses[Report.APPROVED] > 3 * (statuses[Report.SUBMITTED] + statuses[Report.RETURNED])
    returned = reports.get(status=Report.RETURNED)
    assert returned.decision_note and returned.decided_by == county
    now = timezone.now()
    officers = dict(
        RoleAssignment.objects.filter(role=Role.TOWN_OFFICER).values_list("user_id", "area_code")
    )
    for r in reports:
        assert r.text and 0 <= r.percent <= 100
        assert r.updated_at <= now
        if r.status == Report.DRAFT:
            assert r.submitted_at is None and r.period == str(this)
            continue
        assert r.submitted_at is not None and r.submitted_at <= now
        assert dt.date(int(r.period), 1, 1) <= timezone.localdate(r.submitted_at)
        if r.status in (Report.APPROVED, Report.RETURNED):
            assert r.submitted_at <= r.decided_at <= now
            if r.task.report_level == Level.COMMUNITY:  # a community's: its town approves
                assert officers[r.decided_by_id][:9] == r.area_code[:9]
            else:  # a town's: the county
                assert r.decided_by == county
    # Last year: some never written (one town most of all), some late.
    rates = ledger_rates(actor=county, plan_id=plan.pk, period=str(last))
    total = rates.total
    assert 0.8 * total.expected < total.submitted < total.expected
    assert total.on_time < total.submitted and total.approved < total.submitted
    share = {row.code: row.submitted / row.expected for row in rates.rows if row.expected}
    slow = share.pop(SLOW_TOWN)
    assert slow < min(share.values()) - 0.2
    # Those waiting for approval are on the approvers' desks, their notifications unread.
    waiting = reports.filter(status=Report.SUBMITTED, period=str(last))
    assert waiting.exists()
    unread = Notification.objects.filter(
        kind="plans.report_submitted",
        target_id__in=[str(pk) for pk in waiting.values_list("pk", flat=True)],
        read_at__isnull=True,
    )
    assert unread.count() == waiting.count()
    # The year before last: almost everything approved.
    earlier = ledger_rates(actor=county, plan_id=plan.pk, period=str(first)).total
    assert earlier.approved == earlier.submitted and earlier.submitted >= 0.95 * earlier.expected


def test_loading_again_changes_nothing(demo):
    _out, _seconds, plan, _county = demo

    def counts():
        return (
            Plan.objects.count(),
            Target.objects.count(),
            PlanTask.objects.count(),
            ReportedValue.objects.count(),
            Measurement.objects.count(),
            Recompute.objects.count(),
            Snapshot.objects.count(),
            SnapshotValue.objects.count(),
            ProgressReport.objects.count(),
            Notification.objects.count(),
            AuditEvent.objects.count(),
        )

    before = counts()
    assert "kept the plan" in load_plans_demo()
    assert counts() == before
