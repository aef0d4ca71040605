"""The lifecycle (actions.lifecycle): dispatch, accept, start, progress, resolve, return,
transfer, merge, reject, confirm, close — each with its refused actors, bad input that writes
nothing, and illegal moves; and the reads (queries.appeals) that scope what each user sees."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from linli.appeals import actions, queries
from linli.appeals.models import Appeal, Dispatch, Rectification, State, Unit
from linli.core import sms
from linli.core.errors import ActionError, Conflict, Forbidden, NotFound
from linli.core.models import AuditEvent, Notification
from linli.core.roles import Role

from ..conftest import make_area, make_user


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _frozen(clock):
    """Every action here runs at the same Wednesday morning unless a test moves the clock."""
    return clock


def refused(counts, exc_type, call, *, field=None, code=None):
    """Run ``call``: it must raise ``exc_type`` (with ``field``/``code``) and write nothing."""
    before = counts()
    with pytest.raises(exc_type) as info:
        call()
    if field is not None:
        assert field in info.value.errors, info.value.errors
    if code is not None:
        assert info.value.code == code
    assert counts() == before
    return info.value


def a1_unit(tree) -> Unit:
    return queries.unit_for_area(tree["a1"].code, Unit.Kind.COMMUNITY)


def told(kind: str, appeal: Appeal) -> set[str]:
    rows = Notification.objects.filter(kind=kind, target_id=str(appeal.pk))
    return set(rows.values_list("user__username", flat=True))


def fresh(appeal: Appeal) -> Appeal:
    return Appeal.objects.get(pk=appeal.pk)


@pytest.fixture
def pending(dept_category, submit):
    """An appeal awaiting dispatch (its category's default is a department: no unit found)."""
    return submit(category_id=dept_category.pk)


@pytest.fixture
def accepted(users, submit):
    appeal = submit()
    return actions.appeal_accept(actor=users["worker_a1"], appeal_id=appeal.pk)


@pytest.fixture
def resolved(users, accepted):
    return actions.appeal_resolve(
        actor=users["worker_a1"], appeal_id=accepted.pk, resolution="已上门劝导，施工改到白天"
    )


# --- dispatch ----------------------------------------------------------------------------------


def test_town_officer_dispatches_an_appeal_awaiting_dispatch(users, pending, office, clock):
    clock.advance(hours=2)
    appeal = actions.appeal_dispatch(
        actor=users["town_a"], appeal_id=pending.pk, unit_id=office.pk, note="属于工地扬尘"
    )
    appeal = fresh(appeal)
    assert (appeal.state, appeal.unit, appeal.accountable_unit) == ("dispatched", office, None)
    assert appeal.due_at == appeal.respond_due  # the rest of the response clock
    live = Dispatch.objects.get(appeal=appeal, live=True)
    assert (live.unit, live.dispatched_by, live.dispatched_at) == (office, users["town_a"], clock())
    event = appeal.events.get(kind="dispatched")
    assert (event.actor, event.unit, event.note) == (users["town_a"], office, "属于工地扬尘")
    assert (event.from_state, event.to_state) == ("submitted", "dispatched")
    audit = AuditEvent.objects.get(action="appeal.dispatch")
    assert audit.extra == {"state": "dispatched", "unit": office.pk}
    assert told("appeal.dispatched", appeal) == {"dept", "dept_head"}


def test_a_community_head_dispatches_too(users, pending, office):
    actions.appeal_dispatch(actor=users["head_a1"], appeal_id=pending.pk, unit_id=office.pk)
    assert fresh(pending).unit == office


def test_a_dispatch_after_the_response_time_gives_the_unit_a_full_one(
    users, pending, office, clock
):
    now = clock.advance(days=3)
    appeal = actions.appeal_dispatch(actor=users["town_a"], appeal_id=pending.pk, unit_id=office.pk)
    assert appeal.due_at == now + dt.timedelta(days=1)


def test_dispatching_a_dispatched_appeal_hands_it_on(tree, users, submit, office):
    appeal = submit()
    actions.appeal_dispatch(actor=users["town_a"], appeal_id=appeal.pk, unit_id=office.pk)
    rows = list(Dispatch.objects.filter(appeal=appeal).values_list("unit", "live", "outcome"))
    assert rows == [(a1_unit(tree).pk, False, "transferred"), (office.pk, True, "")]
    assert appeal.events.filter(kind="transferred").count() == 1


@pytest.mark.parametrize(
    ("who", "error"),
    [
        ("worker_a1", Forbidden),
        ("grid_a1", NotFound),
        ("resident_a1", Forbidden),
        ("worker_a2", NotFound),
        ("town_b", NotFound),
        ("dept", NotFound),
    ],
)
def test_only_a_dispatcher_of_the_area_dispatches(users, pending, office, counts, who, error):
    refused(
        counts,
        error,
        lambda: actions.appeal_dispatch(actor=users[who], appeal_id=pending.pk, unit_id=office.pk),
    )


def test_the_unit_must_be_one_of_the_county_in_use(tree, users, submit, pending, office, counts):
    other = make_area("220402", "龙山区")
    foreign = Unit.objects.create(
        kind="department", name="龙山区住建局", area=other, area_code=other.code
    )
    off = Unit.objects.create(
        kind="department",
        name="撤销的办公室",
        area=tree["county"],
        area_code=tree["county"].code,
        active=False,
    )
    town = users["town_a"]
    for unit_id in ("", "abc", None, foreign.pk, off.pk, 999_999):
        refused(
            counts,
            ActionError,
            lambda u=unit_id: actions.appeal_dispatch(actor=town, appeal_id=pending.pk, unit_id=u),
            field="unit",
        )
    routed = submit()
    refused(
        counts,
        ActionError,
        lambda: actions.appeal_dispatch(actor=town, appeal_id=routed.pk, unit_id=a1_unit(tree).pk),
        field="unit",
    )
    refused(
        counts,
        ActionError,
        lambda: actions.appeal_dispatch(
            actor=town, appeal_id=pending.pk, unit_id=office.pk, note="x" * 2001
        ),
        field="note",
    )


def test_an_accepted_appeal_cannot_be_dispatched(users, accepted, office, counts):
    refused(
        counts,
        Conflict,
        lambda: actions.appeal_dispatch(
            actor=users["town_a"], appeal_id=accepted.pk, unit_id=office.pk
        ),
        code="illegal-transition",
    )


def test_bulk_dispatch_is_all_or_nothing(users, dept_category, submit, office, counts):
    first = submit(category_id=dept_category.pk)
    second = submit(category_id=dept_category.pk)
    taken = submit()
    actions.appeal_accept(actor=users["worker_a1"], appeal_id=taken.pk)
    refused(
        counts,
        Conflict,
        lambda: actions.appeals_dispatch_bulk(
            actor=users["town_a"], appeal_ids=[first.pk, second.pk, taken.pk], unit_id=office.pk
        ),
    )
    assert fresh(first).state == fresh(second).state == State.SUBMITTED
    done = actions.appeals_dispatch_bulk(
        actor=users["town_a"], appeal_ids=[first.pk, str(second.pk), first.pk], unit_id=office.pk
    )
    assert done == 2
    assert fresh(first).unit == fresh(second).unit == office


def test_bulk_dispatch_refuses_an_empty_or_too_long_list(users, office, counts):
    for ids in ([], None, list(range(1, 202))):
        refused(
            counts,
            ActionError,
            lambda i=ids: actions.appeals_dispatch_bulk(
                actor=users["town_a"], appeal_ids=i, unit_id=office.pk
            ),
            field="appeals",
        )


def test_bulk_dispatch_refuses_ids_that_are_not_numbers(users, pending, office, counts):
    refused(
        counts,
        ActionError,
        lambda: actions.appeals_dispatch_bulk(
            actor=users["town_a"], appeal_ids=[pending.pk, "abc"], unit_id=office.pk
        ),
        field="appeals",
    )


# --- accept (签收) -----------------------------------------------------------------------------


def test_a_community_worker_accepts_in_time(tree, users, submit, clock):
    appeal = submit()
    now = clock.advance(hours=3)
    appeal = fresh(actions.appeal_accept(actor=users["worker_a1"], appeal_id=appeal.pk))
    assert appeal.state == State.ACCEPTED
    assert appeal.accepted_by == users["worker_a1"]
    assert appeal.accountable_unit == a1_unit(tree)
    assert (appeal.first_accepted_at, appeal.responded_on_time) == (now, True)
    assert appeal.due_at == appeal.resolve_due  # the resolution clock runs now
    dispatch = Dispatch.objects.get(appeal=appeal, live=True)
    assert (dispatch.accepted_by, dispatch.accepted_at) == (users["worker_a1"], now)
    event = appeal.events.get(kind="accepted")
    assert event.public and event.actor == users["worker_a1"] and "仙城社区" in event.text
    assert AuditEvent.objects.filter(action="appeal.accept", target_id=str(appeal.pk)).count() == 1
    assert told("appeal.accepted", appeal) == {"resident_a1"}


def test_accepting_after_the_response_time_is_late(users, submit, clock):
    appeal = submit()
    clock.advance(days=1, seconds=1)
    appeal = actions.appeal_accept(actor=users["worker_a1"], appeal_id=appeal.pk, message="马上来")
    assert appeal.responded_on_time is False
    assert appeal.events.get(kind="accepted").message == "马上来"


def test_accepting_exactly_at_the_deadline_is_in_time(users, submit, clock):
    appeal = submit()
    clock.advance(days=1)
    assert actions.appeal_accept(actor=users["worker_a1"], appeal_id=appeal.pk).responded_on_time


@pytest.mark.parametrize(
    ("who", "error"),
    [("worker_a2", NotFound), ("resident_a1", Forbidden), ("dept", NotFound), ("town_b", NotFound)],
)
def test_only_the_unit_accepts(users, submit, counts, who, error):
    appeal = submit()
    refused(counts, error, lambda: actions.appeal_accept(actor=users[who], appeal_id=appeal.pk))


def test_a_community_worker_cannot_accept_for_a_department(users, pending, office, counts):
    actions.appeal_dispatch(actor=users["town_a"], appeal_id=pending.pk, unit_id=office.pk)
    refused(
        counts,
        Forbidden,
        lambda: actions.appeal_accept(actor=users["worker_a1"], appeal_id=pending.pk),
    )
    appeal = actions.appeal_accept(actor=users["dept"], appeal_id=pending.pk)
    assert (appeal.accountable_unit, appeal.accepted_by) == (office, users["dept"])


def test_an_appeal_is_accepted_once(users, accepted, counts):
    refused(
        counts,
        Conflict,
        lambda: actions.appeal_accept(actor=users["head_a1"], appeal_id=accepted.pk),
        code="already-accepted",
    )


def test_only_a_dispatched_appeal_is_accepted(users, pending, accepted, counts):
    refused(
        counts,
        Conflict,
        lambda: actions.appeal_accept(actor=users["head_a1"], appeal_id=pending.pk),
        code="illegal-transition",
    )
    actions.appeal_start(actor=users["worker_a1"], appeal_id=accepted.pk)
    refused(
        counts,
        Conflict,
        lambda: actions.appeal_accept(actor=users["head_a1"], appeal_id=accepted.pk),
        code="illegal-transition",
    )


def test_an_accept_message_may_not_be_too_long(users, submit, counts):
    appeal = submit()
    refused(
        counts,
        ActionError,
        lambda: actions.appeal_accept(
            actor=users["worker_a1"], appeal_id=appeal.pk, message="好" * 2001
        ),
        field="message",
    )


# --- transfer and 首问负责 ---------------------------------------------------------------------


def test_the_first_receiver_stays_accountable_until_another_unit_accepts(
    tree, users, submit, office, clock
):
    appeal = submit()
    a1 = a1_unit(tree)
    actions.appeal_accept(actor=users["worker_a1"], appeal_id=appeal.pk)
    clock.advance(hours=1)
    Notification.objects.all().delete()
    appeal = fresh(
        actions.appeal_transfer(
            actor=users["worker_a1"], appeal_id=appeal.pk, unit_id=office.pk, reason="房屋结构问题"
        )
    )
    assert (appeal.state, appeal.unit, appeal.accountable_unit) == ("dispatched", office, a1)
    assert appeal.accepted_by is None
    rows = list(Dispatch.objects.filter(appeal=appeal).values_list("unit", "live", "outcome"))
    assert rows == [(a1.pk, False, "transferred"), (office.pk, True, "")]
    event = appeal.events.get(kind="transferred")
    assert (event.note, event.unit, event.public) == ("房屋结构问题", office, True)
    assert "房屋结构问题" not in event.text and "区住建局" in event.text
    assert told("appeal.dispatched", appeal) == {"dept", "dept_head"}
    # The department now sees it (its unit's); the community worker can no longer act on it.
    assert queries.appeal_get(actor=users["dept"], appeal_id=appeal.pk) == appeal
    with pytest.raises(Forbidden):
        actions.appeal_accept(actor=users["worker_a1"], appeal_id=appeal.pk)
    first_accept = appeal.first_accepted_at
    accepted = fresh(actions.appeal_accept(actor=users["dept"], appeal_id=appeal.pk))
    assert accepted.accountable_unit == office
    assert accepted.first_accepted_at == first_accept  # the response was counted once


def test_a_dispatcher_transfers_too(users, accepted, office):
    appeal = actions.appeal_transfer(
        actor=users["head_a1"], appeal_id=accepted.pk, unit_id=office.pk, reason="转住建"
    )
    assert appeal.unit == office


@pytest.mark.parametrize(
    ("who", "error"),
    [("resident_a1", Forbidden), ("worker_a2", NotFound), ("grid_a1", NotFound)],
)
def test_only_the_unit_or_a_dispatcher_transfers(users, accepted, office, counts, who, error):
    refused(
        counts,
        error,
        lambda: actions.appeal_transfer(
            actor=users[who], appeal_id=accepted.pk, unit_id=office.pk, reason="不归我们管"
        ),
    )


def test_a_transfer_needs_a_reason_and_a_unit(users, accepted, office, counts):
    worker = users["worker_a1"]
    for reason in ("", "   "):
        refused(
            counts,
            ActionError,
            lambda r=reason: actions.appeal_transfer(
                actor=worker, appeal_id=accepted.pk, unit_id=office.pk, reason=r
            ),
            field="reason",
        )
    refused(
        counts,
        ActionError,
        lambda: actions.appeal_transfer(
            actor=worker, appeal_id=accepted.pk, unit_id="", reason="不归我们管"
        ),
        field="unit",
    )


def test_a_transfer_to_the_unit_that_has_it_is_refused(tree, users, accepted, counts):
    refused(
        counts,
        ActionError,
        lambda: actions.appeal_transfer(
            actor=users["worker_a1"],
            appeal_id=accepted.pk,
            unit_id=a1_unit(tree).pk,
            reason="重新派给自己",
        ),
        field="unit",
    )


def test_a_resolved_appeal_cannot_be_transferred(users, resolved, office, counts):
    refused(
        counts,
        Conflict,
        lambda: actions.appeal_transfer(
            actor=users["worker_a1"], appeal_id=resolved.pk, unit_id=office.pk, reason="转走"
        ),
        code="illegal-transition",
    )


# --- return ------------------------------------------------------------------------------------


def test_the_unit_returns_a_wrong_appeal_to_the_dispatcher(tree, users, submit, office):
    appeal = submit()
    a1 = a1_unit(tree)
    appeal = fresh(
        actions.appeal_return(
            actor=users["worker_a1"], appeal_id=appeal.pk, reason="不属于社区职责"
        )
    )
    assert (appeal.state, appeal.unit, appeal.accountable_unit) == ("submitted", None, a1)
    assert appeal.due_at is not None
    dispatch = Dispatch.objects.get(appeal=appeal)
    assert (dispatch.live, dispatch.outcome) == (False, "returned")
    event = appeal.events.get(kind="returned")
    assert (event.unit, event.note, event.public) == (a1, "不属于社区职责", True)
    assert "不属于社区职责" not in event.text
    assert AuditEvent.objects.get(action="appeal.return").extra["unit"] == a1.pk
    assert told("appeal.returned", appeal) == {"head_a1"}  # A1's dispatcher
    # The dispatcher hands it on; A1 answers for it until the office accepts.
    actions.appeal_dispatch(actor=users["town_a"], appeal_id=appeal.pk, unit_id=office.pk)
    assert fresh(appeal).accountable_unit == a1
    actions.appeal_accept(actor=users["dept"], appeal_id=appeal.pk)
    assert fresh(appeal).accountable_unit == office


def test_an_accepted_appeal_cannot_be_returned(users, accepted, counts):
    refused(
        counts,
        Conflict,
        lambda: actions.appeal_return(
            actor=users["worker_a1"], appeal_id=accepted.pk, reason="错了"
        ),
        code="illegal-transition",
    )


def test_a_return_needs_a_reason_and_the_unit(users, submit, counts):
    appeal = submit()
    refused(
        counts,
        ActionError,
        lambda: actions.appeal_return(actor=users["worker_a1"], appeal_id=appeal.pk, reason=" "),
        field="reason",
    )
    for who, error in (("resident_a1", Forbidden), ("worker_a2", NotFound), ("dept", NotFound)):
        refused(
            counts,
            error,
            lambda w=who: actions.appeal_return(actor=users[w], appeal_id=appeal.pk, reason="错了"),
        )


# --- start, progress, resolve ------------------------------------------------------------------


def test_work_starts_on_an_accepted_appeal(users, accepted, counts):
    appeal = actions.appeal_start(actor=users["worker_a1"], appeal_id=accepted.pk)
    assert fresh(appeal).state == State.IN_PROGRESS
    assert appeal.events.filter(kind="started", public=True).count() == 1
    refused(
        counts,
        Conflict,
        lambda: actions.appeal_start(actor=users["worker_a1"], appeal_id=accepted.pk),
        code="illegal-transition",
    )


def test_work_cannot_start_before_accepting_or_after_resolving(users, submit, resolved, counts):
    appeal = submit()
    mine = submit()
    for target in (appeal, resolved):
        refused(
            counts,
            Conflict,
            lambda t=target: actions.appeal_start(actor=users["worker_a1"], appeal_id=t.pk),
            code="illegal-transition",
        )
    refused(
        counts,
        Forbidden,
        lambda: actions.appeal_start(actor=users["resident_a1"], appeal_id=mine.pk),
    )


def test_a_progress_note_is_internal(users, accepted):
    note = actions.appeal_progress(
        actor=users["worker_a1"], appeal_id=accepted.pk, note="住户电话打不通，明天再联系"
    )
    assert (note.kind, note.public) == ("note", False)
    message = actions.appeal_progress(
        actor=users["worker_a1"], appeal_id=accepted.pk, message="已联系施工方，明天起白天施工"
    )
    assert (message.kind, message.public) == ("progress", True)
    resident = queries.appeal_timeline(actor=users["resident_a1"], appeal=accepted)
    staff = queries.appeal_timeline(actor=users["worker_a1"], appeal=accepted)
    assert note not in resident and message in resident
    assert note in staff and message in staff
    assert all(event.public for event in resident)
    assert told("appeal.progress", accepted) == {"resident_a1"}  # the note told no one
    assert AuditEvent.objects.filter(action="appeal.progress").count() == 2


def test_a_dispatcher_may_message_the_resident(users, accepted):
    event = actions.appeal_progress(
        actor=users["town_a"], appeal_id=accepted.pk, message="街道已督促"
    )
    assert event.public and event.actor == users["town_a"]


def test_progress_needs_something_to_say(users, accepted, counts):
    refused(
        counts,
        ActionError,
        lambda: actions.appeal_progress(actor=users["worker_a1"], appeal_id=accepted.pk),
        field="message",
    )


def test_progress_by_others_is_refused(tree, users, submit, counts):
    head = make_user("building_head_a1", Role.BUILDING_HEAD, tree["a1"])
    appeal = submit(actor=head, channel="window")
    # The building head who took it in may add a note but not speak for the unit.
    refused(
        counts,
        Forbidden,
        lambda: actions.appeal_progress(actor=head, appeal_id=appeal.pk, message="我来说一下"),
    )
    assert (
        actions.appeal_progress(actor=head, appeal_id=appeal.pk, note="住户是独居老人").public
        is False
    )
    mine = submit()
    refused(
        counts,
        Forbidden,
        lambda: actions.appeal_progress(
            actor=users["resident_a1"], appeal_id=mine.pk, message="怎么还没好"
        ),
    )
    refused(
        counts,
        NotFound,
        lambda: actions.appeal_progress(actor=users["worker_a2"], appeal_id=appeal.pk, note="看看"),
    )


def test_the_unit_resolves_in_time_and_the_resident_is_texted(
    users, accepted, clock, django_capture_on_commit_callbacks
):
    now = clock.advance(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        appeal = actions.appeal_resolve(
            actor=users["worker_a1"], appeal_id=accepted.pk, resolution="已协调施工方改到白天施工"
        )
    appeal = fresh(appeal)
    assert (appeal.state, appeal.resolved_at, appeal.resolved_on_time) == ("resolved", now, True)
    assert appeal.resolution == "已协调施工方改到白天施工"
    assert appeal.due_at is None and appeal.warn_at is None
    assert appeal.events.get(kind="resolved").message == "已协调施工方改到白天施工"
    assert told("appeal.resolved", appeal) == {"resident_a1"}
    assert [phone for phone, _text in sms.outbox] == ["13900000001"]


def test_resolving_after_the_deadline_is_late(users, accepted, clock):
    clock.set(accepted.resolve_due + dt.timedelta(minutes=1))
    appeal = actions.appeal_resolve(
        actor=users["worker_a1"], appeal_id=accepted.pk, resolution="修好了"
    )
    assert appeal.resolved_on_time is False


def test_resolving_needs_an_answer_and_an_accepted_appeal(users, submit, accepted, counts):
    waiting = submit()
    refused(
        counts,
        ActionError,
        lambda: actions.appeal_resolve(
            actor=users["worker_a1"], appeal_id=accepted.pk, resolution=""
        ),
        field="resolution",
    )
    refused(
        counts,
        Conflict,
        lambda: actions.appeal_resolve(
            actor=users["worker_a1"], appeal_id=waiting.pk, resolution="修好了"
        ),
        code="illegal-transition",
    )
    for who, error in (("resident_a1", Forbidden), ("worker_a2", NotFound)):
        refused(
            counts,
            error,
            lambda w=who: actions.appeal_resolve(
                actor=users[w], appeal_id=accepted.pk, resolution="修好了"
            ),
        )


# --- merge and reject --------------------------------------------------------------------------


def test_a_duplicate_is_merged_and_its_resident_told(tree, users, submit):
    main = submit()
    duplicate = submit()
    appeal = fresh(
        actions.appeal_merge(
            actor=users["head_a1"], appeal_id=duplicate.pk, into_id=main.pk, reason="同一工地"
        )
    )
    assert (appeal.state, appeal.merged_into, appeal.due_at) == ("merged", main, None)
    assert not Dispatch.objects.filter(appeal=appeal, live=True).exists()
    assert Dispatch.objects.get(appeal=appeal).outcome == "withdrawn"
    merged = appeal.events.get(kind="merged")
    assert merged.public and main.number in merged.text and merged.note == "同一工地"
    note = main.events.get(kind="note")
    assert not note.public and duplicate.number in note.note
    assert fresh(main).state == State.DISPATCHED
    assert told("appeal.merged", appeal) == {"resident_a1"}
    assert AuditEvent.objects.get(action="appeal.merge").extra["into"] == main.pk


@pytest.mark.parametrize("target", ["itself", "rejected", "merged", "closed", "hidden", "junk"])
def test_the_main_appeal_must_be_another_live_one(
    tree, users, submit, pending, counts, target, resolved
):
    duplicate = submit()
    head = users["head_a1"]
    if target == "rejected":
        into = actions.appeal_reject(actor=head, appeal_id=pending.pk, reason="请拨打110").pk
    elif target == "merged":
        other = submit()
        actions.appeal_merge(actor=head, appeal_id=other.pk, into_id=submit().pk)
        into = other.pk
    elif target == "closed":
        actions.appeal_confirm(actor=users["resident_a1"], appeal_id=resolved.pk)
        actions.appeal_close(actor=head, appeal_id=resolved.pk)
        into = resolved.pk
    elif target == "hidden":
        into = submit(actor=users["resident_a2"], area_code=tree["a2"].code).pk
    else:
        into = {"itself": duplicate.pk, "junk": "第一个"}[target]
    refused(
        counts,
        ActionError,
        lambda: actions.appeal_merge(actor=head, appeal_id=duplicate.pk, into_id=into),
        field="into",
    )


def test_only_a_dispatcher_merges_an_appeal_not_yet_accepted(users, submit, accepted, counts):
    main = submit()
    duplicate = submit()
    refused(
        counts,
        Forbidden,
        lambda: actions.appeal_merge(
            actor=users["worker_a1"], appeal_id=duplicate.pk, into_id=main.pk
        ),
    )
    refused(
        counts,
        Conflict,
        lambda: actions.appeal_merge(
            actor=users["head_a1"], appeal_id=accepted.pk, into_id=main.pk
        ),
        code="illegal-transition",
    )


def test_a_rejection_s_reason_is_public(users, pending, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        appeal = actions.appeal_reject(
            actor=users["head_a1"], appeal_id=pending.pk, reason="涉及人身安全，请立即拨打110"
        )
    appeal = fresh(appeal)
    assert appeal.state == State.REJECTED and appeal.closed_at is not None
    assert appeal.due_at is None
    timeline = queries.appeal_timeline(actor=users["resident_a1"], appeal=appeal)
    assert [e.kind for e in timeline] == ["submitted", "rejected"]
    assert timeline[-1].message == "涉及人身安全，请立即拨打110"
    assert told("appeal.rejected", appeal) == {"resident_a1"}
    assert [phone for phone, _text in sms.outbox] == ["13900000001"]


def test_rejecting_needs_a_reason_a_dispatcher_and_an_unhandled_appeal(
    users, pending, accepted, counts
):
    refused(
        counts,
        ActionError,
        lambda: actions.appeal_reject(actor=users["head_a1"], appeal_id=pending.pk, reason=""),
        field="reason",
    )
    refused(
        counts,
        Forbidden,
        lambda: actions.appeal_reject(
            actor=users["worker_a1"], appeal_id=pending.pk, reason="不管"
        ),
    )
    refused(
        counts,
        Conflict,
        lambda: actions.appeal_reject(actor=users["head_a1"], appeal_id=accepted.pk, reason="不管"),
        code="illegal-transition",
    )
    actions.appeal_reject(actor=users["head_a1"], appeal_id=pending.pk, reason="请拨打110")
    refused(
        counts,
        Conflict,
        lambda: actions.appeal_progress(
            actor=users["head_a1"], appeal_id=pending.pk, note="已处理"
        ),
        code="illegal-transition",
    )


# --- confirm and close -------------------------------------------------------------------------


def test_the_resident_confirms_it_is_solved(users, resolved, clock):
    now = clock.advance(hours=5)
    appeal = fresh(actions.appeal_confirm(actor=users["resident_a1"], appeal_id=resolved.pk))
    assert (appeal.state, appeal.confirmed_at, appeal.closed_at) == ("confirmed", now, None)
    assert appeal.events.filter(kind="confirmed", actor=users["resident_a1"]).count() == 1


def test_not_solved_needs_a_comment_and_reopens_the_appeal(users, resolved, counts, clock):
    refused(
        counts,
        ActionError,
        lambda: actions.appeal_confirm(
            actor=users["resident_a1"], appeal_id=resolved.pk, solved=False
        ),
        field="comment",
    )
    now = clock.advance(days=1)
    appeal = fresh(
        actions.appeal_confirm(
            actor=users["resident_a1"], appeal_id=resolved.pk, solved=False, comment="晚上还在施工"
        )
    )
    assert (appeal.state, appeal.reopen_count, appeal.callback_due) == ("in_progress", 1, False)
    assert not Rectification.objects.filter(appeal=appeal).exists()
    assert appeal.due_at == max(appeal.resolve_due, appeal.tier.resolve_due(now))
    reopened = appeal.events.get(kind="reopened")
    assert reopened.note == "晚上还在施工" and reopened.public
    assert told("appeal.reopened", appeal) == {"worker_a1", "head_a1"}
    assert Dispatch.objects.filter(appeal=appeal, live=True).count() == 1


def test_only_the_resident_confirms_a_resolved_appeal(users, accepted, resolved, counts):
    for who, error in (("worker_a1", Forbidden), ("head_a1", Forbidden), ("resident_a2", NotFound)):
        refused(
            counts,
            error,
            lambda w=who: actions.appeal_confirm(actor=users[w], appeal_id=resolved.pk),
        )
    actions.appeal_confirm(actor=users["resident_a1"], appeal_id=resolved.pk)
    refused(
        counts,
        Conflict,
        lambda: actions.appeal_confirm(actor=users["resident_a1"], appeal_id=resolved.pk),
        code="illegal-transition",
    )


def test_a_dispatcher_closes_a_confirmed_appeal(users, resolved, counts):
    refused(
        counts,
        Conflict,
        lambda: actions.appeal_close(actor=users["head_a1"], appeal_id=resolved.pk),
        code="illegal-transition",
    )
    actions.appeal_confirm(actor=users["resident_a1"], appeal_id=resolved.pk)
    for who, error in (("worker_a1", Forbidden), ("resident_a1", Forbidden), ("town_b", NotFound)):
        refused(
            counts, error, lambda w=who: actions.appeal_close(actor=users[w], appeal_id=resolved.pk)
        )
    appeal = fresh(actions.appeal_close(actor=users["town_a"], appeal_id=resolved.pk, note="归档"))
    assert appeal.state == State.CLOSED and appeal.closed_at is not None
    assert Dispatch.objects.get(appeal=appeal).outcome == "finished"
    assert appeal.events.get(kind="closed").note == "归档"


def test_closing_waits_for_a_due_callback(users, resolved, counts):
    actions.appeal_confirm(actor=users["resident_a1"], appeal_id=resolved.pk)
    Appeal.objects.filter(pk=resolved.pk).update(callback_due=True)
    refused(
        counts,
        Conflict,
        lambda: actions.appeal_close(actor=users["head_a1"], appeal_id=resolved.pk),
        code="callback-due",
    )


# --- the resident's photos ---------------------------------------------------------------------


def test_the_resident_adds_photos_to_an_open_appeal(users, submit, counts, media):
    from .test_intake import png

    appeal = submit()
    assert (
        actions.appeal_photo_add(actor=users["resident_a1"], appeal_id=appeal.pk, photos=[png()])
        == 1
    )
    assert appeal.photos.count() == 1 and appeal.events.filter(kind="photo").count() == 1
    refused(
        counts,
        ActionError,
        lambda: actions.appeal_photo_add(
            actor=users["resident_a1"], appeal_id=appeal.pk, photos=[]
        ),
        field="photos",
    )
    refused(
        counts,
        Forbidden,
        lambda: actions.appeal_photo_add(
            actor=users["worker_a1"], appeal_id=appeal.pk, photos=[png()]
        ),
    )


def test_no_photos_are_added_to_an_ended_appeal(users, pending, counts, media):
    from .test_intake import png

    actions.appeal_reject(actor=users["head_a1"], appeal_id=pending.pk, reason="请拨打110")
    refused(
        counts,
        Conflict,
        lambda: actions.appeal_photo_add(
            actor=users["resident_a1"], appeal_id=pending.pk, photos=[png()]
        ),
        code="illegal-transition",
    )


# --- what each user sees (queries.appeals) ----------------------------------------------------


@pytest.fixture
def spread(tree, users, submit, office, dept_category):
    """Appeals across the tree: A1 resident's, A2 resident's, one a building head took in for a
    neighbour, one with the department office."""
    head = make_user("building_head_a1", Role.BUILDING_HEAD, tree["a1"])
    own = submit()
    neighbour = submit(actor=users["resident_a2"], area_code=tree["a2"].code)
    entered = submit(actor=head, channel="window", contact_phone="0431-88881234")
    with_office = submit(category_id=dept_category.pk)
    actions.appeal_dispatch(actor=users["town_a"], appeal_id=with_office.pk, unit_id=office.pk)
    b1 = submit(actor=users["county"], channel="phone", area_code=tree["b1"].code)
    return {
        "head": head,
        "own": own,
        "neighbour": neighbour,
        "entered": entered,
        "office": with_office,
        "b1": b1,
    }


def seen(actor) -> set[int]:
    return set(Appeal.objects.filter(queries.visible_q(actor)).values_list("pk", flat=True))


def test_each_user_sees_what_is_theirs(users, spread):
    ids = {name: appeal.pk for name, appeal in spread.items() if name != "head"}
    assert seen(users["resident_a1"]) == {ids["own"], ids["office"]}
    assert seen(users["resident_a2"]) == {ids["neighbour"]}
    assert seen(spread["head"]) == {ids["entered"]}
    assert seen(users["dept"]) == {ids["office"]}
    assert seen(users["worker_a1"]) == {ids["own"], ids["entered"], ids["office"]}
    assert seen(users["grid_a1"]) == set()  # their grid's only; these are at community level
    assert seen(users["worker_a2"]) == {ids["neighbour"]}
    assert seen(users["town_a"]) == {ids["own"], ids["neighbour"], ids["entered"], ids["office"]}
    assert seen(users["town_b"]) == {ids["b1"]}
    assert seen(users["county"]) == set(ids.values())
    assert seen(users["sysadmin"]) == seen(users["auditor"]) == set()


def test_an_inactive_account_sees_nothing(users, spread):
    users["worker_a1"].is_active = False
    assert seen(users["worker_a1"]) == set()


def test_the_department_keeps_sight_of_what_it_answers_for(users, spread, tree):
    appeal = spread["office"]
    actions.appeal_accept(actor=users["dept"], appeal_id=appeal.pk)
    actions.appeal_transfer(
        actor=users["dept"], appeal_id=appeal.pk, unit_id=a1_unit(tree).pk, reason="社区处理更快"
    )
    assert queries.appeal_get(actor=users["dept"], appeal_id=appeal.pk) == appeal


def test_appeal_get_refuses_what_is_not_yours(users, spread):
    with pytest.raises(NotFound):
        queries.appeal_get(actor=users["worker_a2"], appeal_id=spread["own"].pk)
    with pytest.raises(NotFound):
        queries.appeal_get(actor=users["resident_a1"], appeal_id=spread["neighbour"].pk)


def listed(actor, **filters) -> list[int]:
    return list(queries.appeal_list(actor=actor, filters=filters).values_list("pk", flat=True))


def test_list_by_state(users, submit, pending, resolved):
    town = users["town_a"]
    open_one = submit()
    rejected = submit(category_id=pending.category_id)
    actions.appeal_reject(actor=users["head_a1"], appeal_id=rejected.pk, reason="请拨打110")
    assert set(listed(town, state="open")) == {pending.pk, open_one.pk}
    assert listed(town, state="done") == [resolved.pk]
    assert listed(town, state="ended") == [rejected.pk]
    assert listed(town, state="submitted") == [pending.pk]
    assert set(listed(town, state=["submitted", "resolved"])) == {pending.pk, resolved.pk}
    for bad in ("finished", ["open", "lost"]):
        with pytest.raises(ActionError) as info:
            listed(town, state=bad)
        assert "state" in info.value.errors


def test_list_overdue_and_due_soon(users, submit):
    now = timezone.now()
    late = submit()
    soon = submit()
    calm = submit()
    Appeal.objects.filter(pk=late.pk).update(due_at=now - dt.timedelta(minutes=5))
    Appeal.objects.filter(pk=soon.pk).update(
        warn_at=now - dt.timedelta(hours=1), due_at=now + dt.timedelta(hours=2)
    )
    Appeal.objects.filter(pk=calm.pk).update(
        warn_at=now + dt.timedelta(hours=5), due_at=now + dt.timedelta(hours=9)
    )
    worker = users["worker_a1"]
    assert listed(worker, overdue="1") == [late.pk]
    assert listed(worker, due_soon="true") == [soon.pk]
    assert set(listed(worker, overdue="0")) == {late.pk, soon.pk, calm.pk}
    assert fresh(late).overdue and not fresh(late).due_soon
    assert fresh(soon).due_soon and not fresh(soon).overdue
    counts = queries.inbox_counts(actor=worker)
    assert (counts["overdue"], counts["due_soon"], counts["to_accept"]) == (1, 1, 3)


def test_list_by_number_and_title(users, submit):
    noise = submit(title="楼上装修噪音")
    lamp = submit(title="路灯不亮")
    worker = users["worker_a1"]
    assert listed(worker, q=noise.number) == [noise.pk]
    assert listed(worker, q=str(lamp.pk)) == [lamp.pk]
    assert listed(worker, q="路灯") == [lamp.pk]
    assert listed(worker, q="装修") == [noise.pk]
    assert listed(worker, q="停车") == []
    assert listed(users["worker_a2"], q=noise.number) == []  # still scoped


def test_list_by_area_and_unit(tree, users, spread, office):
    county = users["county"]
    assert set(listed(county, area=tree["town_b"].code)) == {spread["b1"].pk}
    assert listed(county, unit=office.pk) == [spread["office"].pk]
    with pytest.raises(ActionError) as info:
        listed(county, area="仙城")
    assert "area" in info.value.errors


def test_inbox_counts(users, submit, pending, resolved, accepted):
    counts = queries.inbox_counts(actor=users["worker_a1"])
    assert counts["to_dispatch"] == 1
    assert counts["to_accept"] == 0
    assert counts["in_hand"] == 0  # `accepted` was resolved by the `resolved` fixture
    assert counts["awaiting_resident"] == 1
    submit()
    other = submit()
    actions.appeal_accept(actor=users["worker_a1"], appeal_id=other.pk)
    counts = queries.inbox_counts(actor=users["worker_a1"])
    assert (counts["to_accept"], counts["in_hand"]) == (1, 1)
    assert queries.inbox_counts(actor=users["worker_a2"]) == dict.fromkeys(counts, 0)


def test_the_resident_s_timeline_is_the_public_one(users, accepted):
    actions.appeal_progress(actor=users["worker_a1"], appeal_id=accepted.pk, note="内部备注")
    resident = queries.appeal_timeline(actor=users["resident_a1"], appeal=accepted)
    staff = queries.appeal_timeline(actor=users["head_a1"], appeal=accepted)
    assert [e.kind for e in resident] == ["submitted", "dispatched", "accepted"]
    assert [e.kind for e in staff] == ["submitted", "dispatched", "accepted", "note"]
