"""Logging in by username or phone, wrong passwords, lockout after repeated failures."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from linli.core import actions
from linli.core.auth import axes_username, normalize_phone
from tests.conftest import PASSWORD

LOGIN = reverse("core:login")
WRONG = "The mobile number/username or the password is not correct."
PER_ACCOUNT = {"AXES_USERNAME_CALLABLE": "linli.core.auth.axes_username"}


@pytest.fixture(autouse=True)
def _fresh_lockouts(db):
    axes_reset()
    yield
    axes_reset()


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def post_login(client, username, password=PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password})


def signed_in_as(client):
    from linli.core.models import User

    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id).username if user_id else None


def test_axes_is_enabled_with_a_limit_of_five():
    assert settings.AXES_ENABLED is True
    assert settings.AXES_FAILURE_LIMIT == 5
    assert "axes.backends.AxesStandaloneBackend" in settings.AUTHENTICATION_BACKENDS


def test_login_by_username(english, users):
    response = post_login(english, "worker_a1")
    assert response.status_code == 302
    assert signed_in_as(english) == "worker_a1"


@pytest.mark.parametrize(
    "typed",
    ["13900000001", "139 0000 0001", "139-0000-0001", "+86 139 0000 0001", "１３９００００００01"],
)
def test_login_by_phone_as_people_type_it(english, users, typed):
    response = post_login(english, typed)
    assert response.status_code == 302, response.content.decode()[:500]
    assert signed_in_as(english) == "resident_a1"


def test_normalize_phone_keeps_what_is_not_a_phone():
    assert normalize_phone(" 138 0000 0001 ") == "13800000001"
    assert normalize_phone("0086-138-0000-0001") == "13800000001"
    assert normalize_phone("worker_a1") == "worker_a1"


def test_wrong_password_is_refused_with_a_clear_message(english, users):
    response = post_login(english, "worker_a1", "not-the-password")
    assert response.status_code == 200
    assert WRONG in response.content.decode()
    assert signed_in_as(english) is None


def test_unknown_account_gets_the_same_message(english, users):
    response = post_login(english, "nobody_here", "whatever-123")
    assert WRONG in response.content.decode()


def test_disabled_account_cannot_log_in(english, users):
    actions.user_set_active(actor=users["secadmin"], user_id=users["worker_a1"].pk, active=False)
    response = post_login(english, "worker_a1")
    assert response.status_code == 200
    assert WRONG in response.content.decode()
    assert signed_in_as(english) is None


def test_lockout_after_five_failures_even_with_the_right_password(english, users):
    for _attempt in range(5):
        response = post_login(english, "worker_a1", "wrong-password")
    assert response.status_code in (403, 429)
    response = post_login(english, "worker_a1")
    assert response.status_code in (403, 429)
    assert signed_in_as(english) is None
    # another account is not affected
    assert post_login(english, "worker_a2").status_code == 302


def test_four_failures_then_success_resets_the_count(english, users):
    for _attempt in range(4):
        post_login(english, "worker_a1", "wrong-password")
    assert post_login(english, "worker_a1").status_code == 302
    english.post(reverse("core:logout"))
    for _attempt in range(4):
        post_login(english, "worker_a1", "wrong-password")
    assert post_login(english, "worker_a1").status_code == 302


@override_settings(**PER_ACCOUNT)
def test_formatting_variants_count_against_one_account(english, users):
    variants = ["13900000001", "139 0000 0001", "139-0000-0001", "+8613900000001", "resident_a1"]
    for typed in variants:
        post_login(english, typed, "wrong-password")
    response = post_login(english, "139 0000  0001")
    assert response.status_code in (403, 429)
    assert signed_in_as(english) is None
    keys = set(AccessAttempt.objects.values_list("username", flat=True))
    assert keys == {f"user:{users['resident_a1'].pk}"}  # no phone number in the lockout table


def test_axes_username_never_returns_a_phone_number(users):
    assert axes_username(None, {"username": "worker_a1"}) == f"user:{users['worker_a1'].pk}"
    unknown = axes_username(None, {"username": "137 1234 5678"})
    assert unknown.startswith("phone:") and "13712345678" not in unknown
    assert unknown == axes_username(None, {"username": "13712345678"})
    assert axes_username(None, {"username": "  someone  "}) == "someone"
    assert axes_username(None, {}) == ""


@override_settings(**PER_ACCOUNT)
def test_password_reset_by_the_security_admin_lifts_the_lockout(english, users):
    for _attempt in range(5):
        post_login(english, "worker_a1", "wrong-password")
    assert post_login(english, "worker_a1").status_code in (403, 429)
    actions.user_reset_password(
        actor=users["secadmin"], user_id=users["worker_a1"].pk, password="Fresh-Start-2026"
    )
    assert post_login(english, "worker_a1", "Fresh-Start-2026").status_code == 302
