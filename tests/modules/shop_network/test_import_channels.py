"""The three ways in: the upload screen (with the report and the mapping editor), the API with its
Idempotency-Key, and `flask shop-network import`; plus the transactions list."""

from __future__ import annotations

import io
import json

from sqlalchemy import func, select

from app.api.tokens import create_token
from app.extensions import db
from modules.shop_network.models import ImportBatch, ProviderMapping, Transaction
from tests.factories import csrf_token, login, make_user
from tests.modules.shop_network.import_helpers import IT_HEADER, csv_bytes, network_shop, provider_org, provider_user


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# The upload screen ----------------------------------------------------------------------------------------
def test_a_provider_uploads_a_file_with_a_bad_row_sees_the_report_fixes_it_and_uploads_again(app, client, storage):
    with app.app_context():
        shop, provider = network_shop(), provider_org(legal_name="Piattaforma Welfare Srl")
        other = provider_org(legal_name="Concorrente Srl")
        user = provider_user(provider)
        piva, provider_id, other_id = shop.partita_iva, provider.id, other.id
        login(client, user)
    page = client.get("/admin/shop_network_import/").get_data(as_text=True)
    assert "Piattaforma Welfare Srl" in page and "Concorrente Srl" not in page  # own organisation only

    rows = [["A1", "10/03/2026", piva, "100,00", "acquisto", "", "", ""],
            ["A2", "11/03/2026", piva, "10,123", "acquisto", "", "", ""]]
    token = csrf_token(client, "/admin/shop_network_import/")
    response = client.post("/admin/shop_network_import/", data={
        "csrf_token": token, "provider": provider_id,
        "file": (io.BytesIO(csv_bytes(IT_HEADER, rows)), "marzo.csv")}, content_type="multipart/form-data")
    assert response.status_code == 302
    details = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Non è stato importato nulla" in details and "Più di due decimali." in details
    report = client.get(response.headers["Location"] + "report.csv")
    assert report.status_code == 200
    text = report.get_data(as_text=True)
    assert "Riga" in text and "Più di due decimali." in text and "10,123" in text

    rows[1][3] = "10,12"
    response = client.post("/admin/shop_network_import/", data={
        "csrf_token": token, "provider": provider_id,
        "file": (io.BytesIO(csv_bytes(IT_HEADER, rows)), "marzo.csv")}, content_type="multipart/form-data")
    details = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Importazione completata." in details
    with app.app_context():
        assert _count(Transaction) == 2

    forged = client.post("/admin/shop_network_import/", data={
        "csrf_token": token, "provider": other_id,
        "file": (io.BytesIO(csv_bytes(IT_HEADER, rows)), "x.csv")}, content_type="multipart/form-data")
    assert forged.status_code == 200  # "Not a valid choice": another provider is refused
    with app.app_context():
        assert _count(ImportBatch) == 2


