"""The demo appeals: every state, rows that agree with their history, the demo resident's own
list, units and rules, and a loader that adds nothing when run again."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.conf import settings
from django.db.models import Count, Max, Q
from django.utils import timezone

from linli.appeals import queries
from linli.appeals.demo import load_appeals_demo
from linli.appeals.models import (
    DONE_STATES,
    OPEN_STATES,
    Appeal,
    Callback,
    Dispatch,
    Event,
    Rating,
    Rectification,
    RoutingRule,
    State,
    Supervision,
    Unit,
    UnitMember,
)
from linli.core.demo import load_core_demo
from linli.core.models import AuditEvent, User
from linli.registry.demo import load_registry_demo

N = 400
RESIDENTS = 1000


@pytest.fixture
def demo(db):
    load_core_demo()
    load_registry_demo(residents=RESIDENTS)
    # The last noon passed: the year of appeals ends at a fixed hour, so what is still open
    # does not depend on the hour the tests run (just past midnight the new day has none yet).
    noon = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(12)))
    if noon > timezone.now():
        noon -= dt.timedelta(days=1)
    return load_appeals_demo(residents=RESIDENTS, appeals=N, now=noon)


def test_listed_after_the_registry_loader():
    loaders = settings.DEMO_LOADERS
    assert loaders.index("linli.appeals.demo.load_appeals_demo") > loaders.index(
        "linli.registry.demo.load_registry_demo"
    )


def test_a_year_of_appeals_in_every_state_for_everyone_to_see(demo):
    appeals = Appeal.objects.filter(is_demo=True)
    assert appeals.count() == N + 3  # and three through the actions
    states = Counter(appeals.values_list("state", flat=True))
    assert set(states) == set(State.values)
    assert states[State.CLOSED] > N / 2  # most of a year's appeals are closed
    assert 0 < sum(states[s] for s in OPEN_STATES) < N / 4
    assert len({code[:12] for code in appeals.values_list("area_code", flat=True)}) >= 12
    assert len({at.date() for at in appeals.values_list("submitted_at", flat=True)}) > 150
    oldest = appeals.order_by("submitted_at").first().submitted_at
    assert (timezone.now() - oldest).days > 300
    assert len(set(appeals.values_list("channel", flat=True))) >= 5
    assert appeals.exclude(resident=None).exists()  # some taken for registry residents
    assert appeals.filter(escalation_level__gt=0, state__in=OPEN_STATES).exists()
    assert appeals.filter(due_at__lt=timezone.now()).exists()  # overdue ones
    titles = set(appeals.values_list("title", flat=True))
    assert len(titles) > 40 and all(titles)

    # Units, members and rules; the summary lists the members' logins.
    health = Unit.objects.get(name="区卫健局")
    provider = Unit.objects.get(kind=Unit.Kind.PROVIDER)
    assert UnitMember.objects.filter(unit=health, user__username="dept").exists()
    assert UnitMember.objects.filter(unit=provider, user__username="provider").exists()
    assert RoutingRule.objects.filter(unit=health, category__key="health").exists()
    routed = Dispatch.objects.filter(
        appeal__is_demo=True, appeal__category__key="health", dispatched_by=None
    )
    assert routed.exists() and set(routed.values_list("unit", flat=True)) == {health.pk}
    assert "区卫健局" in demo and "dept" in demo and "provider" in demo

    # The workbench of each kind of staff has something in it.
    for username in ("dept", "worker", "town", "county"):
        user = User.objects.get(username=username)
        assert queries.appeal_list(actor=user, filters={"state": "open"}).exists(), username
    for username in ("provider", "grid"):
        assert queries.appeal_list(actor=User.objects.get(username=username)).exists()
    county = User.objects.get(username="county")
    counts = queries.inbox_counts(actor=county)
    assert counts["in_hand"] and counts["to_accept"] and counts["escalated"]

    # The demo resident sees an appeal in every state; one awaits her rating.
    resident = User.objects.get(username="resident")
    mine = list(queries.appeals_mine(actor=resident))
    assert {a.state for a in mine} == set(State.values)
    awaiting = [a for a in mine if a.state == State.RESOLVED and a.rating is None]
    assert awaiting
    submitted = AuditEvent.objects.filter(
        action="appeal.submit", target_id__in=[str(a.pk) for a in mine]
    )
    assert submitted.count() == 2  # her two through the actions
    assert Event.objects.filter(appeal__in=awaiting, kind=Event.Kind.PROGRESS).exists()


def test_every_row_agrees_with_its_history(demo):
    appeals = list(
        Appeal.objects.filter(is_demo=True)
        .annotate(live=Count("dispatches", filter=Q(dispatches__live=True)))
        .prefetch_related("events", "supervisions")
    )
    now = timezone.now()
    for a in appeals:
        # One live turn while a unit has it, none before dispatch or after the end.
        has_unit = a.state in (*OPEN_STATES, *DONE_STATES) and a.state not in (
            State.SUBMITTED,
            State.CLOSED,
        )
        assert a.live == (1 if has_unit else 0), (a.pk, a.state)
        # Clocks run only on open appeals; flags follow the timestamps.
        assert (a.due_at is not None) == (a.state in OPEN_STATES), (a.pk, a.state)
        assert (a.warn_at is None) == (a.due_at is None)
        if a.due_at:
            assert a.warn_at <= a.due_at
        assert (a.closed_at is not None) == (a.state in (State.CLOSED, State.REJECTED))
        assert (a.merged_into_id is not None) == (a.state == State.MERGED)
        if a.first_accepted_at:
            assert a.responded_on_time == (a.first_accepted_at <= a.respond_due)
        if a.resolved_at and not a.reopen_count:
            assert a.resolved_on_time == (a.resolved_at <= a.resolve_due)
        if a.state in DONE_STATES:
            assert a.resolved_at and a.resolution and a.first_accepted_at
        if a.state == State.CONFIRMED:
            assert a.confirmed_at
        assert a.submitted_at <= a.state_changed_at <= now
        # The events: submitted first, each step from where the last one left it, ending in
        # the appeal's state.
        events = sorted(a.events.all(), key=lambda e: (e.at, e.pk))
        assert events[0].kind == Event.Kind.SUBMITTED and events[0].at == a.submitted_at
        steps = [e for e in events if e.from_state != e.to_state]
        assert steps[-1].to_state == a.state, a.pk
        for before, after in zip(steps, steps[1:], strict=False):
            assert before.to_state == after.from_state, (a.pk, before.kind, after.kind)
        assert events[-1].at <= now
        if a.state == State.CLOSED:
            assert Event.Kind.RESOLVED in {e.kind for e in events}
        # Escalation level as the sweep leaves it.
        if a.escalation_level:
            assert any(s.level == a.escalation_level for s in a.supervisions.all())
            assert a.escalated_at and a.escalated_at <= now

    live = Dispatch.objects.filter(live=True, appeal__is_demo=True).select_related("appeal")
    for dispatch in live:
        assert dispatch.unit_id == dispatch.appeal.unit_id
        accepted = dispatch.appeal.state not in (State.DISPATCHED,)
        assert (dispatch.accepted_by_id is not None) == accepted, dispatch.appeal_id
        assert (dispatch.accepted_at is not None) == accepted
    assert not Dispatch.objects.filter(live=False, ended_at=None).exists()
    assert Supervision.objects.filter(appeal__is_demo=True, level=2).exists()
    # The first turn went where routing sends it.
    for a in appeals[::10]:
        first = a.dispatches.order_by("dispatched_at", "pk").first()
        assert first.dispatched_at == a.submitted_at and first.dispatched_by is None
        assert first.unit == queries.route(a.area_code, a.category)[0], a.pk

    # Ratings: 1 to 5, mostly satisfied, the appeal keeps the latest; a bad one opened a
    # rectification and a callback.
    ratings = Rating.objects.filter(appeal__is_demo=True)
    levels = Counter(ratings.values_list("level", flat=True))
    assert set(levels) <= {1, 2, 3, 4, 5}
    assert levels[4] + levels[5] > 0.6 * sum(levels.values())
    latest = dict(
        ratings.values("appeal_id").annotate(last=Max("round")).values_list("appeal_id", "last")
    )
    for a in Appeal.objects.filter(pk__in=latest):
        rating = Rating.objects.get(appeal=a, round=latest[a.pk])
        assert a.rating == rating.level and a.rated_at == rating.at
    assert (
        not Appeal.objects.filter(is_demo=True, rating__isnull=False)
        .exclude(pk__in=latest)
        .exists()
    )
    closed = Appeal.objects.filter(is_demo=True, state=State.CLOSED)
    assert closed.exclude(rating=None).count() > closed.count() / 2
    bad = ratings.filter(level__lt=3).select_related("appeal")
    assert bad.exists()
    for rating in bad:
        assert rating.comment and rating.appeal.reopen_count >= 1
        assert Rectification.objects.filter(rating=rating).exists()
    for a in Appeal.objects.filter(is_demo=True, callback_due=True):
        assert a.ratings.filter(level__lt=3).exists()
        assert not a.callbacks.exclude(outcome=Callback.Outcome.UNREACHABLE).exists()
    assert Callback.objects.filter(appeal__is_demo=True).exists()
    assert not Appeal.objects.filter(is_demo=True, state=State.CLOSED, callback_due=True).exists()


def test_loading_again_adds_nothing_and_another_size_replaces(demo):
    def snapshot():
        return (
            Appeal.objects.count(),
            Event.objects.count(),
            Dispatch.objects.count(),
            Rating.objects.count(),
            User.objects.count(),
            Unit.objects.count(),
            RoutingRule.objects.count(),
            AuditEvent.objects.count(),
        )

    first = snapshot()
    assert "kept the 403 demo appeals" in load_appeals_demo(residents=RESIDENTS, appeals=N)
    assert snapshot() == first
    load_appeals_demo(residents=RESIDENTS, appeals=120)
    assert Appeal.objects.filter(is_demo=True).count() == 123
    assert Appeal.objects.count() == 123
    assert (Unit.objects.count(), RoutingRule.objects.count()) == first[5:7]
    assert User.objects.count() == first[4]  # the accounts are reused


def test_the_size_follows_the_registry_and_zero_leaves_the_three(db):
    load_core_demo()
    assert "3 appeals" in load_appeals_demo(residents=0)
    assert Appeal.objects.filter(is_demo=True).count() == 3  # through the actions
    assert "kept the 3 demo appeals" in load_appeals_demo(residents=0)
    with pytest.raises(ValueError):
        load_appeals_demo(appeals=-1)
