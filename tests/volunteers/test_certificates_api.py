"""Certificates at /api/v1/volunteers/: the same actions and queries as the pages, as JSON;
errors as problem+json; the public check answers without a login and with the printed fields
only."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from linli.core.models import AuditEvent
from linli.volunteers.actions import certificates as actions
from linli.volunteers.models import Certificate

from .conftest import make_volunteer
from .fixtures_certificates import *  # noqa: F403 (the fixtures)
from .fixtures_certificates import API_URLS, days_ago, make_certificate

pytestmark = [pytest.mark.django_db, pytest.mark.urls(API_URLS)]

API = "/api/v1/volunteers"
PROBLEM = "application/problem+json"
VERIFY_FIELDS = {
    "number",
    "status",
    "status_label",
    "revoked_on",
    "holder_name",
    "holder_id_masked",
    "period_from",
    "period_to",
    "hours",
    "star",
    "content",
    "organisation_name",
    "issued_on",
}


def _get(client, path: str, **params):
    return client.get(f"{API}/{path}", params or None)


def _post(client, path: str, body=None):
    return client.post(f"{API}/{path}", body or {}, content_type="application/json")


@pytest.fixture
def issued(users, org_a1, served_a1):
    return actions.certificate_issue(
        actor=users["head_a1"], volunteer_id=served_a1.pk, organisation_id=org_a1.pk
    )


def test_staff_preview_issue_read_and_revoke(login, users, served_a1, org_a1):
    client = login(users["head_a1"])
    body = {"volunteer_id": served_a1.pk, "organisation_id": org_a1.pk}
    preview = _post(client, "certificates/preview", body)
    assert preview.status_code == 200, preview.json()
    assert preview.json()["hours"] == 16.5 and preview.json()["records"] == 6
    assert Certificate.objects.count() == 0

    created = _post(client, "certificates", {**body, "period_from": days_ago(25).isoformat()})
    assert created.status_code == 201, created.json()
    certificate = created.json()
    assert certificate["hours"] == 8.5 and certificate["status"] == "valid"
    assert certificate["holder_id_masked"] == "2204**********0021"
    assert certificate["period_from"] == days_ago(25).isoformat()
    assert certificate["self_service"] is False and certificate["star"] == 0
    assert certificate["verify_url"] == (
        f"http://testserver/volunteers/verify/{certificate['number']}/"
    )

    one = _get(client, f"certificates/{certificate['id']}")
    assert one.status_code == 200 and one.json() == certificate
    listed = _get(client, "certificates", status="valid", organisation=org_a1.pk)
    assert listed.json()["count"] == 1 and listed.json()["items"] == [certificate]

    revoked = _post(client, f"certificates/{certificate['id']}/revoke", {"reason": "记录更正"})
    assert revoked.status_code == 200
    assert revoked.json()["status"] == "revoked" and revoked.json()["revoke_reason"] == "记录更正"
    again = _post(client, f"certificates/{certificate['id']}/revoke", {"reason": "再次"})
    assert again.status_code == 409 and again["Content-Type"] == PROBLEM
    pdf = _get(client, f"certificates/{certificate['id']}.pdf")
    assert pdf.status_code == 409 and "can no longer be downloaded" in pdf.json()["title"]


def test_the_pdf_of_a_valid_certificate(login, users, issued):
    response = _get(login(users["resident_a1"]), f"certificates/{issued.pk}.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert AuditEvent.objects.get(action="volunteers.certificate.download").extra["holder"] is True
    assert _get(login(users["worker_a2"]), f"certificates/{issued.pk}.pdf").status_code == 404


def test_problems_for_bad_input_and_refused_actors(login, users, served_a1, org_a1, org_a2):
    client = login(users["head_a1"])
    bad = _post(
        client,
        "certificates",
        {
            "volunteer_id": served_a1.pk,
            "organisation_id": org_a1.pk,
            "period_to": days_ago(-3).isoformat(),
        },
    )
    assert bad.status_code == 400 and bad["Content-Type"] == PROBLEM
    assert bad.json()["errors"] == {"period_to": ["The period cannot end after today."]}
    assert bad.json()["title"] == "The certificate was not issued."
    unknown = _post(client, "certificates", {"volunteer_id": 1, "organisation_id": 1, "extra": 1})
    assert unknown.status_code == 422
    refused = _post(
        client, "certificates", {"volunteer_id": served_a1.pk, "organisation_id": org_a2.pk}
    )
    assert refused.status_code == 403
    worker = _post(
        login(users["worker_a1"]),
        "certificates",
        {"volunteer_id": served_a1.pk, "organisation_id": org_a1.pk},
    )
    assert worker.status_code == 403
    empty = _post(
        login(users["head_a1"]),
        "certificates",
        {
            "volunteer_id": served_a1.pk,
            "organisation_id": org_a1.pk,
            "period_to": days_ago(300).isoformat(),
        },
    )
    assert empty.status_code == 400 and empty.json()["type"].endswith("/no_hours")
    assert Certificate.objects.count() == 0
    assert _get(login(users["resident_a1"]), "certificates").status_code == 403


def test_the_list_is_scoped_and_reads_one_page_in_constant_queries(
    login, users, issued, tree, org_a2, served_a1, org_a1
):
    neighbour = make_certificate(make_volunteer(tree["a2"], name="陈建国"), org_a2)
    a2 = _get(login(users["worker_a2"]), "certificates").json()
    assert [item["number"] for item in a2["items"]] == [neighbour.number]
    assert _get(login(users["worker_a2"]), f"certificates/{issued.pk}").status_code == 404
    client = login(users["county"])
    _get(client, "certificates")

    def cost() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert _get(client, "certificates").status_code == 200
        return len(ctx.captured_queries)

    few = cost()
    for _ in range(6):
        make_certificate(served_a1, org_a1)
    assert cost() == few


def test_a_volunteer_asks_for_their_own_certificate(login, users, served_a1):
    client = login(users["resident_a1"])
    assert _get(client, "me/certificates").json()["count"] == 0
    first = _post(client, "me/certificates")
    assert first.status_code == 201
    mine = first.json()
    assert mine["self_service"] is True and mine["hours"] == 16.5 and mine["period_from"] is None
    assert mine["period_to"] == timezone.localdate().isoformat()
    again = _post(client, "me/certificates")
    assert again.status_code == 200 and again.json()["id"] == mine["id"]
    assert [c["id"] for c in _get(client, "me/certificates").json()["items"]] == [mine["id"]]
    nobody = _post(login(users["resident_a2"]), "me/certificates")
    assert nobody.status_code == 404 and nobody["Content-Type"] == PROBLEM
    assert _get(login(users["resident_a2"]), "me/certificates").json()["count"] == 0


def test_the_public_check_needs_no_login_and_tells_only_what_is_printed(client, users, issued):
    response = _get(client, f"verify/{issued.number}")
    assert response.status_code == 200
    found = response.json()
    assert set(found) == VERIFY_FIELDS
    assert found["number"] == issued.number and found["status"] == "valid"
    assert found["holder_name"] == "王秀兰" and found["holder_id_masked"] == "2204**********0021"
    assert found["hours"] == 16.5 and found["organisation_name"] == "仙城社区志愿服务站"
    assert found["revoked_on"] is None
    raw = response.content.decode()
    for hidden in ("13900000001", "139****0001", "220403195503150021", issued.volunteer.number):
        assert hidden not in raw
    assert _get(client, f"verify/{issued.number.lower()}").json()["number"] == issued.number

    actions.certificate_revoke(
        actor=users["head_a1"], certificate_id=issued.pk, reason="服务记录已更正"
    )
    revoked = _get(client, f"verify/{issued.number}").json()
    assert revoked["status"] == "revoked"
    assert revoked["revoked_on"] == timezone.localdate().isoformat()
    assert "服务记录已更正" not in str(revoked)

    missing = _get(client, "verify/ZY2026-2345-6789-ABCD")
    assert missing.status_code == 404 and missing["Content-Type"] == PROBLEM
    assert missing.json()["title"] == "There is no certificate with this number."


def test_the_staff_routes_need_a_login(client, issued):
    for path in (
        "certificates",
        f"certificates/{issued.pk}",
        f"certificates/{issued.pk}.pdf",
        "me/certificates",
    ):
        assert _get(client, path).status_code == 401
    assert _post(client, "me/certificates").status_code == 401
