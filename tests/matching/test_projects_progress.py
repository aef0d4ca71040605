"""A project's milestones (shares of the work ≤ 100 %) and its progress updates: the project's
progress and status follow the latest update; done ⇒ 100 %; progress goes down only when the
reporter says so; the milestones done offer the next progress."""

from __future__ import annotations

import datetime as dt

import pytest

from linli.core.errors import ActionError, Conflict, Forbidden, NotFound
from linli.core.models import AuditEvent, Notification
from linli.matching.actions import projects as actions
from linli.matching.models import ProjectMilestone, ProjectUpdate
from linli.matching.queries import projects as queries

from .fixtures_projects import *  # noqa: F403 (the fixtures)
from .fixtures_projects import counts, make_project, today

pytestmark = pytest.mark.django_db


# --- milestones -----------------------------------------------------------------------------------


def test_milestones_are_added_in_order_changed_and_removed(users, tree):
    head = users["head_a1"]
    project = make_project(head, tree["a1"])
    first = actions.milestone_add(actor=head, project_id=project.pk, title="选址", weight="40")
    second = actions.milestone_add(
        actor=head, project_id=project.pk, title="施工", weight=60, due_on="2026-09-30"
    )
    assert (first.position, second.position) == (0, 1)
    assert second.due_on == dt.date(2026, 9, 30) and second.area_code == project.area_code
    changed = actions.milestone_update(
        actor=head,
        project_id=project.pk,
        milestone_id=second.pk,
        title="施工和验收",
        weight=50,
        note="施工方：某建筑公司",
    )
    assert (changed.title, changed.weight, changed.due_on) == ("施工和验收", 50, None)
    actions.milestone_remove(actor=head, project_id=project.pk, milestone_id=first.pk)
    assert list(project.milestones.values_list("title", flat=True)) == ["施工和验收"]
    assert [
        e.action
        for e in AuditEvent.objects.filter(action__startswith="project.mile").order_by("id")
    ] == [
        "project.milestone_add",
        "project.milestone_add",
        "project.milestone_update",
        "project.milestone_remove",
    ]


def test_shares_of_the_work_add_up_to_100_at_most(users, a1_project):
    head = users["head_a1"]
    before = counts()
    with pytest.raises(ActionError) as refused:
        actions.milestone_add(actor=head, project_id=a1_project.pk, title="验收", weight=1)
    assert refused.value.errors == {
        "weight": ["The other milestones take 100% of the work: this one can have 0% at most."]
    }
    assert counts() == before
    actions.milestone_add(actor=head, project_id=a1_project.pk, title="验收", weight=0)
    trial = a1_project.milestones.get(title="试运营")
    with pytest.raises(ActionError) as refused:  # 30 + 50 + 21 > 100
        actions.milestone_update(
            actor=head, project_id=a1_project.pk, milestone_id=trial.pk, title="试运营", weight=21
        )
    assert "this one can have 20% at most" in refused.value.errors["weight"][0]


def test_bad_milestone_input_names_every_field(users, a1_project):
    before = counts()
    with pytest.raises(ActionError) as refused:
        actions.milestone_add(
            actor=users["head_a1"],
            project_id=a1_project.pk,
            title="电话 13812345678",
            due_on="next week",
            weight="150",
            note="x" * 201,
        )
    assert set(refused.value.errors) == {"title", "due_on", "weight", "note"}
    assert refused.value.errors["weight"] == ["Enter a whole number from 0 to 100."]
    assert counts() == before


def test_milestones_are_refused_to_others(users, a1_project, b1_project):
    milestone = a1_project.milestones.first()
    with pytest.raises(Forbidden):
        actions.milestone_add(actor=users["worker_a1"], project_id=a1_project.pk, title="x")
    with pytest.raises(NotFound):
        actions.milestone_add(actor=users["worker_a2"], project_id=a1_project.pk, title="x")
    with pytest.raises(NotFound):
        actions.milestone_remove(
            actor=users["town_b"], project_id=a1_project.pk, milestone_id=milestone.pk
        )
    with pytest.raises(NotFound):  # a milestone of another project
        actions.milestone_remove(
            actor=users["county"], project_id=b1_project.pk, milestone_id=milestone.pk
        )
    assert ProjectMilestone.objects.filter(pk=milestone.pk).exists()


def test_a_milestone_is_done_today_or_on_a_day_past_and_can_be_reopened(users, a1_project):
    head = users["head_a1"]
    build = a1_project.milestones.get(title="装修和设备采购")
    done = actions.milestone_complete(
        actor=head, project_id=a1_project.pk, milestone_id=build.pk, done_on="2026-01-05"
    )
    assert done.done_on == dt.date(2026, 1, 5)
    with pytest.raises(Conflict):
        actions.milestone_complete(actor=head, project_id=a1_project.pk, milestone_id=build.pk)
    reopened = actions.milestone_complete(
        actor=head, project_id=a1_project.pk, milestone_id=build.pk, done=False
    )
    assert reopened.done_on is None
    with pytest.raises(ActionError) as refused:
        actions.milestone_complete(
            actor=head,
            project_id=a1_project.pk,
            milestone_id=build.pk,
            done_on=today() + dt.timedelta(days=1),
        )
    assert set(refused.value.errors) == {"done_on"}
    build.refresh_from_db()
    assert build.done_on is None
    today_done = actions.milestone_complete(
        actor=head, project_id=a1_project.pk, milestone_id=build.pk
    )
    assert today_done.done_on == today()


