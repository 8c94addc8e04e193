"""The organisations screen, as a coordinator and as an external user, and the API beside it."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from app.api.tokens import create_token
from app.extensions import db
from modules.partners.admin import OrganisationAdmin
from modules.partners.models import OrganisationContact, PartnerOrganisation
from tests.factories import csrf_token, login, make_user
from tests.modules.partners.factories import OrganisationContactFactory, PartnerOrganisationFactory
from tests.modules.partners.helpers import member, piva, wrong_check_digit

NEW = "/admin/organisation/new/"


def post(client, path: str, data: dict, form_path: str | None = None):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, form_path or path)})


def organisation_form(**overrides) -> dict:
    data = {"legal_name": "Bottega del Sinis S.n.c.", "type": "shop", "codice_fiscale": "", "partita_iva": piva(),
            "status": "active", "pec": "bottega@pec.example.it", "comune": "095018", "cap": "09072",
            "street": "Via Roma 3", "runts_section": ""}
    data.update(overrides)
    return data


def exported_rows(client, path: str = "/admin/organisation/export/csv/") -> list[dict]:
    return list(csv.DictReader(io.StringIO(client.get(path).get_data(as_text=True))))


def test_the_registry_takes_the_kernels_organisation_screen(app):
    views = [v for v in app.extensions["distretto"].admin._views if v.endpoint == "organisation"]
    assert len(views) == 1
    assert isinstance(views[0], OrganisationAdmin) and views[0].model is PartnerOrganisation


def test_coordinator_sees_the_wrong_check_digit_in_italian_and_nothing_is_saved(client, ctx):
    login(client, make_user("coordinator"))
    page = post(client, NEW, organisation_form(partita_iva=wrong_check_digit(piva()))).get_data(as_text=True)
    assert "Partita IVA non valida: cifra di controllo errata." in page
    assert db.session.scalar(select(PartnerOrganisation.id)) is None


def test_coordinator_creates_an_organisation_from_a_spaced_partita_iva(client, ctx):
    login(client, make_user("coordinator"))
    number = piva()
    response = post(client, NEW, organisation_form(partita_iva=f"IT {number[:5]} {number[5:]}"))
    assert response.status_code == 302
    created = db.session.scalar(select(PartnerOrganisation))
    assert (created.partita_iva, created.codice_fiscale, created.comune.name) == (number, number, "Cabras")
    assert "Bottega del Sinis S.n.c." in client.get("/admin/organisation/").get_data(as_text=True)
    exported = exported_rows(client)
    assert [row["Partita IVA"] for row in exported] == [number]
    assert exported[0]["Provincia"] == "OR"


def test_a_duplicate_partita_iva_is_a_message_not_an_error_page(client, ctx):
    first = PartnerOrganisationFactory(legal_name="Prima S.r.l.")
    login(client, make_user("coordinator"))
    response = post(client, NEW, organisation_form(partita_iva=first.partita_iva))
    assert response.status_code == 200
    assert "è già registrata per Prima S.r.l." in response.get_data(as_text=True)


def test_third_sector_fields_are_checked_on_the_form(client, ctx):
    login(client, make_user("coordinator"))
    page = post(client, NEW, organisation_form(type="aps")).get_data(as_text=True)
    assert "sezione RUNTS è obbligatoria" in page
    response = post(client, NEW, organisation_form(type="aps", runts_section="b", runts_number="4321"))
    assert response.status_code == 302


def test_shop_edits_its_own_pec_but_not_its_identity(client, ctx):
    own = PartnerOrganisationFactory(legal_name="Sa Butega")
    original_piva = own.partita_iva
    login(client, member("shop", own))
    edit = f"/admin/organisation/edit/?id={own.id}"
    page = client.get(edit).get_data(as_text=True)
    assert 'name="pec"' in page and 'name="partita_iva"' not in page and 'name="legal_name"' not in page
    response = post(client, edit, {"pec": "Nuova@PEC.example.it", "partita_iva": piva(), "legal_name": "Altro",
                                   "type": "provider", "comune": "095018"})
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(PartnerOrganisation, own.id)
    assert (saved.pec, saved.partita_iva, saved.legal_name, saved.type) == \
        ("nuova@pec.example.it", original_piva, "Sa Butega", "shop")


def test_shop_cannot_reach_another_organisation_by_url_export_or_api(client, ctx):
    own, other = PartnerOrganisationFactory(), PartnerOrganisationFactory(legal_name="Concorrente S.r.l.")
    shop = member("shop", own)
    _token, secret = create_token(shop, "test")
    login(client, shop)
    for path in (f"/admin/organisation/details/?id={other.id}", f"/admin/organisation/edit/?id={other.id}"):
        assert client.get(path).status_code == 404
    assert [row["Denominazione"] for row in exported_rows(client)] == [own.legal_name]
    assert "Concorrente S.r.l." not in client.get("/admin/organisation/?search=Concorrente").get_data(as_text=True)
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get(f"/api/v1/partners/organisations/{other.id}", headers=headers).status_code == 404
    assert client.patch(f"/api/v1/partners/organisations/{other.id}", json={"pec": "x@pec.example.it"},
                        headers=headers).status_code == 404
    listed = client.get("/api/v1/partners/organisations", headers=headers).get_json()
    assert [item["id"] for item in listed["items"]] == [own.id]


def test_shop_updates_its_pec_through_the_api_but_not_its_partita_iva(client, ctx):
    own = PartnerOrganisationFactory()
    _token, secret = create_token(member("shop", own), "test")
    headers = {"Authorization": f"Bearer {secret}"}
    url = f"/api/v1/partners/organisations/{own.id}"
    changed = client.patch(url, json={"pec": "ufficio@pec.example.it"}, headers=headers)
    assert changed.status_code == 200 and changed.get_json()["pec"] == "ufficio@pec.example.it"
    refused = client.patch(url, json={"partita_iva": piva()}, headers=headers)
    assert refused.status_code == 422 and set(refused.get_json()["error"]["fields"]) == {"partita_iva"}
    wrong = client.patch(url, json={"iban": "IT00X0000000000000000000000"}, headers=headers)
    assert wrong.status_code == 422 and "iban" in wrong.get_json()["error"]["fields"]


def test_external_users_do_not_see_the_districts_notes(app, client, ctx):
    own = PartnerOrganisationFactory(notes="Pagamenti in ritardo")
    details = f"/admin/organisation/details/?id={own.id}"
    login(client, member("shop", own))
    assert "Pagamenti in ritardo" not in client.get(details).get_data(as_text=True)
    coordinator = app.test_client()
    login(coordinator, make_user("coordinator"))
    assert "Pagamenti in ritardo" in coordinator.get(details).get_data(as_text=True)


def test_comune_lookup_puts_the_district_province_first(client, ctx):
    login(client, make_user("coordinator"))
    found = client.get("/admin/organisation/ajax/lookup/?name=comune&query=San&limit=10").get_json()
    assert len(found) == 10
    assert all(label.endswith("(OR)") for _code, label in found[:5])
    assert client.get("/admin/organisation/ajax/lookup/?name=comune&query=a&limit=500").get_json().__len__() <= 20


def test_shop_keeps_its_contacts_and_one_is_primary(client, ctx):
    own = PartnerOrganisationFactory()
    first = OrganisationContactFactory(organisation=own, is_primary=True)
    OrganisationContactFactory()  # another organisation's
    login(client, member("shop", own))
    listing = client.get("/admin/partners_contact/").get_data(as_text=True)
    assert first.name in listing and listing.count("details/?id=") == 1
    response = post(client, "/admin/partners_contact/new/", {"organisation": own.id, "name": "Nuovo Referente",
                                                              "email": "Nuovo@Example.it", "is_primary": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    contacts = {c.name: c for c in db.session.scalars(
        select(OrganisationContact).where(OrganisationContact.organisation_id == own.id))}
    assert contacts["Nuovo Referente"].is_primary and not contacts[first.name].is_primary
    assert contacts["Nuovo Referente"].email == "nuovo@example.it"


def test_details_page_lists_the_contacts(client, ctx):
    contact = OrganisationContactFactory(name="Maria Pinna")
    login(client, make_user("municipality"))
    page = client.get(f"/admin/organisation/details/?id={contact.organisation_id}").get_data(as_text=True)
    assert "Maria Pinna" in page


def test_home_pages_point_shops_to_their_organisation_and_coordinators_to_imports(app, client, ctx):
    own = PartnerOrganisationFactory()
    login(client, member("shop", own))
    assert f"/admin/organisation/edit/?id={own.id}" in client.get("/admin/").get_data(as_text=True)
    coordinator = app.test_client()
    login(coordinator, make_user("coordinator"))
    assert coordinator.get("/admin/").status_code == 200


def test_the_api_document_describes_the_registry(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert set(paths["/api/v1/partners/organisations/{organisation_id}"]) == {"get", "patch"}
    assert "get" in paths["/api/v1/partners/organisations"]


def test_organisation_types_are_renamed_but_their_keys_stay(client, ctx):
    from modules.partners.models import OrganisationType

    login(client, make_user("coordinator"))
    kind = db.session.scalar(select(OrganisationType).where(OrganisationType.key == "artisan"))
    edit = f"/admin/partners_type/edit/?id={kind.id}"
    form = {"key": "artisan", "name_it": "Artigiano", "name_en": "Artisan", "sort_order": kind.sort_order}
    try:
        assert post(client, edit, form).status_code == 302
        assert post(client, edit, {**form, "key": "craft"}).status_code == 200
        db.session.expire_all()
        assert (kind.key, kind.name_it) == ("artisan", "Artigiano")
    finally:
        kind.name_it = "Impresa artigiana"  # reference data survives the test: put it back
        db.session.commit()
