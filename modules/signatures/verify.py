"""Checking an uploaded digitally signed file with pyHanko: PAdES (a signed PDF) or CAdES (a .p7m).

Four questions, answered in this order, the first "no" giving the reason:
1. integrity — the signature matches the signed bytes (nothing was altered after signing);
2. this document — PAdES: the stored PDF is a byte-prefix of the signed revision (the signer added an
   incremental update to exactly our bytes); CAdES: the enveloped content equals the stored PDF;
3. the signer's certificate was valid (not before/after its validity period) at signing time;
4. trust — the certificate chains up to one of the district's trusted CAs; a signature that passes
   1–3 but not this one is kept as "intact, signer not verified".
No network is used: no certificate or revocation data is fetched.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import io
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from flask_babel import format_datetime
from flask_babel import gettext as _

from app.documents import pdf_sha256

log = logging.getLogger("distretto.signatures")
CLOCK_TOLERANCE = timedelta(minutes=10)  # signers' clocks drift; a signing time this much "early" is fine
_FISCAL_CODE_PREFIXES = re.compile(r"^(TINIT-|IT:)", re.IGNORECASE)
_PEM = re.compile(rb"-----BEGIN [A-Z0-9 ]+-----(.*?)-----END [A-Z0-9 ]+-----", re.DOTALL)


REASON_CODES = ("altered", "other_document", "not_valid_then", "backdated", "revoked", "unreadable", "untrusted",
                "modified")


class NotASignedFile(ValueError):
    """The bytes are neither a signed PDF nor a CMS SignedData; the message is translated."""


@dataclass
class Verification:
    """The outcome of one check, with the signer's identity as read from the certificate."""

    method: str  # "pades" | "cades"
    status: str  # "valid" | "unverified" | "invalid"
    reason: str | None = None
    code: str | None = None  # why, for programs: one of REASON_CODES
    signer_name: str | None = None
    fiscal_code: str | None = None
    subject: str | None = None
    issuer: str | None = None
    serial: str | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    signing_time: datetime | None = None

    def refuse(self, code: str, reason: str) -> Verification:
        self.status, self.code, self.reason = "invalid", code, reason
        return self


def detect_method(data: bytes) -> str:
    """"pades" for a PDF, "cades" for anything that parses as CMS SignedData; else NotASignedFile."""
    if data.lstrip()[:5] == b"%PDF-":
        return "pades"
    load_cms(data)
    return "cades"


def verify_signed_file(data: bytes, document: bytes, anchors: Sequence[asn1_x509.Certificate],
                       received_at: datetime, document_created_at: datetime | None = None) -> Verification:
    """Check `data` (a signed PDF or .p7m) against the stored `document`; raises NotASignedFile."""
    check = _verify_pades if detect_method(data) == "pades" else _verify_cades
    return check(data, document, list(anchors), received_at, document_created_at)


# Certificates ----------------------------------------------------------------------------------------------
def load_certificates(data: bytes) -> list[asn1_x509.Certificate]:
    """Every certificate in a PEM bundle, or the one DER certificate; ValueError when there is none."""
    blocks = [base64.b64decode(b"".join(m.group(1).split())) for m in _PEM.finditer(data)
              if b"CERTIFICATE" in m.group(0)[:40]]
    try:
        certificates = [asn1_x509.Certificate.load(der) for der in (blocks or [data])]
        for certificate in certificates:
            certificate.native  # noqa: B018 - parse it all now, not later on first use
    except (ValueError, TypeError, binascii.Error) as exc:
        raise ValueError(_("The file is not a certificate or a PEM bundle of certificates.")) from exc
    return certificates


def _as_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _identity(result: Verification, certificate: asn1_x509.Certificate) -> None:
    subject = certificate.subject.native
    given, surname = subject.get("given_name"), subject.get("surname")
    result.signer_name = f"{given} {surname}" if given and surname else subject.get("common_name")
    serial_attr = subject.get("serial_number")
    result.fiscal_code = _FISCAL_CODE_PREFIXES.sub("", serial_attr).upper() if serial_attr else None
    result.subject = certificate.subject.human_friendly
    result.issuer = certificate.issuer.human_friendly
    result.serial = format(certificate.serial_number, "x")
    validity = certificate["tbs_certificate"]["validity"]
    result.valid_from = _as_utc(validity["not_before"].native)
    result.valid_until = _as_utc(validity["not_after"].native)


def _when(value: datetime) -> str:
    return format_datetime(value, "short")


def _validity_refusal(result: Verification, created_at: datetime | None) -> tuple[str | None, str | None]:
    moment = result.signing_time
    if result.valid_from and moment < result.valid_from or result.valid_until and moment > result.valid_until:
        return "not_valid_then", _(
            "The signer's certificate was not valid when the file was signed (valid from %(start)s to %(end)s, "
            "signed on %(when)s).", start=_when(result.valid_from), end=_when(result.valid_until), when=_when(moment))
    if created_at is not None and moment < _as_utc(created_at) - CLOCK_TOLERANCE:
        return "backdated", _(
            "The signing time declared in the file (%(when)s) is earlier than the document itself.", when=_when(moment))
    return None, None


def _validation_context(anchors: list, moment: datetime):
    from pyhanko_certvalidator import ValidationContext

    # An explicit (possibly empty) list: never the operating system's trust store.
    return ValidationContext(trust_roots=anchors, allow_fetching=False, revocation_mode="soft-fail",
                             moment=moment)


