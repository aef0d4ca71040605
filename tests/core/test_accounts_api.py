"""The accounts API: every endpoint's answer, and its 4xx problem+json shapes."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from linli.core import sms
from linli.core.models import ApiToken, RoleAssignment, User
from linli.core.roles import Role

A1 = "220403001001"
GRID_A1 = "220403001001001"
NEW_PASSWORD = "Quiet-River-2026"
PROBLEM = "application/problem+json"


@pytest.fixture
def as_user(users):
    """``as_user(name)``: a client with that user's session, answering in English."""

    def _client(name: str) -> Client:
        client = Client(headers={"Accept-Language": "en"})
        client.force_login(users[name], backend="linli.core.auth.PhoneOrUsernameBackend")
        return client

    return _client


@pytest.fixture
def anonymous(db):
    return Client(headers={"Accept-Language": "en"})


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status and body["title"] and body["type"].startswith("https://")
    assert body["instance"] == response.request["PATH_INFO"]
    return body


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


# --- users -----------------------------------------------------------------------------------------


def test_user_list_is_paginated_scoped_and_masked(as_user, users):
    response = as_user("secadmin").get("/api/v1/users", {"limit": 5, "offset": 0})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "limit", "offset", "items"}
    assert body["count"] == 13 and len(body["items"]) == 5  # every 220403 account, not 220402's
    everyone = as_user("secadmin").get("/api/v1/users", {"limit": 200}).json()["items"]
    names = {u["username"] for u in everyone}
    assert "secadmin_a" not in names and "worker_a1" in names
    resident = next(u for u in everyone if u["username"] == "resident_a1")
    assert resident["phone_masked"] == "139****0001"
    assert resident["roles"][0]["area_code"] == A1 and resident["has_outside_roles"] is False
    assert "13900000001" not in response.content.decode()


def test_user_list_filters_and_bad_filters(as_user, users):
    client = as_user("secadmin")
    body = client.get("/api/v1/users", {"role": Role.COMMUNITY_WORKER}).json()
    assert {u["username"] for u in body["items"]} == {"worker_a1", "worker_a2"}
    body = client.get("/api/v1/users", {"q": "13900000002"}).json()
    assert [u["username"] for u in body["items"]] == ["resident_a2"]
    body = client.get("/api/v1/users", {"area_code": "220403001002"}).json()
    assert {u["username"] for u in body["items"]} == {"resident_a2", "worker_a2"}
    assert "role" in problem(client.get("/api/v1/users", {"role": "mayor"}), 400)["errors"]
    assert "area" in problem(client.get("/api/v1/users", {"area_code": "12x"}), 400)["errors"]


@pytest.mark.parametrize("who", ["sysadmin", "auditor", "county", "worker_a1"])
def test_user_list_forbidden_for_everyone_but_security_admins(as_user, who):
    body = problem(as_user(who).get("/api/v1/users"), 403)
    assert body["type"].endswith("/forbidden")


def test_user_list_needs_authentication(anonymous):
    problem(anonymous.get("/api/v1/users"), 401)


