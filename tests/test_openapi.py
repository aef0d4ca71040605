"""The OpenAPI schema is complete, and no generated request makes the API fail with a 5xx."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from linli.api import api

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


def test_every_operation_is_described():
    spec = api.get_openapi_schema()
    assert spec["info"]["title"] == "Linli API"
    missing = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if not operation.get("summary") or not operation.get("tags"):
                missing.append(f"{method.upper()} {path}")
    assert not missing, f"operations without summary or tags: {missing}"


def test_docs_page_uses_local_assets(client, db):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    body = response.content.decode()
    assert "swagger-ui-bundle.js" in body
    assert "cdn." not in body


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Calls go straight to the WSGI app, not through Django's test client, so the
    close-old-connections signal would close the connection holding the test transaction
    (on PostgreSQL). Django's test client disconnects it the same way."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def county_token(users):
    from linli.core import actions

    _token, plain = actions.token_create(actor=users["county"], name="schemathesis")
    return plain


@pytest.fixture
def appeal_rows(users, tree):
    """Appeals the county officer sees (one waiting, one reopened by a bad rating), so the
    appeal lists and counts answer with rows."""
    from linli.appeals import actions as appeal_actions
    from linli.appeals.models import Category
    from linli.core.scoping import SYSTEM

    appeal_actions.appeal_defaults_load(actor=SYSTEM, county_code=tree["county"].code)
    noise = Category.objects.get(area_code=tree["county"].code, key="noise")
    rows = [
        appeal_actions.appeal_submit(
            actor=users["resident_a1"],
            category_id=noise.pk,
            area_code=tree["a1"].code,
            description="楼上每天深夜装修，电钻声音很大",
            lat=43.9,
            lng=125.3,
        )
        for _ in range(2)
    ]
    worker, pk = users["worker_a1"], rows[1].pk
    appeal_actions.appeal_accept(actor=worker, appeal_id=pk)
    appeal_actions.appeal_resolve(actor=worker, appeal_id=pk, resolution="已协调")
    appeal_actions.appeal_rate(actor=users["resident_a1"], appeal_id=pk, level=1, comment="没解决")
    return rows


@schema.parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_never_fails_with_server_error(case, county_token, appeal_rows):
    response = case.call(headers={"Authorization": f"Bearer {county_token}"})
    case.validate_response(response, checks=[not_a_server_error])
    if 200 <= response.status_code < 300 and response.headers.get("Content-Type", "").startswith(
        "application/json"
    ):
        case.validate_response(response, checks=[response_schema_conformance])


def test_huge_offsets_are_refused_not_a_server_error(client, users):
    client.force_login(users["county"], backend="linli.core.auth.PhoneOrUsernameBackend")
    response = client.get("/api/v1/areas", {"offset": 2**63 - 1})
    assert response.status_code == 422
    assert client.get("/api/v1/areas", {"offset": 1_000_000_000}).status_code == 200
