"""The ledger's screens: read-only journal with its lines, reversal for those allowed, balances in Italian."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from app.extensions import db
from modules.ledger.models import JournalEntry
from tests.factories import csrf_token, login, make_user
from tests.modules.ledger.factories import AccountFactory, post_entry

REVERSE_FORM = 'action="/admin/ledger_entry/reverse/"'


def test_the_coordinator_reads_an_entry_with_its_lines_and_reverses_it(client, ctx):
    cash = AccountFactory(code="CASSA", name="Cassa del fondo")
    entry_id = post_entry(Decimal("1234.56"), cash, description="Contributo marzo").id
    login(client, make_user("coordinator"))
    page = client.get(f"/admin/ledger_entry/details/?id={entry_id}").get_data(as_text=True)
    assert "Contributo marzo" in page and "CASSA · Cassa del fondo" in page and "€ 1.234,56" in page
    assert REVERSE_FORM in page
    token = csrf_token(client, f"/admin/ledger_entry/details/?id={entry_id}")
    answer = client.post("/admin/ledger_entry/reverse/", data={"id": entry_id, "csrf_token": token})
    assert answer.status_code == 302
    reversal = db.session.scalar(select(JournalEntry).where(JournalEntry.reversal_of_id == entry_id))
    assert reversal is not None and reversal.total == Decimal("1234.56")
    assert REVERSE_FORM not in client.get(answer.headers["Location"]).get_data(as_text=True)  # no reversal of it


def test_the_municipality_reads_the_journal_but_may_not_reverse(client, ctx):
    entry_id = post_entry().id
    login(client, make_user("municipality"))
    details = client.get(f"/admin/ledger_entry/details/?id={entry_id}")
    assert details.status_code == 200 and REVERSE_FORM not in details.get_data(as_text=True)
    token = csrf_token(client, f"/admin/ledger_entry/details/?id={entry_id}")
    assert client.post("/admin/ledger_entry/reverse/", data={"id": entry_id, "csrf_token": token}).status_code == 403
    assert db.session.scalar(select(JournalEntry).where(JournalEntry.reversal_of_id == entry_id)) is None


def test_external_users_see_nothing_of_the_ledger(client, ctx):
    entry_id = post_entry().id
    login(client, make_user("shop"))
    for path in ("/admin/ledger_entry/", f"/admin/ledger_entry/details/?id={entry_id}", "/admin/ledger_account/",
                 "/admin/ledger_line/"):
        assert client.get(path).status_code == 403


def test_account_balances_are_shown_on_their_normal_side(client, ctx):
    income = AccountFactory(code="CONTRIB", kind="income")
    post_entry(Decimal("80.00"), credit_account=income)
    login(client, make_user("coordinator"))
    page = client.get("/admin/ledger_account/?search=CONTRIB").get_data(as_text=True)
    assert "€ 80,00" in page and "-€ 80,00" not in page


def test_an_entry_posted_by_a_module_is_not_reversed_from_the_journal(client, ctx):
    entry_id = post_entry(kind="funds.allocation").id
    login(client, make_user("coordinator"))
    page = f"/admin/ledger_entry/details/?id={entry_id}"
    assert REVERSE_FORM not in client.get(page).get_data(as_text=True)
    client.post("/admin/ledger_entry/reverse/", data={"id": entry_id, "csrf_token": csrf_token(client, page)})
    assert db.session.scalar(select(JournalEntry).where(JournalEntry.reversal_of_id == entry_id)) is None