def test_user_create(as_user, users):
    response = post(
        as_user("secadmin"),
        "/api/v1/users",
        {
            "username": "li.ming",
            "full_name": "李明",
            "password": NEW_PASSWORD,
            "phone": "13812345678",
            "role": Role.GRID_WORKER,
            "area_code": GRID_A1,
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert body["username"] == "li.ming" and body["phone_masked"] == "138****5678"
    assert [r["role"] for r in body["roles"]] == [Role.GRID_WORKER]


def test_user_create_bad_input_and_refused(as_user, users):
    payload = {
        "username": "x",
        "full_name": "",
        "password": "123",
        "phone": "1",
        "role": Role.GRID_WORKER,
        "area_code": A1,
    }
    body = problem(post(as_user("secadmin"), "/api/v1/users", payload), 400)
    assert {"username", "full_name", "password", "phone"} <= set(body["errors"])
    problem(post(as_user("secadmin_a"), "/api/v1/users", {**payload, "username": "ok.name"}), 403)
    problem(post(as_user("secadmin"), "/api/v1/users", {"username": "a"}), 422)
    assert not User.objects.filter(username__in=["x", "ok.name"]).exists()


def test_user_detail(as_user, users):
    body = as_user("secadmin").get(f"/api/v1/users/{users['worker_a1'].pk}").json()
    assert body["username"] == "worker_a1" and body["is_active"] is True
    assert body["home_area_code"] is None
    problem(as_user("secadmin_a").get(f"/api/v1/users/{users['worker_a1'].pk}"), 404)
    problem(as_user("secadmin").get("/api/v1/users/987654"), 404)
    problem(as_user("auditor").get(f"/api/v1/users/{users['worker_a1'].pk}"), 403)


def test_enable_disable(as_user, users):
    worker = users["worker_a1"].pk
    client = as_user("secadmin")
    assert client.post(f"/api/v1/users/{worker}/disable").json()["is_active"] is False
    assert client.post(f"/api/v1/users/{worker}/enable").json()["is_active"] is True
    problem(client.post(f"/api/v1/users/{users['secadmin'].pk}/disable"), 403)
    problem(as_user("secadmin_a").post(f"/api/v1/users/{worker}/disable"), 404)
    problem(as_user("worker_a2").post(f"/api/v1/users/{worker}/disable"), 403)


def test_reset_password(as_user, users):
    worker = users["worker_a1"]
    client = as_user("secadmin")
    response = post(client, f"/api/v1/users/{worker.pk}/password", {"password": NEW_PASSWORD})
    assert response.status_code == 204
    worker.refresh_from_db()
    assert worker.check_password(NEW_PASSWORD)
    body = problem(post(client, f"/api/v1/users/{worker.pk}/password", {"password": "123"}), 400)
    assert "password" in body["errors"]
    problem(
        post(
            as_user("secadmin_a"), f"/api/v1/users/{worker.pk}/password", {"password": NEW_PASSWORD}
        ),
        404,
    )


# --- role assignments --------------------------------------------------------------------------------


def test_role_assign_and_revoke(as_user, users):
    client = as_user("secadmin")
    resident = users["resident_a1"]
    response = post(
        client,
        "/api/v1/role-assignments",
        {"user_id": resident.pk, "role": Role.GRID_WORKER, "area_code": GRID_A1},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["role"] == Role.GRID_WORKER and body["area_code"] == GRID_A1
    problem(
        post(
            client,
            "/api/v1/role-assignments",
            {"user_id": resident.pk, "role": Role.GRID_WORKER, "area_code": GRID_A1},
        ),
        409,
    )
    bad = problem(
        post(
            client,
            "/api/v1/role-assignments",
            {"user_id": resident.pk, "role": Role.AUDIT_ADMIN, "area_code": "220403000000"},
        ),
        400,
    )
    assert "role" in bad["errors"]
    assert client.delete(f"/api/v1/role-assignments/{body['id']}").status_code == 204
    last = resident.assignments.get()
    assert problem(client.delete(f"/api/v1/role-assignments/{last.pk}"), 400)["type"].endswith(
        "/last_role"
    )
    problem(as_user("secadmin_a").delete(f"/api/v1/role-assignments/{last.pk}"), 404)
    problem(as_user("worker_a1").delete(f"/api/v1/role-assignments/{last.pk}"), 403)
    problem(
        post(
            as_user("secadmin_a"),
            "/api/v1/role-assignments",
            {"user_id": resident.pk, "role": Role.GRID_WORKER, "area_code": A1},
        ),
        404,
    )
    assert RoleAssignment.objects.filter(pk=last.pk).exists()


# --- registration -----------------------------------------------------------------------------------


def test_otp_and_register(anonymous, tree, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(anonymous, "/api/v1/auth/otp", {"phone": "137 1234 5678"})
    assert response.status_code == 202
    code = re.search(r"\b(\d{6})\b", sms.outbox[-1][1]).group(1)
    problem(post(anonymous, "/api/v1/auth/otp", {"phone": "13712345678"}), 429)
    assert "phone" in problem(post(anonymous, "/api/v1/auth/otp", {"phone": "123"}), 400)["errors"]

    payload = {
        "phone": "13712345678",
        "code": code,
        "full_name": "赵大妈",
        "password": NEW_PASSWORD,
        "community_code": A1,
    }
    wrong = "000000" if code != "000000" else "111111"
    body = problem(post(anonymous, "/api/v1/auth/register", {**payload, "code": wrong}), 400)
    assert body["errors"]["code"] and body["type"].endswith("/wrong_code")
    weak = problem(post(anonymous, "/api/v1/auth/register", {**payload, "password": "1234"}), 400)
    assert "password" in weak["errors"]
    response = post(anonymous, "/api/v1/auth/register", payload)
    assert response.status_code == 201
    me = response.json()
    assert me["full_name"] == "赵大妈" and me["phone_masked"] == "137****5678"
    assert [r["role"] for r in me["roles"]] == [Role.RESIDENT]
    assert me["capabilities"] == ["resident.home"]


# --- own password and tokens ------------------------------------------------------------------------


def test_password_change(as_user, users):
    client = as_user("worker_a1")
    body = problem(
        post(client, "/api/v1/me/password", {"old_password": "nope", "new_password": NEW_PASSWORD}),
        400,
    )
    assert "old_password" in body["errors"]
    response = post(
        client,
        "/api/v1/me/password",
        {"old_password": "Sup3r-Secret-pw", "new_password": NEW_PASSWORD},
    )
    assert response.status_code == 204
    users["worker_a1"].refresh_from_db()
    assert users["worker_a1"].check_password(NEW_PASSWORD)


def test_tokens_endpoints(as_user, users):
    client = as_user("worker_a1")
    created = post(client, "/api/v1/tokens", {"name": "script", "days": 30})
    assert created.status_code == 201
    plain = created.json()["token"]
    listed = client.get("/api/v1/tokens").json()
    assert listed["count"] == 1 and plain not in str(listed)
    assert (
        "days" in problem(post(client, "/api/v1/tokens", {"name": "x", "days": 999}), 400)["errors"]
    )
    problem(post(as_user("resident_a1"), "/api/v1/tokens", {"name": "x", "days": 30}), 403)
    token_id = created.json()["id"]
    problem(as_user("worker_a2").delete(f"/api/v1/tokens/{token_id}"), 404)
    assert client.delete(f"/api/v1/tokens/{token_id}").status_code == 204
    assert ApiToken.objects.get(pk=token_id).revoked_at is not None
    assert client.get("/api/v1/tokens").json()["items"][0]["revoked"] is True
