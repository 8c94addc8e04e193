"""The registry's rules across fields, reference data, and what other modules may show."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Organisation
from app.security import RecordRule
from modules.partners import services
from modules.partners.models import Comune, OrganisationType, PartnerOrganisation
from tests.factories import OrganisationFactory, make_user
from tests.modules.partners.factories import PartnerOrganisationFactory
from tests.modules.partners.helpers import member, piva


def base_data(**overrides) -> dict:
    data = {"legal_name": "Bottega Prova", "type": "shop", "partita_iva": piva(), "comune": "Cabras"}
    data.update(overrides)
    return data


def test_every_comune_of_italy_is_loaded_with_its_codes(ctx):
    assert db.session.scalar(select(func.count()).select_from(Comune)) == 7896
    assert db.session.scalar(select(func.count()).where(Comune.province_code == "OR")) == 87
    cabras = db.session.get(Comune, "095018")
    assert (cabras.name, cabras.cadastral_code, cabras.province_name, cabras.region_name) == \
        ("Cabras", "B314", "Oristano", "Sardegna")


def test_loading_the_comuni_again_changes_nothing(ctx):
    from modules.partners.data import comuni

    comuni.load()
    assert db.session.scalar(select(func.count()).select_from(Comune)) == 7896


def test_organisation_types_are_data_with_third_sector_flags(ctx):
    kinds = {kind.key: kind.is_third_sector for kind in db.session.scalars(select(OrganisationType))}
    assert {"comune", "social_partner", "provider", "employer", "shop", "artisan", "cooperative", "aps", "odv",
            "other"} <= set(kinds)
    assert [key for key, third in kinds.items() if third] == ["cooperative", "aps", "odv"]


def test_companies_codice_fiscale_defaults_to_the_partita_iva(ctx):
    organisation = services.create_organisation(base_data(partita_iva="IT " + (number := piva())))
    assert (organisation.partita_iva, organisation.codice_fiscale) == (number, number)
    assert organisation.comune.istat_code == "095018"
    assert organisation.province == "OR"


def test_a_duplicate_partita_iva_gets_a_clear_message(ctx, italian):
    number = piva()
    services.create_organisation(base_data(legal_name="Prima S.r.l.", partita_iva=number))
    cleaned = services.clean_organisation(base_data(legal_name="Seconda S.r.l.", partita_iva=number))
    assert list(cleaned.errors) == ["partita_iva"]
    assert f"{number} è già registrata per Prima S.r.l." in cleaned.errors["partita_iva"]


def test_runts_is_only_for_third_sector_organisations(ctx, italian):
    shop = services.clean_organisation(base_data(runts_section="b", runts_number="12345"))
    assert shop.errors["runts_section"].startswith("Sezione RUNTS: nel RUNTS sono iscritti solo")
    assert "runts_number" in shop.errors
    aps = services.clean_organisation(base_data(type="aps"))
    assert "sezione RUNTS è obbligatoria" in aps.errors["runts_section"]
    assert services.clean_organisation(base_data(type="aps", runts_section="b", runts_number="12345")).ok


def test_the_type_may_be_written_by_its_italian_name(ctx):
    cleaned = services.clean_organisation(base_data(type="Impresa artigiana"))
    assert cleaned.values["type"] == "artisan"


@pytest.mark.parametrize(("typed", "expected"), [
    ("095018", "Cabras"), ("95018", "Cabras"), ("cabras", "Cabras"), ("Bidoni", "Bidonì"),
    ("Samone (TO)", "Samone"), ("San Vero Milis", "San Vero Milis"),
])
def test_comune_by_istat_code_or_name(ctx, typed, expected):
    assert services.find_comune(typed).name == expected


def test_a_comune_name_found_in_two_provinces_outside_the_district_is_ambiguous(ctx, italian):
    with pytest.raises(services.InvalidValue, match="Samone è ambiguo"):
        services.find_comune("Samone")


def test_every_kernel_organisation_joins_the_registry(ctx):
    plain = OrganisationFactory(legal_name="Creata dal kernel")
    joined = db.session.get(PartnerOrganisation, plain.id)
    assert joined is not None and joined.legal_name == "Creata dal kernel"


def test_the_data_loader_repairs_organisations_created_while_the_module_was_off(ctx):
    from modules.partners.data import organisations

    plain = OrganisationFactory()
    db.session.execute(PartnerOrganisation.__table__.delete().where(PartnerOrganisation.__table__.c.id == plain.id))
    organisations.load()
    assert db.session.get(PartnerOrganisation, plain.id) is not None


def test_external_users_cannot_change_the_identity_of_their_organisation(ctx, italian):
    own = PartnerOrganisationFactory()
    shop = member("shop", own)
    services.update_organisation(own, {"pec": "nuova@pec.example.it"}, shop)
    with pytest.raises(services.OrganisationInvalid) as info:
        services.update_organisation(own, {"partita_iva": piva()}, shop)
    assert "Non è possibile modificare Partita IVA" in info.value.errors["partita_iva"]
    db.session.rollback()
    assert db.session.get(PartnerOrganisation, own.id).pec == "nuova@pec.example.it"


def test_external_users_know_name_type_and_comune_only_of_organisations_they_meet(app, ctx):
    from memo.models import Memo

    own, other, stranger = (PartnerOrganisationFactory() for _ in range(3))
    shop = member("shop", own)
    shared = Memo(organisation_id=other.id, title="condiviso")
    db.session.add(shared)
    db.session.commit()
    rule = RecordRule(Memo, lambda user: Memo.title == "condiviso", ("shop",))
    app.extensions["distretto"].rules.append(rule)
    try:
        labels = services.visible_name_type_comune(shop, [own.id, other.id, stranger.id],
                                                   via=[(Memo, "organisation_id")])
    finally:
        app.extensions["distretto"].rules.remove(rule)
    assert set(labels) == {own.id, other.id}
    assert (labels[other.id].legal_name, labels[other.id].type, labels[other.id].comune) == \
        (other.legal_name, "shop", "Oristano")
    assert services.visible_name_type_comune(shop, [stranger.id]) == {}


def test_internal_staff_know_every_organisation(ctx):
    organisation = PartnerOrganisationFactory()
    auditor = make_user("auditor")
    assert set(services.visible_name_type_comune(auditor, [organisation.id])) == {organisation.id}


def test_kernel_organisation_queries_still_see_registry_rows(ctx):
    organisation = PartnerOrganisationFactory()
    assert db.session.scalar(select(Organisation.legal_name).where(Organisation.id == organisation.id)) == \
        organisation.legal_name
