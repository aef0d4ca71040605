"""Account actions: creating accounts, roles, enabling, passwords, the separated admin roles."""

from __future__ import annotations

import pytest
from django.utils import translation

from linli.core import actions
from linli.core.actions import accounts as account_actions
from linli.core.errors import ActionError, Conflict, Forbidden, NotFound
from linli.core.models import AuditEvent, RoleAssignment, User
from linli.core.roles import Role
from tests.conftest import PASSWORD, make_area, make_user

A1 = "220403001001"
GRID_A1 = "220403001001001"
COUNTY = "220403000000"
NEW_PASSWORD = "Quiet-River-2026"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def snapshot():
    return (User.objects.count(), RoleAssignment.objects.count(), AuditEvent.objects.count())


def create(actor, **overrides):
    fields = {
        "username": "li.ming",
        "full_name": "李明",
        "password": NEW_PASSWORD,
        "phone": "138 1234 5678",
        "role": Role.COMMUNITY_WORKER,
        "area_code": A1,
    }
    fields.update(overrides)
    return actions.user_create(actor=actor, **fields)


# --- user_create ------------------------------------------------------------------------------


def test_user_create_makes_an_account_with_its_first_role(users):
    user = create(users["secadmin"])
    user.refresh_from_db()
    assert user.full_name == "李明" and user.phone == "13812345678"
    assert user.home_area_id == A1 and user.check_password(NEW_PASSWORD)
    assert list(user.assignments.values_list("role", "area_code")) == [(Role.COMMUNITY_WORKER, A1)]
    assert user.assignments.get().granted_by == users["secadmin"]
    events = AuditEvent.objects.filter(actor=users["secadmin"]).values_list("action", "area_code")
    assert set(events) == {("account.create", A1), ("role.assign", A1)}
    assert not AuditEvent.objects.filter(extra__icontains="1381234").exists()


def test_user_create_accepts_short_area_codes_and_admin_roles_on_their_own(users):
    user = create(
        users["secadmin"], username="audit2", phone="", role=Role.AUDIT_ADMIN, area_code="220403"
    )
    assert user.home_area_id is None
    assert user.assignments.get().role == Role.AUDIT_ADMIN


@pytest.mark.parametrize("who", ["worker_a1", "county", "auditor", "sysadmin", "resident_a1"])
def test_user_create_refuses_actors_without_account_management(users, who):
    before = snapshot()
    with pytest.raises(Forbidden):
        create(users[who])
    assert snapshot() == before


def test_user_create_refuses_areas_outside_the_admins_county(users):
    before = snapshot()
    with pytest.raises(Forbidden):
        create(users["secadmin_a"])  # a1 is in 220403, secadmin_a manages 220402
    with pytest.raises(Forbidden):
        create(users["secadmin"], role=Role.COUNTY_OFFICER, area_code="220400000000")  # above
    assert snapshot() == before


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"username": "x"}, "username", "starts with a letter"),
        ({"username": "1380000"}, "username", "starts with a letter"),
        ({"username": "has space"}, "username", "starts with a letter"),
        ({"username": "WORKER_A1"}, "username", "taken"),
        ({"full_name": "  "}, "full_name", "name"),
        ({"full_name": "长" * 101}, "full_name", "at most 100"),
        ({"phone": "12345"}, "phone", "11-digit"),
        ({"phone": "139-0000-0001"}, "phone", "already exists"),
        ({"password": "12345678"}, "password", "numeric"),
        ({"password": "short"}, "password", "too short"),
        ({"role": "mayor"}, "role", "Choose a role"),
        ({"role": Role.COUNTY_OFFICER}, "area_code", "level"),
        ({"area_code": "220403009009"}, "area_code", "Choose an area"),
        ({"area_code": "abc"}, "area_code", "Choose an area"),
    ],
)
def test_user_create_bad_input_is_reported_per_field_and_writes_nothing(
    users, overrides, field, message
):
    before = snapshot()
    with pytest.raises(ActionError) as caught:
        create(users["secadmin"], **overrides)
    assert message.lower() in " ".join(caught.value.errors[field]).lower()
    assert caught.value.status == 400
    assert snapshot() == before


