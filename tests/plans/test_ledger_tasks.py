"""The task table of a plan: periods and due dates, adding, changing and removing tasks and
milestones — by those who manage the plan, never on a template, nothing written on bad
input."""

from __future__ import annotations

import datetime as dt

import pytest

from linli.core.errors import ActionError, Conflict, Forbidden, NotFound
from linli.core.models import AuditEvent
from linli.plans.actions import ledger as actions
from linli.plans.models import Milestone, Plan, PlanTask, ProgressReport
from linli.plans.queries import ledger as queries
from tests.plans.ledger_fixtures import (  # noqa: F401 (fixtures)
    clock_fixture,
    ledger_fixture,
    make_plan,
    make_report,
    make_task,
)

pytestmark = pytest.mark.django_db


def fields(**extra) -> dict:
    values = {
        "number": "3.1",
        "title": "建设社区志愿服务站",
        "group": "重点任务三",
        "requirement": "每个社区至少建成一个志愿服务站。",
        "lead_units": "区民政局",
        "co_units": "团区委",
        "report_level": 5,
        "frequency": "half",
        "due_month": 12,
        "due_day": 15,
        "first_year": 2026,
        "last_year": 2027,
    }
    values.update(extra)
    return values


# --- periods and due dates ----------------------------------------------------------------------


def test_periods_and_due_dates(ledger):
    yearly, quarterly = ledger["community_task"], ledger["town_task"]
    assert queries.task_periods(yearly) == ["2025", "2026", "2027"]
    assert queries.task_periods(quarterly)[:5] == ["2026Q1", "2026Q2", "2026Q3", "2026Q4", "2027Q1"]
    assert queries.period_due(yearly, "2026") == dt.date(2026, 10, 31)
    assert queries.period_due(quarterly, "2026Q1") == dt.date(2026, 4, 10)
    assert queries.period_due(quarterly, "2026Q4") == dt.date(2027, 1, 10)
    half = PlanTask(frequency="half", due_month=1, due_day=31, first_year=2026, last_year=2026)
    assert queries.task_periods(half) == ["2026H1", "2026H2"]
    assert queries.period_due(half, "2026H1") == dt.date(2026, 7, 31)
    assert queries.period_due(half, "2026H2") == dt.date(2027, 1, 31)
    short = PlanTask(frequency="quarter", due_day=31, first_year=2026, last_year=2026)
    assert queries.period_due(short, "2026Q3") == dt.date(2026, 10, 31)
    assert queries.period_due(short, "2026Q1") == dt.date(2026, 4, 30)  # April has 30 days
    assert queries.period_range("2026H2") == (dt.date(2026, 7, 1), dt.date(2026, 12, 31))
    assert queries.period_label("2026Q3") == "2026, quarter 3"
    day = dt.date(2026, 6, 15)
    assert queries.open_periods(yearly, day) == ["2025", "2026"]
    assert queries.open_periods(quarterly, day) == ["2026Q1", "2026Q2"]
    assert queries.open_periods(quarterly, dt.date(2026, 2, 1)) == ["2026Q1"]  # no 2025Q4


def test_reporting_levels_run_from_the_task_up_to_the_jurisdiction(ledger):
    plan = ledger["plan"]
    assert queries.report_levels(ledger["community_task"], plan) == [4, 5]
    assert queries.report_levels(ledger["town_task"], plan) == [4]
    county_task = make_task(plan, "9.1", report_level=3)
    assert queries.report_levels(county_task, plan) == [3]
    assert queries.approval_of(plan, "220403001001") == ("plan.approve", "220403001000")
    assert queries.approval_of(plan, "220403001000") == ("plan.approve", "220403000000")
    assert queries.approval_of(plan, "220403000000") == ("plan.manage", "220403000000")


# --- tasks --------------------------------------------------------------------------------------


def test_county_officer_adds_a_task(ledger):
    plan = ledger["plan"]
    task = actions.task_create(actor=ledger["county"], plan_id=plan.pk, **fields())
    assert (task.number, task.report_level, task.frequency) == ("3.1", 5, "half")
    assert task.position == 22  # after 2.1 (position 21)
    event = AuditEvent.objects.get(action="plans.task.create")
    assert event.target_id == str(task.pk) and event.extra["plan"] == plan.pk


