"""Schemes and document types are data the coordinators edit; the defaults ship with the module."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest
from flask_babel import force_locale
from sqlalchemy import delete, select
from werkzeug.datastructures import MultiDict
from wtforms import Form

from app.extensions import db
from app.forms import MoneyField, PercentField
from app.settings import get_setting
from modules.accreditation.data import schemes as seed
from modules.accreditation.models import DocumentType, Scheme
from tests.factories import csrf_token, login, make_user
from tests.modules.accreditation.helpers import scheme, seeded_type


def test_the_two_default_schemes(app, ctx):
    provider, local = scheme("provider"), scheme("local_supplier")
    assert (provider.name_it, provider.requires_shared_value, provider.period_months) == (
        "Provider di piattaforma welfare", True, 12)
    assert (local.name_it, local.requires_shared_value, local.period_months) == ("Fornitore locale", False, 12)
    assert [kind.key for kind in provider.organisation_types] == ["provider"]
    assert {"cooperative", "aps", "odv"} <= {kind.key for kind in local.organisation_types}
    assert [kind.key for kind in local.document_types] == [
        "durc", "visura_camerale", "comunicazione_antimafia", "informazione_antimafia"]


@pytest.mark.parametrize(("key", "days", "months", "above_threshold_only"), [
    ("durc", 120, None, False),
    ("visura_camerale", None, 6, False),
    ("comunicazione_antimafia", None, 6, False),
    ("informazione_antimafia", None, 12, True),
])
def test_the_default_document_types(app, ctx, key, days, months, above_threshold_only):
    kind = seeded_type(key)
    assert (kind.validity_days, kind.validity_months, kind.is_mandatory, kind.above_threshold_only) == (
        days, months, True, above_threshold_only)


def test_the_contract_value_threshold_is_a_money_setting_of_150000_euros(app, ctx):
    assert get_setting("accreditation.contract_value_threshold") == Decimal("150000.00")


def test_loading_the_data_again_keeps_what_the_coordinators_changed(app, ctx):
    local = scheme("local_supplier")
    original = local.period_months
    local.period_months = 24
    db.session.commit()
    try:
        seed.load()
        db.session.commit()
        assert scheme("local_supplier").period_months == 24
        assert len(db.session.scalars(select(Scheme)).all()) >= 2
    finally:
        scheme("local_supplier").period_months = original
        db.session.commit()


def test_a_coordinator_adds_a_document_type_with_days_or_months_not_both(app, client):
    with app.app_context():
        email = make_user("coordinator").email
    login(client, SimpleNamespace(email=email))
    base = "/admin/accreditation_document_type"
    fields = {"key": "certificato_prova", "name_it": "Certificato di prova", "name_en": "Test certificate",
              "validity_days": "90", "validity_months": "3", "is_mandatory": "y", "is_active": "y",
              "sort_order": "100"}
    try:
        client.post(f"{base}/new/", data={"csrf_token": csrf_token(client, f"{base}/new/"), **fields})
        with app.app_context():
            assert db.session.scalar(select(DocumentType).where(DocumentType.key == "certificato_prova")) is None
        fields["validity_months"] = ""
        client.post(f"{base}/new/", data={"csrf_token": csrf_token(client, f"{base}/new/"), **fields})
        with app.app_context():
            created = db.session.scalar(select(DocumentType).where(DocumentType.key == "certificato_prova"))
            assert (created.validity_days, created.validity_months) == (90, None)
    finally:
        with app.app_context():  # reference data survives tests: take it away again
            db.session.execute(delete(DocumentType).where(DocumentType.key == "certificato_prova"))
            db.session.commit()


@pytest.mark.parametrize(("field", "typed", "value", "error"), [
    (PercentField, "2,5", Decimal("2.5"), None),
    (PercentField, "3.1234", Decimal("3.1234"), None),
    (PercentField, "3,12345", None, "decimal"),
    (PercentField, "100,01", None, "100"),
    (PercentField, "tre", None, "2,5"),
    (MoneyField, "150.000,00", Decimal("150000.00"), None),
    (MoneyField, "-1", None, "0"),
])
def test_numbers_are_typed_the_italian_way_and_kept_exact(app, field, typed, value, error):
    class AmountForm(Form):
        amount = field("Importo")

    with app.test_request_context(), force_locale("en"):
        form = AmountForm(formdata=MultiDict({"amount": typed}))
        valid = form.validate()
    assert valid == (error is None)
    if error is None:
        assert form.amount.data == value
    else:
        assert error in " ".join(form.amount.errors)
