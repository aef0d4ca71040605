"""Routing (queries.units): which unit an appeal goes to, who acts for a unit, who is told."""

from __future__ import annotations

import pytest
from django.utils import translation

from linli.appeals import queries
from linli.appeals.models import Dispatch, Event, RoutingRule, State, Unit, UnitMember
from linli.appeals.queries.units import matching_rule, route
from linli.core import areacodes
from linli.core.models import AuditEvent, Notification

from ..conftest import make_user


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def city(tree):
    """A second department office, 区城管局, at the county."""
    return Unit.objects.create(
        kind=Unit.Kind.DEPARTMENT,
        name="区城管局",
        area=tree["county"],
        area_code=tree["county"].code,
    )


def rule(area, unit, category=None) -> RoutingRule:
    return RoutingRule.objects.create(
        area=area,
        area_code=area.code,
        prefix=areacodes.prefix_of(area.code),
        category=category,
        unit=unit,
    )


def a1_unit(tree) -> Unit:
    return queries.unit_for_area(tree["a1"].code, Unit.Kind.COMMUNITY)


# --- defaults without rules --------------------------------------------------------------------


def test_without_rules_the_category_kind_names_the_area_unit(tree, catalogue):
    unit, found = route(tree["a1"].code, catalogue["noise"])
    assert found is None
    assert (unit.kind, unit.area_id, unit.name) == ("community", tree["a1"].code, "仙城社区")
    town, found = route(tree["a1"].code, catalogue["employment"])
    assert found is None
    assert (town.kind, town.area_id) == ("town", tree["town_a"].code)


def test_a_grid_appeal_of_a_community_category_goes_to_the_grid_s_community(tree, catalogue):
    unit, _rule = route(tree["grid_a1"].code, catalogue["noise"])
    assert unit == a1_unit(tree)


def test_the_area_unit_is_created_once_and_reused(tree, catalogue):
    first = queries.unit_for_area(tree["a1"].code, "community")
    again = queries.unit_for_area(tree["a1"].code, "community")
    assert first == again
    assert Unit.objects.filter(area=tree["a1"], kind="community").count() == 1


def test_an_inactive_area_unit_leaves_the_appeal_to_a_dispatcher(tree, catalogue):
    Unit.objects.filter(pk=a1_unit(tree).pk).update(active=False)
    assert route(tree["a1"].code, catalogue["noise"]) == (None, None)


def test_a_grid_kind_needs_a_grid_appeal(tree, catalogue):
    catalogue["noise"].unit_kind = Unit.Kind.GRID
    unit, _rule = route(tree["grid_a1"].code, catalogue["noise"])
    assert (unit.kind, unit.area_id) == ("grid", tree["grid_a1"].code)
    assert route(tree["a1"].code, catalogue["noise"]) == (None, None)


def test_a_department_kind_without_a_rule_waits_for_a_dispatcher(tree, dept_category):
    assert route(tree["a1"].code, dept_category) == (None, None)


# --- rules -------------------------------------------------------------------------------------


def test_a_category_rule_beats_an_any_category_rule_even_with_a_shorter_prefix(
    tree, catalogue, office, city
):
    rule(tree["a1"], city)  # anything in A1 → 城管
    noise = rule(tree["county"], office, catalogue["noise"])  # noise in the county → 住建
    assert matching_rule(tree["a1"].code, catalogue["noise"]) == noise
    assert route(tree["a1"].code, catalogue["noise"]) == (office, noise)
    unit, _rule = route(tree["a1"].code, catalogue["order"])
    assert unit == city


def test_a_child_category_rule_beats_the_parent_s(tree, catalogue, office, city):
    parent = rule(tree["a1"], city, catalogue["property"])
    child = rule(tree["county"], office, catalogue["property.lift"])
    rule(tree["a1"], a1_unit(tree))  # any category, longest prefix: still loses to both
    assert matching_rule(tree["a1"].code, catalogue["property.lift"]) == child
    assert matching_rule(tree["a1"].code, catalogue["property.leak"]) == parent
    assert matching_rule(tree["a1"].code, catalogue["property"]) == parent


def test_among_equal_rules_the_longer_prefix_wins(tree, catalogue, office, city):
    county_rule = rule(tree["county"], office, catalogue["noise"])
    town_rule = rule(tree["town_a"], city, catalogue["noise"])
    assert matching_rule(tree["a1"].code, catalogue["noise"]) == town_rule
    assert matching_rule(tree["a2"].code, catalogue["noise"]) == town_rule
    assert matching_rule(tree["grid_a1"].code, catalogue["noise"]) == town_rule
    assert matching_rule(tree["b1"].code, catalogue["noise"]) == county_rule
    community_rule = rule(tree["a1"], a1_unit(tree), catalogue["noise"])
    assert matching_rule(tree["a1"].code, catalogue["noise"]) == community_rule
    assert matching_rule(tree["a2"].code, catalogue["noise"]) == town_rule


def test_a_rule_to_an_inactive_unit_is_ignored(tree, catalogue, office, city):
    county_rule = rule(tree["county"], office, catalogue["noise"])
    rule(tree["town_a"], city, catalogue["noise"])
    Unit.objects.filter(pk=city.pk).update(active=False)
    assert matching_rule(tree["a1"].code, catalogue["noise"]) == county_rule
    Unit.objects.filter(pk=office.pk).update(active=False)
    assert matching_rule(tree["a1"].code, catalogue["noise"]) is None
    unit, found = route(tree["a1"].code, catalogue["noise"])
    assert found is None and unit == a1_unit(tree)


