"""Progress reports: written by the area, submitted to the level above, approved (and locked)
or returned, reopened only by the approving level and not below an approved level — the chain
community → town → county — with evidence files and a history."""

from __future__ import annotations

import pytest

from linli.core.errors import ActionError, Conflict, Forbidden, NotFound
from linli.core.models import Area, AuditEvent, Notification
from linli.core.roles import Role
from linli.plans.actions import ledger as actions
from linli.plans.models import Evidence, Plan, ProgressReport
from linli.plans.queries import ledger as queries
from tests.conftest import make_area, make_user
from tests.plans.ledger_fixtures import (  # noqa: F401 (fixtures)
    at,
    clock_fixture,
    docx,
    fake,
    ledger_fixture,
    make_plan,
    make_report,
    make_task,
    media_fixture,
    pdf,
    png,
)

pytestmark = pytest.mark.django_db
A1, A2, B1, TOWN_A, COUNTY = (
    "220403001001",
    "220403001002",
    "220403002001",
    "220403001000",
    "220403000000",
)


def save(who, task, area=A1, period="2026", text="完成社区议事厅改造", percent=60):
    return actions.report_save(
        actor=who, task_id=task.pk, area_code=area, period=period, text=text, percent=percent
    )


def notified(user) -> list[str]:
    return list(Notification.objects.filter(user=user).values_list("kind", flat=True))


# --- writing ------------------------------------------------------------------------------------


def test_community_head_writes_and_submits(ledger):
    task, head = ledger["community_task"], ledger["head_a1"]
    report = save(head, task)
    assert (report.status, report.percent, report.due_on.isoformat()) == ("draft", 60, "2026-10-31")
    again = save(head, task, text="议事厅已投入使用", percent=80)
    assert again.pk == report.pk and again.percent == 80
    submitted = actions.report_submit(actor=head, report_id=report.pk)
    assert submitted.status == "submitted" and submitted.submitted_by == head
    assert submitted.submitted_at == ledger["clock"].current
    event = AuditEvent.objects.get(action="plans.report.submit")
    assert event.extra == {"task": task.pk, "period": "2026", "on_time": True}
    # the town's officer is told; the county (also able to approve) is not: nearest level
    assert notified(ledger["town_a"]) == ["plans.report_submitted"]
    assert notified(ledger["county"]) == [] and notified(ledger["town_b"]) == []
    saves = AuditEvent.objects.filter(action="plans.report.save").order_by("id")
    assert [e.extra["created"] for e in saves] == [True, False]


def test_late_submission_is_recorded_as_late(ledger):
    report = save(ledger["head_a1"], ledger["community_task"], period="2025")
    actions.report_submit(actor=ledger["head_a1"], report_id=report.pk)
    assert AuditEvent.objects.get(action="plans.report.submit").extra["on_time"] is False
    view = queries.report_get(actor=ledger["town_a"], report_id=report.pk)
    assert view.on_time is False


def test_submitting_on_the_due_day_is_on_time(ledger):
    ledger["clock"].set(at(2026, 10, 31, 23))
    report = save(ledger["head_a1"], ledger["community_task"])
    actions.report_submit(actor=ledger["head_a1"], report_id=report.pk)
    assert queries.report_get(actor=ledger["head_a1"], report_id=report.pk).on_time is True


def test_town_officer_writes_for_a_community_without_head(ledger):
    report = save(ledger["town_a"], ledger["community_task"], area=A2)
    assert report.area_code == A2


@pytest.mark.parametrize(
    ("who", "area", "error"),
    [
        ("head_a1", B1, NotFound),  # the neighbour town's community
        ("head_b1", A1, NotFound),
        ("town_b", A1, NotFound),
        ("worker_a1", A1, NotFound),  # no plan capability
        ("resident", A1, NotFound),
        ("other_county", A1, NotFound),
    ],
)
def test_refused_writers_write_nothing(ledger, who, area, error):
    with pytest.raises(error):
        save(ledger[who], ledger["community_task"], area=area)
    assert not ProgressReport.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="plans.report").exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"percent": 101}, "percent"),
        ({"percent": -1}, "percent"),
        ({"percent": "half"}, "percent"),
        ({"text": "字" * 4001}, "text"),
        ({"period": "2026Q1"}, "period"),  # not a period of a yearly task
        ({"period": "2027"}, "period"),  # not begun
        ({"period": "2024"}, "period"),  # before the task
        ({"period": "abc"}, "period"),
        ({"area": TOWN_A, "task": "town_task", "period": "2026Q3"}, "period"),
    ],
)
def test_bad_report_input_writes_nothing(ledger, changes, field):
    task = ledger[changes.pop("task", "community_task")]
    values = {"area": A1, "period": "2026", "text": "进展", "percent": 10, **changes}
    with pytest.raises(ActionError) as caught:
        save(ledger["town_a"], task, **values)
    assert field in caught.value.errors
    assert not ProgressReport.objects.exists()


