"""Personal API tokens: shown once, stored as a digest, revocable, expiring."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from linli.core import actions
from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.models import ApiToken, AuditEvent


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def bearer(token: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {token}"})


def test_token_create_returns_the_secret_once_and_stores_a_digest(users):
    token, plain = actions.token_create(actor=users["worker_a1"], name="export script", days=30)
    assert plain.startswith("lnl_") and len(plain) > 40
    row = ApiToken.objects.get(pk=token.pk)
    assert row.digest == ApiToken.digest_of(plain) and plain not in row.digest
    assert row.prefix == plain[:8]
    assert abs((row.expires_at - timezone.now()) - dt.timedelta(days=30)) < dt.timedelta(minutes=1)
    assert AuditEvent.objects.filter(action="token.create", target_id=str(token.pk)).exists()


def test_bearer_token_authenticates_api_requests(users):
    _token, plain = actions.token_create(actor=users["worker_a1"], name="t")
    listed = bearer(plain).get("/api/v1/tokens")
    assert listed.status_code == 200 and listed.json()["count"] == 1
    header = Client(headers={"X-API-Token": plain}).get("/api/v1/tokens")
    assert header.status_code == 200
    assert ApiToken.objects.get().last_used_at is not None


def test_bearer_token_works_on_me(users):
    _token, plain = actions.token_create(actor=users["worker_a1"], name="t")
    response = bearer(plain).get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["username"] == "worker_a1"


def test_token_list_never_contains_the_secret(users):
    _token, plain = actions.token_create(actor=users["worker_a1"], name="t")
    body = bearer(plain).get("/api/v1/tokens").content.decode()
    assert plain not in body and plain[8:20] not in body
    assert ApiToken.digest_of(plain) not in body
    item = bearer(plain).get("/api/v1/tokens").json()["items"][0]
    assert set(item) == {
        "id",
        "name",
        "prefix",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked",
    }


def assert_401(response):
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 401 and body["title"]


def test_revoked_token_is_refused(users):
    token, plain = actions.token_create(actor=users["worker_a1"], name="t")
    actions.token_revoke(actor=users["worker_a1"], token_id=token.pk)
    assert_401(bearer(plain).get("/api/v1/tokens"))
    assert AuditEvent.objects.filter(action="token.revoke").count() == 1
    actions.token_revoke(actor=users["worker_a1"], token_id=token.pk)  # twice: no change
    assert AuditEvent.objects.filter(action="token.revoke").count() == 1


def test_expired_token_is_refused(users):
    token, plain = actions.token_create(actor=users["worker_a1"], name="t", days=1)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert_401(bearer(plain).get("/api/v1/tokens"))


def test_token_of_a_disabled_account_is_refused(users):
    _token, plain = actions.token_create(actor=users["worker_a1"], name="t")
    actions.user_set_active(actor=users["secadmin"], user_id=users["worker_a1"].pk, active=False)
    assert_401(bearer(plain).get("/api/v1/tokens"))


def test_unknown_token_is_refused(db):
    assert_401(bearer("lnl_not-a-real-token").get("/api/v1/tokens"))


@pytest.mark.parametrize("who", ["resident_a1", "secadmin", "auditor", "sysadmin"])
def test_roles_without_the_capability_cannot_create_tokens(users, who):
    with pytest.raises(Forbidden):
        actions.token_create(actor=users[who], name="t")
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize(
    ("name", "days", "field"),
    [
        ("", 30, "name"),
        ("x" * 101, 30, "name"),
        ("t", 0, "days"),
        ("t", 367, "days"),
        ("t", None, "days"),
    ],
)
def test_token_bad_input(users, name, days, field):
    with pytest.raises(ActionError) as caught:
        actions.token_create(actor=users["worker_a1"], name=name, days=days)
    assert field in caught.value.errors
    assert not ApiToken.objects.exists()


def test_active_tokens_are_limited(users, monkeypatch):
    from linli.core.actions import accounts as account_actions

    monkeypatch.setattr(account_actions, "TOKENS_MAX_ACTIVE", 2)
    worker = users["worker_a1"]
    first, _plain = actions.token_create(actor=worker, name="a")
    actions.token_create(actor=worker, name="b")
    with pytest.raises(ActionError, match="Revoke one first"):
        actions.token_create(actor=worker, name="c")
    actions.token_revoke(actor=worker, token_id=first.pk)
    actions.token_create(actor=worker, name="c")


def test_one_cannot_revoke_someone_elses_token(users):
    token, plain = actions.token_create(actor=users["worker_a1"], name="t")
    with pytest.raises(NotFound):
        actions.token_revoke(actor=users["worker_a2"], token_id=token.pk)
    assert bearer(plain).get("/api/v1/tokens").status_code == 200


def test_profile_page_shows_a_new_token_once(login, users):
    client = login(users["worker_a1"])
    response = client.post(reverse("core:profile"), {"form": "token", "name": "script", "days": 90})
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("no-store")
    token = ApiToken.objects.get()
    page = response.content.decode()
    plain = page.split('id="new-token-value" class="token-value" type="text" readonly value="')[1]
    plain = plain.split('"')[0]
    assert ApiToken.digest_of(plain) == token.digest
    again = client.get(reverse("core:profile")).content.decode()
    assert plain not in again and "script" in again and token.prefix in again
    assert bearer(plain).get("/api/v1/tokens").status_code == 200


def test_profile_page_revokes_a_token(login, users):
    token, plain = actions.token_create(actor=users["worker_a1"], name="old script")
    client = login(users["worker_a1"])
    response = client.post(reverse("core:profile"), {"form": "token_revoke", "token": token.pk})
    assert response.status_code == 302
    assert_401(bearer(plain).get("/api/v1/tokens"))
    other, _plain = actions.token_create(actor=users["worker_a2"], name="theirs")
    response = client.post(reverse("core:profile"), {"form": "token_revoke", "token": other.pk})
    assert response.status_code == 404
    assert ApiToken.objects.get(pk=other.pk).revoked_at is None


def test_profile_page_hides_tokens_from_residents(login, users):
    client = login(users["resident_a1"])
    page = client.get(reverse("core:profile")).content.decode()
    assert 'data-testid="token-form"' not in page
    response = client.post(reverse("core:profile"), {"form": "token", "name": "x", "days": 30})
    assert response.status_code == 403
    assert not ApiToken.objects.exists()


def test_a_body_with_lone_surrogates_is_refused_not_a_server_error(users):
    _token, plain = actions.token_create(actor=users["worker_a1"], name="t")
    response = bearer(plain).post(
        "/api/v1/tokens", data='{"name": "\\ud800", "days": 5}', content_type="application/json"
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"].endswith("/unparsable-body")
    assert ApiToken.objects.count() == 1