@pytest.mark.parametrize(
    ("who", "error"),
    [("town_a", Forbidden), ("head_a1", Forbidden), ("other_county", NotFound)],
)
def test_only_those_who_manage_the_plan_add_tasks(ledger, who, error):
    with pytest.raises(error):
        actions.task_create(actor=ledger[who], plan_id=ledger["plan"].pk, **fields())
    assert not PlanTask.objects.filter(plan=ledger["plan"], number="3.1").exists()
    assert not AuditEvent.objects.filter(action="plans.task.create").exists()


def test_no_task_on_a_template_or_a_closed_plan(ledger):
    with pytest.raises(Conflict, match="template"):
        actions.task_create(actor=ledger["county"], plan_id=ledger["template"].pk, **fields())
    closed = make_plan(ledger["tree"]["county"], status=Plan.Status.CLOSED, title="旧规划")
    with pytest.raises(Conflict, match="closed"):
        actions.task_create(actor=ledger["county"], plan_id=closed.pk, **fields())
    assert not PlanTask.objects.filter(number="3.1", plan__area_code="220403000000").exists()


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"number": ""}, "number"),
        ({"title": "x" * 201}, "title"),
        ({"lead_units": " "}, "lead_units"),
        ({"report_level": 2}, "report_level"),
        ({"report_level": 6}, "report_level"),
        ({"frequency": "monthly"}, "frequency"),
        ({"due_month": 13}, "due_month"),
        ({"due_month": 2, "due_day": 29}, "due_day"),
        ({"due_month": 4, "due_day": 31}, "due_day"),
        ({"first_year": 2024}, "first_year"),
        ({"last_year": 2028}, "last_year"),
        ({"first_year": 2027, "last_year": 2026}, "last_year"),
        ({"due_day": "x"}, "due_day"),
    ],
)
def test_bad_task_input_names_the_field_and_writes_nothing(ledger, bad, field):
    with pytest.raises(ActionError) as caught:
        actions.task_create(actor=ledger["county"], plan_id=ledger["plan"].pk, **fields(**bad))
    assert field in caught.value.errors
    assert PlanTask.objects.filter(plan=ledger["plan"]).count() == 2


def test_report_level_at_or_below_the_jurisdiction(ledger, tree, users):
    town_plan = make_plan(tree["town_a"], title="仙城街道实施方案")
    with pytest.raises(ActionError) as caught:
        actions.task_create(actor=users["county"], plan_id=town_plan.pk, **fields(report_level=3))
    assert "report_level" in caught.value.errors


def test_number_is_unique_in_the_plan(ledger):
    with pytest.raises(Conflict) as caught:
        actions.task_create(
            actor=ledger["county"], plan_id=ledger["plan"].pk, **fields(number="1.1")
        )
    assert "number" in caught.value.errors


def test_update_a_task_and_move_due_dates_of_open_reports(ledger, tree):
    task = ledger["community_task"]
    draft = make_report(task, tree["a1"], "2026")
    sent = make_report(task, tree["b1"], "2026", "submitted")
    changed = actions.task_update(
        actor=ledger["county"],
        task_id=task.pk,
        **fields(
            number="1.1",
            report_level=5,
            frequency="year",
            due_month=11,
            due_day=30,
            first_year=2025,
            last_year=2027,
        ),
    )
    assert (changed.due_month, changed.due_day, changed.title) == (11, 30, "建设社区志愿服务站")
    draft.refresh_from_db()
    sent.refresh_from_db()
    assert draft.due_on == dt.date(2026, 11, 30)
    assert sent.due_on == dt.date(2026, 10, 31)  # submitted: judged against the old date
    assert AuditEvent.objects.get(action="plans.task.update").extra["due_moved"] == 1


def test_a_reported_task_keeps_its_level_frequency_and_years(ledger, tree):
    task = ledger["community_task"]
    make_report(task, tree["a1"], "2025")
    with pytest.raises(ActionError) as caught:
        actions.task_update(
            actor=ledger["county"],
            task_id=task.pk,
            **fields(number="1.1", report_level=4, frequency="quarter", first_year=2026),
        )
    assert {"report_level", "frequency", "first_year"} <= set(caught.value.errors)
    task.refresh_from_db()
    assert (task.report_level, task.frequency, task.first_year) == (5, "year", 2025)


