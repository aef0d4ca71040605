"""Monthly visit plans: generation and reruns, reassignment, runs in the background, the
command, and the sweep's reminders and overdue alerts."""

from __future__ import annotations

import datetime as dt
import io
import json
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from linli.care import actions, queries
from linli.care.models import Plan, Run, Subject, Visit, month_end
from linli.core.errors import ActionError, Conflict, Forbidden, NotFound
from linli.core.models import AuditEvent, Notification
from linli.core.roles import Role
from linli.core.scoping import SYSTEM
from linli.registry import actions as registry_actions
from linli.registry.models import GridStaff

from ..conftest import make_user

COUNTY = "220403000000"
TZ = ZoneInfo("Asia/Shanghai")
ZERO = {
    "added": 0,
    "updated": 0,
    "ended": 0,
    "plans_created": 0,
    "plans_reassigned": 0,
    "plans_updated": 0,
    "plans_dropped": 0,
}


def _generate(month, area=COUNTY, actor=SYSTEM):
    return actions.care_plan_generate(actor=actor, area_code=area, month=month)


def _next(month: dt.date) -> dt.date:
    return month_end(month) + dt.timedelta(days=1)


# --- generation ----------------------------------------------------------------------------------


def test_generation_makes_one_plan_per_person_due_at_the_month_end(roster, users, month, tree):
    assert roster["counts"] == {**ZERO, "added": 3, "plans_created": 3}
    plans = roster["plans"]
    li = plans["li"]
    assert (li.month, li.due_on, li.required, li.done, li.status) == (
        month,
        month_end(month),
        1,
        0,
        "open",
    )
    assert li.worker_id == users["grid_a1"].pk  # the grid worker on duty
    assert li.area_code == tree["grid_a1"].code
    assert plans["wang"].worker_id is None  # 王五 lives in no grid
    assert plans["zhao"].worker_id is None  # A2 has no grid
    event = AuditEvent.objects.get(action="care.plan_generate")
    assert event.extra["month"] == f"{month:%Y-%m}" and event.extra["plans_created"] == 3


def test_a_rerun_changes_nothing(roster, month):
    before = list(Plan.objects.order_by("pk").values())
    assert _generate(month) == ZERO
    assert _generate(f"{month:%Y-%m}") == ZERO
    assert list(Plan.objects.order_by("pk").values()) == before


def test_next_month_gets_its_own_plans(roster, month):
    following = _next(month)
    counts = _generate(following)
    assert counts == {**ZERO, "plans_created": 3}
    assert Plan.objects.filter(month=following).count() == 3
    assert set(Plan.objects.filter(month=following).values_list("due_on", flat=True)) == {
        month_end(following)
    }


def test_a_worker_who_leaves_hands_open_plans_to_the_next_on_duty(roster, users, tree, duty, month):
    part_timer = make_user("grid_a1_b", Role.GRID_WORKER, tree["grid_a1"])
    registry_actions.grid_staff_assign(
        actor=SYSTEM,
        grid_code=tree["grid_a1"].code,
        duty=GridStaff.Duty.PART_TIME,
        user_id=part_timer.pk,
    )
    assert _generate(month) == ZERO  # the full-time worker still serves: nothing moves
    registry_actions.grid_staff_end(actor=SYSTEM, staff_id=duty.pk)
    counts = _generate(month)
    assert counts == {**ZERO, "plans_reassigned": 1}
    assert Plan.objects.get(pk=roster["plans"]["li"].pk).worker_id == part_timer.pk
    assert _generate(month) == ZERO


def test_a_worker_whose_account_is_closed_leaves_the_plan_unassigned(roster, users, month):
    users["grid_a1"].is_active = False
    users["grid_a1"].save()
    assert _generate(month) == {**ZERO, "plans_reassigned": 1}
    assert Plan.objects.get(pk=roster["plans"]["li"].pk).worker_id is None
    assert _generate(month) == ZERO


def test_met_plans_are_never_touched(roster, homes, month, care_tags):
    wang = roster["plans"]["wang"]
    Plan.objects.filter(pk=wang.pk).update(done=1, status=Plan.Status.DONE)
    registry_actions.resident_tag_end(actor=SYSTEM, membership_id=care_tags["wang"].pk)
    counts = _generate(month)
    assert (counts["ended"], counts["plans_dropped"]) == (1, 0)
    wang.refresh_from_db()
    assert (wang.status, wang.drop_reason) == ("done", "")


