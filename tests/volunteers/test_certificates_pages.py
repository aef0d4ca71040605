"""Certificate pages: the volunteer's own (phone first), the staff list, issuing with a preview,
one certificate with download and revoke, and the public check that shows only what the
certificate prints."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from linli.core.models import AuditEvent
from linli.volunteers.actions import certificates as actions
from linli.volunteers.models import Certificate

from .conftest import make_volunteer
from .fixtures_certificates import *  # noqa: F403 (the fixtures)
from .fixtures_certificates import days_ago, make_certificate

pytestmark = pytest.mark.django_db

MINE = reverse("volunteers:my_certificates")
LIST = reverse("volunteers:certificates")
ISSUE = reverse("volunteers:certificate_issue")
VERIFY_FORM = reverse("volunteers:verify_form")


def text(response) -> str:
    return response.content.decode()


def no_inline_code(html: str) -> None:
    """CSP: no inline scripts or styles."""
    assert "<style" not in html and " style=" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)


@pytest.fixture
def issued(users, org_a1, served_a1):
    return actions.certificate_issue(
        actor=users["head_a1"], volunteer_id=served_a1.pk, organisation_id=org_a1.pk
    )


# --- the volunteer -------------------------------------------------------------------------------


def test_a_volunteer_asks_for_and_downloads_their_certificate(login, users, served_a1):
    client = login(users["resident_a1"])
    page = client.get(MINE)
    html = text(page)
    assert page.status_code == 200 and 'data-testid="ask-certificate"' in html
    assert ">16.5<" in html and "仙城社区志愿服务站" in html and "No certificates yet." in html
    no_inline_code(html)

    done = client.post(MINE)
    certificate = Certificate.objects.get()
    assert done.status_code == 302 and done["Location"] == f"{MINE}#certificate-{certificate.pk}"
    html = text(client.get(MINE))
    assert "Your certificate is ready" in html and certificate.number in html
    assert reverse("volunteers:certificate_pdf", args=[certificate.pk]) in html

    client.post(MINE)
    assert Certificate.objects.count() == 1
    assert "Nothing has changed since your last certificate" in text(client.get(MINE))

    pdf = client.get(reverse("volunteers:certificate_pdf", args=[certificate.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and pdf["Cache-Control"] == "no-store"
    assert certificate.number in pdf["Content-Disposition"]
    assert AuditEvent.objects.filter(action="volunteers.certificate.download").count() == 1


def test_who_is_no_volunteer_or_has_no_hours_is_told_what_to_do(login, users, tree, org_a1):
    client = login(users["resident_a2"])
    html = text(client.get(MINE))
    assert 'data-testid="not-volunteer"' in html and reverse("volunteers:me") in html
    make_volunteer(tree["a2"], user=users["resident_a2"], name="陈建国", organisation=org_a1)
    html = text(client.get(MINE))
    assert 'data-testid="refusal"' in html and "has no service hours of yours" in html
    assert 'data-testid="ask-certificate"' not in html
    answer = client.post(MINE, follow=True)
    assert "has no service hours of yours" in text(answer) and Certificate.objects.count() == 0


def test_the_own_pages_need_a_login(client, issued):
    for url in (MINE, reverse("volunteers:certificate", args=[issued.pk]), LIST, ISSUE):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"]


# --- staff ---------------------------------------------------------------------------------------


def test_the_staff_list_is_scoped_filtered_and_masked(login, users, issued, org_a2, tree):
    neighbour = make_certificate(make_volunteer(tree["a2"], name="陈建国"), org_a2)
    html = text(login(users["head_a1"]).get(LIST))
    assert issued.number in html and neighbour.number not in html
    assert "2204**********0021" in html and "220403195503150021" not in html
    assert reverse("volunteers:certificate_issue") in html
    no_inline_code(html)
    html = text(login(users["worker_a2"]).get(LIST))
    assert issued.number not in html and neighbour.number in html
    assert reverse("volunteers:certificate_issue") not in html  # a worker does not certify
    html = text(login(users["town_a"]).get(LIST, {"status": "revoked"}))
    assert issued.number not in html and "No certificates." in html
    partial = login(users["town_a"]).get(LIST, {"organisation": "x"}, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and "An organisation is given by its number." in text(partial)
    assert login(users["town_a"]).get(LIST, {"organisation": "x"}).status_code == 400
    assert login(users["resident_a1"]).get(LIST).status_code == 403


def test_the_list_page_costs_the_same_for_many_rows(login, users, issued, served_a1, org_a1):
    client = login(users["county"])
    client.get(LIST)

    def cost() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(LIST).status_code == 200
        return len(ctx.captured_queries)

    few = cost()
    for _ in range(8):
        make_certificate(served_a1, org_a1)
    assert cost() == few


def test_issuing_from_the_search_to_the_certificate(login, users, served_a1, org_a1):
    client = login(users["head_a1"])
    found = text(client.get(ISSUE, {"q": "秀兰"}))
    assert f"?volunteer={served_a1.pk}" in found
    form = text(client.get(ISSUE, {"volunteer": served_a1.pk}))
    assert f'<option value="{org_a1.pk}" selected>仙城社区志愿服务站</option>' in form
    no_inline_code(form)
    preview = client.get(
        ISSUE,
        {
            "volunteer": served_a1.pk,
            "organisation": org_a1.pk,
            "period_from": days_ago(25),
            "preview": "1",
        },
    )
    html = text(preview)
    assert preview.status_code == 200 and 'data-testid="preview"' in html
    assert ">8.5<" in html  # from day 25: a visit (4 h), cleaning (2.5 − 0.5 h), 1.5 h and 1 h
    assert Certificate.objects.count() == 0
    done = client.post(
        ISSUE,
        {
            "volunteer": served_a1.pk,
            "organisation": org_a1.pk,
            "period_from": days_ago(25),
            "period_to": "",
        },
    )
    certificate = Certificate.objects.get()
    assert done.status_code == 302
    assert done["Location"] == reverse("volunteers:certificate", args=[certificate.pk])
    assert certificate.period_from == days_ago(25)


def test_issuing_refuses_bad_input_and_outsiders(login, users, tree, served_a1, org_a1):
    client = login(users["head_a1"])
    tomorrow = days_ago(-1).isoformat()
    bad = client.post(
        ISSUE, {"volunteer": served_a1.pk, "organisation": org_a1.pk, "period_to": tomorrow}
    )
    assert bad.status_code == 400 and "The period cannot end after today." in text(bad)
    preview = client.get(
        ISSUE,
        {
            "volunteer": served_a1.pk,
            "organisation": org_a1.pk,
            "period_to": tomorrow,
            "preview": "1",
        },
        HTTP_HX_REQUEST="true",
    )
    assert preview.status_code == 200 and "The period cannot end after today." in text(preview)
    stranger = make_volunteer(tree["b1"], name="刘东山")
    missing = client.get(ISSUE, {"volunteer": stranger.pk})
    assert missing.status_code == 404 and "刘东山" not in text(missing)
    assert Certificate.objects.count() == 0
    for who in ("worker_a1", "resident_a1"):
        assert login(users[who]).get(ISSUE).status_code == 403
        assert login(users[who]).post(ISSUE, {"volunteer": served_a1.pk}).status_code == 403
    assert Certificate.objects.count() == 0


# --- one certificate -----------------------------------------------------------------------------


def test_the_certificate_page_for_its_holder_and_its_staff(login, users, issued):
    url = reverse("volunteers:certificate", args=[issued.pk])
    mine = text(login(users["resident_a1"]).get(url))
    assert issued.number in mine and 'class="segno"' in mine
    assert f"/volunteers/verify/{issued.number}/" in mine
    assert 'data-testid="revoke-button"' not in mine
    no_inline_code(mine)
    staff = text(login(users["head_a1"]).get(url))
    assert 'data-testid="revoke-button"' in staff and "Service records counted" in staff
    assert 'data-testid="revoke-button"' not in text(login(users["worker_a1"]).get(url))
    for who in ("worker_a2", "resident_a2", "town_b"):
        assert login(users[who]).get(url).status_code == 404


def test_revoking_from_the_page(login, users, issued):
    url = reverse("volunteers:certificate_revoke", args=[issued.pk])
    empty = login(users["head_a1"]).post(url, {"reason": ""})
    assert empty.status_code == 400 and "Give the reason." in text(empty)
    assert login(users["worker_a1"]).post(url, {"reason": "错误"}).status_code == 403
    assert login(users["worker_a2"]).post(url, {"reason": "错误"}).status_code == 404
    issued.refresh_from_db()
    assert issued.status == Certificate.Status.VALID
    done = login(users["head_a1"]).post(url, {"reason": "服务记录已更正"})
    assert done.status_code == 302
    page = text(login(users["head_a1"]).get(done["Location"]))
    assert "The certificate is revoked" in page and "服务记录已更正" in page
    assert 'data-testid="download"' not in page
    blocked = login(users["resident_a1"]).get(
        reverse("volunteers:certificate_pdf", args=[issued.pk])
    )
    assert blocked.status_code == 302
    assert blocked["Location"] == reverse("volunteers:certificate", args=[issued.pk])


# --- the public check ----------------------------------------------------------------------------


def test_the_check_shows_what_is_printed_and_nothing_more(client, users, issued, org_a1, served_a1):
    other = make_certificate(served_a1, org_a1, hours="3")
    response = client.get(reverse("volunteers:verify", args=[issued.number]))
    html = text(response)
    assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert '<meta name="robots" content="noindex, nofollow">' in html
    for printed in (
        issued.number,
        "王秀兰",
        "2204**********0021",
        "16.5",
        "仙城社区志愿服务站",
        "探访独居老人",
    ):
        assert printed in html
    assert 'data-testid="verdict"' in html and "Valid" in html
    for hidden in (
        "13900000001",
        "139****0001",
        "220403195503150021",
        served_a1.number,  # the volunteer number
        other.number,  # their other certificates
        "新兴社区读书会",  # their records
        "Service records counted",
        "resident_a1",
    ):
        assert hidden not in html
    no_inline_code(html)


def test_a_revoked_certificate_shows_as_revoked_with_the_date_not_the_reason(client, users, issued):
    actions.certificate_revoke(
        actor=users["head_a1"], certificate_id=issued.pk, reason="服务记录已更正"
    )
    issued.refresh_from_db()
    html = text(client.get(reverse("volunteers:verify", args=[issued.number])))
    assert "Revoked" in html and "This certificate was revoked on" in html
    assert "服务记录已更正" not in html


def test_an_unknown_number_is_a_clear_404_and_typed_numbers_find_the_page(client, issued):
    missing = client.get(reverse("volunteers:verify", args=["ZY2026-2345-6789-ABCD"]))
    assert missing.status_code == 404 and "There is no certificate with this number." in text(
        missing
    )
    assert missing["X-Robots-Tag"] == "noindex, nofollow"
    canonical = reverse("volunteers:verify", args=[issued.number])
    lower = client.get(reverse("volunteers:verify", args=[issued.number.lower()]))
    assert lower.status_code == 302 and lower["Location"] == canonical
    assert client.get(VERIFY_FORM).status_code == 200
    typed = client.get(VERIFY_FORM, {"number": issued.number.replace("-", " ").lower()})
    assert typed.status_code == 302 and typed["Location"] == canonical
    wrong = client.get(VERIFY_FORM, {"number": "hello"})
    assert wrong.status_code == 400 and "This is not a certificate number" in text(wrong)
