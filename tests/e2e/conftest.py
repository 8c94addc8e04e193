"""Browser tests: Chromium (Debian's package, never a downloaded one) driven by Playwright's sync API
against the session app served on a free local port. The browser and the test share the database.

Without Chromium the tests skip; with REQUIRE_SERVICES=1 (CI) they fail instead.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.factories import PASSWORD

E2E_DIR = Path(__file__).resolve().parent
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
BLOCKING_IMPACTS = ("serious", "critical")
CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Running as root on a closed network (DESIGN.md § Tests and CI).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if E2E_DIR in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


def _unavailable(reason: str):
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def live_server(app):
    """The session app on 127.0.0.1 and a free port; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        _unavailable("browser tests need the playwright package")
    if not os.path.exists(CHROMIUM_PATH):
        _unavailable(f"browser tests need Chromium at {CHROMIUM_PATH} (apt install chromium, or set CHROMIUM_PATH)")
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS)
    except Error as exc:
        playwright.stop()
        _unavailable(f"Chromium at {CHROMIUM_PATH} does not start: {exc.message.splitlines()[0]}")
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture
def page(app, browser, live_server):
    """A tab in a fresh browser context (no cookies) of an Italian browser; `app` resets the rate limiter."""
    context = browser.new_context(base_url=live_server, locale="it-IT")
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def csp_violations(page):
    """Console messages about the Content-Security-Policy blocking something, gathered as pages load."""
    messages: list[str] = []
    page.on("console", lambda msg: messages.append(msg.text) if "Content Security Policy" in msg.text else None)
    return messages


@pytest.fixture
def sign_in(page):
    """Sign in through the login form, as a person would."""

    def _sign_in(email: str, password: str = PASSWORD):
        page.goto("/login")
        page.locator("input[name=email]").fill(email)
        page.locator("input[name=password]").fill(password)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(lambda url: "/login" not in url)

    return _sign_in


@pytest.fixture(scope="session")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture
def assert_accessible(page, axe, csp_violations):
    """Run axe on the current page; fail listing each serious/critical rule and the nodes it hit."""

    def _assert_accessible():
        violations = [v for v in axe.run(page).response["violations"] if v["impact"] in BLOCKING_IMPACTS]
        report = "\n".join(
            f"{v['id']} ({v['impact']}): {v['help']} -> {[node['target'] for node in v['nodes']]}" for v in violations
        )
        assert not violations, f"axe on {page.url}:\n{report}"
        assert not csp_violations, f"CSP blocked something on {page.url}:\n" + "\n".join(csp_violations)

    return _assert_accessible
