"""督办 and the sweep (actions.supervision): overdue appeals are raised once per level and
deadline, resolved ones are confirmed when the resident stays silent, confirmed ones close."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from linli.appeals import actions, queries
from linli.appeals.actions.supervision import sweep_escalations
from linli.appeals.models import Appeal, Policy, State, Supervision, Unit
from linli.core.errors import ActionError, Conflict, Forbidden, NotFound
from linli.core.models import AuditEvent, Notification


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _frozen(clock):
    return clock


def fresh(appeal: Appeal) -> Appeal:
    return Appeal.objects.get(pk=appeal.pk)


def told(kind: str, appeal: Appeal) -> set[str]:
    rows = Notification.objects.filter(kind=kind, target_id=str(appeal.pk))
    return set(rows.values_list("user__username", flat=True))


def sweep(when: dt.datetime) -> dict[str, int]:
    return actions.appeals_sweep(now=when)


MINUTE = dt.timedelta(minutes=1)


# --- escalation --------------------------------------------------------------------------------


def test_an_unaccepted_appeal_is_raised_to_the_town_then_the_county(tree, users, submit):
    appeal = submit()
    a1 = queries.unit_for_area(tree["a1"].code, Unit.Kind.COMMUNITY)
    due = appeal.respond_due
    assert sweep(due - MINUTE)["escalated"] == 0
    Notification.objects.all().delete()

    first = due + MINUTE
    assert sweep(first) == {"escalated": 1, "confirmed": 0, "closed": 0}
    supervision = Supervision.objects.get(appeal=appeal)
    assert (supervision.level, supervision.reason) == (1, "response")
    assert supervision.supervising_code == tree["town_a"].code
    assert (supervision.unit, supervision.due_at, supervision.by) == (a1, due, None)
    appeal = fresh(appeal)
    assert (appeal.escalation_level, appeal.escalated_at) == (1, first)
    event = appeal.events.get(kind="escalated")
    assert event.public and event.at == first
    audit = AuditEvent.objects.get(action="appeal.escalate")
    assert audit.actor is None and audit.extra["level"] == 1
    # The supervising level (town A) and the unit itself are told.
    assert told("appeal.escalated", appeal) == {"town_a", "worker_a1", "head_a1"}

    # Not again for the same deadline until the county's hours have passed.
    assert sweep(first + dt.timedelta(hours=23))["escalated"] == 0
    Notification.objects.all().delete()
    second = due + dt.timedelta(hours=24, minutes=1)
    assert sweep(second)["escalated"] == 1
    top = Supervision.objects.get(appeal=appeal, level=2)
    assert top.supervising_code == tree["county"].code and top.due_at == due
    assert fresh(appeal).escalation_level == 2
    assert told("appeal.escalated", appeal) == {"county", "worker_a1", "head_a1"}

    # Two levels is the most a deadline gets.
    assert sweep(second + dt.timedelta(days=30))["escalated"] == 0
    assert Supervision.objects.filter(appeal=appeal).count() == 2
    assert appeal.events.filter(kind="escalated").count() == 2


def test_a_missed_resolution_deadline_is_raised_anew(tree, users, submit, clock):
    appeal = submit()
    sweep(appeal.respond_due + MINUTE)  # accepted late: level 1 for the response
    clock.set(appeal.respond_due + dt.timedelta(hours=1))
    appeal = actions.appeal_accept(actor=users["worker_a1"], appeal_id=appeal.pk)
    appeal = fresh(appeal)
    assert (appeal.escalation_level, appeal.due_at) == (0, appeal.resolve_due)
    assert sweep(appeal.resolve_due + MINUTE)["escalated"] == 1
    latest = Supervision.objects.filter(appeal=appeal).order_by("-at").first()
    assert (latest.level, latest.reason, latest.due_at) == (1, "resolution", appeal.resolve_due)


def test_the_county_sets_how_soon_it_escalates_again(tree, users, submit):
    Policy.objects.filter(area_code=tree["county"].code).update(escalate_again_hours=2)
    appeal = submit()
    sweep(appeal.respond_due + MINUTE)
    assert sweep(appeal.respond_due + dt.timedelta(hours=1))["escalated"] == 0
    assert sweep(appeal.respond_due + dt.timedelta(hours=2, minutes=1))["escalated"] == 1


def test_an_appeal_awaiting_dispatch_is_raised_to_its_town(tree, users, dept_category, submit):
    appeal = submit(category_id=dept_category.pk)
    sweep(appeal.respond_due + MINUTE)
    supervision = Supervision.objects.get(appeal=appeal)
    assert (supervision.unit, supervision.supervising_code) == (None, tree["town_a"].code)
    assert told("appeal.escalated", appeal) == {"town_a"}


def test_a_department_s_overdue_appeal_goes_to_the_county(tree, users, submit, office):
    appeal = submit()
    actions.appeal_transfer(
        actor=users["head_a1"], appeal_id=appeal.pk, unit_id=office.pk, reason="住建处理"
    )
    Notification.objects.all().delete()
    sweep(fresh(appeal).due_at + MINUTE)
    supervision = Supervision.objects.get(appeal=appeal)
    assert (supervision.unit, supervision.supervising_code) == (office, tree["county"].code)
    assert told("appeal.escalated", appeal) == {"county", "dept", "dept_head"}


def test_resolved_and_ended_appeals_are_not_raised(users, submit, dept_category):
    resolved = submit()
    actions.appeal_accept(actor=users["worker_a1"], appeal_id=resolved.pk)
    actions.appeal_resolve(actor=users["worker_a1"], appeal_id=resolved.pk, resolution="已处理")
    rejected = submit(category_id=dept_category.pk)
    actions.appeal_reject(actor=users["head_a1"], appeal_id=rejected.pk, reason="请拨打110")
    assert sweep(resolved.resolve_due + dt.timedelta(days=1))["escalated"] == 0
    assert not Supervision.objects.exists()


def test_a_full_batch_of_waiting_appeals_does_not_hold_up_a_new_overdue_one(users, submit, clock):
    early = submit()
    sweep(early.respond_due + MINUTE)  # level 1, waiting a day for level 2
    clock.advance(hours=1)
    later = submit()
    done = sweep_escalations(later.respond_due + MINUTE, limit=1)
    assert done == 1
    assert Supervision.objects.filter(appeal=later).count() == 1


# --- supervision by hand ----------------------------------------------------------------------


def test_a_supervisor_raises_an_appeal_by_hand(tree, users, submit, clock):
    appeal = submit()
    now = clock.advance(hours=2)
    appeal = actions.appeal_supervise(
        actor=users["town_a"], appeal_id=appeal.pk, note="请今天内上门处理"
    )
    supervision = Supervision.objects.get(appeal=appeal)
    assert (supervision.level, supervision.reason, supervision.by) == (1, "manual", users["town_a"])
    assert supervision.note == "请今天内上门处理" and supervision.at == now
    assert fresh(appeal).escalation_level == 1
    assert AuditEvent.objects.get(action="appeal.supervise").extra["level"] == 1
    assert "worker_a1" in told("appeal.escalated", appeal)


def test_raising_by_hand_is_for_supervisors_with_a_note(users, submit, counts):
    appeal = submit()
    for who, error in (("worker_a1", Forbidden), ("resident_a1", Forbidden), ("town_b", NotFound)):
        before = counts()
        with pytest.raises(error):
            actions.appeal_supervise(actor=users[who], appeal_id=appeal.pk, note="快办")
        assert counts() == before
    before = counts()
    with pytest.raises(ActionError) as info:
        actions.appeal_supervise(actor=users["town_a"], appeal_id=appeal.pk, note=" ")
    assert "note" in info.value.errors and counts() == before


def test_an_appeal_that_is_no_longer_open_cannot_be_raised(users, submit, counts):
    appeal = submit()
    actions.appeal_accept(actor=users["worker_a1"], appeal_id=appeal.pk)
    actions.appeal_resolve(actor=users["worker_a1"], appeal_id=appeal.pk, resolution="已处理")
    before = counts()
    with pytest.raises(Conflict) as info:
        actions.appeal_supervise(actor=users["town_a"], appeal_id=appeal.pk, note="快办")
    assert info.value.code == "illegal-transition"
    assert counts() == before


# --- auto-confirm and auto-close ---------------------------------------------------------------


@pytest.fixture
def resolved(users, submit, clock):
    appeal = submit()
    actions.appeal_accept(actor=users["worker_a1"], appeal_id=appeal.pk)
    return actions.appeal_resolve(
        actor=users["worker_a1"], appeal_id=appeal.pk, resolution="已处理"
    )


def test_a_silent_resident_s_appeal_is_confirmed_then_closed(users, resolved):
    at = resolved.resolved_at
    assert sweep(at + dt.timedelta(days=7) - MINUTE)["confirmed"] == 0
    confirmed_at = at + dt.timedelta(days=7, minutes=1)
    assert sweep(confirmed_at)["confirmed"] == 1
    appeal = fresh(resolved)
    assert (appeal.state, appeal.auto_confirmed, appeal.confirmed_at) == (
        "confirmed",
        True,
        confirmed_at,
    )
    assert appeal.events.filter(kind="auto_confirmed", public=True).count() == 1
    assert AuditEvent.objects.filter(action="appeal.auto_confirm").count() == 1
    # The resident may still rate for 15 days; then it closes.
    assert sweep(confirmed_at + dt.timedelta(days=15) - MINUTE)["closed"] == 0
    closed_at = confirmed_at + dt.timedelta(days=15, minutes=1)
    assert sweep(closed_at)["closed"] == 1
    appeal = fresh(resolved)
    assert (appeal.state, appeal.closed_at) == ("closed", closed_at)
    assert AuditEvent.objects.filter(action="appeal.auto_close").count() == 1
    assert sweep(closed_at + dt.timedelta(days=30)) == {"escalated": 0, "confirmed": 0, "closed": 0}


def test_the_county_s_policy_sets_the_days(tree, users, resolved):
    Policy.objects.filter(area_code=tree["county"].code).update(auto_confirm_days=3, rating_days=2)
    at = resolved.resolved_at
    assert sweep(at + dt.timedelta(days=3, minutes=1))["confirmed"] == 1
    assert sweep(at + dt.timedelta(days=5, minutes=2))["closed"] == 1


def test_a_confirmed_appeal_with_a_callback_due_stays_open(users, resolved):
    actions.appeal_confirm(actor=users["resident_a1"], appeal_id=resolved.pk)
    Appeal.objects.filter(pk=resolved.pk).update(callback_due=True)
    assert sweep(resolved.resolved_at + dt.timedelta(days=60))["closed"] == 0
    assert fresh(resolved).state == State.CONFIRMED


def test_a_reopened_appeal_is_not_confirmed_for_the_resident(users, resolved):
    actions.appeal_confirm(
        actor=users["resident_a1"], appeal_id=resolved.pk, solved=False, comment="还没修好"
    )
    result = sweep(resolved.resolved_at + dt.timedelta(days=8))
    assert result["confirmed"] == 0 and fresh(resolved).state == State.IN_PROGRESS