def test_people_who_leave_have_their_open_plan_dropped_with_the_reason(roster, homes, month):
    today = dt.date.today()
    registry_actions.resident_record_death(
        actor=SYSTEM, resident_id=homes["people"]["li"].pk, on=today
    )
    counts = _generate(month)
    assert (counts["ended"], counts["plans_dropped"], counts["plans_created"]) == (1, 1, 0)
    plan = Plan.objects.get(pk=roster["plans"]["li"].pk)
    assert (plan.status, plan.drop_reason, plan.dropped_on) == ("dropped", "died", today)
    assert _generate(month) == ZERO
    # The next month has no plan for them.
    _generate(_next(month))
    assert not Plan.objects.filter(resident=homes["people"]["li"], month=_next(month)).exists()


@pytest.mark.parametrize("lookups", [10, 0], ids=["by-id", "by-scan"])
def test_a_move_within_the_county_moves_the_open_plan_to_the_new_worker(
    roster, homes, users, tree, month, monkeypatch, lookups
):
    from linli.care.actions import plans
    from linli.care.actions import roster as roster_actions

    monkeypatch.setattr(roster_actions, "LOOKUPS", lookups)
    monkeypatch.setattr(plans, "LOOKUPS", lookups)
    registry_actions.resident_move(
        actor=SYSTEM,
        resident_id=homes["people"]["zhao"].pk,
        household_id=homes["households"]["zhang"].pk,
    )
    counts = _generate(month, area=tree["a1"].code)
    assert counts == {**ZERO, "updated": 1, "plans_reassigned": 1}
    plan = Plan.objects.get(pk=roster["plans"]["zhao"].pk)
    assert (plan.area_code, plan.worker_id) == (tree["grid_a1"].code, users["grid_a1"].pk)
    assert _generate(month) == ZERO


def test_visits_made_before_the_plan_count_towards_it(tree, homes, policy, duty, users, month):
    subject_counts = actions.care_roster_refresh(actor=SYSTEM, area_code=COUNTY)
    assert subject_counts["added"] == 1
    subject = Subject.objects.get(resident=homes["people"]["li"])
    visit = Visit.objects.create(
        subject=subject,
        resident=subject.resident,
        area_code=subject.area_code,
        worker=users["grid_a1"],
        visited_at=dt.datetime.combine(month, dt.time(10), tzinfo=TZ),
        mode=Visit.Mode.HOME,
        saw=Visit.Saw.PERSON,
        client_key=uuid.uuid4(),
    )
    attempt = Visit.objects.create(
        subject=subject,
        resident=subject.resident,
        area_code=subject.area_code,
        worker=users["grid_a1"],
        visited_at=dt.datetime.combine(month, dt.time(11), tzinfo=TZ),
        mode=Visit.Mode.PHONE,
        saw=Visit.Saw.NOBODY,
        client_key=uuid.uuid4(),
    )
    _generate(month)
    plan = Plan.objects.get(subject=subject, month=month)
    assert (plan.done, plan.status, plan.last_visit_at) == (1, "done", visit.visited_at)
    visit.refresh_from_db()
    attempt.refresh_from_db()
    assert (visit.plan_id, attempt.plan_id) == (plan.pk, None)


def test_generation_refused_and_bad_input(roster, users, tree, month, care_counts):
    before = care_counts()
    with pytest.raises(Forbidden):
        _generate(month, area=tree["a1"].code, actor=users["worker_a1"])
    with pytest.raises(NotFound):
        _generate(month, area=tree["a2"].code, actor=users["head_a1"])
    with pytest.raises(NotFound):
        _generate(month, area=tree["a1"].code, actor=users["town_b"])
    for bad in ("2026-13", "soon", "1999-12", f"{_next(_next(month)):%Y-%m}"):
        with pytest.raises(ActionError) as exc:
            _generate(bad, area=tree["a1"].code, actor=users["head_a1"])
        assert set(exc.value.errors) == {"month"}
    assert care_counts() == before


def test_a_community_head_generates_their_community(roster, users, tree, month):
    counts = _generate(month, area=tree["a1"].code, actor=users["head_a1"])
    assert counts == ZERO


# --- reassignment --------------------------------------------------------------------------------


