"""The main journeys in an Italian browser: sign-in, what a shop may see, language switch, login limit.

Expected texts come from the catalogues under force_locale("it"): Distretto's own strings become Italian
as translations/it lands; Flask-Admin's (e.g. "Elenco") already are.
"""

from __future__ import annotations

from flask_admin.babel import gettext as admin_gettext
from flask_babel import force_locale, gettext
from playwright.sync_api import expect

from app.extensions import db
from app.models import User
from tests.factories import PASSWORD, OrganisationFactory, factories, make_user


def italian(app, message: str, **variables) -> str:
    with app.test_request_context(), force_locale("it"):
        return gettext(message, **variables)


def italian_admin(app, message: str) -> str:
    with app.test_request_context(), force_locale("it"):
        return admin_gettext(message)


def memo(**kwargs):
    from memo.models import Memo

    return factories()[Memo](**kwargs)


def test_coordinator_signs_in_through_the_italian_form_and_is_welcomed(app, page):
    with app.app_context():
        coordinator = make_user("coordinator", full_name="Carla Rossi")
        email = coordinator.email

    page.goto("/login")
    assert page.locator("html").get_attribute("lang") == "it"
    assert page.locator("h1").inner_text() == italian(app, "Sign in") != "Sign in"  # catalogue compiled
    page.get_by_label(italian(app, "E-mail")).fill(email)
    page.get_by_label(italian(app, "Password")).fill(PASSWORD)
    page.locator("main form").get_by_role("button", name=italian(app, "Sign in")).click()

    page.wait_for_url("**/admin/")
    expect(page.locator("h1")).to_have_text(italian(app, "Welcome, %(name)s", name="Carla Rossi"))
    expect(page.locator("html")).to_have_attribute("lang", "it")


def test_shop_sees_only_its_organisation_memos_and_others_are_not_found(app, page, sign_in):
    with app.app_context():
        own = OrganisationFactory(legal_name="Bottega Alfa")
        other = OrganisationFactory(legal_name="Bottega Beta")
        shop_email = make_user("shop", organisation=own).email
        own_id = memo(organisation=own, title="Scontrino Alfa").id
        other_id = memo(organisation=other, title="Scontrino Beta").id
    sign_in(shop_email)

    page.goto("/admin/memo_memo/")
    table = page.locator("table.model-list")
    assert "Scontrino Alfa" in table.inner_text()
    assert "Scontrino Beta" not in page.content()
    assert page.locator(".nav-tabs .nav-link.active").inner_text().startswith(italian_admin(app, "List"))

    assert page.goto(f"/admin/memo_memo/details/?id={own_id}").status == 200
    response = page.goto(f"/admin/memo_memo/details/?id={other_id}")
    assert response.status == 404
    assert page.locator("h1").inner_text() == italian(app, "Page not found.")
    assert "Scontrino Beta" not in page.content()


def test_switching_to_english_changes_the_menus_and_sticks(app, page, sign_in):
    with app.app_context():
        coordinator = make_user("coordinator", full_name="Carla Rossi")
        user_id, email = coordinator.id, coordinator.email
    sign_in(email)
    page.goto("/admin/memo_memo/")
    navbar, active_tab = page.locator("nav.navbar"), page.locator(".nav-tabs .nav-link.active")
    assert page.locator("html").get_attribute("lang") == "it"
    assert italian(app, "My account") in navbar.inner_text()
    assert "My account" not in navbar.inner_text()
    assert active_tab.inner_text().startswith(italian_admin(app, "List"))
    assert italian_admin(app, "List") != "List"

    page.get_by_role("button", name="English").click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert "/admin/memo_memo/" in page.url
    assert "My account" in navbar.inner_text()
    assert active_tab.inner_text().startswith("List")
    page.goto("/admin/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Welcome, Carla Rossi"
    expect(page.get_by_role("button", name="Italiano")).to_be_visible()
    with app.app_context():
        assert db.session.get(User, user_id).language == "en"


def submit_login(page, email: str, password: str) -> int:
    """Fill and send the login form; the HTTP status of the page that comes back."""
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password)
    with page.expect_navigation() as answer:
        page.locator("main form button[type=submit]").click()
    return answer.value.status


def test_wrong_password_is_refused_in_italian_and_the_sixth_attempt_is_rate_limited(app, page):
    with app.app_context():
        email = make_user("coordinator").email
    assert app.config["RATELIMIT_LOGIN"] == "5 per minute"
    page.goto("/login")

    assert submit_login(page, email, "not-the-password") == 401
    expect(page.locator("[role=alert]")).to_have_text(italian(app, "Wrong e-mail or password."))
    assert [submit_login(page, email, "not-the-password") for _ in range(4)] == [401] * 4

    assert submit_login(page, email, "not-the-password") == 429
    expect(page.locator("h1")).to_have_text(italian(app, "Too many attempts. Wait a minute and try again."))
    assert page.locator("html").get_attribute("lang") == "it"