# --- role_assign / role_revoke -------------------------------------------------------------------


def test_role_assign_adds_a_role_inside_the_subtree(users):
    resident = users["resident_a1"]
    assignment = actions.role_assign(
        actor=users["secadmin"], user_id=resident.pk, role=Role.GRID_WORKER, area_code=GRID_A1
    )
    assert assignment.area_code == GRID_A1 and assignment.granted_by == users["secadmin"]
    assert set(resident.assignments.values_list("role", flat=True)) == {
        Role.RESIDENT,
        Role.GRID_WORKER,
    }
    event = AuditEvent.objects.get(action="role.assign", target_id=str(assignment.pk))
    assert event.extra == {"user": resident.pk, "role": Role.GRID_WORKER}


def test_role_assign_refused_actors(users, tree):
    resident = users["resident_a1"]
    before = snapshot()
    with pytest.raises(Forbidden):
        actions.role_assign(
            actor=users["worker_a1"], user_id=resident.pk, role=Role.GRID_WORKER, area_code=A1
        )
    with pytest.raises(NotFound):  # the other county's admin does not even see the account
        actions.role_assign(
            actor=users["secadmin_a"], user_id=resident.pk, role=Role.GRID_WORKER, area_code=A1
        )
    with pytest.raises(Forbidden):  # an area above the admin's county
        actions.role_assign(
            actor=users["secadmin"],
            user_id=resident.pk,
            role=Role.COUNTY_OFFICER,
            area_code="220400000000",
        )
    with pytest.raises(NotFound):
        actions.role_assign(
            actor=users["secadmin"], user_id=999999, role=Role.GRID_WORKER, area_code=A1
        )
    assert snapshot() == before


def test_security_admin_cannot_change_their_own_roles(users):
    secadmin = users["secadmin"]
    before = snapshot()
    with pytest.raises(Forbidden, match="own account"):
        actions.role_assign(
            actor=secadmin, user_id=secadmin.pk, role=Role.SECURITY_ADMIN, area_code=COUNTY
        )
    with pytest.raises(Forbidden):
        actions.role_assign(
            actor=secadmin, user_id=secadmin.pk, role=Role.COUNTY_OFFICER, area_code=COUNTY
        )
    own = secadmin.assignments.get()
    with pytest.raises(Forbidden):
        actions.role_revoke(actor=secadmin, assignment_id=own.pk)
    with pytest.raises(Forbidden):
        actions.user_set_active(actor=secadmin, user_id=secadmin.pk, active=False)
    with pytest.raises(Forbidden):
        actions.user_reset_password(actor=secadmin, user_id=secadmin.pk, password=NEW_PASSWORD)
    assert snapshot() == before


def test_account_that_also_works_elsewhere_is_managed_from_above(users, tree):
    both = make_user("both", Role.COMMUNITY_WORKER, tree["a1"])
    RoleAssignment.objects.create(
        user=both,
        role=Role.RESIDENT,
        area=make_area("220402001001", "龙山社区"),
        area_code="220402001001",
    )
    before = snapshot()
    for call in (
        lambda: actions.role_assign(
            actor=users["secadmin"], user_id=both.pk, role=Role.GRID_WORKER, area_code=A1
        ),
        lambda: actions.role_revoke(
            actor=users["secadmin"], assignment_id=both.assignments.get(area_code=A1).pk
        ),
        lambda: actions.user_set_active(actor=users["secadmin"], user_id=both.pk, active=False),
        lambda: actions.user_reset_password(
            actor=users["secadmin"], user_id=both.pk, password=NEW_PASSWORD
        ),
    ):
        with pytest.raises(Forbidden, match="outside the areas you manage"):
            call()
    assert snapshot() == before
    both.refresh_from_db()
    assert both.is_active and both.check_password(PASSWORD)