def test_a_neighbour_s_rule_does_not_apply(tree, catalogue, city):
    rule(tree["a2"], city, catalogue["noise"])
    rule(tree["town_b"], city)
    assert matching_rule(tree["a1"].code, catalogue["noise"]) is None


def test_a_rule_sends_the_submitted_appeal_to_its_unit(tree, users, catalogue, office, submit):
    found = rule(tree["town_a"], office, catalogue["noise"])
    appeal = submit()
    assert (appeal.state, appeal.unit, appeal.accountable_unit) == ("dispatched", office, office)
    assert Dispatch.objects.get(appeal=appeal, live=True).unit == office
    dispatched = Event.objects.get(appeal=appeal, kind="dispatched")
    assert dispatched.unit == office and str(found.pk) in dispatched.note
    audit = AuditEvent.objects.get(action="appeal.submit", target_id=str(appeal.pk))
    assert audit.extra["rule"] == found.pk and audit.extra["unit"] == office.pk
    told = set(
        Notification.objects.filter(kind="appeal.dispatched").values_list(
            "user__username", flat=True
        )
    )
    assert told == {"dept", "dept_head"}


# --- awaiting dispatch -------------------------------------------------------------------------


def test_no_unit_found_leaves_the_appeal_submitted_and_tells_the_nearest_dispatchers(
    tree, users, dept_category, submit
):
    appeal = submit(category_id=dept_category.pk)
    assert appeal.state == State.SUBMITTED
    assert appeal.unit is None and appeal.accountable_unit is None
    assert not Dispatch.objects.filter(appeal=appeal).exists()
    assert list(appeal.events.values_list("kind", flat=True)) == ["submitted"]
    assert appeal.due_at == appeal.respond_due  # the response clock runs for the dispatcher
    told = Notification.objects.filter(kind="appeal.to_dispatch")
    # head_a1 dispatches in A1 itself; town_a is only asked where no one nearer can.
    assert set(told.values_list("user__username", flat=True)) == {"head_a1"}
    assert told.get().target_id == str(appeal.pk)


def test_without_a_community_dispatcher_the_town_is_told(tree, users, dept_category, submit):
    appeal = submit(
        actor=users["resident_a2"], area_code=tree["a2"].code, category_id=dept_category.pk
    )
    told = Notification.objects.filter(kind="appeal.to_dispatch", target_id=str(appeal.pk))
    assert set(told.values_list("user__username", flat=True)) == {"town_a"}


# --- who acts, who is told ---------------------------------------------------------------------


def test_who_acts_for_a_unit(tree, users, office):
    a1 = a1_unit(tree)
    assert queries.can_act_for(users["worker_a1"], a1)
    assert queries.can_act_for(users["head_a1"], a1)
    assert queries.can_act_for(users["town_a"], a1)  # appeal.handle over the town
    assert not queries.can_act_for(users["worker_a2"], a1)
    assert not queries.can_act_for(users["resident_a1"], a1)
    assert not queries.can_act_for(users["dept"], a1)
    assert queries.can_act_for(users["dept"], office)
    assert not queries.can_act_for(users["worker_a1"], office)
    assert not queries.can_act_for(users["county"], office)
    assert not queries.can_act_for(users["worker_a1"], None)
    Unit.objects.filter(pk=office.pk).update(active=False)
    office.refresh_from_db()
    assert not queries.can_act_for(users["dept"], office)


def test_acting_units_are_the_own_units_and_the_memberships(tree, users, office):
    a1 = a1_unit(tree)
    grid = queries.unit_for_area(tree["grid_a1"].code, Unit.Kind.GRID)
    assert queries.acting_unit_ids(users["worker_a1"]) == [a1.pk]
    assert queries.acting_unit_ids(users["grid_a1"]) == [grid.pk]
    assert queries.acting_unit_ids(users["dept"]) == [office.pk]
    assert queries.acting_unit_ids(users["resident_a1"]) == []
    assert queries.member_unit_ids(users["worker_a1"]) == []


def test_unit_recipients(tree, users, office):
    told = {u.username for u in queries.unit_recipients(a1_unit(tree))}
    assert told == {"worker_a1", "head_a1"}
    assert {u.username for u in queries.unit_recipients(office)} == {"dept", "dept_head"}


def test_supervising_levels(tree, users, office):
    a1 = a1_unit(tree)
    assert queries.supervising_code(a1) == tree["town_a"].code
    assert queries.supervising_code(a1, 2) == tree["county"].code
    assert queries.supervising_code(office) == tree["county"].code
    assert queries.supervising_code(office, 2) == areacodes.parent_code(tree["county"].code)
    town_sup = {u.username for u in queries.supervisor_recipients(a1, tree["town_a"].code)}
    assert town_sup == {"town_a"}
    county_sup = {u.username for u in queries.supervisor_recipients(office, tree["county"].code)}
    assert county_sup == {"county", "dept_head"}


def test_supervised_units_are_the_memberships_as_supervisor(tree, users, office):
    boss = make_user("boss")
    UnitMember.objects.create(unit=office, user=boss, is_supervisor=True)
    assert queries.supervised_unit_ids(boss) == [office.pk]
    assert queries.supervised_unit_ids(users["dept"]) == []


def test_dispatchers_of_a_grid_appeal_are_found_above_it(tree, users):
    told = {u.username for u in queries.dispatcher_recipients(tree["grid_a1"].code)}
    assert told == {"head_a1"}
    assert {u.username for u in queries.dispatcher_recipients(tree["b1"].code)} == {"town_b"}


def test_county_code_of_any_area(tree):
    assert queries.county_code(tree["grid_a1"].code) == tree["county"].code
    assert queries.county_code(tree["town_b"].code) == tree["county"].code
