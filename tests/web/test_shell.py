"""The page shell: elderly mode, languages, the security policy of every page, vendored htmx."""

from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test.utils import override_settings
from django.utils.translation import trans_real

from linli.core.middleware import ELDERLY_COOKIE
from linli.core.models import AuditEvent
from linli.core.roles import Role
from tests.conftest import PASSWORD, make_user

from .conftest import parse

pytestmark = pytest.mark.django_db


def html_classes(response) -> set[str]:
    return set((parse(response.content).html_element().attrs.get("class") or "").split())


# --- elderly mode ---------------------------------------------------------------------------


def test_elderly_toggle_for_a_visitor_sets_the_cookie_and_enlarges_the_page(client):
    assert "elderly" not in html_classes(client.get("/"))
    response = client.post("/preferences/elderly/", {"elderly": "1", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert response.cookies[ELDERLY_COOKIE].value == "1"
    page = client.get("/accounts/login/")
    assert "elderly" in html_classes(page)
    toggle = parse(page.content).find_all("button", data_testid="elderly-toggle")[0]
    assert toggle.attrs["aria-pressed"] == "true"

    client.post("/preferences/elderly/", {"elderly": "0", "next": "/"})
    assert "elderly" not in html_classes(client.get("/"))


def test_elderly_toggle_is_saved_with_the_account(users, login):
    resident = users["resident_a1"]
    client = login(resident)
    response = client.post("/preferences/elderly/", {"elderly": "1", "next": "/"})
    assert response.cookies[ELDERLY_COOKIE].value == "1"
    resident.refresh_from_db()
    assert resident.elderly_mode is True
    assert "elderly" in html_classes(client.get("/"))
    assert AuditEvent.objects.filter(action="account.preferences", actor=resident).exists()

    client.post("/preferences/elderly/", {"elderly": "0", "next": "/"})
    resident.refresh_from_db()
    assert resident.elderly_mode is False


def test_saved_elderly_mode_follows_the_account_to_a_new_browser(users, client):
    resident = users["resident_a1"]
    resident.elderly_mode = True
    resident.save(update_fields=["elderly_mode"])
    response = client.post(
        "/accounts/login/", {"username": "13900000001", "password": PASSWORD}, follow=True
    )
    assert "elderly" in html_classes(response)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", ""])
def test_elderly_toggle_never_redirects_off_the_site(client, target):
    response = client.post("/preferences/elderly/", {"elderly": "1", "next": target})
    assert response["Location"] == "/"


def test_elderly_toggle_refuses_get(client):
    assert client.get("/preferences/elderly/?elderly=1").status_code == 405
    assert ELDERLY_COOKIE not in client.cookies


def test_elderly_toggle_needs_the_csrf_token(db):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/preferences/elderly/", {"elderly": "1"})
    assert response.status_code == 403
    assert ELDERLY_COOKIE not in response.cookies


# --- languages -------------------------------------------------------------------------------


def switch(client, code: str):
    return client.post("/i18n/setlang/", {"language": code, "next": "/"}, follow=True)


def test_pages_are_chinese_first(client):
    html = parse(client.get("/").content).html_element()
    assert html.attrs["lang"] == "zh-hans"
    assert html.attrs["dir"] == "ltr"


def test_switching_to_english_and_back(client):
    html = parse(switch(client, "en").content).html_element()
    assert (html.attrs["lang"], html.attrs["dir"]) == ("en", "ltr")
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = parse(switch(client, "zh-hans").content).html_element()
    assert html.attrs["lang"] == "zh-hans"


def test_uyghur_pages_run_right_to_left(users, login):
    client = login(users["resident_a1"])
    response = switch(client, "ug")
    page = parse(response.content)
    assert page.html_element().attrs["lang"] == "ug"
    assert page.html_element().attrs["dir"] == "rtl"
    selected = [o for o in page.find_all("option") if "selected" in o.attrs]
    assert [o.attrs["value"] for o in selected] == ["ug"]
    assert "王秀兰" in page.text  # still signed in


def test_every_language_is_offered_in_its_own_script(client):
    page = parse(client.get("/").content)
    options = {o.attrs["value"]: o.attrs.get("lang") for o in page.find_all("option")}
    assert options == {"zh-hans": "zh-hans", "en": "en", "ug": "ug", "bo": "bo"}


def _empty_catalog(path) -> None:
    """Write an empty compiled gettext catalog (a .mo file with no messages)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(struct.pack("<7I", 0x950412DE, 0, 0, 28, 28, 0, 28))


@pytest.fixture
def tibetan_catalog(tmp_path):
    """A Tibetan message catalog, as the translations will provide one."""
    _empty_catalog(tmp_path / "bo" / "LC_MESSAGES" / "django.mo")
    with override_settings(LOCALE_PATHS=[*settings.LOCALE_PATHS, tmp_path]):
        trans_real._get_supported_language_variant.cache_clear()
        yield
    trans_real._get_supported_language_variant.cache_clear()
    trans_real.translation_catalog_exists.cache_clear()


def test_tibetan_pages_run_left_to_right_once_its_catalog_exists(client, tibetan_catalog):
    html = parse(switch(client, "bo").content).html_element()
    assert (html.attrs["lang"], html.attrs["dir"]) == ("bo", "ltr")


def test_tibetan_can_be_chosen(client):
    html = parse(switch(client, "bo").content).html_element()
    assert html.attrs["lang"] == "bo"
    assert html.attrs["dir"] == "ltr"


# --- the security policy and markup of every page ----------------------------------------------

INLINE_HANDLER = re.compile(r"^on[a-z]+$")


def _pages(users, tree, login, client):
    yield "landing", client.get("/")
    yield "login", client.get("/accounts/login/")
    yield "not found", client.get("/no-such-page/")
    for who in ("resident_a1", "worker_a1", "county", "secadmin", "sysadmin"):
        yield who, login(users[who]).get("/")
        client.logout()


def test_every_shell_page_has_a_strict_csp_and_no_inline_script_or_style(
    users, tree, login, client
):
    seen = 0
    for name, response in _pages(users, tree, login, client):
        seen += 1
        policy = response.get("Content-Security-Policy", "")
        assert "script-src 'self' 'nonce-" in policy, name
        assert "unsafe-inline" not in policy, name
        nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
        page = parse(response.content)
        scripts = page.find_all("script")
        assert len(scripts) >= 2, name
        for script in scripts:
            assert script.attrs.get("src"), f"{name}: inline <script>"
            assert script.attrs.get("nonce") == nonce, f"{name}: <script> without the nonce"
            assert script.attrs["src"].startswith("/static/"), f"{name}: script from elsewhere"
        for link in page.find_all("link"):
            assert link.attrs["href"].startswith("/static/"), f"{name}: {link.attrs['href']}"
        assert not page.find_all("style"), f"{name}: <style> element"
        for element in page.elements:
            assert "style" not in element.attrs, f"{name}: style= on <{element.tag}>"
            handlers = [a for a in element.attrs if INLINE_HANDLER.match(a)]
            assert not handlers, f"{name}: {handlers} on <{element.tag}>"
    assert seen == 8


def test_pages_load_htmx_and_the_site_script(client):
    srcs = [s.attrs["src"] for s in parse(client.get("/").content).find_all("script")]
    assert srcs[:2] == ["/static/vendor/htmx/htmx.min.js", "/static/web/site.js"]


def test_htmx_is_told_not_to_inject_styles_or_evaluate_code(client):
    (meta,) = parse(client.get("/").content).find_all("meta", name="htmx-config")
    assert '"includeIndicatorStyles": false' in meta.attrs["content"]
    assert '"allowEval": false' in meta.attrs["content"]
    assert '"historyCacheSize": 0' in meta.attrs["content"]


def test_skip_link_leads_to_the_main_content(client):
    page = parse(client.get("/").content)
    (skip,) = page.find_all("a", href="#main")
    assert "skip-link" in skip.attrs["class"]
    assert page.find_all("main", id="main")


def test_breadcrumbs_block_renders_in_front_of_main(rf, users):
    from django.template import engines

    template = engines["django"].from_string(
        '{% extends "web/base.html" %}{% block breadcrumbs %}'
        '<nav class="breadcrumbs" aria-label="Breadcrumbs"><ol><li>Here</li></ol></nav>'
        "{% endblock %}{% block content %}<p>Body</p>{% endblock %}"
    )
    request = rf.get("/")
    request.user = users["county"]
    html = template.render({}, request)
    assert html.index('class="breadcrumbs"') < html.index('<main id="main"')


# --- vendored files ---------------------------------------------------------------------------


def test_htmx_2_is_vendored_with_its_licence():
    path = finders.find("vendor/htmx/htmx.min.js")
    assert path, "htmx.min.js is not found by the staticfiles finders"
    assert finders.find("vendor/htmx/LICENSE")
    readme = finders.find("vendor/htmx/README.md")
    assert readme and "2.0.11" in Path(readme).read_text(encoding="utf-8")
    source = Path(path).read_text(encoding="utf-8")
    assert 'version:"2.0.11"' in source


def test_static_files_are_served(client):
    response = client.get("/static/vendor/htmx/htmx.min.js")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body.startswith(b"var htmx=")
    css = client.get("/static/web/site.css")
    assert css.status_code == 200
    assert b"html.elderly" in b"".join(css.streaming_content)


def test_no_page_refers_to_another_host_for_assets(client):
    html = client.get("/").content.decode()
    assert not re.search(r'(src|href)="(https?:)?//', html)


# --- login and lockout -------------------------------------------------------------------------


def test_login_page_shows_the_fields_and_keeps_next(english):
    client = english
    page = parse(client.get("/accounts/login/?next=/areas/").content)
    assert page.find_all("input", name="username")
    assert page.find_all("input", name="password", type="password")
    assert page.find_all("input", type="hidden", name="next", value="/areas/")
    assert "service hall" in page.text


def test_wrong_password_is_reported_next_to_the_form(users, english):
    client = english
    response = client.post("/accounts/login/", {"username": "resident_a1", "password": "nope"})
    assert response.status_code == 200
    page = parse(response.content)
    assert any("errorlist" in (e.attrs.get("class") or "") for e in page.find_all("ul"))
    assert "not correct" in page.text


def test_lockout_page_explains_the_wait_and_shows_no_personal_data(users, english):
    client = english
    phone = "13900000001"
    response = None
    for _attempt in range(settings.AXES_FAILURE_LIMIT + 1):
        response = client.post("/accounts/login/", {"username": phone, "password": "wrong-pw"})
        if response.status_code == 429:
            break
    assert response is not None and response.status_code == 429
    assert "core/locked_out.html" in [t.name for t in response.templates]
    page = parse(response.content)
    minutes = round(settings.AXES_COOLOFF_TIME * 60)
    assert f"Wait {minutes} minutes" in page.text
    assert f"{settings.AXES_FAILURE_LIMIT} times" in page.text
    assert "service hall" in page.text
    assert phone not in response.content.decode()
    # The right password does not get in while the lock lasts.
    again = client.post("/accounts/login/", {"username": phone, "password": PASSWORD})
    assert again.status_code == 429


def test_staff_logging_in_lands_on_their_home(tree, client):
    make_user("officer", Role.TOWN_OFFICER, tree["town_a"])
    response = client.post(
        "/accounts/login/", {"username": "officer", "password": PASSWORD}, follow=True
    )
    assert "web/home_officer.html" in [t.name for t in response.templates]
