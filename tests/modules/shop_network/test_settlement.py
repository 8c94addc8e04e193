"""Monthly settlements: DOMAIN scenario 1 exactly, rounding once per month, refunds, credits, late rows, the fund's
receivable and cash, payments matched by causale, disputes, reminders and the monthly job."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.notify import Notification
from app.settings import set_setting
from app.workflow import WorkflowError, fire
from modules.funds import services as funds
from modules.ledger import services as ledger
from modules.shop_network.models import Settlement, Transaction
from modules.shop_network.services import settlement as settling
from tests.factories import make_user
from tests.modules.shop_network.settlement_helpers import (
    APRIL,
    MARCH,
    accredited_provider,
    network_fund,
    network_shop,
    new_rate,
    sale,
)

D = Decimal
AFTER_MARCH = date(2026, 4, 2)
AFTER_APRIL = date(2026, 5, 2)


def shop_settlement(shop, month=MARCH) -> Settlement | None:
    return db.session.scalar(select(Settlement).where(Settlement.kind == "shop", Settlement.organisation_id == shop.id,
                                                      Settlement.month == month))


def march_of_sa_butega(provider=None):
    """Scenario 1: March sales € 1.200,00 and a € 100,00 refund on 28 March, at 3%."""
    shop, provider = network_shop(), provider or accredited_provider()
    sale(shop, provider, "700.00", date(2026, 3, 5))
    sale(shop, provider, "500.00", date(2026, 3, 18))
    sale(shop, provider, "100.00", date(2026, 3, 28), kind="refund")
    return shop, provider


def test_sa_butega_march_owes_33_euros(ctx):
    shop, _provider = march_of_sa_butega()
    settling.compute_drafts(MARCH)
    march = shop_settlement(shop)
    assert (march.purchases, march.refunds, march.base, march.amount) == (D("1200.00"), D("100.00"), D("1100.00"),
                                                                           D("33.00"))
    assert march.amount_due == D("33.00") and march.state == "draft" and march.rows == 3
    assert march.payment_reference == f"RN-2026-03-S{shop.id:06d}"


def test_a_rate_change_from_15_april_never_changes_march(ctx):
    coordinator = make_user("coordinator")
    network_fund()
    shop, provider = march_of_sa_butega()
    settling.compute_drafts(MARCH)
    new_rate(shop, "4.0000", date(2026, 4, 15))
    settling.compute_drafts(MARCH)
    assert shop_settlement(shop).amount == D("33.00")  # a draft, recomputed: still March's rate
    settling.confirm(shop_settlement(shop), coordinator, on=AFTER_MARCH)
    sale(shop, provider, "1000.00", date(2026, 4, 14))  # 3% → 30,00
    sale(shop, provider, "1000.00", date(2026, 4, 15))  # 4% → 40,00
    settling.compute_drafts(APRIL)
    settling.compute_drafts(MARCH)
    assert shop_settlement(shop).amount == D("33.00") and shop_settlement(shop).state == "confirmed"
    assert shop_settlement(shop, APRIL).amount == D("70.00")


def test_the_give_back_is_rounded_once_on_the_monthly_total(ctx):
    shop, provider = network_shop(), accredited_provider()
    for n in range(100):
        sale(shop, provider, "0.10", date(2026, 3, 1 + n % 28))  # 0,003 each: 0,00 if rounded row by row
    settling.compute_drafts(MARCH)
    assert shop_settlement(shop).amount == D("0.30")


def test_half_a_cent_is_rounded_up(ctx):
    shop, provider = network_shop(), accredited_provider()
    sale(shop, provider, "0.50", date(2026, 3, 3))  # 3% = 0,015
    settling.compute_drafts(MARCH)
    assert shop_settlement(shop).amount == D("0.02")


def test_a_refund_through_another_provider_lowers_the_shop_month_and_that_provider(ctx):
    shop = network_shop()
    first, second = accredited_provider("Welfare Più", "2.0000"), accredited_provider("Easy Card", "2.5000")
    sale(shop, first, "500.00", date(2026, 3, 2))
    sale(shop, second, "300.00", date(2026, 3, 3))
    sale(shop, second, "100.00", date(2026, 3, 20), kind="refund")
    settling.compute_drafts(MARCH)
    assert shop_settlement(shop).amount == D("21.00")  # 3% of 700
    providers = {s.organisation_id: s for s in db.session.scalars(select(Settlement).where(
        Settlement.kind == "provider"))}
    assert (providers[first.id].base, providers[first.id].percent, providers[first.id].amount) == (
        D("500.00"), D("2.0000"), D("10.00"))
    assert (providers[second.id].base, providers[second.id].amount) == (D("200.00"), D("5.00"))


def refunds_only_march_confirmed():
    """A shop whose March has only a €200 refund (3%: €6 back), confirmed; (coordinator, shop, provider, March)."""
    coordinator = make_user("coordinator")
    network_fund()
    shop, provider = network_shop(), accredited_provider()
    sale(shop, provider, "200.00", date(2026, 3, 10), kind="refund")
    settling.compute_drafts(MARCH)
    return coordinator, shop, provider, settling.confirm(shop_settlement(shop), coordinator, on=AFTER_MARCH)


def test_a_negative_month_carries_a_credit_into_the_next(ctx):
    _coordinator, shop, provider, march = refunds_only_march_confirmed()
    assert (march.amount, march.amount_due, march.credit_out, march.contribution_id) == (D("-6.00"), 0, D("-6.00"),
                                                                                          None)
    sale(shop, provider, "1000.00", date(2026, 4, 10))
    settling.compute_drafts(APRIL)
    april = shop_settlement(shop, APRIL)
    assert (april.amount, april.credit_in, april.amount_due, april.credit_out) == (D("30.00"), D("-6.00"),
                                                                                    D("24.00"), 0)


def test_a_month_that_owes_nothing_is_closed_when_confirmed_and_still_counts_as_settled(ctx):
    coordinator, shop, provider, march = refunds_only_march_confirmed()
    assert (march.state, march.state_label, march.is_final) == ("closed", "Chiusa, nulla da versare", True)
    assert march.statement_upload_id is not None  # the statement is stored all the same
    with pytest.raises(WorkflowError):
        fire(march, "pay", coordinator)
    sale(shop, provider, "50.00", date(2026, 3, 31))
    settling.compute_drafts(APRIL)
    assert shop_settlement(shop, APRIL).late_rows == 1  # March stays settled: its late row goes into April
    assert settling.send_reminders(date(2026, 12, 31)) == 0


def test_a_late_row_after_march_is_confirmed_goes_into_april_flagged_late(ctx):
    coordinator = make_user("coordinator")
    network_fund()
    shop, provider = march_of_sa_butega()
    settling.compute_drafts(MARCH)
    march = settling.confirm(shop_settlement(shop), coordinator, on=AFTER_MARCH)
    late = sale(shop, provider, "100.00", date(2026, 3, 30))
    sale(shop, provider, "200.00", date(2026, 4, 3))
    settling.compute_drafts(MARCH)
    settling.compute_drafts(APRIL)
    april = shop_settlement(shop, APRIL)
    assert (april.rows, april.late_rows, april.amount) == (2, 1, D("9.00"))
    assert march.amount == D("33.00") and march.rows == 3
    settling.confirm(april, coordinator, on=AFTER_APRIL)
    db.session.refresh(late)
    assert late.is_late and late.shop_settlement_id == april.id


def test_confirming_posts_the_receivable_and_the_payment_posts_the_cash(ctx):
    coordinator = make_user("coordinator")
    fund = network_fund()
    shop, _provider = march_of_sa_butega()
    settling.compute_drafts(MARCH)
    march = settling.confirm(shop_settlement(shop), coordinator, on=AFTER_MARCH)
    book = funds.accounts(fund)
    assert march.state == "confirmed" and march.contribution_id is not None
    assert ledger.natural_balance(book.receivable) == D("33.00") and funds.available(fund) == 0
    assert db.session.scalar(select(Transaction.id).where(Transaction.shop_settlement_id.is_(None),
                                                          Transaction.organisation_id == shop.id)) is None
    settling.request_payment(march, coordinator)
    paid = settling.record_payment(f"Bonifico Sa Butega causale {march.payment_reference.lower()}", D("33.00"),
                                   date(2026, 4, 20), coordinator, receipt_reference="CRO 123")
    assert paid.id == march.id and paid.state == "paid" and paid.paid_on == date(2026, 4, 20)
    assert ledger.natural_balance(book.cash) == D("33.00") == funds.available(fund)
    assert ledger.natural_balance(book.receivable) == 0
    assert ledger.check() == []


def test_a_partial_payment_leaves_the_statement_open(ctx):
    coordinator = make_user("coordinator")
    network_fund()
    shop, _provider = march_of_sa_butega()
    settling.compute_drafts(MARCH)
    march = settling.confirm(shop_settlement(shop), coordinator, on=AFTER_MARCH)
    settling.record_payment(march, D("20.00"), date(2026, 4, 20), coordinator, receipt_reference="CRO 1")
    assert march.state == "confirmed"
    with pytest.raises(settling.SettlementError):
        settling.record_payment(march, D("20.00"), date(2026, 4, 21), coordinator, receipt_reference="CRO 2")
    settling.record_payment(march.payment_reference, D("13.00"), date(2026, 4, 22), coordinator,
                            receipt_reference="CRO 3")
    assert march.state == "paid"


def test_a_payment_with_an_unknown_causale_is_refused(ctx):
    with pytest.raises(settling.SettlementError):
        settling.record_payment("bonifico senza causale", D("10.00"), date(2026, 4, 20), make_user("coordinator"))


def test_months_are_confirmed_in_order_and_not_before_they_end(ctx):
    coordinator = make_user("coordinator")
    network_fund()
    shop, provider = march_of_sa_butega()
    sale(shop, provider, "100.00", date(2026, 4, 3))
    settling.compute_drafts(MARCH)
    settling.compute_drafts(APRIL)
    with pytest.raises(settling.SettlementError, match="03/2026"):
        settling.confirm(shop_settlement(shop, APRIL), coordinator, on=AFTER_APRIL)
    with pytest.raises(settling.SettlementError):
        settling.confirm(shop_settlement(shop), coordinator, on=date(2026, 3, 31))
    settling.confirm(shop_settlement(shop), coordinator, on=AFTER_MARCH)
    april = shop_settlement(shop, APRIL)
    assert (april.rows, april.amount) == (1, D("3.00"))  # refreshed: March's rows are locked now
    settling.confirm(april, coordinator, on=AFTER_APRIL)


def test_only_a_coordinator_confirms(ctx):
    network_fund()
    shop, _provider = march_of_sa_butega()
    settling.compute_drafts(MARCH)
    with pytest.raises(WorkflowError):
        settling.confirm(shop_settlement(shop), make_user("shop", organisation=shop), on=AFTER_MARCH)


def test_a_shop_disputes_its_draft_before_it_is_confirmed(ctx, outbox):
    coordinator = make_user("coordinator")
    network_fund()
    shop, provider = march_of_sa_butega()
    settling.compute_drafts(MARCH)
    march = shop_settlement(shop)
    other = make_user("shop", organisation=network_shop("Is Ortus"))
    with pytest.raises(settling.SettlementError):
        settling.dispute(march, other, "Non è mio")
    settling.dispute(march, make_user("shop", organisation=shop), "Manca un reso del 30 marzo")
    assert march.state == "disputed" and march.dispute_reason == "Manca un reso del 30 marzo"
    assert any(n.user_id == coordinator.id for n in db.session.scalars(select(Notification)))
    sale(shop, provider, "100.00", date(2026, 3, 30), kind="refund")
    result = settling.compute_drafts(MARCH)
    assert result.kept == 1 and shop_settlement(shop).amount == D("33.00")  # not recomputed while disputed
    with pytest.raises(WorkflowError):
        settling.confirm(march, coordinator, on=AFTER_MARCH)
    settling.resolve(march, coordinator, "Reso aggiunto dal fornitore")
    assert shop_settlement(shop).state == "draft" and shop_settlement(shop).amount == D("30.00")


def test_an_unpaid_statement_gets_one_reminder(ctx, outbox):
    coordinator = make_user("coordinator")
    network_fund()
    set_setting("shop_network.payment_reminder_days", 15)
    shop, _provider = march_of_sa_butega()
    user = make_user("shop", organisation=shop)
    settling.compute_drafts(MARCH)
    march = settling.confirm(shop_settlement(shop), coordinator, on=AFTER_MARCH)
    march.confirmed_at = datetime(2026, 4, 2, 9, 0, tzinfo=UTC)
    db.session.commit()
    before = len(outbox)
    assert settling.send_reminders(date(2026, 4, 16)) == 0
    assert settling.send_reminders(date(2026, 4, 17)) == 1
    assert settling.send_reminders(date(2026, 4, 30)) == 0
    reminders = outbox[before:]
    assert [m["To"] for m in reminders] == [user.email] and march.payment_reference in reminders[0]["Subject"]
    assert march.reminded_at is not None


def test_the_monthly_job_computes_drafts_once_and_notifies_once(ctx):
    from app.jobs import run_due

    coordinator = make_user("coordinator")
    shop, _provider = march_of_sa_butega()
    started = [job for job in run_due(datetime(2026, 4, 1, 5, 0, tzinfo=UTC))
               if job.name == "shop_network.settlement_drafts"]
    assert len(started) == 1 and started[0].status == "finished", started[0].error if started else None
    assert started[0].result["month"] == "2026-03-01" and shop_settlement(shop).amount == D("33.00")
    from modules.shop_network.jobs.settlement import compute_month_drafts

    again = compute_month_drafts(None, as_of="2026-04-01")
    assert again["created"] == 0
    assert not [job for job in run_due(datetime(2026, 4, 1, 8, 0, tzinfo=UTC))
                if job.name == "shop_network.settlement_drafts"]
    notices = db.session.scalars(select(Notification).where(Notification.user_id == coordinator.id)).all()
    assert len(notices) == 1 and "03/2026" in notices[0].title
    assert db.session.scalar(select(Settlement.id).where(Settlement.month == date(2026, 2, 1))) is None


def test_the_statement_pdf_is_stored_once_with_its_hash(ctx, storage):
    import hashlib
    import io

    from pypdf import PdfReader

    from modules.shop_network.services import statements

    set_setting("shop_network.fund_iban", "IT60X0542811101000000123456")
    coordinator = make_user("coordinator")
    network_fund()
    shop, _provider = march_of_sa_butega()
    settling.compute_drafts(MARCH)
    march = settling.confirm(shop_settlement(shop), coordinator, on=AFTER_MARCH)
    stored = statements.pdf_bytes(march)
    assert hashlib.sha256(stored).hexdigest() == march.statement_sha256
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(stored)).pages)
    assert "33,00" in text and "IT60X0542811101000000123456" in text and march.payment_reference in text
    assert "marzo 2026" in text
    assert statements.pdf_bytes(march) == stored
    statements.store_statement(march)
    assert statements.pdf_bytes(march) == stored


def test_a_row_locked_by_the_shop_still_counts_for_its_provider(ctx):
    network_fund()
    shop, provider = march_of_sa_butega()
    settling.compute_drafts(MARCH)
    settling.confirm(shop_settlement(shop), make_user("coordinator"), on=AFTER_MARCH)
    settling.compute_drafts(MARCH)
    own = db.session.scalar(select(Settlement).where(Settlement.kind == "provider",
                                                     Settlement.organisation_id == provider.id))
    assert (own.rows, own.base, own.amount, own.state) == (3, D("1100.00"), D("22.00"), "draft")
    assert shop_settlement(shop).state == "confirmed"


def test_the_command_line_settles_and_confirms_a_month(app, ctx, storage):
    network_fund()
    shop, _provider = march_of_sa_butega()
    make_user("coordinator")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["shop-network", "settle", "--month", "2026-03"])
    assert result.exit_code == 0, result.output
    assert "2026-03: 2 created" in result.output
    result = runner.invoke(args=["shop-network", "settle", "--month", "2026-03", "--confirm"])
    assert result.exit_code == 0, result.output
    assert "0 created" in result.output and "2 confirmed, 0 refused" in result.output
    db.session.expire_all()
    assert shop_settlement(shop).state == "confirmed" and shop_settlement(shop).amount_due == D("33.00")
    assert runner.invoke(args=["shop-network", "settle", "--month", "marzo"]).exit_code != 0


def test_the_shared_value_percentage_comes_from_the_accreditation_covering_the_day(ctx):
    from modules.accreditation import shared_value_percent

    provider = accredited_provider(percent="1.7500")
    assert shared_value_percent(provider.id, date(2026, 3, 31)) == D("1.7500")
    assert shared_value_percent(provider.id, date(2027, 1, 1)) is None
    assert shared_value_percent(network_shop().id, date(2026, 3, 31)) is None
