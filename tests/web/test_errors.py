"""Error pages as a person sees them in production (DEBUG off): right status, a way home."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.test.utils import override_settings
from django.utils import translation

from linli.web import views

from .conftest import parse

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_production", "english")]

ERRORS = "tests.web.urls_errors"


@pytest.fixture
def _production():
    with override_settings(DEBUG=False):
        yield


def assert_friendly(response, status: int, title: str, templates: list[str] | None = None):
    assert response.status_code == status
    page = parse(response.content)
    assert title in page.text
    assert "/" in page.hrefs(), "no link back to the home page"
    if templates is not None:
        assert [t for t in templates if t == f"{status}.html"]


def test_unknown_address_gives_the_404_page(client):
    response = client.get("/no-such-page/")
    assert_friendly(response, 404, "Page not found", [t.name for t in response.templates])
    assert "web/base.html" in [t.name for t in response.templates]


def test_404_page_keeps_the_signed_in_header(users, login):
    response = login(users["resident_a1"]).get("/no-such-page/")
    assert response.status_code == 404
    assert "王秀兰" in parse(response.content).text


def test_error_pages_are_chinese_first(client):
    del client.cookies["linli_language"]
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = parse(response.content)
    assert page.html_element().attrs["lang"] == "zh-hans"
    assert page.find_all("h1", id="error-title")


def test_unknown_host_gives_the_400_page(client):
    response = client.get("/", HTTP_HOST="evil.example")
    assert_friendly(
        response,
        400,
        "Something was wrong with the request",
        [t.name for t in response.templates],
    )


@override_settings(ROOT_URLCONF=ERRORS)
def test_suspicious_input_gives_the_400_page(client):
    response = client.get("/fail/400/")
    assert_friendly(response, 400, "Something was wrong with the request")


@override_settings(ROOT_URLCONF=ERRORS)
def test_forbidden_page_asks_a_visitor_to_log_in(client):
    response = client.get("/fail/403/")
    assert_friendly(response, 403, "You cannot open this page")
    assert "/accounts/login/?next=/fail/403/" in parse(response.content).hrefs()


@override_settings(ROOT_URLCONF=ERRORS)
def test_forbidden_page_tells_a_signed_in_user_whom_to_ask(users, login):
    response = login(users["resident_a1"]).get("/fail/403/")
    assert_friendly(response, 403, "You cannot open this page")
    page = parse(response.content)
    assert "security administrator" in page.text
    assert not any(h.startswith("/accounts/login/") for h in page.hrefs())


@override_settings(ROOT_URLCONF=ERRORS)
def test_a_crash_gives_the_500_page(db):
    client = Client(raise_request_exception=False)
    client.cookies["linli_language"] = "en"
    response = client.get("/fail/500/")
    assert_friendly(response, 500, "Sorry, something went wrong")
    page = parse(response.content)
    assert "/static/web/site.css" in {link.attrs["href"] for link in page.find_all("link")}
    assert "a bug" not in response.content.decode()  # no internals shown


def test_500_page_renders_without_the_database_or_a_session(django_assert_num_queries):
    request = RequestFactory().get("/")  # no user, no session, no middleware at all
    with django_assert_num_queries(0), translation.override("en"):
        response = views.server_error(request)
    assert response.status_code == 500
    page = parse(response.content)
    assert "Sorry, something went wrong" in page.text
    assert not page.find_all("script")