def _conclude(result: Verification, status, other_document: str | None,
              created_at: datetime | None) -> Verification:
    """Integrity, this document, validity at signing time and trust, in that order."""
    if not (status.intact and status.valid):
        return result.refuse("altered", _("The file was altered after it was signed: the signature does not "
                                          "match its content."))
    if other_document:
        return result.refuse("other_document", other_document)
    code, refusal = _validity_refusal(result, created_at)
    if refusal:
        return result.refuse(code, refusal)
    if status.trusted:
        result.status = "valid"
        return result
    indication = getattr(status.trust_problem_indic, "name", "")
    if indication in ("REVOKED", "REVOKED_NO_POE", "REVOKED_CA_NO_POE"):
        return result.refuse("revoked", _("The signer's certificate has been revoked."))
    result.status, result.code = "unverified", "untrusted"
    result.reason = _("The signature is intact, but its certificate authority is not among those the district "
                      "trusts (%(issuer)s).", issuer=result.issuer)
    return result


def _signing_time(reported: datetime | None, received_at: datetime) -> datetime:
    # Without a declared time the file is judged at the moment it reached us.
    return _as_utc(reported) or _as_utc(received_at)


# PAdES ---------------------------------------------------------------------------------------------------
def _pdf_signatures(data: bytes) -> list:
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        signatures = PdfFileReader(io.BytesIO(data), strict=False).embedded_regular_signatures
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise NotASignedFile(_("The PDF cannot be read: %(error)s", error=str(exc)[:200])) from exc
    if not signatures:
        raise NotASignedFile(_("The PDF carries no digital signature."))
    return signatures


def _covers_document(embedded, data: bytes, document: bytes) -> bool:
    """The stored PDF lies entirely in the first signed byte range and the file starts with it."""
    first_range_end = int(embedded.byte_range[1])
    return len(document) <= first_range_end and data.startswith(document)


def _verify_pades(data: bytes, document: bytes, anchors: list, received_at: datetime,
                  created_at: datetime | None) -> Verification:
    from pyhanko.sign.validation import validate_pdf_signature

    embedded = _pdf_signatures(data)[-1]  # the newest signature: the one this party added
    result = Verification("pades", "invalid")
    try:
        _identity(result, embedded.signer_cert)
        result.signing_time = _signing_time(embedded.self_reported_timestamp, received_at)
        status = validate_pdf_signature(embedded, _validation_context(anchors, result.signing_time))
    except (ValueError, KeyError, TypeError) as exc:  # pyHanko's errors are ValueErrors
        log.info("PAdES signature not readable: %s", exc)
        return result.refuse("unreadable", _("The signature cannot be checked: %(error)s", error=str(exc)[:200]))
    if status.intact and status.valid and status.docmdp_ok is False:
        return result.refuse("modified", _("The PDF was changed after it was signed in a way the signature "
                                           "does not allow."))
    other = None if _covers_document(embedded, data, document) else _(
        "The signed file is not this document: its signed content does not start with the stored PDF "
        "(SHA-256 %(sha)s).", sha=pdf_sha256(document))
    return _conclude(result, status, other, created_at)


# CAdES ---------------------------------------------------------------------------------------------------
def load_cms(data: bytes) -> cms.SignedData:
    """The SignedData of a .p7m, DER or Base64 (with or without PEM armour); else NotASignedFile."""
    for candidate in (data, _unarmoured(data)):
        if not candidate:
            continue
        try:
            info = cms.ContentInfo.load(candidate)
            if info["content_type"].native == "signed_data":
                signed = info["content"]
                signed.native  # noqa: B018 - parse it all now
                return signed
        except (ValueError, TypeError, KeyError):
            continue
    raise NotASignedFile(_("The file is neither a signed PDF (PAdES) nor a signed .p7m file (CAdES)."))


def _unarmoured(data: bytes) -> bytes | None:
    match = _PEM.search(data)
    text = match.group(1) if match else data
    try:
        return base64.b64decode(b"".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        return None


def _enveloped(signed: cms.SignedData) -> bytes:
    content = signed["encap_content_info"]["content"]
    if content.native is None:
        raise NotASignedFile(_("The .p7m file does not contain the document (it is a detached signature)."))
    return bytes(content)


def _verify_cades(data: bytes, document: bytes, anchors: list, received_at: datetime,
                  created_at: datetime | None) -> Verification:
    from pyhanko.sign.validation import async_validate_cms_signature
    from pyhanko.sign.validation.generic_cms import extract_certs_for_validation, extract_self_reported_ts
    from pyhanko.sign.validation.status import StandardCMSSignatureStatus

    signed = load_cms(data)
    enveloped = _enveloped(signed)
    result = Verification("cades", "invalid")
    try:
        _identity(result, extract_certs_for_validation(signed).signer_cert)
        signer_info = signed["signer_infos"][0]
        result.signing_time = _signing_time(extract_self_reported_ts(signer_info), received_at)
        context = _validation_context(anchors, result.signing_time)
        status = asyncio.run(async_validate_cms_signature(signed, status_cls=StandardCMSSignatureStatus,
                                                          validation_context=context))
    except (ValueError, KeyError, TypeError, IndexError) as exc:  # pyHanko's errors are ValueErrors
        log.info("CAdES signature not readable: %s", exc)
        return result.refuse("unreadable", _("The signature cannot be checked: %(error)s", error=str(exc)[:200]))
    other = None if enveloped == document else _(
        "The signed file is not this document: the content of the .p7m differs from the stored PDF "
        "(SHA-256 %(sha)s).", sha=pdf_sha256(document))
    return _conclude(result, status, other, created_at)
