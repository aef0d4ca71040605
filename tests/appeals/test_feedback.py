"""好差评 and 回访 (actions.feedback): one rating a round, a bad one reopens the appeal for a
rectification due in working days and makes a callback mandatory before it can close."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from linli.appeals import actions, queries
from linli.appeals.models import (
    Appeal,
    Callback,
    Dispatch,
    Holiday,
    Policy,
    Rating,
    Rectification,
    State,
    Unit,
    add_workdays,
)
from linli.core.errors import ActionError, Conflict, Forbidden, NotFound
from linli.core.models import AuditEvent, Notification

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _frozen(clock):
    return clock


def refused(counts, exc_type, call, *, field=None, code=None):
    before = counts()
    with pytest.raises(exc_type) as info:
        call()
    if field is not None:
        assert field in info.value.errors, info.value.errors
    if code is not None:
        assert info.value.code == code
    assert counts() == before
    return info.value


def fresh(appeal: Appeal) -> Appeal:
    return Appeal.objects.get(pk=appeal.pk)


def told(kind: str, appeal: Appeal) -> set[str]:
    rows = Notification.objects.filter(kind=kind, target_id=str(appeal.pk))
    return set(rows.values_list("user__username", flat=True))


def resolve(users, appeal, who="worker_a1") -> Appeal:
    if fresh(appeal).state == State.DISPATCHED:
        actions.appeal_accept(actor=users[who], appeal_id=appeal.pk)
    return actions.appeal_resolve(actor=users[who], appeal_id=appeal.pk, resolution="已处理完毕")


@pytest.fixture
def resolved(users, submit):
    return resolve(users, submit())


def rate(users, appeal, level, who="resident_a1", **kw) -> Rating:
    return actions.appeal_rate(actor=users[who], appeal_id=appeal.pk, level=level, **kw)


# --- good ratings ------------------------------------------------------------------------------


def test_a_good_rating_confirms_and_closes_a_resolved_appeal(users, resolved, clock):
    now = clock.advance(hours=3)
    rating = rate(users, resolved, 4, comment="处理及时")
    assert (rating.round, rating.level, rating.efficiency, rating.attitude, rating.result) == (
        0,
        4,
        4,
        4,
        4,
    )
    assert rating.by == users["resident_a1"] and rating.unit == resolved.unit
    assert rating.area_code == resolved.area_code and not rating.is_bad
    appeal = fresh(resolved)
    assert (appeal.state, appeal.rating, appeal.rated_at) == ("closed", 4, now)
    assert appeal.confirmed_at == now and appeal.closed_at == now
    kinds = list(appeal.events.values_list("kind", flat=True))
    assert kinds[-3:] == ["rated", "confirmed", "closed"]
    assert "处理及时" in appeal.events.get(kind="rated").message
    audit = AuditEvent.objects.get(action="appeal.rate")
    assert audit.extra == {"state": "closed", "level": 4, "on_behalf": False}
    assert not Dispatch.objects.filter(appeal=appeal, live=True).exists()


def test_the_parts_of_a_rating_may_differ(users, resolved):
    rating = rate(users, resolved, 3, efficiency="2", attitude=5, result="")
    assert (rating.level, rating.efficiency, rating.attitude, rating.result) == (3, 2, 5, 3)


def test_a_confirmed_appeal_is_closed_by_its_rating(users, resolved):
    actions.appeal_confirm(actor=users["resident_a1"], appeal_id=resolved.pk)
    rate(users, resolved, 5)
    assert fresh(resolved).state == State.CLOSED


def test_a_closed_appeal_may_still_be_rated(users, resolved):
    actions.appeal_confirm(actor=users["resident_a1"], appeal_id=resolved.pk)
    actions.appeal_close(actor=users["head_a1"], appeal_id=resolved.pk)
    rate(users, resolved, 5)
    assert (fresh(resolved).state, fresh(resolved).rating) == ("closed", 5)


def test_a_round_is_rated_once(users, resolved, counts):
    rate(users, resolved, 4)
    error = refused(counts, Conflict, lambda: rate(users, resolved, 5), code="rated")
    assert error.status == 409
    assert Rating.objects.get(appeal=resolved).level == 4


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"level": 0}, "level"),
        ({"level": 6}, "level"),
        ({"level": "good"}, "level"),
        ({"level": None}, "level"),
        ({"level": 4, "efficiency": 9}, "efficiency"),
        ({"level": 4, "attitude": "x"}, "attitude"),
        ({"level": 4, "result": -1}, "result"),
        ({"level": 4, "comment": "好" * 501}, "comment"),
    ],
)
def test_bad_levels_are_refused(users, resolved, counts, kw, field):
    refused(
        counts,
        ActionError,
        lambda: actions.appeal_rate(actor=users["resident_a1"], appeal_id=resolved.pk, **kw),
        field=field,
    )


def test_an_open_appeal_is_not_rated_yet(users, submit, counts):
    appeal = submit()
    refused(counts, Conflict, lambda: rate(users, appeal, 5), code="illegal-transition")


@pytest.mark.parametrize(
    ("who", "error"),
    [("worker_a1", Forbidden), ("head_a1", Forbidden), ("resident_a2", NotFound)],
)
def test_only_the_resident_rates(users, resolved, counts, who, error):
    refused(counts, error, lambda: rate(users, resolved, 5, who=who))


def test_a_supervisor_records_a_rating_given_by_telephone(users, resolved):
    rating = rate(users, resolved, 5, who="head_a1", on_behalf=True)
    assert rating.by == users["head_a1"]
    assert AuditEvent.objects.get(action="appeal.rate").extra["on_behalf"] is True
    assert fresh(resolved).state == State.CLOSED


def test_a_worker_cannot_rate_on_behalf(users, resolved, counts):
    refused(counts, Forbidden, lambda: rate(users, resolved, 5, who="worker_a1", on_behalf=True))


# --- bad ratings: rectification and callback ---------------------------------------------------


def test_a_bad_rating_needs_a_comment(users, resolved, counts):
    for level in (1, 2):
        refused(counts, ActionError, lambda lv=level: rate(users, resolved, lv), field="comment")
        refused(
            counts,
            ActionError,
            lambda lv=level: rate(users, resolved, lv, comment="  "),
            field="comment",
        )


def test_a_bad_rating_reopens_the_appeal_with_a_rectification_in_working_days(
    tree, users, resolved, clock
):
    # Two days off straight after the rating and a make-up Saturday (调休) a week later.
    Holiday.objects.create(date=dt.date(2026, 11, 19), name="休")
    Holiday.objects.create(date=dt.date(2026, 11, 20), name="休")
    Holiday.objects.create(date=dt.date(2026, 11, 28), is_workday=True, name="调休上班")
    now = clock()  # Wednesday 18 November 2026, 10:00
    Notification.objects.all().delete()
    rating = rate(users, resolved, 2, comment="噪音依旧，晚上还在施工")
    assert rating.is_bad
    appeal = fresh(resolved)
    assert (appeal.state, appeal.reopen_count, appeal.callback_due) == ("in_progress", 1, True)
    assert appeal.rating == 2
    rect = Rectification.objects.get(appeal=appeal)
    assert (rect.rating, rect.unit, rect.opened_at, rect.done_at) == (
        rating,
        appeal.unit,
        now,
        None,
    )
    # 23–28 Nov (Saturday worked) are 6, 30 Nov–4 Dec 11, 7–10 Dec 15 working days.
    assert rect.due_at == dt.datetime(2026, 12, 10, 23, 59, 59, tzinfo=SH)
    assert rect.due_at != add_workdays(now, 15, {})
    assert appeal.due_at == rect.due_at
    reopened = appeal.events.get(kind="reopened")
    assert reopened.note == "噪音依旧，晚上还在施工"
    assert told("appeal.reopened", appeal) == {"worker_a1", "head_a1"}
    # The supervisors of the unit (A1 community → town A) must call the resident back.
    assert told("appeal.callback_due", appeal) == {"town_a"}
    assert Dispatch.objects.filter(appeal=appeal, live=True).count() == 1


def test_the_county_s_policy_sets_the_rectification_time(tree, users, resolved, clock):
    Policy.objects.filter(area_code=tree["county"].code).update(rectify_workdays=3)
    rate(users, resolved, 1, comment="没人来过")
    rect = Rectification.objects.get(appeal=resolved)
    assert rect.due_at == dt.datetime(2026, 11, 23, 23, 59, 59, tzinfo=SH)


def test_a_bad_rating_on_a_leap_day(users, submit, clock):
    clock.set(dt.datetime(2028, 2, 29, 12, 0, tzinfo=SH))
    appeal = resolve(users, submit())
    rate(users, appeal, 1, comment="根本没有处理")
    rect = Rectification.objects.get(appeal=appeal)
    assert rect.due_at == add_workdays(clock(), 15, {})


def test_the_rectification_is_done_when_the_unit_resolves_again(users, resolved, clock):
    rate(users, resolved, 2, comment="没解决")
    on_time = fresh(resolved).resolved_on_time
    now = clock.advance(days=2)
    resolve(users, resolved)
    rect = Rectification.objects.get(appeal=resolved)
    assert rect.done_at == now
    appeal = fresh(resolved)
    assert appeal.resolved_on_time == on_time  # the first round's figure stands
    # Round 1 is rated anew; good, but the callback is still due: confirmed, not closed.
    second = rate(users, appeal, 4)
    assert second.round == 1
    assert fresh(appeal).state == State.CONFIRMED
    with pytest.raises(Conflict) as info:
        actions.appeal_close(actor=users["head_a1"], appeal_id=appeal.pk)
    assert info.value.code == "callback-due"


def test_a_bad_rating_on_a_closed_appeal_gives_it_back_to_the_unit(users, resolved):
    actions.appeal_confirm(actor=users["resident_a1"], appeal_id=resolved.pk)
    actions.appeal_close(actor=users["head_a1"], appeal_id=resolved.pk)
    rate(users, resolved, 1, comment="又坏了")
    appeal = fresh(resolved)
    assert appeal.state == State.IN_PROGRESS and appeal.closed_at is None
    live = Dispatch.objects.get(appeal=appeal, live=True)
    assert (live.unit, live.accepted_by) == (appeal.unit, users["worker_a1"])
    resolve(users, appeal)  # the same worker can carry on
    assert fresh(appeal).state == State.RESOLVED


def test_the_supervisor_s_callback_clears_the_way_to_closing(users, resolved, clock):
    rating = rate(users, resolved, 2, comment="态度不好")
    resolve(users, resolved)
    rate(users, resolved, 4)
    now = clock.advance(days=1)
    callback = actions.appeal_callback(
        actor=users["head_a1"], appeal_id=resolved.pk, outcome="satisfied", note="已电话回访，满意"
    )
    assert (callback.by, callback.at, callback.outcome) == (users["head_a1"], now, "satisfied")
    assert callback.rating == Rating.objects.get(appeal=resolved, round=1)
    assert callback.rating != rating
    appeal = fresh(resolved)
    assert appeal.callback_due is False
    event = appeal.events.get(kind="callback")
    assert not event.public and "已电话回访，满意" in event.note
    resident_view = queries.appeal_timeline(actor=users["resident_a1"], appeal=appeal)
    assert event not in resident_view
    assert AuditEvent.objects.get(action="appeal.callback").extra["outcome"] == "satisfied"
    actions.appeal_close(actor=users["head_a1"], appeal_id=resolved.pk)
    assert fresh(resolved).state == State.CLOSED


def test_an_unreachable_resident_keeps_the_callback_due(users, resolved):
    rate(users, resolved, 1, comment="没修好")
    actions.appeal_callback(
        actor=users["town_a"], appeal_id=resolved.pk, outcome="unreachable", note="电话无人接听"
    )
    assert fresh(resolved).callback_due is True
    assert Callback.objects.filter(appeal=resolved).count() == 1
    actions.appeal_callback(
        actor=users["town_a"],
        appeal_id=resolved.pk,
        outcome="unsatisfied",
        note="仍不满意，继续整改",
    )
    assert fresh(resolved).callback_due is False


def test_callbacks_are_the_supervisor_s(users, resolved, counts):
    rate(users, resolved, 1, comment="没修好")
    for who, error in (
        ("worker_a1", Forbidden),
        ("resident_a1", Forbidden),
        ("worker_a2", NotFound),
    ):
        refused(
            counts,
            error,
            lambda w=who: actions.appeal_callback(
                actor=users[w], appeal_id=resolved.pk, outcome="satisfied", note="满意"
            ),
        )
    refused(
        counts,
        ActionError,
        lambda: actions.appeal_callback(
            actor=users["head_a1"], appeal_id=resolved.pk, outcome="happy", note="满意"
        ),
        field="outcome",
    )
    refused(
        counts,
        ActionError,
        lambda: actions.appeal_callback(
            actor=users["head_a1"], appeal_id=resolved.pk, outcome="satisfied", note=""
        ),
        field="note",
    )


def test_a_department_s_supervisor_is_told_and_calls_back(tree, users, submit, office):
    appeal = submit()
    actions.appeal_transfer(
        actor=users["head_a1"], appeal_id=appeal.pk, unit_id=office.pk, reason="房屋安全"
    )
    resolve(users, appeal, who="dept")
    Notification.objects.all().delete()
    rate(users, appeal, 1, comment="没有解决")
    assert told("appeal.callback_due", appeal) == {"county", "dept_head"}
    assert told("appeal.reopened", appeal) == {"dept", "dept_head"}
    head = Unit.objects.get(pk=office.pk).memberships.get(is_supervisor=True).user
    actions.appeal_callback(actor=head, appeal_id=appeal.pk, outcome="satisfied", note="已回访")
    assert fresh(appeal).callback_due is False
    with pytest.raises(Forbidden):
        actions.appeal_callback(
            actor=users["dept"], appeal_id=appeal.pk, outcome="satisfied", note="已回访"
        )
