"""Browser tests: Playwright (sync API) driving Debian's chromium against pytest-django's live server.

``browser_page`` gives a fresh browser context and page per test, pointed at the live server.
The browser binary comes from LINLI_BROWSER (default /usr/bin/chromium). Without it the tests
are skipped on a developer's machine and fail in CI (CI set), so CI can never pass by skipping.
On failure a full-page screenshot is written to test-results/.
"""

from __future__ import annotations

import importlib
import os
import re
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM would otherwise refuse
# every query made from the test body while the browser is open.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from tests.conftest import PASSWORD  # noqa: E402


# --- one request at a time on an in-memory SQLite database ----------------------------------
# The live server answers in threads, but an in-memory SQLite test database is one connection
# shared by every thread: two requests at once (a page and the blocks it loads with htmx, say)
# would interleave their transactions on it. A file database, as the demo and small
# installations use, gives each thread its own connection; so does PostgreSQL, where requests
# run side by side as in production.
def _serialise_requests_on_shared_sqlite() -> None:
    import threading

    from django.core.handlers.wsgi import WSGIHandler

    lock = threading.Lock()
    call = WSGIHandler.__call__

    def serial_call(self, environ, start_response):
        from django.db import connection

        if connection.vendor == "sqlite" and connection.is_in_memory_db():
            with lock:
                return call(self, environ, start_response)
        return call(self, environ, start_response)

    WSGIHandler.__call__ = serial_call


_serialise_requests_on_shared_sqlite()

PROJECT_DIR = Path(__file__).resolve().parents[2]
RESULTS_DIR = PROJECT_DIR / "test-results"
AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe.min.js"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--disable-quic",
]


def browser_path() -> str:
    return os.environ.get("LINLI_BROWSER") or "/usr/bin/chromium"


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


# --- the append-only audit table versus the flush after each transactional test -----------
# The database refuses DELETE and TRUNCATE on the audit table (migration core 0002), so the
# flush that ends a transactional test would fail once a page has written an audit row. Just
# before that flush the guard lifts (SQLite: drops the triggers; PostgreSQL: disables them);
# right after it, the hook below puts them back, so every test runs with the guard in place.

_AUDIT_TABLE = "core_auditevent"
_db_blocker = None
_audit_guard_lifted = False


def _audit_migration():
    return importlib.import_module("linli.core.migrations.0002_audit_append_only")


def _lift_audit_guard() -> None:
    global _audit_guard_lifted
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {_AUDIT_TABLE} DISABLE TRIGGER USER")
        elif connection.vendor == "sqlite":
            for statement in _audit_migration().SQLITE_DOWN:
                cursor.execute(statement)
    _audit_guard_lifted = True


def _restore_audit_guard() -> None:
    global _audit_guard_lifted
    from django.db import connection, transaction

    with _db_blocker.unblock():
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    cursor.execute(f"ALTER TABLE {_AUDIT_TABLE} ENABLE TRIGGER USER")
                elif connection.vendor == "sqlite":
                    migration = _audit_migration()
                    for statement in [*migration.SQLITE_DOWN, *migration.SQLITE_UP]:
                        cursor.execute(statement)
        finally:
            # The flush closed its connections; leave none open (an open one would keep
            # PostgreSQL from dropping the test database at the end).
            if connection.vendor != "sqlite" or not connection.is_in_memory_db():
                connection.close()
    _audit_guard_lifted = False


def pytest_fixture_post_finalizer(fixturedef, request):
    if fixturedef.argname == "_django_db_helper" and _audit_guard_lifted:
        _restore_audit_guard()


@pytest.fixture
def _flushable_audit(transactional_db, django_db_blocker):
    global _db_blocker
    _db_blocker = django_db_blocker
    yield
    _lift_audit_guard()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item so fixtures can see whether the test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
def _browser():
    executable = browser_path()
    if not Path(executable).exists():
        message = (
            f"chromium not found at {executable} (set LINLI_BROWSER, or apt-get install chromium)"
        )
        if _in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


@pytest.fixture
def browser_page(
    request, django_db_setup, _browser, live_server, transactional_db, _flushable_audit
):
    """A new page in a fresh context (no cookies), base URL set to the live server."""
    context = _browser.new_context(
        base_url=live_server.url,
        locale="zh-CN",
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    # Uncaught script errors, and console errors (a Content-Security-Policy violation, a failed
    # resource) that a person would never see but that mean something on the page is broken.
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    page.on(
        "console",
        lambda message: (
            errors.append(f"console: {message.text}") if message.type == "error" else None
        ),
    )
    page.js_errors = errors  # type: ignore[attr-defined]
    try:
        yield page
    finally:
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            RESULTS_DIR.mkdir(exist_ok=True)
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid).strip("_")
            try:
                page.screenshot(path=str(RESULTS_DIR / f"{name}.png"), full_page=True)
            except Exception as exc:  # a crashed page must not hide the real failure
                print(f"screenshot failed: {exc}")
        context.close()


def log_in(page, login: str, password: str = PASSWORD) -> None:
    """Sign in through the login form as a person would: open it from the header, type, submit."""
    page.goto("/")
    page.locator("header a[href$='/accounts/login/']").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    page.locator("input[name=username]").fill(login)
    page.locator("input[name=password]").fill(password)
    page.locator("#main form button[type=submit]").click()
    page.wait_for_load_state()


def log_out(page) -> None:
    page.locator("header form[action$='/accounts/logout/'] button[type=submit]").click()
    page.wait_for_load_state()


def run_axe(page) -> list[dict]:
    """Inject the vendored axe-core and return its violations on the current page.

    The script is evaluated through the DevTools protocol rather than added as a <script> tag,
    which the site's Content-Security-Policy (rightly) refuses.
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8") + "\n;void 0")
    return page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ['violations']});
            return result.violations.map(v => ({
                id: v.id,
                impact: v.impact,
                help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: '
                    + (n.failureSummary || '').replace(/\\s+/g, ' ')),
            }));
        }"""
    )
