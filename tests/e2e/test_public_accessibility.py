"""The public home passes axe-core with no serious or critical violation, on a desktop and a phone,
loads Bootstrap Italia and its fonts from our own server, and the CSP blocks nothing on it."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

BLOCKING_IMPACTS = ("serious", "critical")
TITILLIUM_LOADED = "[...document.fonts].some(f => f.family.includes('Titillium') && f.status === 'loaded')"


@pytest.fixture(scope="module")
def axe():
    return Axe()


@pytest.fixture
def requests_made(page):
    """Every URL the page asks for while it loads."""
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    return urls


def _blocking_violations(axe, page) -> str:
    violations = [v for v in axe.run(page).response["violations"] if v["impact"] in BLOCKING_IMPACTS]
    return "\n".join(f"{v['id']} ({v['impact']}): {v['help']} -> {_targets(v)}" for v in violations)


def _targets(violation: dict) -> list:
    return [node["target"] for node in violation["nodes"]]


def _settle(page) -> None:
    page.wait_for_load_state("networkidle")
    page.evaluate("document.fonts.ready")


def test_public_home_is_accessible_on_a_desktop(app, page, axe, csp_violations, requests_made, live_server):
    page.goto("/")
    _settle(page)

    assert page.locator("html").get_attribute("lang") == "it"
    assert _blocking_violations(axe, page) == ""
    assert csp_violations == []
    assert all(url.startswith(live_server) or url.startswith("data:") for url in requests_made), requests_made
    assert page.evaluate(TITILLIUM_LOADED), "Titillium Web did not load from /static/vendor"


def test_public_home_menu_is_accessible_on_a_phone(app, page, axe, csp_violations):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/")
    _settle(page)
    page.locator("button.custom-navbar-toggler").click()
    page.locator("#public-nav .close-menu").wait_for(state="visible")

    assert _blocking_violations(axe, page) == ""
    assert csp_violations == []
