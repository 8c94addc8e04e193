"""Issue 6's browser journey, in Italian: the municipality ranks three projects, a coordinator proposes an
allocation (and one above what the fund holds is refused with a clear message), another municipality official
approves it, and the public transparency page shows it."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import force_locale, gettext
from playwright.sync_api import expect

from app.extensions import limiter
from tests.factories import make_user
from tests.modules.funds.factories import RoundFactory
from tests.modules.funds.helpers import admitted, fund_holding


def italian(app, message: str, **variables) -> str:
    with app.test_request_context(), force_locale("it"):
        return gettext(message, **variables)


def test_ranking_proposal_refusal_approval_and_transparency(app, page, sign_in):
    with app.app_context():
        fund = fund_holding("3000.00")
        projects = [admitted(title=title, budget=Decimal("9000.00"))
                    for title in ("Centro diurno Is Ainas", "Orti sociali di Sa Rodia", "Doposcuola inclusivo")]
        round_ = RoundFactory(fund=fund, title="Bando progetti sociali 2026")
        desk = f"/admin/funds_desk/{round_.id}/"
        ids = [p.id for p in projects]
        emails = {"comune": make_user("municipality", full_name="Marco Comune").email,
                  "coordinator": make_user("coordinator", full_name="Giulia Coordinatrice").email,
                  "other": make_user("municipality", full_name="Lucia Comune").email}

    def as_user(key: str) -> None:
        with app.app_context():
            limiter.reset()  # several people sign in from one address here; the login limit is per address
        page.context.clear_cookies()
        sign_in(emails[key])
        page.goto(desk)

    # The municipality ranks the three projects (the orti first) and confirms the ranking.
    as_user("comune")
    for position, project_id in zip((2, 1, 3), ids, strict=True):
        page.locator(f"#position-{project_id}").fill(str(position))
    page.get_by_role("button", name=italian(app, "Save the ranking")).click()
    expect(page.locator(".alert-success")).to_contain_text(italian(app, "Ranking saved."))
    page.get_by_role("button", name=italian(app, "Confirm the ranking")).click()
    expect(page.locator("#round-figures")).to_contain_text(italian(app, "Ranked: allocations"))

    # The coordinator proposes € 1.200,00 to the first; € 5.000,00 to the second is more than the fund holds.
    as_user("coordinator")
    proposal = page.locator("#proposal-form")
    proposal.get_by_label(italian(app, "Project")).select_option(label="1. Orti sociali di Sa Rodia")
    proposal.get_by_label(italian(app, "Amount")).fill("1.200,00")
    proposal.get_by_role("button", name=italian(app, "Propose")).click()
    expect(page.locator(".alert-success")).to_contain_text(
        italian(app, "Allocation proposed: a municipality official will decide on it."))
    proposal.get_by_label(italian(app, "Project")).select_option(label="2. Centro diurno Is Ainas")
    proposal.get_by_label(italian(app, "Amount")).fill("5.000,00")
    proposal.get_by_role("button", name=italian(app, "Propose")).click()
    refusal = italian(app, "The fund does not hold this amount: %(amount)s asked, %(available)s available "
                           "(cash received less allocations approved).", amount="€ 5.000,00", available="€ 3.000,00")
    assert refusal.startswith("Il fondo")  # the Italian catalogue has it
    expect(page.locator(".alert-danger")).to_contain_text(refusal)

    # Another municipality official approves; the fund now holds € 1.800,00 for allocation.
    as_user("other")
    page.get_by_role("button", name=italian(app, "Approve “%(project)s”", project="Orti sociali di Sa Rodia")).click()
    expect(page.locator("#fund-available")).to_have_text("€ 1.800,00")
    expect(page.locator("#allocations")).to_contain_text(italian(app, "Approved"))

    # Anybody, signed in or not, sees it on the transparency pages.
    page.context.clear_cookies()
    page.goto("/trasparenza/allocazioni")
    row = page.locator("#allocations tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Orti sociali di Sa Rodia")
    expect(row).to_contain_text("€ 1.200,00")
    page.goto("/trasparenza/progetti")
    expect(page.locator("#projects tbody tr")).to_have_count(3)
    page.goto("/trasparenza/")
    expect(page.locator("main")).to_contain_text("€ 1.800,00")


def test_the_transparency_pages_are_accessible(app, page, assert_accessible):
    with app.app_context():
        from tests.modules.funds.helpers import approved, officials, ranked_round

        people = officials()
        project = admitted(title="Centro diurno Is Ainas")
        approved(ranked_round(fund_holding("2000.00"), [project], people.municipality), project, "700.00", people)
        project_id = project.id
    for path in ("/trasparenza/", "/trasparenza/progetti", f"/trasparenza/progetti/{project_id}",
                 "/trasparenza/allocazioni", "/trasparenza/contributi", "/trasparenza/pubblicazioni",
                 "/trasparenza/dati"):
        page.goto(path)
        assert page.locator("html").get_attribute("lang") == "it"
        assert_accessible()


def test_the_round_desk_and_the_statement_are_accessible(app, page, sign_in, assert_accessible):
    with app.app_context():
        fund = fund_holding("2000.00")
        round_ = RoundFactory(fund=fund)
        admitted(title="Orti sociali di Sa Rodia")
        email = make_user("municipality").email
        desk = f"/admin/funds_desk/{round_.id}/"
    sign_in(email)
    page.goto(desk)
    assert_accessible()
    page.goto(f"/admin/funds_statement/?fund_id={fund.id}&start=2026-01-01&end=2026-12-31")
    assert_accessible()
