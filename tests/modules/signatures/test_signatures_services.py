"""Signing through the services: FES, uploaded PAdES/CAdES files, who may sign, and the audit of everything."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import select

from app.audit import AuditLog
from app.extensions import db
from app.uploads import absolute_path
from modules.signatures import services
from modules.signatures.models import Signature, SignatureRequest, SigningAttempt, TrustAnchor
from tests.factories import PASSWORD, OrganisationFactory, make_user
from tests.modules.signatures import pki
from tests.modules.signatures.helpers import document_for_party, partner_user, trust

BROWSER = services.Client("192.0.2.10", "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0")


def attempts(signature_request) -> list[SigningAttempt]:
    stmt = select(SigningAttempt).where(SigningAttempt.request_id == signature_request.id)
    return list(db.session.scalars(stmt.order_by(SigningAttempt.id)))


def upload(data: bytes, name: str) -> io.BytesIO:
    file = io.BytesIO(data)
    file.filename = name
    return file


@pytest.fixture
def accepted():
    received = []

    def listener(_sender, signature):
        received.append(signature.id)

    services.signature_accepted.connect(listener)
    yield received
    services.signature_accepted.disconnect(listener)


def test_a_document_is_stored_once_with_the_sha256_of_its_bytes(italian):
    document, _request, _party, pdf = document_for_party()

    assert absolute_path(document.upload).read_bytes() == pdf
    assert document.sha256 == services.pdf_sha256(pdf)
    assert (document.upload.owner_model, document.upload.owner_id) == ("SignableDocument", document.id)
    assert services.document_bytes(document) == pdf


def test_fes_records_user_organisation_time_ip_browser_and_document_hash(italian, accepted):
    document, signature_request, party, _pdf = document_for_party()
    signer = partner_user(party, full_name="Sara Sindacato")

    signature = services.sign_fes(signature_request, signer, PASSWORD, True, BROWSER)

    assert (signature.method, signature.status, signature.user_id) == ("fes", "valid", signer.id)
    assert signature.organisation_id == party.id
    assert signature.document_sha256 == document.sha256
    assert (signature.ip_address, signature.user_agent) == (BROWSER.ip_address, BROWSER.user_agent)
    assert signature.signed_at is not None and signature.signer_name == "Sara Sindacato"
    assert db.session.get(SignatureRequest, signature_request.id).status == "signed"
    assert [a.outcome for a in attempts(signature_request)] == ["signed"]
    assert accepted == [signature.id]


def test_fes_with_a_wrong_password_is_refused_and_the_refusal_is_audited(italian, accepted):
    _document, signature_request, party, _pdf = document_for_party()
    signer = partner_user(party)

    with pytest.raises(services.SigningRefused):
        services.sign_fes(signature_request, signer, "not-my-password", True, BROWSER)

    (attempt,) = attempts(signature_request)
    assert (attempt.outcome, attempt.user_id, attempt.ip_address) == ("refused", signer.id, "192.0.2.10")
    assert attempt.reason
    audit = db.session.scalars(select(AuditLog).where(AuditLog.model == "SigningAttempt",
                                                      AuditLog.record_id == str(attempt.id))).all()
    assert {row.field for row in audit} >= {"outcome", "reason", "user_id"}
    assert db.session.scalar(select(Signature.id)) is None
    assert accepted == []


def test_fes_without_the_declaration_ticked_is_refused(italian):
    _document, signature_request, party, _pdf = document_for_party()

    with pytest.raises(services.SigningRefused):
        services.sign_fes(signature_request, partner_user(party), PASSWORD, False, BROWSER)

    assert [a.outcome for a in attempts(signature_request)] == ["refused"]


def test_a_user_of_another_organisation_cannot_sign_for_the_party(italian):
    _document, signature_request, _party, _pdf = document_for_party()
    outsider = make_user("social_partner", organisation=OrganisationFactory(type="social_partner"))

    with pytest.raises(services.SigningRefused) as refused:
        services.sign_fes(signature_request, outsider, PASSWORD, True, BROWSER)

    assert "CGIL Oristano" in str(refused.value)
    assert [a.outcome for a in attempts(signature_request)] == ["refused"]


def test_a_colleague_without_the_sign_permission_cannot_sign(italian):
    _document, signature_request, party, _pdf = document_for_party()
    auditor = make_user("auditor", organisation=party)  # same organisation, no signatures.sign

    with pytest.raises(services.SigningRefused):
        services.sign_fes(signature_request, auditor, PASSWORD, True, BROWSER)


def test_the_designated_signatory_may_sign(italian):
    designated = make_user("auditor")  # holds no signatures.sign and belongs to no party: designated anyway
    _document, signature_request, _party, _pdf = document_for_party(signatory=designated)

    assert services.sign_fes(signature_request, designated, PASSWORD, True, BROWSER).is_valid


def test_a_signed_request_cannot_be_signed_twice(italian):
    _document, signature_request, party, _pdf = document_for_party()
    services.sign_fes(signature_request, partner_user(party), PASSWORD, True, BROWSER)

    with pytest.raises(services.SigningRefused):
        services.sign_fes(signature_request, partner_user(party), PASSWORD, True, BROWSER)


def test_a_withdrawn_request_can_no_longer_be_signed(italian):
    document, signature_request, party, _pdf = document_for_party()
    services.withdraw_requests(document)
    db.session.commit()

    with pytest.raises(services.SigningRefused):
        services.sign_fes(signature_request, partner_user(party), PASSWORD, True, BROWSER)


def test_a_stored_document_altered_on_disk_cannot_be_signed(italian):
    document, signature_request, party, pdf = document_for_party()
    absolute_path(document.upload).write_bytes(pdf.replace(b"Accordo", b"Accorda"))

    with pytest.raises(services.SigningRefused):
        services.sign_fes(signature_request, partner_user(party), PASSWORD, True, BROWSER)


def test_a_valid_signed_pdf_signs_the_request_with_the_certificates_identity(italian, authority, mario, accepted):
    trust(authority)
    _document, signature_request, party, pdf = document_for_party()

    signature = services.sign_with_file(signature_request, partner_user(party),
                                        upload(pki.sign_pades(pdf, mario), "accordo-firmato.pdf"), client=BROWSER)

    assert (signature.method, signature.status) == ("pades", "valid")
    assert (signature.signer_name, signature.signer_fiscal_code) == ("Mario Rossi", "RSSMRA80A01G113X")
    assert signature.signed_file.original_name == "accordo-firmato.pdf"
    assert db.session.get(SignatureRequest, signature_request.id).status == "signed"
    assert accepted == [signature.id]


def test_a_p7m_signed_for_another_document_is_stored_as_invalid_and_the_request_stays_open(italian, authority,
                                                                                          mario, accepted):
    trust(authority)
    _document, signature_request, party, _pdf = document_for_party()
    other = pki.sign_cades(pki.simple_pdf("Un altro documento"), mario)

    signature = services.sign_with_file(signature_request, partner_user(party), upload(other, "altro.pdf.p7m"),
                                        client=BROWSER)

    assert (signature.method, signature.status, signature.reason_code) == ("cades", "invalid", "other_document")
    assert signature.reason
    assert db.session.get(SignatureRequest, signature_request.id).status == "pending"
    assert [(a.outcome, a.reason) for a in attempts(signature_request)] == [("refused", signature.reason)]
    assert accepted == []


def test_a_tampered_signed_file_is_stored_as_invalid(italian, authority, mario):
    trust(authority)
    _document, signature_request, party, pdf = document_for_party()
    tampered = pki.tamper(pki.sign_cades(pdf, mario), b"welfare aziendale", b"welfare aziendaXe")

    signature = services.sign_with_file(signature_request, partner_user(party), upload(tampered, "a.p7m"))

    assert (signature.status, signature.reason_code) == ("invalid", "altered")


def test_a_file_signed_with_an_expired_certificate_is_stored_as_invalid(italian, authority):
    trust(authority)
    _document, signature_request, party, pdf = document_for_party()
    expired = pki.make_signer(authority, not_before=pki.NOW - timedelta(days=800),
                              not_after=pki.NOW - timedelta(days=1))

    signature = services.sign_with_file(signature_request, partner_user(party),
                                        upload(pki.sign_pades(pdf, expired), "firmato.pdf"))

    assert (signature.status, signature.reason_code) == ("invalid", "not_valid_then")


def test_a_pdf_without_a_signature_is_refused_and_nothing_is_stored(italian):
    _document, signature_request, party, pdf = document_for_party()

    with pytest.raises(services.SigningRefused):
        services.sign_with_file(signature_request, partner_user(party), upload(pdf, "non-firmato.pdf"))

    assert db.session.scalar(select(Signature.id)) is None
    assert [a.outcome for a in attempts(signature_request)] == ["refused"]


def test_an_unknown_ca_is_kept_as_intact_signer_not_verified_until_a_coordinator_confirms(italian, mario,
                                                                                        accepted):
    _document, signature_request, party, pdf = document_for_party()  # no trusted CA loaded

    signature = services.sign_with_file(signature_request, partner_user(party),
                                        upload(pki.sign_pades(pdf, mario), "firmato.pdf"))
    assert (signature.status, signature.reason_code) == ("unverified", "untrusted")
    assert db.session.get(SignatureRequest, signature_request.id).status == "pending"
    with pytest.raises(services.SigningRefused):
        services.confirm_signer(signature, partner_user(party))  # signatures.confirm is the district's

    services.confirm_signer(signature, make_user("coordinator"))

    assert db.session.get(Signature, signature.id).status == "valid"
    assert db.session.get(SignatureRequest, signature_request.id).status == "signed"
    assert accepted == [signature.id]


def test_trusted_cas_come_from_a_pem_bundle_once_each(italian, authority, stranger_authority, mario):
    added = services.add_trust_anchors(authority.pem + stranger_authority.pem)
    again = services.add_trust_anchors(authority.pem)

    assert (added, again) == ((2, 0), (0, 1))
    assert len(services.active_anchors()) == 2
    with pytest.raises(ValueError):
        services.add_trust_anchors(mario.certificate.public_bytes(Encoding.PEM))
    assert len(db.session.scalars(select(TrustAnchor)).all()) == 2


def test_a_disabled_ca_no_longer_makes_signatures_valid(italian, authority, mario):
    trust(authority)
    db.session.scalar(select(TrustAnchor)).is_active = False
    db.session.commit()
    _document, signature_request, party, pdf = document_for_party()

    signature = services.sign_with_file(signature_request, partner_user(party),
                                        upload(pki.sign_pades(pdf, mario), "firmato.pdf"))

    assert signature.status == "unverified"


def test_after_five_wrong_passwords_fes_pauses_even_with_the_right_one(italian):
    _document, signature_request, party, _pdf = document_for_party()
    signer = partner_user(party)
    for _try in range(services.FES_MAX_BAD_PASSWORDS):
        with pytest.raises(services.SigningRefused):
            services.sign_fes(signature_request, signer, "guess", True, BROWSER)

    with pytest.raises(services.SigningRefused) as refused:
        services.sign_fes(signature_request, signer, PASSWORD, True, BROWSER)

    assert refused.value.code == "throttled"
    assert [a.reason_code for a in attempts(signature_request)] == ["bad_password"] * 5 + ["throttled"]