def test_reassign_to_a_community_care_worker_sticks_across_reruns(roster, users, month):
    plan = roster["plans"]["wang"]
    changed = actions.care_plan_reassign(
        actor=users["head_a1"], plan_id=plan.pk, worker_id=users["worker_a1"].pk
    )
    assert changed.worker_id == users["worker_a1"].pk
    note = Notification.objects.get(user=users["worker_a1"])
    assert note.kind == "care.plan_assigned"
    assert note.text == "A care visit this month has been given to you."
    event = AuditEvent.objects.get(action="care.plan_reassign")
    assert event.extra == {"from": None, "to": users["worker_a1"].pk}
    assert _generate(month) == ZERO
    assert Plan.objects.get(pk=plan.pk).worker_id == users["worker_a1"].pk


def test_reassign_refused_and_bad_input(roster, users, care_counts):
    plan = roster["plans"]["li"]
    before = care_counts()
    with pytest.raises(Forbidden):
        actions.care_plan_reassign(
            actor=users["grid_a1"], plan_id=plan.pk, worker_id=users["worker_a1"].pk
        )
    with pytest.raises(NotFound):
        actions.care_plan_reassign(
            actor=users["town_b"], plan_id=plan.pk, worker_id=users["worker_a1"].pk
        )
    for worker in (users["worker_a2"], users["town_a"], users["resident_a1"]):
        with pytest.raises(ActionError) as exc:
            actions.care_plan_reassign(actor=users["head_a1"], plan_id=plan.pk, worker_id=worker.pk)
        assert set(exc.value.errors) == {"worker_id"}
    with pytest.raises(ActionError):
        actions.care_plan_reassign(actor=users["head_a1"], plan_id=plan.pk, worker_id="x")
    Plan.objects.filter(pk=plan.pk).update(done=1, status=Plan.Status.DONE)
    with pytest.raises(Conflict):
        actions.care_plan_reassign(
            actor=users["head_a1"], plan_id=plan.pk, worker_id=users["worker_a1"].pk
        )
    assert care_counts() == before


# --- runs ----------------------------------------------------------------------------------------


def test_a_requested_run_makes_the_plans_in_the_background(
    tree, homes, policy, duty, care_tags, users, month, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run = actions.care_plan_request(actor=users["county"], area_code=COUNTY, month=month)
    run.refresh_from_db()
    assert run.status == Run.Status.DONE
    assert run.counts == {**ZERO, "added": 3, "plans_created": 3}
    assert run.created_by == users["county"] and run.finished_at is not None
    assert Plan.objects.filter(month=month).count() == 3
    page = queries.run_list(actor=users["county"])
    assert [r.pk for r in page.object_list] == [run.pk]
    assert list(queries.run_list(actor=users["town_b"]).object_list) == []


def test_a_run_waiting_blocks_a_second_request(roster, users, month, care_counts):
    actions.care_plan_request(actor=users["county"], area_code=COUNTY, month=month)
    before = care_counts()
    with pytest.raises(Conflict):
        actions.care_plan_request(actor=users["county"], area_code=COUNTY, month=month)
    with pytest.raises(Forbidden):
        actions.care_plan_request(actor=users["worker_a1"], area_code="220403001001", month=month)
    assert care_counts() == before


def test_a_run_fails_cleanly_when_the_requester_lost_the_right(roster, users, tree, month):
    run = actions.care_plan_request(actor=users["head_a1"], area_code=tree["a1"].code, month=month)
    users["head_a1"].assignments.all().delete()
    finished = actions.care_plan_run(run_id=run.pk)
    assert finished.status == Run.Status.FAILED
    assert finished.message
    assert actions.care_plan_run(run_id=run.pk) is None  # only queued runs run


def test_the_command_makes_plans_now(tree, homes, policy, duty, care_tags, month):
    out = io.StringIO()
    call_command("care_plans", month=f"{month:%Y-%m}", stdout=out)
    line = json.loads(out.getvalue().strip())
    assert line["area"] == COUNTY and line["status"] == "done"
    assert line["counts"]["plans_created"] == 3
    out = io.StringIO()
    call_command("care_plans", month=f"{month:%Y-%m}", area="220403001001", stdout=out)
    assert json.loads(out.getvalue())["counts"] == ZERO
    assert Run.objects.filter(status=Run.Status.DONE).count() == 2
    with pytest.raises(CommandError):
        call_command("care_plans", month="2026-99", area="220403", stdout=io.StringIO())


# --- plans lists ---------------------------------------------------------------------------------


def test_plan_lists(roster, users, month, tree, django_assert_num_queries):
    from linli.core import scoping

    scoping.grants(users["town_a"])
    with django_assert_num_queries(2):
        rows = list(queries.plan_list(actor=users["town_a"], month=month).object_list)
    assert [p.resident.name for p in rows] == ["王五", "李四", "赵六"]
    assert rows[1].worker == users["grid_a1"]
    unassigned = queries.plan_list(actor=users["town_a"], month=month, unassigned=True)
    assert [p.resident.name for p in unassigned.object_list] == ["王五", "赵六"]
    mine = queries.plans_due(actor=users["grid_a1"])
    assert [p.resident.name for p in mine] == ["李四"]
    assert queries.plans_due(actor=users["worker_a2"], worker=users["grid_a1"]) == []
    assert list(queries.plan_list(actor=users["town_b"], month=month).object_list) == []
    Plan.objects.filter(pk=roster["plans"]["zhao"].pk).update(done=1, status="done")
    left = queries.not_visited(actor=users["town_a"], month=month, area_code=tree["town_a"].code)
    assert [p.resident.name for p in left.object_list] == ["王五", "李四"]
    assert left.object_list[0].days_left() == (month_end(month) - dt.date.today()).days
    with pytest.raises(ActionError):
        queries.plan_list(actor=users["town_a"], month=month, status="lost")


# --- the sweep -----------------------------------------------------------------------------------


def _at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=TZ)


