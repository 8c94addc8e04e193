"""Statements on screen, as PDF and CSV, and through the API: a shop sees and downloads only its own (another's id
is a 404), disputes its draft; the coordinator computes, confirms, records payments by causale, filters and exports."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from pypdf import PdfReader
from sqlalchemy import select

from app.api.tokens import create_token
from app.extensions import db
from app.settings import set_setting
from modules.shop_network.models import Settlement
from modules.shop_network.services import settlement as settling
from tests.factories import csrf_token, login, make_user
from tests.modules.shop_network.settlement_helpers import (
    MARCH,
    accredited_provider,
    network_fund,
    network_shop,
    sale,
)


def two_shops_with_march():
    """Sa Butega (scenario 1, € 33,00) and Is Ortus, each with its March draft; their settlement ids."""
    provider = accredited_provider()
    shops = [network_shop("Sa Butega"), network_shop("Is Ortus")]
    for shop in shops:
        sale(shop, provider, "1200.00", date(2026, 3, 5))
        sale(shop, provider, "100.00", date(2026, 3, 28), kind="refund")
    settling.compute_drafts(MARCH)
    ids = [db.session.scalar(select(Settlement.id).where(Settlement.organisation_id == s.id)) for s in shops]
    return shops, ids


def test_a_shop_lists_and_downloads_only_its_own_statements(ctx, client, storage):
    network_fund()
    set_setting("shop_network.fund_iban", "IT60X0542811101000000123456")
    (own_shop, _other), (own, other) = two_shops_with_march()
    settling.confirm(db.session.get(Settlement, own), make_user("coordinator"), on=date(2026, 4, 2))
    user = make_user("shop", organisation=own_shop)
    login(client, user)
    page = client.get("/rete-negozi/estratti").get_data(as_text=True)
    assert f"statement-{own}" in page and f"statement-{other}" not in page
    pdf = client.get(f"/rete-negozi/estratti/{own}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "33,00" in text and "IT60X0542811101000000123456" in text
    csv = client.get(f"/rete-negozi/estratti/{own}.csv")
    assert csv.status_code == 200 and "-100,00" in csv.get_data(as_text=True)
    for path in (f"/rete-negozi/estratti/{other}.pdf", f"/rete-negozi/estratti/{other}.csv",
                 "/rete-negozi/estratti/999999.pdf"):
        assert client.get(path).status_code == 404
    assert client.get(f"/admin/shop_network_settlement/details/?id={other}").status_code == 404
    token = csrf_token(client, "/rete-negozi/estratti")
    response = client.post(f"/rete-negozi/estratti/{other}/contesta", data={"reason": "x", "csrf_token": token})
    assert response.status_code == 404


def test_a_shop_disputes_its_draft_from_its_statements_page(ctx, client, storage):
    (shop, _other), (own, _other_id) = two_shops_with_march()
    user = make_user("shop", organisation=shop)
    make_user("coordinator")
    login(client, user)
    token = csrf_token(client, "/rete-negozi/estratti")
    response = client.post(f"/rete-negozi/estratti/{own}/contesta",
                           data={"reason": "Il reso del 28 marzo è doppio", "csrf_token": token})
    assert response.status_code == 302
    db.session.expire_all()
    found = db.session.get(Settlement, own)
    assert found.state == "disputed" and found.dispute_reason == "Il reso del 28 marzo è doppio"


def test_signed_out_visitors_are_sent_to_the_login(client):
    assert client.get("/rete-negozi/estratti").status_code == 302
    assert client.get("/rete-negozi/estratti/1.pdf").status_code == 302


def test_the_coordinator_computes_confirms_and_records_a_payment_by_causale(ctx, client, storage):
    network_fund()
    provider = accredited_provider()
    shop = network_shop("Sa Butega")
    sale(shop, provider, "1200.00", date(2026, 3, 5))
    sale(shop, provider, "100.00", date(2026, 3, 28), kind="refund")
    coordinator = make_user("coordinator")
    login(client, coordinator)
    token = csrf_token(client, "/admin/shop_network_settlement/")
    response = client.post("/admin/shop_network_settlement/compute/", data={"month": "2026-03", "csrf_token": token})
    assert response.status_code == 302
    db.session.expire_all()
    march = db.session.scalar(select(Settlement).where(Settlement.organisation_id == shop.id))
    assert march.amount == Decimal("33.00")
    march_id, reference = march.id, march.payment_reference
    details = f"/admin/shop_network_settlement/details/?id={march_id}"
    assert reference in client.get(details).get_data(as_text=True)
    client.post("/admin/shop_network_settlement/transition/",
                data={"id": march_id, "transition": "confirm", "csrf_token": csrf_token(client, details)})
    db.session.expire_all()
    assert db.session.get(Settlement, march_id).state == "confirmed"
    response = client.post("/admin/shop_network_settlement/pay-by-causale/", data={
        "causale": f"BONIFICO SA BUTEGA {reference}", "amount": "33,00", "paid_on": "2026-04-20",
        "reference": "CRO 42", "csrf_token": csrf_token(client, "/admin/shop_network_settlement/")})
    assert response.status_code == 302
    db.session.expire_all()
    paid = db.session.get(Settlement, march_id)
    assert paid.state == "paid" and paid.paid_on == date(2026, 4, 20)
    listing = client.get("/admin/shop_network_settlement/?search=RN-2026-03").get_data(as_text=True)
    assert reference in listing
    export = client.get("/admin/shop_network_settlement/export/csv-it/")
    assert export.status_code == 200 and reference in export.get_data(as_text=True)


def test_the_api_gives_a_provider_only_its_own_statements(ctx, client):
    provider, other = accredited_provider("Welfare Più"), accredited_provider("Easy Card")
    shop = network_shop()
    sale(shop, provider, "1000.00", date(2026, 3, 5))
    sale(shop, other, "500.00", date(2026, 3, 6))
    settling.compute_drafts(MARCH)
    _token, secret = create_token(make_user("provider", organisation=provider), "gestionale")
    provider_id = provider.id
    response = client.get("/api/v1/statements", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert [(i["organisation_id"], i["kind"], i["base"], i["amount"]) for i in items] == [
        (provider_id, "provider", "1000.00", "20.00")]


def test_a_provider_statement_shows_its_percentage_and_the_shops(ctx, storage):
    network_fund()
    provider = accredited_provider("Welfare Più", "2.5000")
    for name in ("Sa Butega", "Is Ortus"):
        sale(network_shop(name), provider, "1000.00", date(2026, 3, 5))
    settling.compute_drafts(MARCH)
    own = db.session.scalar(select(Settlement).where(Settlement.kind == "provider"))
    settling.confirm(own, make_user("coordinator"), on=date(2026, 4, 2))
    from modules.shop_network.services import statements

    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(statements.pdf_bytes(own))).pages)
    assert own.amount_due == Decimal("50.00") and "50,00" in text and "2,5" in text
    assert "Sa Butega" in text and "Is Ortus" in text and own.payment_reference.startswith("RN-2026-03-P")


def test_the_home_page_counts_drafts_for_coordinators_and_unpaid_statements_for_shops(ctx, client, storage):
    network_fund()
    (shop, _other), (own, _other_id) = two_shops_with_march()
    coordinator = make_user("coordinator")
    settling.confirm(db.session.get(Settlement, own), coordinator, on=date(2026, 4, 2))
    from flask import current_app

    from modules.shop_network.admin.settlements import my_statements, to_confirm

    shop_user = make_user("shop", organisation=shop)
    with current_app.test_request_context():
        assert to_confirm(coordinator)["value"] == 2  # Is Ortus and the provider
        assert my_statements(shop_user)["value"] == 1
    login(client, coordinator)
    assert client.get("/admin/").status_code == 200
