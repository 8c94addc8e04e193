"""The public register (no login): accredited organisations with scheme, date, shared value and status;
suspended and revoked ones shown as such; filter by scheme; CSV and JSON; the API routes."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal

import pytest

from modules.accreditation import services
from tests.modules.accreditation.helpers import approved, coordinator, draft, submitted

JAN_20 = date(2026, 1, 20)


@pytest.fixture
def register(app, storage):
    """A provider accredited at 2,5%, a local supplier suspended, another revoked, and two not granted yet."""
    with app.app_context():
        reviewer = coordinator()
        approved(reviewer, "provider", legal_name="Welfare Uno S.r.l.", shared_value_percent=Decimal("2.5"))
        suspended, _user = approved(reviewer, legal_name="Cooperativa Sospesa")
        services.transition(suspended, "suspend", reviewer, reason="Verifica", on=date(2026, 3, 1))
        revoked, _user = approved(reviewer, legal_name="Cooperativa Revocata")
        services.transition(revoked, "revoke", reviewer, reason="Inadempienze", on=date(2026, 3, 1))
        draft(legal_name="Cooperativa in Bozza")
        submitted(legal_name="Cooperativa in Esame")


def test_the_register_is_public_and_shows_suspended_and_revoked_ones_as_such(client, register):
    page = client.get("/accreditamento/registro")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Welfare Uno S.r.l." in text and "2,5" in text
    assert "Cooperativa Sospesa" in text and "Sospeso" in text
    assert "Cooperativa Revocata" in text and "Revocato" in text
    assert "Cooperativa in Bozza" not in text and "Cooperativa in Esame" not in text
    assert "20 gen 2026" in text


def test_the_register_filters_by_scheme(client, register):
    text = client.get("/accreditamento/registro?scheme=provider").get_data(as_text=True)
    assert "Welfare Uno S.r.l." in text and "Cooperativa Sospesa" not in text
    assert client.get("/accreditamento/registro?scheme=nessuno").status_code == 404


def test_the_register_downloads_as_csv_and_json(client, register):
    response = client.get("/accreditamento/registro.csv?scheme=local_supplier")
    assert response.headers["Content-Disposition"].startswith("attachment")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert {(r["organisation"], r["status"]) for r in rows} == {("Cooperativa Sospesa", "suspended"),
                                                                 ("Cooperativa Revocata", "revoked")}
    data = json.loads(client.get("/accreditamento/registro.json").get_data(as_text=True))
    provider = next(row for row in data if row["scheme_key"] == "provider")
    assert provider["shared_value_percent"] == "2.5000" and provider["status"] == "accredited"
    assert provider["accredited_from"] == "2026-01-20" and provider["valid_until"] == "2027-01-19"


def test_the_home_page_links_the_register(client):
    assert "/accreditamento/registro" in client.get("/").get_data(as_text=True)


def test_the_register_api_is_public_and_documented(client, register):
    items = client.get("/api/v1/public/register?scheme=provider").get_json()["items"]
    assert [(i["organisation"], i["shared_value_percent"]) for i in items] == [("Welfare Uno S.r.l.", "2.5000")]
    assert client.get("/api/v1/public/register?scheme=nessuno").status_code == 404
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert paths["/api/v1/public/register"]["get"]["security"] == []
    assert "/api/v1/accreditations" in paths and "/api/v1/accreditations/{application_id}" in paths


def test_the_accreditations_api_needs_a_token(client):
    assert client.get("/api/v1/accreditations").status_code == 401
