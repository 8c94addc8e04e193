"""The agreement desk and the social partners' portal over HTTP, and the public page."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from modules.agreements import services
from modules.agreements.models import Adhesion, Agreement
from tests.factories import csrf_token, login, make_user
from tests.modules.agreements.helpers import agreement_with, party, sign, three_parties


def fresh(model, pk):
    db.session.expire_all()
    return db.session.get(model, pk)


def test_a_social_partner_sees_its_drafts_and_not_those_it_is_not_party_to(app, client, ctx):
    coordinator = make_user("coordinator")
    comune, cgil, cisl = three_parties()
    own = agreement_with([comune, cgil], coordinator, code="NOSTRO-1")
    other = agreement_with([comune, cisl], coordinator, code="ALTRUI-1")

    login(client, cgil.signer)
    portal = client.get("/admin/agreements_desk/").get_data(as_text=True)

    assert "NOSTRO-1" in portal and "ALTRUI-1" not in portal
    assert client.get(f"/admin/agreements_desk/{own.id}/").status_code == 200
    assert client.get(f"/admin/agreements_desk/{other.id}/").status_code == 404
    assert client.get(f"/admin/agreements_desk/{other.id}/versions/1.pdf").status_code == 404


def test_a_party_follows_the_signatures_and_signs_from_the_sheet(client, ctx):
    coordinator = make_user("coordinator")
    comune, cgil, cisl = three_parties()
    agreement = agreement_with([comune, cgil, cisl], coordinator)
    services.open_for_signature(agreement, coordinator)
    sign(agreement, cisl)
    login(client, cgil.signer)

    sheet = client.get(f"/admin/agreements_desk/{agreement.id}/").get_data(as_text=True)
    to_sign = client.get(f"/admin/agreements_desk/{agreement.id}/sign")

    assert 'id="sign-button"' in sheet and "Firmata" in sheet and "Da firmare" in sheet
    assert to_sign.status_code == 302 and "/admin/signatures_desk/" in to_sign.headers["Location"]
    assert client.get(f"/admin/agreements_desk/{agreement.id}/versions/1.pdf").data.startswith(b"%PDF-")


def test_the_coordinator_amends_the_text_on_the_form_and_a_new_version_is_frozen(client, ctx):
    coordinator = make_user("coordinator")
    parties = three_parties()
    agreement = agreement_with(parties, coordinator)
    services.open_for_signature(agreement, coordinator)
    sign(agreement, parties[1])
    login(client, coordinator)
    path = f"/admin/agreements_desk/{agreement.id}/text"
    token = csrf_token(client, path)

    response = client.post(path, data={"csrf_token": token, "txt-recitals": "Premessa.",
                                       "txt-sections": "## Oggetto\nNuova clausola.", "txt-appendices": ""})

    assert response.status_code == 302
    assert fresh(Agreement, agreement.id).current_version == 2
    sheet = client.get(f"/admin/agreements_desk/{agreement.id}/").get_data(as_text=True)
    assert "non valida per la versione corrente" in sheet
    diff = client.get(f"/admin/agreements_desk/{agreement.id}/diff?a=1&b=2").get_data(as_text=True)
    assert "Nuova clausola." in diff


def test_a_malformed_text_is_refused_with_a_message_and_nothing_changes(client, ctx):
    coordinator = make_user("coordinator")
    agreement = agreement_with(three_parties(), coordinator)
    login(client, coordinator)
    path = f"/admin/agreements_desk/{agreement.id}/text"

    response = client.post(path, data={"csrf_token": csrf_token(client, path), "txt-recitals": "",
                                       "txt-sections": "Senza titolo.", "txt-appendices": ""})

    assert response.status_code == 200 and "alert-danger" in response.get_data(as_text=True)
    assert "Senza titolo." in response.get_data(as_text=True)  # what was typed is not lost
    assert fresh(Agreement, agreement.id).content["sections"][0]["title"] == "Oggetto"


def test_a_social_partner_cannot_change_an_agreement(client, ctx):
    coordinator = make_user("coordinator")
    comune, cgil, cisl = three_parties()
    agreement = agreement_with([comune, cgil, cisl], coordinator)
    login(client, cgil.signer)

    assert client.get(f"/admin/agreements_desk/{agreement.id}/text").status_code == 403
    token = csrf_token(client, f"/admin/agreements_desk/{agreement.id}/")
    client.post(f"/admin/agreements_desk/{agreement.id}/transition/open", data={"csrf_token": token})
    assert fresh(Agreement, agreement.id).state == "draft"


def test_an_organisation_asks_to_adhere_from_the_portal(client, ctx):
    coordinator = make_user("coordinator")
    parties = three_parties()
    agreement = agreement_with(parties, coordinator)
    services.open_for_signature(agreement, coordinator)
    for member in parties:
        sign(agreement, member)
    cooperative = party("Cooperativa Su Nuraghe", "cooperative", "cooperative")
    login(client, cooperative.signer)
    path = f"/admin/agreements_desk/{agreement.id}/"

    client.post(f"{path}adhere", data={"csrf_token": csrf_token(client, path), "a-message": "Aderiamo."})

    assert db.session.scalar(select(Adhesion.state)) == "requested"


def test_the_public_page_lists_agreements_in_force_with_parties_adherents_and_the_pdf(app, client, ctx):
    coordinator = make_user("coordinator")
    parties = three_parties()
    agreement = agreement_with(parties, coordinator)
    draft = agreement_with(parties, coordinator, code="BOZZA-9")
    services.open_for_signature(agreement, coordinator)
    for member in parties:
        sign(agreement, member)

    page = client.get("/accordi/").get_data(as_text=True)
    pdf = client.get(f"/accordi/{agreement.id}/accordo.pdf")

    assert "Accordo territoriale welfare aziendale" in page and "CGIL Oristano" in page
    assert "BOZZA-9" not in page
    assert pdf.status_code == 200 and pdf.data == services.signing.document_bytes(agreement.version(1).document)
    assert client.get(f"/accordi/{draft.id}/accordo.pdf").status_code == 404