def test_sweep_reminds_each_worker_once_with_the_count(roster, users, tree, month):
    now = _at(month_end(month) - dt.timedelta(days=2))
    Plan.objects.filter(pk=roster["plans"]["wang"].pk).update(worker=users["grid_a1"])
    result = actions.care_sweep(now=now)
    assert result["reminded"] == 2  # unassigned plans remind nobody (the rate page lists them)
    notes = Notification.objects.filter(kind="care.visits_due")
    assert [(n.user, n.text) for n in notes] == [
        (users["grid_a1"], "2 people are still to be visited this month.")
    ]
    assert Plan.objects.filter(reminded_at=now).count() == 2
    assert actions.care_sweep(now=now + dt.timedelta(hours=1))["reminded"] == 0
    assert Notification.objects.filter(kind="care.visits_due").count() == 1


def test_sweep_sends_no_reminder_early_or_for_met_plans(roster, users, month):
    Plan.objects.filter(pk=roster["plans"]["wang"].pk).update(worker=users["worker_a1"])
    Plan.objects.filter(pk=roster["plans"]["li"].pk).update(done=1, status="done")
    assert actions.care_sweep(now=_at(month_end(month) - dt.timedelta(days=5)))["reminded"] == 0
    assert actions.care_sweep(now=_at(month_end(month)))["reminded"] == 1
    assert Notification.objects.get(kind="care.visits_due").user == users["worker_a1"]


def test_sweep_alerts_overdue_plans_to_worker_and_community_heads(roster, users, month):
    now = _at(_next(month) + dt.timedelta(days=1))
    result = actions.care_sweep(now=now)
    assert result["overdue"] == 3
    worker = Notification.objects.get(user=users["grid_a1"], kind="care.visits_overdue")
    assert worker.text == "1 person you look after was not visited enough last month."
    head = Notification.objects.get(user=users["head_a1"], kind="care.visits_overdue")
    assert head.text == "2 people in your community were not visited enough last month."
    assert not Notification.objects.filter(user=users["worker_a2"]).exists()
    assert actions.care_sweep(now=now + dt.timedelta(days=1))["overdue"] == 0
    assert Notification.objects.filter(kind="care.visits_overdue").count() == 2


def test_sweep_queues_each_county_month_once(roster, month):
    now = _at(_next(month))
    assert actions.care_sweep(now=now)["runs_queued"] == 1
    run = Run.objects.get()
    assert (run.area_code, run.month, run.status, run.created_by) == (
        COUNTY,
        _next(month),
        Run.Status.QUEUED,
        None,
    )
    assert actions.care_sweep(now=now)["runs_queued"] == 0
    finished = actions.care_plan_run(run_id=run.pk)
    assert finished.status == Run.Status.DONE
    assert finished.counts["plans_created"] == 3
