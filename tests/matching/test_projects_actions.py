"""Recording livelihood projects: create, change, publish, cancel, remove, and link the needs
they answer — each for the happy path, the refused actor and bad input (nothing written)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from linli.core.errors import ActionError, Conflict, Forbidden, NotFound
from linli.core.models import AuditEvent, Notification
from linli.matching.actions import projects as actions
from linli.matching.models import LivelihoodProject, ProjectUpdate

from .fixtures_projects import *  # noqa: F403 (the fixtures)
from .fixtures_projects import PROJECT, counts, make_need, make_project

pytestmark = pytest.mark.django_db


# --- create --------------------------------------------------------------------------------------


def test_a_community_head_records_a_project(users, tree):
    project = make_project(users["head_a1"], tree["a1"])
    assert project.area_code == tree["a1"].code
    assert project.budget == Decimal("120000.50") and project.beneficiary_count == 350
    assert project.status == "planned" and project.progress == 0 and not project.published
    assert project.created_by == users["head_a1"]
    event = AuditEvent.objects.get(action="project.create")
    assert event.target_id == str(project.pk) and event.area_code == tree["a1"].code
    assert event.extra == {
        "category": "meals",
        "funding": "fiscal",
        "budget": "120000.50",
        "beneficiary_count": 350,
    }


def test_a_town_and_a_county_record_their_own_projects(users, tree):
    town = make_project(users["town_a"], tree["town_a"])
    county = make_project(users["county"], tree["county"], name="全区助餐服务网络")
    assert town.area_code == "220403001000" and county.area_code == "220403000000"


@pytest.mark.parametrize(
    ("who", "where"),
    [
        ("worker_a1", "a1"),  # sees projects, does not manage them
        ("worker_a2", "a1"),
        ("head_a1", "a2"),  # the neighbouring community
        ("town_b", "a1"),
        ("town_a", "county"),  # above its own area
        ("resident_a1", "a1"),
        ("dept", "a1"),
    ],
)
def test_only_those_who_manage_projects_there_record_one(users, tree, who, where):
    before = counts()
    with pytest.raises(Forbidden):
        make_project(users[who], tree[where])
    assert counts() == before


def test_bad_input_names_every_field_and_writes_nothing(users, tree):
    before = counts()
    with pytest.raises(ActionError) as refused:
        actions.project_create(
            actor=users["head_a1"],
            area_code=tree["a1"].code,
            name="",
            category="space-travel",
            summary="",
            budget="12.345",
            funding="",
            lead_unit="",
            beneficiaries="x" * 201,
            beneficiary_count="-1",
            starts_on="2026-05-01",
            ends_on="2026-04-30",
        )
    errors = refused.value.errors
    assert set(errors) == {
        "name",
        "category",
        "summary",
        "budget",
        "funding",
        "lead_unit",
        "beneficiaries",
        "beneficiary_count",
        "ends_on",
    }
    assert errors["budget"] == ["At most two decimals (fen), please."]
    assert errors["ends_on"] == ["The end cannot come before the start."]
    assert errors["name"] == ["Please fill this in."]
    assert counts() == before


@pytest.mark.parametrize(
    ("budget", "message"),
    [
        ("-1", "The amount cannot be below 0."),
        ("lots", "Enter an amount in yuan, such as 120000 or 3500.50."),
        ("99999999999", "The amount is too large."),
        (True, "Enter an amount in yuan, such as 120000 or 3500.50."),
    ],
)
def test_the_budget_is_yuan_not_below_zero(users, tree, budget, message):
    with pytest.raises(ActionError) as refused:
        make_project(users["head_a1"], tree["a1"], budget=budget)
    assert refused.value.errors == {"budget": [message]}
    assert not LivelihoodProject.objects.exists()


def test_budget_of_zero_and_thousands_separators_are_fine(users, tree):
    assert make_project(users["head_a1"], tree["a1"], budget="0").budget == Decimal("0.00")
    other = make_project(users["head_a1"], tree["a1"], name="第二个", budget="1,200.5")
    assert other.budget == Decimal("1200.50")


def test_what_residents_read_carries_no_phone_or_id_number(users, tree):
    before = counts()
    with pytest.raises(ActionError) as refused:
        make_project(
            users["head_a1"],
            tree["a1"],
            summary="联系王阿姨 138 1234 5678 报名",
            beneficiaries="张三 220403199001011234",
        )
    message = "Residents can read this: leave out phone and ID numbers."
    assert refused.value.errors == {"summary": [message], "beneficiaries": [message]}
    assert counts() == before


def test_a_place_that_is_not_a_county_town_or_community_is_refused(users, tree):
    for code in ("", "abc", tree["grid_a1"].code, "220403001009"):
        with pytest.raises(ActionError) as refused:
            make_project(users["head_a1"], type("A", (), {"code": code})())
        assert "area_code" in refused.value.errors
    assert not LivelihoodProject.objects.exists()


def test_the_same_name_twice_in_one_area_is_a_conflict(users, tree):
    make_project(users["head_a1"], tree["a1"])
    with pytest.raises(Conflict):
        make_project(users["head_a1"], tree["a1"])
    make_project(users["town_a"], tree["a2"])  # another area may use it
    assert LivelihoodProject.objects.count() == 2


# --- update --------------------------------------------------------------------------------------


def test_a_project_is_changed_and_keeps_its_area_status_and_progress(users, a1_project):
    changed = actions.project_update(
        actor=users["town_a"],
        project_id=a1_project.pk,
        **(PROJECT | {"budget": "150000", "lead_unit": "仙城街道"}),
    )
    assert changed.budget == Decimal("150000.00") and changed.lead_unit == "仙城街道"
    assert changed.area_code == a1_project.area_code
    assert (changed.status, changed.progress) == ("under_way", 30)
    event = AuditEvent.objects.filter(action="project.update").get()
    assert event.extra["changed"] == ["budget", "lead_unit"]


def test_changing_a_project_is_refused_to_others(users, a1_project):
    with pytest.raises(NotFound):
        actions.project_update(actor=users["worker_a2"], project_id=a1_project.pk, **PROJECT)
    with pytest.raises(NotFound):
        actions.project_update(actor=users["town_b"], project_id=a1_project.pk, **PROJECT)
    with pytest.raises(Forbidden):
        actions.project_update(actor=users["worker_a1"], project_id=a1_project.pk, **PROJECT)
    with pytest.raises(NotFound):
        actions.project_update(actor=users["head_a1"], project_id=999999, **PROJECT)


def test_a_bad_change_writes_nothing(users, a1_project):
    before = counts()
    with pytest.raises(ActionError) as refused:
        actions.project_update(
            actor=users["head_a1"], project_id=a1_project.pk, **(PROJECT | {"name": " "})
        )
    assert set(refused.value.errors) == {"name"}
    assert counts() == before
    a1_project.refresh_from_db()
    assert a1_project.name == PROJECT["name"]


# --- publish, cancel, delete -----------------------------------------------------------------


def test_publishing_and_taking_back(users, hidden_project):
    head = users["head_a1"]
    shown = actions.project_publish(actor=head, project_id=hidden_project.pk)
    assert shown.published
    with pytest.raises(Conflict):
        actions.project_publish(actor=head, project_id=hidden_project.pk)
    hidden = actions.project_publish(actor=head, project_id=hidden_project.pk, published=False)
    assert not hidden.published
    actions_seen = list(
        AuditEvent.objects.filter(target_id=str(hidden_project.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions_seen[-2:] == ["project.publish", "project.unpublish"]
    with pytest.raises(Forbidden):
        actions.project_publish(actor=users["worker_a1"], project_id=hidden_project.pk)


def test_cancelling_keeps_the_reason_as_the_last_update_and_tells_the_creator(users, a1_project):
    cancelled = actions.project_cancel(
        actor=users["town_a"], project_id=a1_project.pk, reason="选址变更，项目并入街道中心。"
    )
    assert cancelled.status == "cancelled" and cancelled.progress == 30
    last = ProjectUpdate.objects.filter(project=a1_project).first()
    assert (last.status, last.text, last.published) == (
        "cancelled",
        "选址变更，项目并入街道中心。",
        True,
    )
    note = Notification.objects.get(user=users["head_a1"])
    assert note.kind == "project.cancelled" and a1_project.name in note.text
    assert note.url == f"/matching/projects/{a1_project.pk}/"
    event = AuditEvent.objects.get(action="project.cancel")
    assert event.extra == {"update": last.pk, "previous_status": "under_way", "progress": 30}
    with pytest.raises(Conflict):
        actions.project_cancel(actor=users["town_a"], project_id=a1_project.pk, reason="再次")
    with pytest.raises(Conflict):  # a cancelled project is not changed any more
        actions.milestone_add(actor=users["town_a"], project_id=a1_project.pk, title="新")


def test_cancelling_needs_a_reason_and_a_project_not_completed(users, a1_project):
    before = counts()
    with pytest.raises(ActionError) as refused:
        actions.project_cancel(actor=users["head_a1"], project_id=a1_project.pk, reason="  ")
    assert refused.value.errors == {"reason": ["Please write something here."]}
    with pytest.raises(Forbidden):
        actions.project_cancel(actor=users["worker_a1"], project_id=a1_project.pk, reason="x")
    assert counts() == before
    actions.project_report(
        actor=users["head_a1"], project_id=a1_project.pk, status="done", text="全部完工。"
    )
    with pytest.raises(Conflict):
        actions.project_cancel(actor=users["head_a1"], project_id=a1_project.pk, reason="晚了")


def test_only_a_project_entered_by_mistake_is_removed(users, tree, a1_project, hidden_project):
    with pytest.raises(Conflict):
        actions.project_delete(actor=users["head_a1"], project_id=a1_project.pk)
    with pytest.raises(Forbidden):
        actions.project_delete(actor=users["worker_a1"], project_id=hidden_project.pk)
    pk = actions.project_delete(actor=users["head_a1"], project_id=hidden_project.pk)
    assert not LivelihoodProject.objects.filter(pk=pk).exists()
    event = AuditEvent.objects.get(action="project.delete")
    assert event.target_id == str(pk) and event.area_code == tree["a1"].code


# --- linked needs ---------------------------------------------------------------------------------


def test_needs_of_the_projects_area_are_linked_and_unlinked(users, tree, a1_project, a1_need):
    grid_need = make_need(tree["grid_a1"], title="网格内助餐需求")
    head = users["head_a1"]
    actions.project_need_link(actor=head, project_id=a1_project.pk, need_id=a1_need.pk)
    actions.project_need_link(actor=head, project_id=a1_project.pk, need_id=grid_need.pk)
    assert set(a1_project.needs.values_list("pk", flat=True)) == {a1_need.pk, grid_need.pk}
    with pytest.raises(Conflict):
        actions.project_need_link(actor=head, project_id=a1_project.pk, need_id=a1_need.pk)
    actions.project_need_unlink(actor=head, project_id=a1_project.pk, need_id=a1_need.pk)
    assert list(a1_project.needs.values_list("pk", flat=True)) == [grid_need.pk]
    with pytest.raises(NotFound):
        actions.project_need_unlink(actor=head, project_id=a1_project.pk, need_id=a1_need.pk)
    assert AuditEvent.objects.filter(action="project.need_link").count() == 2
    assert AuditEvent.objects.get(action="project.need_unlink").extra == {"need": a1_need.pk}


def test_a_town_project_links_needs_of_its_communities(users, town_project, a1_need, a2_need):
    for need in (a1_need, a2_need):
        actions.project_need_link(
            actor=users["town_a"], project_id=town_project.pk, need_id=need.pk
        )
    assert town_project.needs.count() == 2


def test_needs_from_elsewhere_or_closed_are_refused(users, tree, a1_project, a2_need):
    head = users["head_a1"]
    before = counts()
    with pytest.raises(ActionError) as refused:  # A2's need: head_a1 does not see it
        actions.project_need_link(actor=head, project_id=a1_project.pk, need_id=a2_need.pk)
    assert refused.value.errors == {"need_id": ["There is no such need among those you may see."]}
    with pytest.raises(ActionError) as refused:  # the town sees it, but it is not A1's
        actions.project_need_link(
            actor=users["town_a"], project_id=a1_project.pk, need_id=a2_need.pk
        )
    assert "not in the project's area" in refused.value.errors["need_id"][0]
    closed = make_need(tree["a1"], status="closed")
    with pytest.raises(ActionError):
        actions.project_need_link(actor=head, project_id=a1_project.pk, need_id=closed.pk)
    with pytest.raises(ActionError):
        actions.project_need_link(actor=head, project_id=a1_project.pk, need_id="nonsense")
    with pytest.raises(Forbidden):
        actions.project_need_link(actor=users["worker_a1"], project_id=a1_project.pk, need_id=1)
    assert counts() == before