def test_the_milestones_done_give_the_progress_offered(users, tree, a1_project):
    assert queries.milestone_progress(a1_project.pk) == 30
    build = a1_project.milestones.get(title="装修和设备采购")
    actions.milestone_complete(
        actor=users["head_a1"], project_id=a1_project.pk, milestone_id=build.pk
    )
    assert queries.milestone_progress(a1_project.pk) == 80
    bare = make_project(users["head_a1"], tree["a1"], name="无权重项目")
    actions.milestone_add(actor=users["head_a1"], project_id=bare.pk, title="一步")
    assert queries.milestone_progress(bare.pk) is None


# --- progress updates ----------------------------------------------------------------------------


def test_the_project_follows_its_latest_update(users, a1_project):
    update = actions.project_report(
        actor=users["town_a"],
        project_id=a1_project.pk,
        progress="55",
        status="under_way",
        text="设备已进场。",
    )
    a1_project.refresh_from_db()
    assert (a1_project.progress, a1_project.status) == (55, "under_way")
    assert update.published and update.by == users["town_a"]
    event = AuditEvent.objects.filter(action="project.report").order_by("id").last()
    assert event.extra == {
        "update": update.pk,
        "progress": 55,
        "status": "under_way",
        "published": True,
        "previous_progress": 30,
        "previous_status": "under_way",
    }


def test_left_out_progress_is_the_milestones_share_or_100_when_done(users, tree, a1_project):
    head = users["head_a1"]
    offered = actions.project_report(
        actor=head, project_id=a1_project.pk, status="under_way", text="进展顺利。"
    )
    assert offered.progress == 30
    done = actions.project_report(
        actor=head, project_id=a1_project.pk, status="done", text="完工。"
    )
    assert done.progress == 100
    a1_project.refresh_from_db()
    assert (a1_project.status, a1_project.progress) == ("done", 100)
    bare = make_project(head, tree["a1"], name="无里程碑")
    with pytest.raises(ActionError) as refused:
        actions.project_report(actor=head, project_id=bare.pk, status="under_way", text="开始")
    assert refused.value.errors == {"progress": ["Please fill this in."]}


def test_done_means_100_and_planned_means_0(users, a1_project):
    before = counts()
    with pytest.raises(ActionError) as refused:
        actions.project_report(
            actor=users["head_a1"], project_id=a1_project.pk, status="done", progress=90, text="x"
        )
    assert refused.value.errors == {"progress": ["A completed project is at 100%."]}
    with pytest.raises(ActionError) as refused:
        actions.project_report(
            actor=users["head_a1"],
            project_id=a1_project.pk,
            status="planned",
            progress=40,
            text="x",
        )
    assert "has not started" in refused.value.errors["progress"][0]
    assert counts() == before


def test_progress_goes_down_only_when_the_reporter_says_so(users, a1_project):
    head = users["head_a1"]
    before = counts()
    with pytest.raises(ActionError) as refused:
        actions.project_report(
            actor=head, project_id=a1_project.pk, status="under_way", progress=20, text="返工"
        )
    assert refused.value.errors == {
        "progress": [
            "The progress was 30%. To lower it, tick “progress goes down” and say why in the text."
        ]
    }
    assert counts() == before
    lowered = actions.project_report(
        actor=head,
        project_id=a1_project.pk,
        status="under_way",
        progress=20,
        text="验收发现问题，部分返工。",
        lowering=True,
    )
    a1_project.refresh_from_db()
    assert lowered.progress == a1_project.progress == 20


def test_bad_reports_name_every_field_and_write_nothing(users, a1_project):
    before = counts()
    with pytest.raises(ActionError) as refused:
        actions.project_report(
            actor=users["head_a1"],
            project_id=a1_project.pk,
            status="cancelled",
            progress="101",
            text="",
            published="maybe",
        )
    assert set(refused.value.errors) == {"status", "progress", "text", "published"}
    assert "Cancel the project" in refused.value.errors["status"][0]
    with pytest.raises(ActionError) as refused:
        actions.project_report(
            actor=users["head_a1"],
            project_id=a1_project.pk,
            status="under_way",
            progress=40,
            text="请联系 13912345678",
        )
    assert set(refused.value.errors) == {"text"}
    assert counts() == before


def test_reports_are_refused_to_others_and_on_a_cancelled_project(users, a1_project):
    for who, error in (("worker_a1", Forbidden), ("worker_a2", NotFound), ("town_b", NotFound)):
        with pytest.raises(error):
            actions.project_report(
                actor=users[who],
                project_id=a1_project.pk,
                status="under_way",
                progress=50,
                text="x",
            )
    actions.project_cancel(actor=users["head_a1"], project_id=a1_project.pk, reason="取消")
    with pytest.raises(Conflict):
        actions.project_report(
            actor=users["head_a1"],
            project_id=a1_project.pk,
            status="under_way",
            progress=50,
            text="x",
        )
    assert ProjectUpdate.objects.filter(project=a1_project).count() == 3


def test_completion_by_someone_else_tells_the_creator(users, a1_project):
    actions.project_report(
        actor=users["town_a"], project_id=a1_project.pk, status="done", text="全部完工。"
    )
    note = Notification.objects.get(user=users["head_a1"])
    assert note.kind == "project.done" and a1_project.name in note.text
    actions.project_report(
        actor=users["head_a1"], project_id=a1_project.pk, status="done", text="回访满意。"
    )
    assert Notification.objects.count() == 1  # once, and never to oneself
