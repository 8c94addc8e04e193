"""pyHanko checks of real signed files: PAdES PDFs and CAdES .p7m made with a CA created in the test."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from asn1crypto import x509 as asn1_x509

from modules.signatures.verify import NotASignedFile, load_certificates, verify_signed_file
from tests.modules.signatures import pki

DOCUMENT = pki.simple_pdf("Accordo territoriale welfare aziendale")
OTHER_DOCUMENT = pki.simple_pdf("Contratto di rete del negozio")


def anchors(*authorities) -> list[asn1_x509.Certificate]:
    return [asn1_x509.Certificate.load(a.der) for a in authorities]


def check(signed: bytes, trusted=(), document: bytes = DOCUMENT, **kwargs):
    return verify_signed_file(signed, document, anchors(*trusted), datetime.now(UTC), **kwargs)


def test_a_pades_signature_from_a_trusted_ca_is_valid_with_the_signers_name_and_tax_code(italian, authority,
                                                                                        mario):
    result = check(pki.sign_pades(DOCUMENT, mario), trusted=[authority])

    assert (result.method, result.status, result.reason) == ("pades", "valid", None)
    assert result.signer_name == "Mario Rossi"
    assert result.fiscal_code == "RSSMRA80A01G113X"  # "TINIT-" stripped from the serialNumber
    assert "Distretto Test CA" in result.issuer
    assert result.valid_from < result.signing_time < result.valid_until


def test_a_cades_p7m_enveloping_this_document_is_valid(italian, authority, mario):
    result = check(pki.sign_cades(DOCUMENT, mario), trusted=[authority])

    assert (result.method, result.status, result.fiscal_code) == ("cades", "valid", "RSSMRA80A01G113X")


def test_a_base64_p7m_is_read_as_well(italian, authority, mario):
    armoured = base64.encodebytes(pki.sign_cades(DOCUMENT, mario))

    assert check(armoured, trusted=[authority]).status == "valid"


def test_a_valid_signature_from_an_unknown_ca_is_intact_but_its_signer_not_verified(italian, authority, mario,
                                                                                   stranger_authority):
    result = check(pki.sign_pades(DOCUMENT, mario), trusted=[stranger_authority])

    assert (result.status, result.code) == ("unverified", "untrusted")
    assert "Distretto Test CA" in result.reason


def test_a_pdf_signed_for_another_document_is_refused(italian, authority, mario):
    result = check(pki.sign_pades(OTHER_DOCUMENT, mario), trusted=[authority])

    assert (result.status, result.code) == ("invalid", "other_document")
    assert "SHA-256" in result.reason


def test_a_p7m_enveloping_another_document_is_refused(italian, authority, mario):
    result = check(pki.sign_cades(OTHER_DOCUMENT, mario), trusted=[authority])

    assert (result.status, result.code) == ("invalid", "other_document")


def test_a_tampered_signed_pdf_is_refused(italian, authority, mario):
    signed = pki.sign_pades(DOCUMENT, mario)
    tampered = pki.tamper(signed, b"welfare aziendale", b"welfare aziendaXe")

    result = check(tampered, trusted=[authority], document=pki.tamper(DOCUMENT, b"aziendale", b"aziendaXe"))

    assert (result.status, result.code) == ("invalid", "altered")


def test_a_tampered_p7m_is_refused(italian, authority, mario):
    tampered = pki.tamper(pki.sign_cades(DOCUMENT, mario), b"welfare aziendale", b"welfare aziendaXe")

    result = check(tampered, trusted=[authority])

    assert (result.status, result.code) == ("invalid", "altered")


def test_a_signature_made_with_an_expired_certificate_is_refused(italian, authority):
    expired = pki.make_signer(authority, not_before=pki.NOW - timedelta(days=800),
                              not_after=pki.NOW - timedelta(days=70))

    for signed in (pki.sign_pades(DOCUMENT, expired), pki.sign_cades(DOCUMENT, expired)):
        result = check(signed, trusted=[authority])
        assert (result.status, result.code) == ("invalid", "not_valid_then")
        assert "non era valido" in result.reason or "was not valid" in result.reason


def test_a_signing_time_before_the_document_existed_is_refused(italian, authority, mario):
    backdated = pki.sign_cades(DOCUMENT, mario, signing_time=pki.NOW - timedelta(days=10))

    result = check(backdated, trusted=[authority], document_created_at=pki.NOW - timedelta(days=1))

    assert (result.status, result.code) == ("invalid", "backdated")


def test_a_pdf_without_signatures_is_not_a_signed_file(italian):
    with pytest.raises(NotASignedFile):
        check(DOCUMENT)


def test_random_bytes_are_not_a_signed_file(italian):
    with pytest.raises(NotASignedFile):
        check(b"\x00\x01 not a p7m at all")


def test_a_pem_bundle_gives_every_certificate(italian, authority, stranger_authority):
    bundle = authority.pem + b"\n" + stranger_authority.pem

    subjects = [c.subject.native["common_name"] for c in load_certificates(bundle)]

    assert subjects == ["Distretto Test CA", "Autorità sconosciuta"]
    assert len(load_certificates(authority.der)) == 1
    with pytest.raises(ValueError):
        load_certificates(b"-----BEGIN CERTIFICATE-----\nbm9wZQ==\n-----END CERTIFICATE-----\n")