def test_remove_a_task_only_before_any_report(ledger, tree):
    town = ledger["town_task"]
    with pytest.raises(Forbidden):
        actions.task_remove(actor=ledger["town_a"], task_id=town.pk)
    task = ledger["community_task"]
    make_report(task, tree["a1"], "2026")
    with pytest.raises(Conflict, match="1 reports"):
        actions.task_remove(actor=ledger["county"], task_id=task.pk)
    assert PlanTask.objects.filter(pk=task.pk).exists()
    actions.task_remove(actor=ledger["county"], task_id=town.pk)
    assert not PlanTask.objects.filter(pk=town.pk).exists()
    assert AuditEvent.objects.filter(action="plans.task.remove").count() == 1
    with pytest.raises(NotFound):
        actions.task_remove(actor=ledger["county"], task_id=town.pk)


def test_template_tasks_cannot_change(ledger):
    with pytest.raises(Conflict):
        actions.task_update(
            actor=ledger["county"], task_id=ledger["template_task"].pk, **fields(number="1.1")
        )
    with pytest.raises(Conflict):
        actions.task_remove(actor=ledger["county"], task_id=ledger["template_task"].pk)


# --- milestones ---------------------------------------------------------------------------------


def test_milestones(ledger):
    task = ledger["community_task"]
    milestone = actions.milestone_add(
        actor=ledger["county"], task_id=task.pk, year=2026, title="完成选址", due_on="2026-05-31"
    )
    assert milestone.due_on == dt.date(2026, 5, 31)
    for bad, field in [
        ({"year": 2028}, "year"),
        ({"due_on": "2027-01-01"}, "due_on"),
        ({"due_on": "2026-02-30"}, "due_on"),
        ({"due_on": ""}, "due_on"),
        ({"title": ""}, "title"),
    ]:
        values = {"year": 2026, "title": "建成", "due_on": "2026-09-30", **bad}
        with pytest.raises(ActionError) as caught:
            actions.milestone_add(actor=ledger["county"], task_id=task.pk, **values)
        assert field in caught.value.errors
    with pytest.raises(Forbidden):
        actions.milestone_add(
            actor=ledger["town_a"], task_id=task.pk, year=2026, title="x", due_on="2026-09-30"
        )
    assert Milestone.objects.count() == 1
    with pytest.raises(Forbidden):
        actions.milestone_remove(actor=ledger["town_a"], milestone_id=milestone.pk)
    assert actions.milestone_remove(actor=ledger["county"], milestone_id=milestone.pk) == task
    assert not Milestone.objects.exists()
    with pytest.raises(NotFound):
        actions.milestone_remove(actor=ledger["county"], milestone_id=milestone.pk)
    assert AuditEvent.objects.filter(action__startswith="plans.milestone.").count() == 2


def test_milestones_keep_the_task_years(ledger):
    task = ledger["community_task"]
    actions.milestone_add(
        actor=ledger["county"], task_id=task.pk, year=2025, title="启动", due_on="2025-12-31"
    )
    with pytest.raises(ActionError) as caught:
        actions.task_update(
            actor=ledger["county"],
            task_id=task.pk,
            **fields(number="1.1", frequency="year", first_year=2026),
        )
    assert "first_year" in caught.value.errors
    assert not ProgressReport.objects.exists()


def test_update_refused_or_bad_changes_nothing(ledger):
    task = ledger["community_task"]
    same = fields(number="1.1", frequency="year", first_year=2025)
    with pytest.raises(Forbidden):
        actions.task_update(actor=ledger["town_a"], task_id=task.pk, **same)
    with pytest.raises(NotFound):
        actions.task_update(actor=ledger["other_county"], task_id=task.pk, **same)
    with pytest.raises(ActionError) as caught:
        actions.task_update(actor=ledger["county"], task_id=task.pk, **{**same, "due_day": 32})
    assert "due_day" in caught.value.errors
    with pytest.raises(Conflict):
        actions.task_update(actor=ledger["county"], task_id=task.pk, **{**same, "number": "2.1"})
    task.refresh_from_db()
    assert (task.number, task.title, task.due_day) == ("1.1", "建设城乡社区综合服务设施", 31)
    assert not AuditEvent.objects.filter(action="plans.task.update").exists()
