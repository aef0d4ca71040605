"""Grid tasks: assigned only under an item of the county's list in force, to the assigner's own
grids and communities; done by the grid, cancelled by the assigner or those above."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from linli.core.errors import ActionError, Conflict, Forbidden, NotFound
from linli.core.models import AuditEvent, Notification
from linli.core.scoping import SYSTEM
from linli.gridwork import actions, queries
from linli.gridwork.models import Task
from linli.registry import actions as registry_actions
from linli.registry.models import GridStaff

from ..conftest import make_user


def _told(user, kind="grid.task") -> list[Notification]:
    return list(Notification.objects.filter(user=user, kind=kind))


# --- assigning --------------------------------------------------------------------------------


def test_county_assigns_one_task_per_place_in_one_batch(tree, users, items, duty, assign):
    due = timezone.localdate() + dt.timedelta(days=5)
    tasks = assign(areas=[tree["grid_a1"].code, tree["a2"].code, "220403001001001"], due_on=due)
    assert [t.area_code for t in tasks] == [tree["grid_a1"].code, tree["a2"].code]
    assert len({t.batch for t in tasks}) == 1 and tasks[0].batch is not None
    for task in tasks:
        assert task.item == items["XZ-01"] and task.status == "open" and task.due_on == due
        assert task.assigned_by == users["county"]
    assert AuditEvent.objects.filter(action="task.assign").count() == 2
    # The grid's worker on duty, and the neighbouring community's workers, are told.
    told = _told(users["grid_a1"])
    assert len(told) == 1 and told[0].url == f"/grid/tasks/{tasks[0].pk}/"
    assert "入户核查独居老人燃气安全" in told[0].text
    assert len(_told(users["worker_a2"])) == 1
    assert not _told(users["worker_a1"])  # a1's community has no task, only its grid


def test_part_time_workers_on_duty_are_told_and_those_whose_duty_ended_are_not(
    tree, users, items, assign
):
    part_timer = make_user("part_timer", "grid_worker", tree["grid_a1"])
    gone = make_user("gone", "grid_worker", tree["grid_a1"])
    registry_actions.grid_staff_assign(
        actor=SYSTEM,
        grid_code=tree["grid_a1"].code,
        duty=GridStaff.Duty.PART_TIME,
        user_id=part_timer.pk,
    )
    ended = registry_actions.grid_staff_assign(
        actor=SYSTEM,
        grid_code=tree["grid_a1"].code,
        duty=GridStaff.Duty.GRID_WORKER,
        user_id=gone.pk,
        started_on="2024-01-01",
    )
    registry_actions.grid_staff_end(actor=SYSTEM, staff_id=ended.pk, ended_on="2024-06-30")
    assign()
    assert len(_told(part_timer)) == 1
    assert not _told(gone)


def test_community_head_assigns_within_the_community_only(tree, users, items, duty, assign, counts):
    head = users["head_a1"]
    task = assign(actor=head, item="LZ-02", areas=[tree["a1"].code])[0]
    assert task.area_code == tree["a1"].code
    assert {n.user for n in Notification.objects.filter(kind="grid.task")} == {
        users["worker_a1"],
        users["head_a1"],
    }
    before = counts()
    with pytest.raises(Forbidden):
        assign(actor=head, areas=[tree["grid_a1"].code, tree["a2"].code])
    assert counts() == before


def test_department_officer_assigns_under_the_list_to_its_county(tree, users, items, duty, assign):
    tasks = assign(actor=users["dept"], item="XZ-15", areas=[tree["grid_a1"].code, tree["b1"].code])
    assert len(tasks) == 2


def test_a_department_cannot_name_another_countys_item(tree, users, other_county, items, counts):
    before = counts()
    with pytest.raises(NotFound) as caught:
        actions.task_assign(
            actor=users["dept"],
            item_id=other_county["item"].pk,
            area_codes=[tree["grid_a1"].code],
            title="检查",
        )
    assert "work-item list" in str(caught.value.message)
    assert counts() == before


def test_no_task_outside_the_county_whose_list_names_the_item(
    tree, users, items, other_county, prefecture, counts
):
    before = counts()
    with pytest.raises(ActionError) as caught:
        actions.task_assign(
            actor=prefecture,
            item_id=items["XZ-01"].pk,
            area_codes=[tree["grid_a1"].code, other_county["community"].code],
            title="探访",
        )
    assert caught.value.code == "outside-list"
    message = str(caught.value.message)
    assert "work-item list" in message and "西安区" in message and "220402001001" in message
    assert counts() == before


def test_no_task_under_a_withdrawn_item(tree, users, items, assign, counts):
    actions.workitem_withdraw(actor=users["county"], item_id=items["XZ-09"].pk)
    before = counts()
    with pytest.raises(ActionError) as caught:
        assign(item="XZ-09")
    assert caught.value.code == "outside-list"
    assert "withdrawn from the community work-item list" in str(caught.value.message)
    assert caught.value.errors.keys() == {"item"}
    assert counts() == before


@pytest.mark.parametrize("who", ["grid_a1", "worker_a1", "resident_a1", "secadmin"])
def test_those_who_do_not_assign_cannot(users, items, assign, counts, who):
    before = counts()
    with pytest.raises((Forbidden, NotFound)):
        assign(actor=users[who])
    assert counts() == before


def test_town_b_cannot_assign_in_town_a(users, tree, items, assign, counts):
    before = counts()
    with pytest.raises(Forbidden):
        assign(actor=users["town_b"], areas=[tree["b1"].code, tree["a1"].code])
    assert counts() == before


@pytest.mark.parametrize(
    "areas, field",
    [
        ([], "area_codes"),
        ("220403001001001", "area_codes"),
        (["abc"], "area_codes"),
        (["220403001"], "area_codes"),  # a town, not a grid or community
        (["220403001009"], "area_codes"),  # no such community
    ],
)
def test_places_must_be_grids_or_communities(users, items, assign, counts, areas, field):
    before = counts()
    with pytest.raises(ActionError) as caught:
        assign(areas=areas)
    assert field in caught.value.errors
    assert counts() == before


def test_bad_task_input_names_the_fields(users, items, assign, counts):
    before = counts()
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    with pytest.raises(ActionError) as caught:
        assign(title=" ", description="x" * 2001, due_on=yesterday)
    assert set(caught.value.errors) == {"title", "description", "due_on"}
    with pytest.raises(NotFound):
        assign(item=987654)
    assert counts() == before


# --- doing ------------------------------------------------------------------------------------


def test_the_grid_worker_marks_a_task_done_and_the_assigner_is_told(users, items, duty, assign):
    task = assign()[0]
    done = actions.task_done(actor=users["grid_a1"], task_id=task.pk, result="已入户检查12户")
    assert done.status == "done" and done.done_by == users["grid_a1"] and done.done_at
    assert done.result == "已入户检查12户"
    assert len(_told(users["county"], "grid.task_done")) == 1
    assert AuditEvent.objects.filter(action="task.done", target_id=str(task.pk)).exists()
    with pytest.raises(Conflict):
        actions.task_done(actor=users["grid_a1"], task_id=task.pk, result="再次")


def test_community_worker_does_the_tasks_of_its_grids(users, items, assign):
    task = assign()[0]
    assert (
        actions.task_done(actor=users["worker_a1"], task_id=task.pk, result="完成").status == "done"
    )


def test_others_cannot_mark_done(users, items, assign, counts):
    task = assign()[0]
    before = counts()
    with pytest.raises(NotFound):
        actions.task_done(actor=users["worker_a2"], task_id=task.pk, result="完成")
    with pytest.raises(Forbidden):  # sees it (assigns there), does no grid work
        actions.task_done(actor=users["town_a"], task_id=task.pk, result="完成")
    with pytest.raises(ActionError) as caught:
        actions.task_done(actor=users["grid_a1"], task_id=task.pk, result="  ")
    assert caught.value.errors == {"result": ["Please write something here."]}
    with pytest.raises(NotFound):
        actions.task_done(actor=users["grid_a1"], task_id="x", result="完成")
    assert counts() == before


# --- cancelling -------------------------------------------------------------------------------


def test_the_assigner_cancels_and_the_grid_is_told(users, items, duty, assign):
    task = assign()[0]
    cancelled = actions.task_cancel(actor=users["county"], task_id=task.pk, reason="重复派发")
    assert cancelled.status == "cancelled" and cancelled.result == "重复派发"
    assert len(_told(users["grid_a1"], "grid.task_cancelled")) == 1
    with pytest.raises(Conflict):
        actions.task_cancel(actor=users["county"], task_id=task.pk, reason="again")


def test_a_community_cannot_cancel_what_the_county_gave_it(users, items, assign, counts):
    task = assign()[0]
    before = counts()
    with pytest.raises(Forbidden):
        actions.task_cancel(actor=users["head_a1"], task_id=task.pk, reason="不属于社区")
    with pytest.raises(Forbidden):
        actions.task_cancel(actor=users["worker_a1"], task_id=task.pk, reason="不属于社区")
    with pytest.raises(Forbidden):  # the town is below the county that assigned it
        actions.task_cancel(actor=users["town_a"], task_id=task.pk, reason="x")
    with pytest.raises(NotFound):
        actions.task_cancel(actor=users["town_b"], task_id=task.pk, reason="x")
    assert counts() == before


def test_the_town_may_cancel_what_a_community_head_gave(users, tree, items, assign):
    task = assign(actor=users["head_a1"], areas=[tree["grid_a1"].code])[0]
    cancelled = actions.task_cancel(actor=users["town_a"], task_id=task.pk, reason="由街道统一安排")
    assert cancelled.status == "cancelled"
    other = assign(actor=users["head_a1"], areas=[tree["grid_a1"].code])[0]
    with pytest.raises(ActionError) as caught:
        actions.task_cancel(actor=users["head_a1"], task_id=other.pk, reason="")
    assert caught.value.errors == {"reason": ["Please write something here."]}
    own = actions.task_cancel(actor=users["head_a1"], task_id=other.pk, reason="已合并")
    assert own.status == "cancelled"


# --- reading ----------------------------------------------------------------------------------


def test_who_sees_which_tasks(tree, users, items, assign):
    a1 = assign(areas=[tree["grid_a1"].code])[0]
    b1 = assign(areas=[tree["b1"].code])[0]
    seen = {who: set(queries.task_list(actor=users[who])) for who in users}
    assert seen["grid_a1"] == {a1} and seen["worker_a1"] == {a1} and seen["head_a1"] == {a1}
    assert seen["worker_a2"] == set() and seen["resident_a1"] == set()
    assert seen["town_a"] == {a1} and seen["town_b"] == {b1}
    assert seen["county"] == {a1, b1} and seen["dept"] == {a1, b1}
    assert seen["secadmin"] == set() and seen["auditor"] == set()
    with pytest.raises(NotFound):
        queries.task_get(actor=users["worker_a2"], task_id=a1.pk)


def test_task_filters_and_order(tree, users, items, assign):
    today = timezone.localdate()
    later = assign(due_on=today + dt.timedelta(days=9))[0]
    sooner = assign(item="XZ-10", due_on=today + dt.timedelta(days=2))[0]
    undated = assign(areas=[tree["a2"].code])[0]
    late = assign(due_on=today)[0]
    Task.objects.filter(pk=late.pk).update(due_on=today - dt.timedelta(days=1))
    mine = assign(actor=users["head_a1"], areas=[tree["a1"].code])[0]
    done = assign()[0]
    actions.task_done(actor=users["grid_a1"], task_id=done.pk, result="好")
    county = users["county"]

    assert list(queries.task_list(actor=county, filters={"status": "open"})) == [
        late,
        sooner,
        later,
        undated,
        mine,
    ]
    assert list(queries.task_list(actor=county, filters={"overdue": "1"})) == [late]
    assert list(queries.task_list(actor=county, filters={"status": "done"})) == [done]
    assert set(queries.task_list(actor=county, filters={"item": items["XZ-10"].pk})) == {sooner}
    assert set(queries.task_list(actor=county, filters={"area": tree["a2"].code})) == {undated}
    assert set(queries.task_list(actor=users["head_a1"], filters={"mine": "1"})) == {mine}
    assert set(queries.task_list(actor=county, filters={"batch": str(later.batch)})) == {later}
    assert queries.task_counts(actor=county) == {"open": 5, "overdue": 1, "mine": 4}
    for bad in ({"status": "later"}, {"area": "x"}, {"item": "x"}, {"batch": "x"}):
        with pytest.raises(ActionError):
            queries.task_list(actor=county, filters=bad)


def test_a_page_of_tasks_reads_in_bounded_queries(
    tree, users, items, assign, django_assert_num_queries
):
    actor = users["county"]

    def page() -> int:
        rows = queries.task_rows(queries.task_list(actor=actor, filters={"status": "open"}))
        return len(queries.with_area_names(rows[:50]))

    assign()
    queries.task_counts(actor=actor)  # grants cached, as in a request
    with django_assert_num_queries(2):  # the rows with their items and assigners; area names
        assert page() == 1
    assign(areas=[tree["grid_a1"].code, tree["a2"].code, tree["b1"].code])
    with django_assert_num_queries(2):
        assert page() == 4


def test_assign_form_choices(tree, users, items):
    targets = queries.task_targets(actor=users["town_a"])
    codes = [code for _label, options in targets for code, _name in options]
    assert codes == [tree["a1"].code, tree["grid_a1"].code, tree["a2"].code]
    assert queries.task_targets(actor=users["grid_a1"]) == []
    assert len(queries.assignable_items(actor=users["head_a1"])) == len(items)
    assert queries.assignable_items(actor=users["worker_a1"]) == []
