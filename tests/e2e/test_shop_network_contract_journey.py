"""The contract journey in the browser, in Italian: the coordinator sends a draft contract for signature from its
page, the shop reads and signs it from its portal (simple electronic signature), the contract is active and the
shop appears on the public network page."""

from __future__ import annotations

from flask_babel import force_locale, gettext
from playwright.sync_api import expect

from app.extensions import db, limiter
from modules.shop_network.models import Contract
from modules.shop_network.services import contracts as services
from tests.factories import PASSWORD
from tests.modules.shop_network.contract_helpers import TODAY, coordinator, draft, platform, shop_with_user


def italian(app, message: str, **variables) -> str:
    with app.test_request_context(), force_locale("it"):
        return gettext(message, **variables)


def test_the_coordinator_sends_the_contract_and_the_shop_signs_it(app, page, sign_in, monkeypatch):
    monkeypatch.setattr(services, "today", lambda: TODAY)
    with app.app_context():
        boss = coordinator()
        shop, shop_user = shop_with_user("Sa Butega di Maria Pinna")
        contract = draft(boss, shop, platforms=[platform()])
        contract_id = contract.id
        details = f"/admin/shop_network_contract/details/?id={contract_id}"
        emails = (boss.email, shop_user.email)

    def as_user(email: str) -> None:
        with app.app_context():
            limiter.reset()  # two people sign in from one address; the login limit is per address
        page.context.clear_cookies()
        sign_in(email)

    as_user(emails[0])
    page.goto(details)
    page.get_by_role("button", name=italian(app, "Send for signature")).click()
    expect(page.locator(".alert-success")).to_be_visible()

    as_user(emails[1])
    page.goto("/rete-negozi/portale/")
    page.get_by_role("link", name=italian(app, "Read and sign")).first.click()
    page.get_by_label(italian(app, "Your password")).fill(PASSWORD)
    page.locator("#fes-declaration").check()
    page.get_by_role("button", name=italian(app, "Sign"), exact=True).click()
    expect(page.locator(".alert-success")).to_contain_text(italian(app, "Signed. Your signature has been recorded."))

    with app.app_context():
        assert db.session.get(Contract, contract_id).state == "active"
    page.goto("/rete-negozi/")
    expect(page.locator("main")).to_contain_text("Sa Butega di Maria Pinna")