def test_only_the_task_levels_report(ledger):
    with pytest.raises(ActionError) as caught:
        save(ledger["head_a1"], ledger["town_task"], area=A1, period="2026Q2")
    assert "area_code" in caught.value.errors
    with pytest.raises(ActionError):  # the county is neither the level nor in between
        save(ledger["county"], ledger["community_task"], area=COUNTY)
    with pytest.raises(ActionError, match="template"):
        save(ledger["county"], ledger["template_task"], area=A1)
    assert not ProgressReport.objects.exists()


def test_a_plan_not_in_force_takes_no_report(ledger):
    Plan.objects.filter(pk=ledger["plan"].pk).update(status=Plan.Status.DRAFT)
    with pytest.raises(Conflict, match="not in force"):
        save(ledger["head_a1"], ledger["community_task"])
    assert not ProgressReport.objects.exists()


def test_submit_needs_some_progress(ledger):
    report = save(ledger["head_a1"], ledger["community_task"], text=" ", percent=0)
    with pytest.raises(ActionError) as caught:
        actions.report_submit(actor=ledger["head_a1"], report_id=report.pk)
    assert "text" in caught.value.errors
    report.refresh_from_db()
    assert report.status == "draft" and report.submitted_at is None
    with pytest.raises(NotFound):
        actions.report_submit(actor=ledger["head_b1"], report_id=report.pk)


# --- the approval chain -------------------------------------------------------------------------


def test_approval_chain_community_town_county(ledger):
    task = ledger["community_task"]
    head, town, county = ledger["head_a1"], ledger["town_a"], ledger["county"]
    community = save(head, task)
    actions.report_submit(actor=head, report_id=community.pk)
    with pytest.raises(Forbidden):  # the reporter does not approve
        actions.report_approve(actor=head, report_id=community.pk)
    with pytest.raises(NotFound):  # the neighbour town does not even see it
        actions.report_approve(actor=ledger["town_b"], report_id=community.pk)
    approved = actions.report_approve(actor=town, report_id=community.pk)
    assert (approved.status, approved.decided_by) == ("approved", town)
    assert "plans.report_approved" in notified(head)

    # locked: no change, no file, no second submission
    with pytest.raises(Conflict, match="locked"):
        save(head, task, text="再改")
    with pytest.raises(Conflict):
        actions.report_submit(actor=head, report_id=community.pk)
    with pytest.raises(Conflict):
        actions.report_approve(actor=town, report_id=community.pk)

    # the town's own report goes to the county; the town cannot approve it itself
    summary = save(town, task, area=TOWN_A, text="辖区两个社区均已完成", percent=100)
    actions.report_submit(actor=town, report_id=summary.pk)
    assert "plans.report_submitted" in notified(county)
    with pytest.raises(Forbidden):
        actions.report_approve(actor=town, report_id=summary.pk)
    actions.report_approve(actor=county, report_id=summary.pk)

    # DHIS2: no unapproving below an approved level
    with pytest.raises(Conflict, match="reopened first"):
        actions.report_reopen(actor=town, report_id=community.pk, reason="数据有误")
    assert queries.report_get(actor=town, report_id=community.pk).locked_by_above
    with pytest.raises(Forbidden):  # only the approving level reopens
        actions.report_reopen(actor=town, report_id=summary.pk, reason="数据有误")
    with pytest.raises(ActionError) as caught:
        actions.report_reopen(actor=county, report_id=summary.pk, reason=" ")
    assert "reason" in caught.value.errors
    reopened = actions.report_reopen(actor=county, report_id=summary.pk, reason="请补充照片")
    assert (reopened.status, reopened.decision_note) == ("returned", "请补充照片")
    assert "plans.report_reopened" in notified(town)

    # now the town may reopen the community's report; the community writes again
    actions.report_reopen(actor=town, report_id=community.pk, reason="数据有误")
    changed = save(head, task, text="已更正", percent=90)
    assert changed.status == "returned" and changed.text == "已更正"
    actions.report_submit(actor=head, report_id=community.pk)
    actions.report_approve(actor=town, report_id=community.pk)

    history = queries.report_get(actor=head, report_id=community.pk).history
    assert [h.action.split(".")[-1] for h in history] == [
        "save",
        "submit",
        "approve",
        "reopen",
        "save",
        "submit",
        "approve",
    ]
    assert history[2].who == town.get_full_name() and history[0].at <= history[-1].at


def test_return_needs_a_reason_and_a_submitted_report(ledger):
    task, head, town = ledger["community_task"], ledger["head_a1"], ledger["town_a"]
    report = save(head, task)
    with pytest.raises(Conflict):
        actions.report_return(actor=town, report_id=report.pk, reason="请补充")
    actions.report_submit(actor=head, report_id=report.pk)
    with pytest.raises(ActionError) as caught:
        actions.report_return(actor=town, report_id=report.pk, reason="")
    assert "reason" in caught.value.errors
    with pytest.raises(ActionError):
        actions.report_return(actor=town, report_id=report.pk, reason="长" * 301)
    assert ProgressReport.objects.get(pk=report.pk).status == "submitted"
    returned = actions.report_return(actor=town, report_id=report.pk, reason="请补充现场照片")
    assert returned.status == "returned" and returned.decision_note == "请补充现场照片"
    assert "plans.report_returned" in notified(head)
    with pytest.raises(Conflict):
        actions.report_reopen(actor=town, report_id=report.pk, reason="x")
    resent = actions.report_submit(actor=head, report_id=report.pk)
    assert resent.status == "submitted"


