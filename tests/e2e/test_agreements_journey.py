"""Issue 5's browser journey, in Italian: the coordinator opens version 1 for signature, two social partners
sign, the coordinator amends the text (version 2), the earlier signatures show as "non valida per la
versione corrente", all three parties sign version 2, and the agreement is "in vigore"."""

from __future__ import annotations

from flask_babel import force_locale, gettext
from playwright.sync_api import expect

from app.extensions import limiter
from modules.agreements import services
from tests.factories import PASSWORD, make_user
from tests.modules.agreements.helpers import agreement_with, three_parties


def italian(app, message: str, **variables) -> str:
    with app.test_request_context(), force_locale("it"):
        return gettext(message, **variables)


def test_coordinator_amends_and_the_three_parties_sign_version_2(app, page, sign_in):
    with app.app_context():
        coordinator = make_user("coordinator", full_name="Giulia Coordinatrice")
        comune, cgil, cisl = three_parties()
        agreement = agreement_with([comune, cgil, cisl], coordinator)
        services.transition(agreement, "negotiate", coordinator)
        sheet = f"/admin/agreements_desk/{agreement.id}/"
        emails = {"coordinator": coordinator.email, "comune": comune.signer.email, "cgil": cgil.signer.email,
                  "cisl": cisl.signer.email}

    def as_user(key: str) -> None:
        with app.app_context():
            limiter.reset()  # six people sign in here from one address; the login limit is per address
        page.context.clear_cookies()
        sign_in(emails[key])
        page.goto(sheet)

    def sign_current_version(key: str, number: int) -> None:
        as_user(key)
        page.get_by_role("link", name=italian(app, "Sign version %(n)d", n=number)).click()
        page.get_by_label(italian(app, "Your password")).fill(PASSWORD)
        page.locator("#fes-declaration").check()
        page.get_by_role("button", name=italian(app, "Sign"), exact=True).click()
        page.wait_for_url(f"**{sheet}")
        expect(page.locator(".alert-success")).to_contain_text(italian(app, "Signed. Your signature has been "
                                                                            "recorded."))

    as_user("coordinator")
    page.get_by_role("button", name=italian(app, "Open for signature")).click()
    expect(page.locator("#agreement-state")).to_have_text(italian(app, "Open for signature"))
    expect(page.locator("#current-version")).to_contain_text("1")

    sign_current_version("cgil", 1)
    sign_current_version("cisl", 1)

    as_user("coordinator")
    page.get_by_role("link", name=italian(app, "Edit the text")).click()
    sections = page.get_by_label(italian(app, "Sections and clauses"))
    sections.fill(sections.input_value() + "\n\nLe parti si incontrano ogni sei mesi.")
    page.get_by_role("button", name=italian(app, "Save the text")).click()
    page.wait_for_url(f"**{sheet}")
    expect(page.locator("#current-version")).to_contain_text("2")
    not_valid = italian(app, "not valid for the current version")
    assert not_valid == "non valida per la versione corrente"
    for name in ("CGIL Oristano", "CISL Oristano"):
        row = page.locator(f'#parties tr[data-organisation="{name}"]')
        expect(row.locator(".earlier-signatures")).to_contain_text(not_valid)
        expect(row.locator(".current-signature")).to_contain_text(italian(app, "To be signed"))

    for key in ("comune", "cgil", "cisl"):
        sign_current_version(key, 2)

    expect(page.locator("#agreement-state")).to_have_text(italian(app, "In force"))
    assert italian(app, "In force") == "In vigore"
    expect(page.locator("#in-force-version")).to_contain_text("2")
