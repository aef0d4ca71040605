"""core.scoping: who may see and do what, by capability and area prefix."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from linli.core import actions, scoping
from linli.core.errors import Forbidden
from linli.core.models import Area, RoleAssignment
from linli.core.roles import Cap, Role
from tests.conftest import make_user

A1 = "220403001001"
A2 = "220403001002"
B1 = "220403002001"
GRID_A1 = "220403001001001"
TOWN_A = "220403001000"


def grant(user, role, area):
    RoleAssignment.objects.create(user=user, role=role, area=area, area_code=area.code)
    scoping.forget(user)


def test_prefixes_are_the_minimal_set(tree):
    user = make_user("many_hats")
    grant(user, Role.COMMUNITY_WORKER, tree["a1"])
    grant(user, Role.COMMUNITY_WORKER, tree["a2"])
    grant(user, Role.GRID_WORKER, tree["grid_a1"])
    # area.view everywhere; the town assignment covers both communities and the grid
    grant(user, Role.TOWN_OFFICER, tree["town_a"])
    assert scoping.prefixes(user, Cap.AREA_VIEW) == ["220403001"]
    # pii.reveal is not a town officer's: the community and grid grants stay, the grid folds
    # into its community
    assert scoping.prefixes(user, Cap.PII_REVEAL) == [A1, A2]
    assert scoping.prefixes(user, Cap.AUDIT_VIEW) == []


def test_has_cap_without_and_with_an_area(users):
    worker = users["worker_a1"]
    assert scoping.has_cap(worker, Cap.PII_REVEAL)
    assert scoping.has_cap(worker, Cap.PII_REVEAL, A1)
    assert scoping.has_cap(worker, Cap.PII_REVEAL, GRID_A1)  # inside a1
    assert not scoping.has_cap(worker, Cap.PII_REVEAL, A2)  # the neighbour
    assert not scoping.has_cap(worker, Cap.PII_REVEAL, TOWN_A)  # above a1
    assert not scoping.has_cap(worker, Cap.AUDIT_VIEW)
    assert not scoping.has_cap(worker, Cap.PII_REVEAL, "")  # rows of no area

    grid = users["grid_a1"]
    assert scoping.has_cap(grid, Cap.PII_REVEAL, GRID_A1)
    assert not scoping.has_cap(grid, Cap.PII_REVEAL, A1)  # the grid does not cover a1

    county = users["county"]
    for code in (A1, A2, B1, GRID_A1):
        assert scoping.has_cap(county, Cap.PII_REVEAL, code)
    assert not scoping.has_cap(county, Cap.PII_REVEAL, "220402001001")  # another county


def test_require_raises_forbidden(users):
    scoping.require(users["worker_a1"], Cap.STAFF_HOME, A1)
    with pytest.raises(Forbidden):
        scoping.require(users["worker_a1"], Cap.STAFF_HOME, A2)
    with pytest.raises(Forbidden):
        scoping.require(users["resident_a1"], Cap.STAFF_HOME)


def test_system_actor_holds_everything(tree):
    assert scoping.prefixes(scoping.SYSTEM, Cap.AUDIT_VIEW) == [""]
    assert scoping.has_cap(scoping.SYSTEM, Cap.CONFIG_MANAGE)
    assert scoping.has_cap(scoping.SYSTEM, Cap.PII_REVEAL, A1)
    assert scoping.has_cap(scoping.SYSTEM, Cap.PII_REVEAL, "")
    assert scoping.scope(Area.objects.all(), scoping.SYSTEM, Cap.AREA_VIEW, "code").count() == (
        Area.objects.count()
    )
    assert scoping.roles(scoping.SYSTEM) == set()


def test_anonymous_and_none_see_nothing(tree):
    for actor in (AnonymousUser(), None):
        assert scoping.prefixes(actor, Cap.AREA_VIEW) == []
        assert not scoping.has_cap(actor, Cap.AREA_VIEW)
        assert not scoping.scope(Area.objects.all(), actor, Cap.AREA_VIEW, "code").exists()


def test_inactive_user_sees_nothing_even_with_cached_grants(users):
    county = users["county"]
    assert scoping.has_cap(county, Cap.AREA_VIEW, A1)  # grants now cached on the object
    county.is_active = False
    county.save(update_fields=["is_active"])
    assert scoping.prefixes(county, Cap.AREA_VIEW) == []
    assert not scoping.has_cap(county, Cap.AREA_VIEW, A1)
    assert not scoping.scope(Area.objects.all(), county, Cap.AREA_VIEW, "code").exists()
    assert scoping.roles(county) == set()


def test_grants_are_cached_until_forget(users, tree, django_assert_num_queries):
    worker = users["worker_a2"]
    assert not scoping.has_cap(worker, Cap.STAFF_HOME, A1)
    with django_assert_num_queries(0):
        scoping.has_cap(worker, Cap.STAFF_HOME, A1)
        scoping.prefixes(worker, Cap.AREA_VIEW)

    actions.role_assign(
        actor=users["secadmin"], user_id=worker.pk, role=Role.COMMUNITY_WORKER, area_code=A1
    )
    # this object still carries the grants it read before the assignment
    assert not scoping.has_cap(worker, Cap.STAFF_HOME, A1)
    scoping.forget(worker)
    assert scoping.has_cap(worker, Cap.STAFF_HOME, A1)
    assert scoping.prefixes(worker, Cap.STAFF_HOME) == [A1, A2]


def test_forget_on_an_actor_without_cache_is_harmless(users):
    scoping.forget(users["auditor"])
    scoping.forget(None)
    assert scoping.has_cap(users["auditor"], Cap.AUDIT_VIEW)


def test_prefix_q_on_empty_grants_matches_nothing(tree):
    assert Area.objects.count() > 0
    assert not Area.objects.filter(scoping.prefix_q([], "code")).exists()
    assert Area.objects.filter(scoping.prefix_q([""], "code")).count() == Area.objects.count()
    codes = set(
        Area.objects.filter(scoping.prefix_q([A1, B1], "code")).values_list("code", flat=True)
    )
    assert codes == {A1, GRID_A1, B1}


def test_scope_limits_rows_to_the_subtree(users):
    town_b = users["town_b"]
    rows = scoping.scope(RoleAssignment.objects.all(), town_b, Cap.AREA_VIEW)
    assert set(rows.values_list("area_code", flat=True)) == {"220403002000"}
    worker = users["worker_a1"]
    rows = scoping.scope(RoleAssignment.objects.all(), worker, Cap.AREA_VIEW)
    assert {r.user.username for r in rows.select_related("user")} == {
        "resident_a1",
        "grid_a1",
        "worker_a1",
        "head_a1",
    }


def test_within_normalises_the_code():
    assert scoping.within("220403", "220403")
    assert scoping.within("220403001", "220403001")
    assert not scoping.within("220403002001", "220403001")