@pytest.mark.parametrize(
    ("who", "role", "area", "field", "message"),
    [
        ("auditor", Role.SECURITY_ADMIN, COUNTY, "role", "three administrator roles"),
        ("sysadmin", Role.AUDIT_ADMIN, COUNTY, "role", "three administrator roles"),
        ("county", Role.SECURITY_ADMIN, COUNTY, "role", "administrator account holds no other"),
        ("auditor", Role.COUNTY_OFFICER, COUNTY, "role", "this is an administrator account"),
        ("worker_a1", Role.COUNTY_OFFICER, A1, "area_code", "level"),
        ("worker_a1", "chief", A1, "role", "choose a role"),
        ("worker_a1", Role.GRID_WORKER, "220403001009", "area_code", "choose an area"),
    ],
)
def test_role_assign_bad_input_and_admin_separation(users, who, role, area, field, message):
    before = snapshot()
    with pytest.raises(ActionError) as caught:
        actions.role_assign(
            actor=users["secadmin"], user_id=users[who].pk, role=role, area_code=area
        )
    assert message in " ".join(caught.value.errors[field]).lower()
    assert snapshot() == before


def test_role_assign_twice_is_a_conflict(users):
    with pytest.raises(Conflict):
        actions.role_assign(
            actor=users["secadmin"],
            user_id=users["worker_a1"].pk,
            role=Role.COMMUNITY_WORKER,
            area_code=A1,
        )
    assert users["worker_a1"].assignments.count() == 1


def test_a_security_admin_may_appoint_a_colleague_but_not_themselves(users):
    colleague = create(
        users["secadmin"], username="sec2", role=Role.SECURITY_ADMIN, area_code=COUNTY, phone=""
    )
    assert colleague.assignments.get().role == Role.SECURITY_ADMIN
    # the colleague may now manage the first one, who may not manage themselves
    actions.user_reset_password(
        actor=colleague, user_id=users["secadmin"].pk, password=NEW_PASSWORD
    )


def test_role_revoke_removes_one_role(users):
    resident = users["resident_a1"]
    extra = actions.role_assign(
        actor=users["secadmin"], user_id=resident.pk, role=Role.BUILDING_HEAD, area_code=GRID_A1
    )
    actions.role_revoke(actor=users["secadmin"], assignment_id=extra.pk)
    assert list(resident.assignments.values_list("role", flat=True)) == [Role.RESIDENT]
    event = AuditEvent.objects.get(action="role.revoke")
    assert event.target_id == str(extra.pk) and event.area_code == GRID_A1


def test_role_revoke_keeps_the_last_role(users):
    only = users["worker_a1"].assignments.get()
    before = snapshot()
    with pytest.raises(ActionError, match="only role"):
        actions.role_revoke(actor=users["secadmin"], assignment_id=only.pk)
    assert snapshot() == before


def test_role_revoke_refused_actors(users):
    only = users["worker_a1"].assignments.get()
    with pytest.raises(Forbidden):
        actions.role_revoke(actor=users["worker_a2"], assignment_id=only.pk)
    with pytest.raises(NotFound):
        actions.role_revoke(actor=users["secadmin_a"], assignment_id=only.pk)
    with pytest.raises(NotFound):
        actions.role_revoke(actor=users["secadmin"], assignment_id=10**6)
    assert RoleAssignment.objects.filter(pk=only.pk).exists()


# --- enable / disable, reset password --------------------------------------------------------------


def test_disable_and_enable_an_account(users):
    worker = users["worker_a1"]
    actions.user_set_active(actor=users["secadmin"], user_id=worker.pk, active=False)
    worker.refresh_from_db()
    assert not worker.is_active
    event = AuditEvent.objects.get(action="account.disable")
    assert event.target_id == str(worker.pk) and event.area_code == A1
    actions.user_set_active(actor=users["secadmin"], user_id=worker.pk, active=False)  # no-op
    assert AuditEvent.objects.filter(action="account.disable").count() == 1
    actions.user_set_active(actor=users["secadmin"], user_id=worker.pk, active=True)
    worker.refresh_from_db()
    assert worker.is_active