def test_county_officer_may_act_for_a_town(ledger):
    report = save(ledger["head_a1"], ledger["community_task"])
    actions.report_submit(actor=ledger["head_a1"], report_id=report.pk)
    assert actions.report_approve(actor=ledger["county"], report_id=report.pk).status == "approved"


def test_the_jurisdictions_own_report_is_approved_by_those_who_manage_the_plan(ledger):
    county_task = make_task(ledger["plan"], "9.1", report_level=3)
    report = save(ledger["county"], county_task, area=COUNTY)
    actions.report_submit(actor=ledger["county"], report_id=report.pk)
    with pytest.raises(Forbidden):
        actions.report_approve(actor=ledger["dept"], report_id=report.pk)
    assert actions.report_approve(actor=ledger["county"], report_id=report.pk).status == "approved"


def test_a_countys_report_goes_to_the_prefecture_that_holds_the_plan(ledger, tree):
    prefecture = Area.objects.get(code="220400000000")
    officer = make_user("city", Role.COUNTY_OFFICER, prefecture)
    make_area("220402", "龙山区")
    plan = make_plan(prefecture, title="辽源市实施方案")
    task = make_task(plan, "1.1", report_level=3)
    report = save(ledger["county"], task, area=COUNTY)
    actions.report_submit(actor=ledger["county"], report_id=report.pk)
    assert notified(officer) == ["plans.report_submitted"]
    with pytest.raises(Forbidden):
        actions.report_approve(actor=ledger["county"], report_id=report.pk)
    assert actions.report_approve(actor=officer, report_id=report.pk).status == "approved"
    with pytest.raises(NotFound):
        actions.report_approve(actor=ledger["other_county"], report_id=report.pk)


# --- evidence -----------------------------------------------------------------------------------


def test_evidence_files(ledger, media):
    head = ledger["head_a1"]
    report = save(head, ledger["community_task"])
    first = actions.evidence_add(actor=head, report_id=report.pk, file=pdf())
    assert (first.name, first.content_type) == ("会议纪要.pdf", "application/pdf")
    photo = actions.evidence_add(actor=head, report_id=report.pk, file=png("照片.jpg"))
    assert photo.name == "照片.jpg.png" and photo.content_type == "image/png"  # by content
    word = actions.evidence_add(actor=head, report_id=report.pk, file=docx())
    assert word.content_type.endswith("wordprocessingml.document")
    assert (media / first.file.name).exists()
    with pytest.raises(ActionError, match="cannot be attached"):
        actions.evidence_add(actor=head, report_id=report.pk, file=fake())
    with pytest.raises(ActionError, match="10 MB"):
        actions.evidence_add(
            actor=head, report_id=report.pk, file=pdf(size=actions.EVIDENCE_MAX_BYTES + 1)
        )
    with pytest.raises(NotFound):
        actions.evidence_add(actor=ledger["head_b1"], report_id=report.pk, file=pdf())
    assert report.evidence.count() == 3

    got = actions.evidence_download(actor=ledger["town_a"], evidence_id=first.pk)
    assert got.pk == first.pk
    event = AuditEvent.objects.get(action="plans.evidence.download")
    assert event.extra == {"report": report.pk} and event.area_code == A1
    with pytest.raises(NotFound):
        actions.evidence_download(actor=ledger["town_b"], evidence_id=first.pk)

    with pytest.raises(NotFound):
        actions.evidence_remove(actor=ledger["head_b1"], evidence_id=first.pk)
    actions.evidence_remove(actor=head, evidence_id=first.pk)
    assert not Evidence.objects.filter(pk=first.pk).exists()
    history = [h.action for h in queries.report_get(actor=head, report_id=report.pk).history]
    assert history.count("plans.evidence.add") == 3 and "plans.evidence.remove" in history

    actions.report_submit(actor=head, report_id=report.pk)
    with pytest.raises(Conflict):
        actions.evidence_add(actor=head, report_id=report.pk, file=pdf())
    actions.report_approve(actor=ledger["town_a"], report_id=report.pk)
    with pytest.raises(Conflict):
        actions.evidence_remove(actor=head, evidence_id=photo.pk)
    assert report.evidence.count() == 2


def test_at_most_ten_files(ledger, media):
    head = ledger["head_a1"]
    report = save(head, ledger["community_task"])
    for n in range(actions.EVIDENCE_MAX_COUNT):
        actions.evidence_add(actor=head, report_id=report.pk, file=pdf(f"{n}.pdf"))
    with pytest.raises(ActionError, match="at most 10"):
        actions.evidence_add(actor=head, report_id=report.pk, file=pdf())
    assert report.evidence.count() == 10
    assert len([path for path in (media / "plans").rglob("*") if path.is_file()]) == 10
