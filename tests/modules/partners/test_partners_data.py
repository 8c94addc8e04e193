"""The data migration, the demo data, and the district's province coming from settings."""

from __future__ import annotations

from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import create_engine, func, insert, inspect, select, text

from app import create_app
from app.extensions import db
from app.installer import load_data
from app.models import Organisation, User
from app.settings import set_setting
from modules.partners import services, validators
from modules.partners.models import OrganisationContact, PartnerOrganisation
from tests.conftest import make_test_config
from tests.factories import login, make_user


def test_the_migration_gives_existing_organisations_their_registry_rows(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'existing.db'}"
    application = create_app(make_test_config(SQLALCHEMY_DATABASE_URI=url))
    with application.app_context():
        upgrade(revision="kernel@head")
        db.session.execute(insert(Organisation.__table__), [
            {"legal_name": "Ente esistente", "type": "other", "status": "active"},
            {"legal_name": "Altro ente", "type": "shop", "status": "active"},
        ])
        db.session.commit()
        upgrade(revision="partners@head")
        ids = db.session.execute(text("SELECT id FROM partners_organisations ORDER BY id")).scalars().all()
        assert ids == [1, 2]
        db.session.remove()
        db.engine.dispose()
    assert "partners_comuni" in inspect(create_engine(url)).get_table_names()


def _load_demo() -> None:
    load_data("app", ["demo/identity.py", "demo/users.py"])
    load_data("modules.partners", ["demo/organisations.py"])
    db.session.commit()


def test_the_demo_completes_the_kernels_organisations_and_runs_twice(ctx):
    _load_demo()
    organisations = db.session.scalar(select(func.count()).select_from(Organisation))
    contacts = db.session.scalar(select(func.count()).select_from(OrganisationContact))
    _load_demo()
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == organisations
    assert db.session.scalar(select(func.count()).select_from(OrganisationContact)) == contacts
    shop_user = db.session.scalar(select(User).where(User.email.like("shop@%")))
    butega = db.session.get(PartnerOrganisation, shop_user.organisation_id)
    assert (butega.legal_name, butega.comune.name, butega.ateco_code) == \
        ("Sa Butega di Maria Pinna", "Cabras", "47.24.10")
    names = set(db.session.scalars(select(Organisation.legal_name)))
    assert {"CGIL Oristano", "CISL Oristano", "UIL Oristano", "Confcommercio Oristano", "Confindustria Oristano",
            "Confapi Oristano", "Confartigianato Oristano", "Coldiretti Oristano", "Comune di Oristano",
            "Ordine dei Consulenti del Lavoro di Oristano"} <= names


def test_every_demo_code_passes_its_check_digits(ctx):
    _load_demo()
    for organisation in db.session.scalars(select(PartnerOrganisation)):
        assert validators.codice_fiscale(organisation.codice_fiscale) == organisation.codice_fiscale
        if organisation.partita_iva:
            assert validators.partita_iva(organisation.partita_iva) == organisation.partita_iva
        if organisation.iban:
            assert validators.iban(organisation.iban) == organisation.iban
        third_sector = organisation.type in ("cooperative", "aps", "odv")
        assert bool(organisation.runts_number) == third_sector


def test_the_comune_lookup_follows_the_districts_province_setting(app, client, ctx):
    set_setting("base.district_province", "NU")
    try:
        login(client, make_user("coordinator"))
        found = client.get("/admin/organisation/ajax/lookup/?name=comune&query=Or&limit=5").get_json()
        assert all(label.endswith("(NU)") for _code, label in found)
        assert services.district_province() == "NU"
    finally:
        set_setting("base.district_province", "OR")
