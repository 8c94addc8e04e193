"""A certificate authority made in the test, Italian signer certificates, and REAL signed files (pyHanko).

Nothing here is mocked: the files are signed PAdES PDFs and CAdES .p7m built the way a signing tool does,
so the module's checks run against the same bytes a social partner would upload.
"""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

NOW = datetime.now(UTC)


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())  # fast to make, as accepted as RSA


def _usage(**on) -> x509.KeyUsage:
    names = ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
             "key_agreement", "key_cert_sign", "crl_sign", "encipher_only", "decipher_only")
    return x509.KeyUsage(**{name: on.get(name, False) for name in names})


@dataclass
class Authority:
    name: x509.Name
    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate

    @property
    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    @property
    def der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)


@dataclass
class SignerIdentity:
    authority: Authority
    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate


def make_authority(common_name: str = "Distretto Test CA") -> Authority:
    key = _key()
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "IT"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Prova Firme S.p.A."),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(NOW - timedelta(days=3650)).not_valid_after(NOW + timedelta(days=3650))
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .add_extension(_usage(key_cert_sign=True, crl_sign=True), critical=True)
                   .sign(key, hashes.SHA256()))
    return Authority(name, key, certificate)


def make_signer(authority: Authority, given: str = "Mario", surname: str = "Rossi",
                fiscal_code: str = "RSSMRA80A01G113X", not_before: datetime | None = None,
                not_after: datetime | None = None) -> SignerIdentity:
    """An Italian signature certificate: the codice fiscale in serialNumber as "TINIT-…"."""
    key = _key()
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "IT"),
                      x509.NameAttribute(NameOID.GIVEN_NAME, given), x509.NameAttribute(NameOID.SURNAME, surname),
                      x509.NameAttribute(NameOID.SERIAL_NUMBER, f"TINIT-{fiscal_code}"),
                      x509.NameAttribute(NameOID.COMMON_NAME, f"{given} {surname}")])
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(authority.name)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(not_before or NOW - timedelta(days=30))
                   .not_valid_after(not_after or NOW + timedelta(days=700))
                   .add_extension(_usage(digital_signature=True, content_commitment=True), critical=True)
                   .sign(authority.key, hashes.SHA256()))
    return SignerIdentity(authority, key, certificate)


def _pyhanko_signer(identity: SignerIdentity):
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    def asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))

    key = asn1_keys.PrivateKeyInfo.load(identity.key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return signers.SimpleSigner(signing_cert=asn1(identity.certificate), signing_key=key,
                                cert_registry=SimpleCertificateStore.from_certs([asn1(identity.authority.certificate)]))


def sign_pades(pdf: bytes, identity: SignerIdentity) -> bytes:
    """`pdf` with a PAdES signature added as an incremental update (the original bytes stay a prefix)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.signers.pdf_signer import PdfSignatureMetadata

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    metadata = PdfSignatureMetadata(field_name="FirmaDistretto", subfilter=None)
    return signers.sign_pdf(writer, metadata, signer=_pyhanko_signer(identity)).getvalue()


def sign_cades(content: bytes, identity: SignerIdentity, signing_time: datetime | None = None) -> bytes:
    """A CAdES .p7m (DER) enveloping `content`, with the signing time among the signed attributes."""
    from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes

    attributes = PdfCMSSignedAttributes(signing_time=signing_time or datetime.now(UTC))
    info = asyncio.run(_pyhanko_signer(identity).async_sign_general_data(
        content, "sha256", detached=False, use_cades=True, signed_attr_settings=attributes))
    return info.dump()


def simple_pdf(title: str) -> bytes:
    """A small valid one-page PDF whose /Info title is `title` (different titles, different documents)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.writer import PdfFileWriter

    writer = PdfFileWriter()
    writer.insert_page(generic.DictionaryObject({
        generic.pdf_name("/Type"): generic.pdf_name("/Page"),
        generic.pdf_name("/MediaBox"): generic.ArrayObject([generic.NumberObject(n) for n in (0, 0, 595, 842)]),
    }))
    writer.set_info(generic.DictionaryObject({generic.pdf_name("/Title"): generic.TextStringObject(title)}))
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def tamper(data: bytes, old: bytes, new: bytes) -> bytes:
    """Change signed bytes without breaking the file's structure (same length)."""
    assert len(old) == len(new) and old in data
    return data.replace(old, new, 1)
