"""The signing desk over HTTP: who sees which signing page, FES and upload through the forms, downloads,
and the trusted CA upload."""

from __future__ import annotations

import io

from sqlalchemy import select

from app.extensions import db
from modules.signatures.models import Signature, SignatureRequest, TrustAnchor
from tests.factories import PASSWORD, OrganisationFactory, csrf_token, login, make_user
from tests.modules.signatures import pki
from tests.modules.signatures.helpers import document_for_party, partner_user


def prepared(**kwargs):
    document, signature_request, party, pdf = document_for_party(**kwargs)
    return document.upload_id, signature_request.id, partner_user(party), pdf


def fresh(model, pk):
    """The row as the requests left it (they ran in their own sessions)."""
    db.session.expire_all()
    return db.session.get(model, pk)


def test_a_party_opens_its_signing_page_and_an_outsider_gets_not_found(app, client, ctx):
    upload_id, request_id, signer, _pdf = prepared()
    outsider = make_user("social_partner", organisation=OrganisationFactory(type="social_partner"))

    login(client, signer)
    page = client.get(f"/admin/signatures_desk/{request_id}/")
    assert page.status_code == 200 and "CGIL Oristano" in page.get_data(as_text=True)
    assert client.get(f"/files/{upload_id}").status_code == 200
    other = app.test_client()
    login(other, outsider)
    assert other.get(f"/admin/signatures_desk/{request_id}/").status_code == 404
    assert other.get(f"/files/{upload_id}").status_code == 404
    assert "CGIL Oristano" not in other.get("/admin/signatures_request/").get_data(as_text=True)


def test_the_desk_lists_what_waits_for_the_users_signature(client, ctx):
    _upload_id, request_id, signer, _pdf = prepared()
    login(client, signer)

    page = client.get("/admin/signatures_desk/").get_data(as_text=True)

    assert f"/admin/signatures_desk/{request_id}/" in page


def test_fes_through_the_form_signs_and_goes_back_where_the_user_came_from(client, ctx):
    _upload_id, request_id, signer, _pdf = prepared()
    login(client, signer)
    path = f"/admin/signatures_desk/{request_id}/"
    token = csrf_token(client, path)

    response = client.post(f"{path}fes?next=/admin/", data={"csrf_token": token, "fes-password": PASSWORD,
                                                             "fes-declaration": "y"},
                           headers={"User-Agent": "Firefox di prova"})

    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/")
    signature = db.session.scalar(select(Signature))
    assert (signature.status, signature.user_agent) == ("valid", "Firefox di prova")
    assert signature.ip_address == "127.0.0.1"


def test_a_wrong_password_on_the_form_shows_the_refusal_and_signs_nothing(client, ctx):
    _upload_id, request_id, signer, _pdf = prepared()
    login(client, signer)
    path = f"/admin/signatures_desk/{request_id}/"
    token = csrf_token(client, path)

    response = client.post(f"{path}fes", data={"csrf_token": token, "fes-password": "wrong",
                                                "fes-declaration": "y"}, follow_redirects=True)

    assert response.status_code == 200 and "alert-danger" in response.get_data(as_text=True)
    assert fresh(SignatureRequest, request_id).status == "pending"


def test_an_uploaded_signed_file_is_checked_and_its_result_shown(client, ctx, mario):
    _upload_id, request_id, signer, pdf = prepared()
    login(client, signer)
    path = f"/admin/signatures_desk/{request_id}/"
    token = csrf_token(client, path)
    signed = pki.sign_pades(pdf, mario)

    response = client.post(f"{path}file", data={"csrf_token": token,
                                                 "file-signed_file": (io.BytesIO(signed), "firmato.pdf")},
                           content_type="multipart/form-data", follow_redirects=True)

    assert response.status_code == 200
    assert 'data-status="unverified"' in response.get_data(as_text=True)  # no trusted CA loaded yet


def test_the_admin_uploads_trusted_cas_and_a_coordinator_may_not(app, client, ctx, authority):
    admin, coordinator = make_user("admin"), make_user("coordinator")

    coordinators = app.test_client()
    login(coordinators, coordinator)
    assert coordinators.get("/admin/signatures_trust/upload/").status_code == 403
    login(client, admin)
    token = csrf_token(client, "/admin/signatures_trust/upload/")
    response = client.post("/admin/signatures_trust/upload/", data={
        "csrf_token": token, "bundle": (io.BytesIO(authority.pem), "ca.pem")}, content_type="multipart/form-data")

    assert response.status_code == 302
    assert [a.subject for a in db.session.scalars(select(TrustAnchor))] == [
        "Common Name: Distretto Test CA, Organization: Prova Firme S.p.A., Country: IT"]


def test_a_file_that_is_not_a_certificate_is_refused_on_the_upload_page(client, ctx):
    admin = make_user("admin")
    login(client, admin)
    token = csrf_token(client, "/admin/signatures_trust/upload/")

    response = client.post("/admin/signatures_trust/upload/", data={
        "csrf_token": token, "bundle": (io.BytesIO(b"hello"), "ca.pem")}, content_type="multipart/form-data")

    assert response.status_code == 200 and "invalid-feedback" in response.get_data(as_text=True)


def test_a_designated_signatory_of_another_organisation_reaches_the_signing_page(client, ctx):
    designated = make_user("social_partner", organisation=OrganisationFactory(type="social_partner"))
    _upload_id, request_id, _signer, _pdf = prepared(signatory=designated)
    login(client, designated)

    page = client.get(f"/admin/signatures_desk/{request_id}/")

    assert page.status_code == 200 and 'name="fes-password"' in page.get_data(as_text=True)