def test_the_upload_screen_takes_files_larger_than_other_forms(app, client, storage):
    with app.app_context():
        provider = provider_org()
        user, provider_id = provider_user(provider), provider.id
        default = app.config["MAX_CONTENT_LENGTH"]
        login(client, user)
    token = csrf_token(client, "/admin/shop_network_import/")
    big = b"id;data\r\n" + b"X;10/03/2026\r\n" * (default // 14 + 1)  # no P.IVA column: rejected at once
    response = client.post("/admin/shop_network_import/", data={
        "csrf_token": token, "provider": provider_id, "file": (io.BytesIO(big), "grande.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 302 and len(big) > default
    elsewhere = client.post(f"/admin/shop_network_import/mapping/?provider={provider_id}",
                            data={"csrf_token": token, "padding": "x" * default})
    assert elsewhere.status_code == 413


def test_another_providers_batch_is_not_found(app, client, storage):
    with app.app_context():
        mine, theirs = provider_org(), provider_org()
        user = provider_user(mine)
        batch = ImportBatch(provider_id=theirs.id, source="upload", status="imported", filename="x.csv")
        db.session.add(batch)
        db.session.commit()
        batch_id = batch.id
        login(client, user)
    assert client.get(f"/admin/shop_network_import/{batch_id}/").status_code == 404
    assert client.get(f"/admin/shop_network_import/{batch_id}/report.csv").status_code == 404


def test_a_shop_may_not_import(app, client):
    with app.app_context():
        user = make_user("shop")
        login(client, user)
    assert client.get("/admin/shop_network_import/").status_code == 403


def test_the_coordinator_edits_a_providers_mapping(app, client):
    with app.app_context():
        provider = provider_org()
        coordinator = make_user("coordinator")
        provider_id = provider.id
        login(client, coordinator)
    assert "Importa transazioni" in client.get("/admin/shop_network_import/").get_data(as_text=True)
    url = f"/admin/shop_network_import/mapping/?provider={provider_id}"
    token = csrf_token(client, url)
    response = client.post(url, data={"csrf_token": token, "provider_tx_id": "Codice", "amount": "Valore"})
    assert response.status_code == 302
    with app.app_context():
        saved = db.session.scalar(select(ProviderMapping).where(ProviderMapping.provider_id == provider_id))
        assert saved.columns == {"provider_tx_id": "Codice", "amount": "Valore"}


def test_the_transactions_list_is_scoped_and_filtered(app, client, storage):
    from tests.modules.shop_network.factories import TransactionFactory

    with app.app_context():
        shop = network_shop()
        mine = TransactionFactory(organisation=shop, provider_tx_id="MINE-1")
        TransactionFactory(provider_tx_id="OTHER-1")
        user = make_user("shop", organisation=shop)
        provider_id, shop_piva = mine.provider_id, shop.partita_iva
        login(client, user)
    page = client.get("/admin/shop_network_transaction/").get_data(as_text=True)
    assert "MINE-1" in page and "OTHER-1" not in page
    filtered = client.get("/admin/shop_network_transaction/?flt0_0=" + str(provider_id)).get_data(as_text=True)
    assert "MINE-1" in filtered
    month = client.get("/admin/shop_network_transaction/?flt1_2=2026-04").get_data(as_text=True)
    assert "MINE-1" not in month
    coordinator = app.test_client()
    with app.app_context():
        login(coordinator, make_user("coordinator"))
    by_vat = coordinator.get(f"/admin/shop_network_transaction/?flt0_1={shop_piva}").get_data(as_text=True)
    assert "MINE-1" in by_vat and "OTHER-1" not in by_vat


# The API ------------------------------------------------------------------------------------------------
def _api(client, secret, body, key=None):
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
    if key:
        headers["Idempotency-Key"] = key
    return client.post("/api/v1/transactions", data=json.dumps(body), headers=headers)


def test_the_api_imports_a_batch_and_replays_the_first_answer_for_the_same_key(app, client):
    with app.app_context():
        shop, provider = network_shop(), provider_org()
        user = provider_user(provider)
        _token, secret = create_token(user, "erp")
        piva = shop.partita_iva
    body = {"transactions": [
        {"id": "API-1", "occurred_at": "2026-03-10T10:00:00+01:00", "partita_iva": piva, "amount": "1200.00"},
        {"id": "API-2", "occurred_at": "2026-03-28", "partita_iva": piva, "amount": 100, "kind": "refund",
         "refund_of": "API-1", "redemption": "card"}]}
    first = _api(client, secret, body, key="k-1")
    assert first.status_code == 201, first.json
    assert (first.json["imported"], first.json["bad"]) == (2, 0)
    replay = _api(client, secret, body, key="k-1")
    assert replay.status_code == 201 and replay.json == first.json
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert _api(client, secret, {"transactions": []}, key="k-1").status_code == 422  # same key, other body
    again = _api(client, secret, body, key="k-2")  # a new key, the same ids: nothing new
    assert (again.status_code, again.json["imported"], again.json["duplicates"]) == (201, 0, 2)
    with app.app_context():
        refund = db.session.scalar(select(Transaction).where(Transaction.provider_tx_id == "API-2"))
        assert refund.refund_of_tx_id is not None and str(refund.amount) == "100.00"
        assert _count(Transaction) == 2


def test_the_api_rejects_a_batch_with_a_bad_row_and_lists_the_problems(app, client):
    with app.app_context():
        shop, provider = network_shop(), provider_org()
        _token, secret = create_token(provider_user(provider), "erp")
        piva = shop.partita_iva
    body = {"transactions": [{"id": "1", "occurred_at": "2026-03-10", "partita_iva": piva, "amount": "10.001"},
                             {"id": "2", "occurred_at": "2026-03-10", "partita_iva": piva, "amount": "10"}]}
    response = _api(client, secret, body)
    assert response.status_code == 422
    assert response.json["status"] == "rejected"
    assert [(p["row"], p["code"]) for p in response.json["problems"]] == [(1, "too_many_decimals")]
    body["keep_good_rows"] = True
    kept = _api(client, secret, body)
    assert (kept.status_code, kept.json["imported"], kept.json["bad"]) == (201, 1, 1)


def test_the_api_provider_is_the_tokens_organisation_and_a_coordinator_names_it(app, client):
    with app.app_context():
        shop, provider, other = network_shop(), provider_org(), provider_org()
        _t, provider_secret = create_token(provider_user(provider), "erp")
        _t, coordinator_secret = create_token(make_user("coordinator"), "ops")
        _t, shop_secret = create_token(make_user("shop", organisation=shop), "shop")
        piva, other_piva = shop.partita_iva, other.partita_iva
    row = {"id": "C-1", "occurred_at": "2026-03-10", "partita_iva": piva, "amount": "5"}
    assert _api(client, provider_secret, {"transactions": [row], "provider": other_piva}).status_code == 403
    assert _api(client, shop_secret, {"transactions": [row]}).status_code == 403
    assert _api(client, coordinator_secret, {"transactions": [row]}).status_code == 400
    named = _api(client, coordinator_secret, {"transactions": [row], "provider": other_piva})
    assert named.status_code == 201 and named.json["imported"] == 1
    batch = client.get(f"/api/v1/transactions/batches/{named.json['batch']}",
                       headers={"Authorization": f"Bearer {provider_secret}"})
    assert batch.status_code == 404  # another provider's batch
    listed = client.get("/api/v1/transactions?month=2026-03", headers={"Authorization": f"Bearer {coordinator_secret}"})
    assert [t["provider_tx_id"] for t in listed.json["items"]] == ["C-1"]


# The command line --------------------------------------------------------------------------------------
def test_the_command_line_imports_a_file(app, tmp_path, storage):
    with app.app_context():
        shop, provider = network_shop(), provider_org()
        piva, provider_piva = shop.partita_iva, provider.partita_iva
    path = tmp_path / "export.csv"
    path.write_bytes(csv_bytes(IT_HEADER, [["K1", "10/03/2026", piva, "1.234,56", "", "", "", ""],
                                           ["K2", "10/03/2026", "999", "1,00", "", "", "", ""]]))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["shop-network", "import", str(path), "--provider", provider_piva,
                                 "--report", str(tmp_path / "report.csv")])
    assert result.exit_code == 1, result.output
    assert "status=rejected" in result.output and "bad_partita_iva" in result.output
    assert "999" in (tmp_path / "report.csv").read_text(encoding="utf-8-sig")
    result = runner.invoke(args=["shop-network", "import", str(path), "--provider", provider_piva,
                                 "--keep-good-rows"])
    assert result.exit_code == 0, result.output
    assert "imported=1" in result.output and "bad=1" in result.output
    assert runner.invoke(args=["shop-network", "import", str(path), "--provider", "00000000000"]).exit_code != 0
