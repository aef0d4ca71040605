"""Reading the ledger: what each person must report, the task table with its filters, the
approval queue, the reporting rates (exact, sums never averages), the reminders (each once) —
scoped, and in a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest

from linli.core.errors import ActionError, NotFound
from linli.core.models import AuditEvent, Notification, User
from linli.plans.actions import ledger as actions
from linli.plans.models import Plan, ProgressReport, Reminder
from linli.plans.queries import ledger as queries
from tests.conftest import make_area, make_user
from tests.plans.ledger_fixtures import (  # noqa: F401 (fixtures)
    at,
    clock_fixture,
    ledger_fixture,
    make_report,
)

pytestmark = pytest.mark.django_db
APPROVED, SUBMITTED = ProgressReport.Status.APPROVED, ProgressReport.Status.SUBMITTED


def duties(user) -> list[tuple[str, str, str, str, bool]]:
    return [
        (d.task.number, d.area.code, d.period, d.status, d.overdue)
        for d in queries.my_reports(actor=user)
    ]


# --- what to report -----------------------------------------------------------------------------


def test_my_reports_nearest_reporter(ledger, tree):
    assert duties(ledger["head_a1"]) == [
        ("1.1", tree["a1"].code, "2025", "missing", True),
        ("1.1", tree["a1"].code, "2026", "missing", False),
    ]
    # town A writes for a2 (no head there) and its own quarterly task; not for a1
    assert duties(ledger["town_a"]) == [
        ("1.1", tree["a2"].code, "2025", "missing", True),
        ("2.1", tree["town_a"].code, "2026Q1", "missing", True),
        ("2.1", tree["town_a"].code, "2026Q2", "missing", False),
        ("1.1", tree["a2"].code, "2026", "missing", False),
    ]
    assert [d[:3] for d in duties(ledger["town_b"])] == [
        ("2.1", tree["town_b"].code, "2026Q1"),
        ("2.1", tree["town_b"].code, "2026Q2"),
    ]
    assert duties(ledger["county"]) == []  # every area below has a nearer reporter
    assert duties(ledger["worker_a1"]) == [] and duties(ledger["other_county"]) == []


def test_my_reports_leave_out_what_is_submitted(ledger, tree):
    make_report(ledger["community_task"], tree["a1"], "2026", SUBMITTED)
    make_report(ledger["community_task"], tree["a1"], "2025", ProgressReport.Status.RETURNED)
    assert duties(ledger["head_a1"]) == [("1.1", tree["a1"].code, "2025", "returned", True)]


def test_a_plan_not_in_force_asks_for_nothing(ledger):
    Plan.objects.filter(pk=ledger["plan"].pk).update(status=Plan.Status.DRAFT)
    assert duties(ledger["head_a1"]) == []


def test_my_reports_reads_a_fixed_number_of_queries(ledger, tree, django_assert_num_queries):
    town = ledger["town_a"]
    queries.my_reports(actor=town)  # grants cached
    with django_assert_num_queries(4):  # tasks of the plans, holders, areas, reports
        first = queries.my_reports(actor=town)
    for n in range(3, 9):
        make_area(f"220403001{n:03d}", f"新社区{n}", "111")
    with django_assert_num_queries(4):
        more = queries.my_reports(actor=town)
    assert len(more) == len(first) + 6 * 2


# --- the task table -----------------------------------------------------------------------------


def test_task_list_filters(ledger, tree):
    plan = ledger["plan"]
    found = queries.task_list(actor=ledger["head_a1"], plan_id=plan.pk)
    assert [row.task.number for row in found.rows] == ["1.1", "2.1"]
    assert found.groups == ["重点任务一", "重点任务二"] and not found.can_manage
    assert queries.task_list(actor=ledger["county"], plan_id=plan.pk).can_manage
    numbers = lambda **f: [  # noqa: E731
        r.task.number for r in queries.task_list(actor=ledger["head_a1"], plan_id=plan.pk, **f).rows
    ]
    assert numbers(group="重点任务二") == ["2.1"]
    assert numbers(lead="组织部") == ["2.1"]
    assert numbers(status="missing") == ["1.1"]
    assert numbers(status="submitted") == []
    make_report(ledger["community_task"], tree["a1"], "2026", SUBMITTED)
    assert numbers(status="submitted") == ["1.1"]
    with pytest.raises(ActionError) as caught:
        numbers(status="lost")
    assert "status" in caught.value.errors
    with pytest.raises(NotFound):
        queries.task_list(actor=ledger["other_county"], plan_id=plan.pk)


def test_task_reports_of_the_areas_below(ledger, tree):
    task = ledger["community_task"]
    make_report(task, tree["a1"], "2026", APPROVED)
    found = queries.task_reports(actor=ledger["town_a"], task=task)
    assert found.period == "2026" and found.due_on == dt.date(2026, 10, 31)
    assert [(r.area.code, r.status, r.required) for r in found.rows] == [
        (tree["town_a"].code, "missing", False),
        (tree["a1"].code, "approved", True),
        (tree["a2"].code, "missing", True),
    ]
    assert found.counts == {"approved": 1, "missing": 1}
    assert [r.can_write for r in found.rows] == [True, False, True]
    county = queries.task_reports(actor=ledger["county"], task=task, period="2025")
    assert len(county.rows) == 5 and county.periods == ["2026", "2025"]
    with pytest.raises(ActionError):
        queries.task_reports(actor=ledger["county"], task=task, period="2027")


# --- approvals ----------------------------------------------------------------------------------


def test_approval_queue_is_the_nearest_level(ledger, tree):
    task = ledger["community_task"]
    community = make_report(task, tree["a1"], "2026", SUBMITTED)
    summary = make_report(task, tree["town_a"], "2026", SUBMITTED)
    make_report(task, tree["b1"], "2026", ProgressReport.Status.DRAFT)
    assert [r.pk for r in queries.approvals_pending(actor=ledger["town_a"])] == [community.pk]
    assert [r.pk for r in queries.approvals_pending(actor=ledger["county"])] == [summary.pk]
    assert queries.approvals_pending(actor=ledger["town_b"]) == []
    assert queries.approvals_pending(actor=ledger["head_a1"]) == []
    # a town without an officer: its communities' reports wait for the county
    User.objects.filter(pk=ledger["town_a"].pk).update(is_active=False)
    assert [r.pk for r in queries.approvals_pending(actor=ledger["county"])] == [
        community.pk,
        summary.pk,
    ]


# --- rates --------------------------------------------------------------------------------------


@pytest.fixture
def reported(ledger, tree):
    """The reports of the rates figures (see each test)."""
    community, town = ledger["community_task"], ledger["town_task"]
    make_report(community, tree["a1"], "2026", APPROVED, submitted_at=at(2026, 6, 1))
    make_report(community, tree["a2"], "2026", SUBMITTED, submitted_at=at(2026, 6, 10))
    make_report(community, tree["b1"], "2026")  # a draft: not submitted
    make_report(town, tree["town_a"], "2026Q1", SUBMITTED, submitted_at=at(2026, 4, 20))  # late
    make_report(town, tree["town_a"], "2026Q2", APPROVED, submitted_at=at(2026, 6, 14))
    make_report(town, tree["town_b"], "2026Q1", ProgressReport.Status.RETURNED)
    make_report(community, tree["a1"], "2025", APPROVED, submitted_at=at(2025, 11, 5))
    # the town's own summary of the community task: not a reporting area, never counted
    make_report(community, tree["town_a"], "2026", APPROVED, submitted_at=at(2026, 6, 12))
    return ledger


def figures(row) -> tuple:
    return (row.expected, row.submitted, row.approved, row.on_time)


def test_rates_of_the_county_by_town(reported, tree):
    rates = queries.ledger_rates(actor=reported["county"], plan_id=reported["plan"].pk)
    assert rates.selection == "2026" and rates.periods == ["2026", "2026Q1", "2026Q2"]
    by = {row.code: row for row in rates.rows}
    assert list(by) == [tree["town_a"].code, tree["town_b"].code]
    # town A: a1, a2 for 2026 and the town for Q1 and Q2
    assert figures(by[tree["town_a"].code]) == (4, 4, 2, 3)
    assert (by[tree["town_a"].code].reporting_rate, by[tree["town_a"].code].on_time_rate) == (
        100.0,
        75.0,
    )
    assert figures(by[tree["town_b"].code]) == (3, 0, 0, 0)
    assert by[tree["town_b"].code].reporting_rate == 0.0
    assert figures(rates.total) == (7, 4, 2, 3)
    assert (rates.total.reporting_rate, rates.total.on_time_rate) == (57.1, 42.9)
    assert rates.choices[:4] == ["2026", "2026Q1", "2026Q2", "2025"]
    # by task: 1.1 (a1, a2, b1 for 2026) and 2.1 (both towns for Q1 and Q2)
    assert [(t.task.number, figures(t)) for t in rates.tasks] == [
        ("1.1", (3, 2, 1, 2)),
        ("2.1", (4, 2, 1, 1)),
    ]
    assert rates.tasks[0].reporting_rate == 66.7


def test_rates_of_a_town_by_community_with_its_own_row(reported, tree):
    rates = queries.ledger_rates(actor=reported["town_a"], plan_id=reported["plan"].pk)
    assert [(r.code, r.own, figures(r)) for r in rates.rows] == [
        (tree["town_a"].code, True, (2, 2, 1, 1)),
        (tree["a1"].code, False, (1, 1, 1, 1)),
        (tree["a2"].code, False, (1, 1, 0, 1)),
    ]
    assert figures(rates.total) == (4, 4, 2, 3)  # the county's row of town A


def test_rates_of_one_period_or_another_year(reported, tree):
    plan = reported["plan"].pk
    q1 = queries.ledger_rates(actor=reported["county"], plan_id=plan, period="2026q1")
    assert q1.periods == ["2026Q1"] and figures(q1.total) == (2, 1, 0, 0)
    last = queries.ledger_rates(actor=reported["county"], plan_id=plan, period="2025")
    assert figures(last.total) == (3, 1, 1, 0)
    down = queries.ledger_rates(actor=reported["county"], plan_id=plan, area_code=tree["a1"].code)
    assert [(r.code, r.own, figures(r)) for r in down.rows] == [
        (tree["a1"].code, True, (1, 1, 1, 1))
    ]
    with pytest.raises(ActionError) as caught:
        queries.ledger_rates(actor=reported["county"], plan_id=plan, period="26")
    assert "period" in caught.value.errors
    with pytest.raises(NotFound):
        queries.ledger_rates(actor=reported["town_b"], plan_id=plan, area_code=tree["a1"].code)
    with pytest.raises(NotFound):
        queries.ledger_rates(actor=reported["other_county"], plan_id=plan)


def test_rates_read_a_fixed_number_of_queries(reported, tree, django_assert_num_queries):
    plan = reported["plan"].pk
    queries.ledger_rates(actor=reported["county"], plan_id=plan)
    with django_assert_num_queries(6):
        queries.ledger_rates(actor=reported["county"], plan_id=plan)
    for n in range(3, 13):
        make_area(f"220403002{n:03d}", f"东山{n}社区", "111")
    with django_assert_num_queries(6):
        rates = queries.ledger_rates(actor=reported["county"], plan_id=plan)
    assert figures(rates.total) == (17, 4, 2, 3)


# --- reminders ----------------------------------------------------------------------------------


def kinds(user) -> list[str]:
    return sorted(Notification.objects.filter(user=user).values_list("kind", flat=True))


def test_reminders_are_sent_once(ledger, tree):
    make_report(
        ledger["community_task"], tree["b1"], "2025", SUBMITTED, submitted_at=at(2025, 10, 1)
    )
    sent = actions.ledger_remind(now=at(2026, 6, 15))
    # overdue: 2025 of a1 and a2 (b1 submitted), 2026Q1 of both towns; 2026Q2 not yet soon
    assert sent == 4
    assert set(Reminder.objects.values_list("area_code", "period", "kind")) == {
        (tree["a1"].code, "2025", "overdue"),
        (tree["a2"].code, "2025", "overdue"),
        (tree["town_a"].code, "2026Q1", "overdue"),
        (tree["town_b"].code, "2026Q1", "overdue"),
    }
    assert kinds(ledger["head_a1"]) == ["plans.report_overdue"]
    assert kinds(ledger["town_a"]) == ["plans.report_overdue", "plans.report_overdue"]
    assert kinds(ledger["head_b1"]) == [] and kinds(ledger["county"]) == []
    assert Reminder.objects.get(area_code=tree["a2"].code).recipients == 1
    assert actions.ledger_remind(now=at(2026, 6, 16)) == 0  # each once
    assert AuditEvent.objects.filter(action="plans.ledger.remind").count() == 1

    assert actions.ledger_remind(now=at(2026, 7, 2)) == 0  # Q2 due 07-10: soon from 07-03
    assert actions.ledger_remind(now=at(2026, 7, 3)) == 2
    assert actions.ledger_remind(now=at(2026, 7, 10, 23)) == 0  # due that day: not yet late
    make_report(ledger["town_task"], tree["town_b"], "2026Q2", SUBMITTED)
    assert actions.ledger_remind(now=at(2026, 7, 11)) == 1  # town B submitted meanwhile
    assert kinds(ledger["town_b"]).count("plans.report_soon") == 1


def test_no_reminders_for_plans_not_in_force(ledger):
    Plan.objects.filter(pk=ledger["plan"].pk).update(status=Plan.Status.CLOSED)
    assert actions.ledger_remind(now=at(2026, 6, 15)) == 0
    assert not Reminder.objects.exists()


def test_reminders_reach_the_nearest_reporters(ledger, tree):
    extra = make_user("head_a2", "community_head", tree["a2"])
    actions.ledger_remind(now=at(2026, 6, 15))
    assert kinds(extra) == ["plans.report_overdue"]
    assert Notification.objects.filter(user=ledger["town_a"]).count() == 1  # only 2026Q1


def test_queue_and_task_reports_read_a_fixed_number_of_queries(
    ledger, tree, django_assert_num_queries
):
    task, town = ledger["community_task"], ledger["town_a"]
    make_report(task, tree["a1"], "2026", SUBMITTED)
    queries.approvals_pending(actor=town)
    with django_assert_num_queries(3):  # reports, holders, area names
        assert len(queries.approvals_pending(actor=town)) == 1
    with django_assert_num_queries(2):  # areas, reports
        queries.task_reports(actor=town, task=task)
    for n in range(3, 9):
        area = make_area(f"220403001{n:03d}", f"新社区{n}", "111")
        make_report(task, area, "2026", SUBMITTED)
    with django_assert_num_queries(3):
        assert len(queries.approvals_pending(actor=town)) == 7
    with django_assert_num_queries(2):
        assert len(queries.task_reports(actor=town, task=task).rows) == 9