def test_set_active_refused_actors(users):
    worker = users["worker_a1"]
    with pytest.raises(Forbidden):
        actions.user_set_active(actor=users["head_a1"], user_id=worker.pk, active=False)
    with pytest.raises(NotFound):
        actions.user_set_active(actor=users["secadmin_a"], user_id=worker.pk, active=False)
    worker.refresh_from_db()
    assert worker.is_active


def test_reset_password(users):
    worker = users["worker_a1"]
    actions.user_reset_password(actor=users["secadmin"], user_id=worker.pk, password=NEW_PASSWORD)
    worker.refresh_from_db()
    assert worker.check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(action="account.password_reset", area_code=A1).count() == 1


def test_reset_password_refuses_weak_passwords_and_other_counties(users):
    worker = users["worker_a1"]
    with pytest.raises(ActionError) as caught:
        actions.user_reset_password(actor=users["secadmin"], user_id=worker.pk, password="password")
    assert "password" in caught.value.errors
    with pytest.raises(NotFound):
        actions.user_reset_password(
            actor=users["secadmin_a"], user_id=worker.pk, password=NEW_PASSWORD
        )
    with pytest.raises(Forbidden):
        actions.user_reset_password(
            actor=users["auditor"], user_id=worker.pk, password=NEW_PASSWORD
        )
    worker.refresh_from_db()
    assert worker.check_password(PASSWORD)
    assert not AuditEvent.objects.filter(action="account.password_reset").exists()


# --- separation of the administrator roles -----------------------------------------------------


def test_only_the_security_admin_reads_accounts(users):
    from linli.core.queries import accounts as account_queries

    for who in ("sysadmin", "auditor", "county", "worker_a1"):
        with pytest.raises(Forbidden):
            account_queries.user_list(actor=users[who])
    usernames = set(
        account_queries.user_list(actor=users["secadmin"]).values_list("username", flat=True)
    )
    assert "worker_a1" in usernames and "secadmin_a" not in usernames
    assert (
        not account_queries.user_list(actor=users["secadmin_a"])
        .filter(username="worker_a1")
        .exists()
    )


# --- one's own account -------------------------------------------------------------------------


def test_preferences_update(users):
    resident = users["resident_a1"]
    actions.preferences_update(actor=resident, language="ug", elderly_mode=True)
    resident.refresh_from_db()
    assert (resident.language, resident.elderly_mode) == ("ug", True)
    event = AuditEvent.objects.get(action="account.preferences")
    assert event.extra == {"fields": ["language", "elderly_mode"]} and event.area_code == A1


def test_preferences_update_bad_language_and_anonymous(users):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(ActionError) as caught:
        actions.preferences_update(actor=users["resident_a1"], language="xx")
    assert "language" in caught.value.errors
    with pytest.raises(Forbidden):
        actions.preferences_update(actor=AnonymousUser(), elderly_mode=True)


def test_password_change(users):
    worker = users["worker_a1"]
    account_actions.password_change(actor=worker, old_password=PASSWORD, new_password=NEW_PASSWORD)
    worker.refresh_from_db()
    assert worker.check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(action="account.password_change", actor=worker).count() == 1


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("wrong-old-password", NEW_PASSWORD, "old_password"),
        (PASSWORD, "12345678", "new_password"),
        (PASSWORD, PASSWORD, "new_password"),
    ],
)
def test_password_change_bad_input(users, old, new, field):
    worker = users["worker_a1"]
    with pytest.raises(ActionError) as caught:
        account_actions.password_change(actor=worker, old_password=old, new_password=new)
    assert field in caught.value.errors
    worker.refresh_from_db()
    assert worker.check_password(PASSWORD)
    assert not AuditEvent.objects.filter(action="account.password_change").exists()
