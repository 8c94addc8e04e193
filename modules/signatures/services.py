"""Signing: documents stored once, requests naming who may sign, FES and digitally signed uploads.

Every try to sign — accepted or refused, and why — is a `SigningAttempt` row (audited like every model
here); a refusal is committed on its own, after the failed work is rolled back, so it is never lost.
A valid signature sends `signature_accepted`, which owner modules (agreements, contracts) listen to.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NoReturn

from blinker import Namespace
from flask import has_request_context, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from app.documents import pdf_sha256
from app.extensions import db
from app.models import User
from app.security import has_permission
from app.security.passwords import verify_password
from app.settings import get_setting
from app.uploads import Kind, absolute_path, attach, register_kind, register_owner, register_use, save_upload

from . import verify
from .models import (
    PERMISSION_SIGN,
    SignableDocument,
    Signature,
    SignatureRequest,
    SigningAttempt,
    TrustAnchor,
)

PERMISSION_CONFIRM = "signatures.confirm"
PERMISSION_TRUST = "signatures.manage_trust"
DOCUMENT_USE = "signatures.document"
SIGNED_FILE_USE = "signatures.signed_file"
MB = 1024 * 1024
SIGNED_FILE_MAX_BYTES = 30 * MB

signals = Namespace()
signature_accepted = signals.signal("signatures-signature-accepted")

# A .p7m has no magic number: DER sniffs as "unknown", Base64 as "text"; verify.load_cms checks it for real.
register_kind(Kind("p7m", "P7M", "application/pkcs7-mime", (".p7m",), frozenset({"unknown", "text"})))
register_use(DOCUMENT_USE, {"pdf"}, max_bytes=20 * MB)
register_use(SIGNED_FILE_USE, {"pdf", "p7m"}, max_bytes=SIGNED_FILE_MAX_BYTES)
register_owner(SignableDocument)
register_owner(Signature)


FES_MAX_BAD_PASSWORDS = 5  # wrong passwords in FES_BAD_PASSWORD_WINDOW before FES pauses for the user
FES_BAD_PASSWORD_WINDOW = timedelta(minutes=15)


class SigningRefused(Exception):
    """The signature was not accepted; the message is translated and shown to the user, `code` is for programs
    (and auditors' filters): not_allowed, closed, fes_disabled, no_declaration, bad_password, throttled,
    altered_storage, too_large, not_signed_file."""

    def __init__(self, message: str, code: str = "refused"):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Client:
    """Where a signature came from (stored with it)."""

    ip_address: str | None = None
    user_agent: str | None = None

    @classmethod
    def from_request(cls) -> Client:
        if not has_request_context():
            return cls()
        return cls(request.remote_addr, (request.user_agent.string or "")[:300] or None)


# Documents and requests ------------------------------------------------------------------------------------
def create_document(owner, title: str, data: bytes, filename: str, user: User | None = None) -> SignableDocument:
    """Store `data` (a PDF) once as the document `owner` asks parties to sign; flushed, not committed."""
    upload = save_upload(DOCUMENT_USE, io.BytesIO(data), filename=filename, user=user)
    document = SignableDocument(owner_model=type(owner).__name__, owner_id=owner.id, title=title[:300],
                                sha256=pdf_sha256(data), upload_id=upload.id, created_by_id=getattr(user, "id", None))
    db.session.add(document)
    db.session.flush()
    attach(upload, document)  # served by /files/<id> to whoever may read the document
    db.session.flush()
    return document


def documents_of(owner) -> list[SignableDocument]:
    stmt = select(SignableDocument).where(SignableDocument.owner_model == type(owner).__name__,
                                          SignableDocument.owner_id == owner.id)
    return list(db.session.scalars(stmt.order_by(SignableDocument.id)))


def document_bytes(document: SignableDocument) -> bytes:
    """The stored bytes, refused if they no longer match the SHA-256 recorded when they were stored."""
    data = absolute_path(document.upload).read_bytes()
    if pdf_sha256(data) != document.sha256:
        raise SigningRefused(_("The stored document no longer matches its SHA-256: signing is blocked. "
                               "Tell the district's administrators."), "altered_storage")
    return data


def request_signature(document: SignableDocument, organisation_id: int, signatory_id: int | None = None,
                      permission: str = PERMISSION_SIGN) -> SignatureRequest:
    """Ask `organisation_id` to sign `document` (its `signatory_id`, or its users holding `permission`)."""
    signature_request = SignatureRequest(document=document, organisation_id=organisation_id,
                                         signatory_id=signatory_id, permission=permission, status="pending")
    db.session.add(signature_request)
    db.session.flush()
    return signature_request


def withdraw_requests(document: SignableDocument) -> int:
    """Close the document's pending requests (e.g. a newer version replaces it); signatures stay as history."""
    closed = 0
    for pending in document.requests:
        if pending.status == "pending":
            pending.status, pending.closed_at = "withdrawn", datetime.now(UTC)
            closed += 1
    db.session.flush()
    return closed


# Who may sign ----------------------------------------------------------------------------------------------
def check_may_sign(user: User, signature_request: SignatureRequest) -> None:
    """Raise SigningRefused unless `user` may sign `signature_request` now: the request is open and the user is
    its designated signatory, or a user of its organisation holding its permission."""
    if signature_request.status != "pending":
        raise SigningRefused(_("This document has already been signed for this organisation.")
                             if signature_request.status == "signed"
                             else _("This signature request is no longer open."), "closed")
    designated = signature_request.signatory_id is not None and signature_request.signatory_id == user.id
    member = (user.organisation_id == signature_request.organisation_id
              and has_permission(user, signature_request.permission))
    if not (designated or member):
        raise SigningRefused(_("You may not sign this document for %(organisation)s.",
                               organisation=signature_request.organisation), "not_allowed")


def refusal_for(user: User, signature_request: SignatureRequest) -> str | None:
    """Why `user` may not sign `signature_request` now, or None."""
    try:
        check_may_sign(user, signature_request)
    except SigningRefused as exc:
        return str(exc)
    return None


def may_sign(user: User, signature_request: SignatureRequest) -> bool:
    return refusal_for(user, signature_request) is None


def requests_to_sign(user: User, limit: int = 50) -> list[SignatureRequest]:
    """Pending requests `user` may sign: as designated signatory, or for the user's organisation."""
    who = [SignatureRequest.signatory_id == user.id]
    if user.organisation_id is not None:
        who.append(SignatureRequest.organisation_id == user.organisation_id)
    stmt = (select(SignatureRequest).where(SignatureRequest.status == "pending", or_(*who))
            .order_by(SignatureRequest.created_at.desc(), SignatureRequest.id.desc()).limit(limit))
    return [found for found in db.session.scalars(stmt) if may_sign(user, found)]


def sign_url(signature_request: SignatureRequest, next_url: str | None = None) -> str:
    return url_for("signatures_desk.sign", request_id=signature_request.id, next=next_url)


# Signing ---------------------------------------------------------------------------------------------------
def _locked(signature_request: SignatureRequest) -> SignatureRequest:
    """Re-read the request FOR UPDATE (PostgreSQL): two colleagues signing at once sign it once."""
    stmt = select(SignatureRequest).where(SignatureRequest.id == signature_request.id).with_for_update()
    return db.session.scalars(stmt.execution_options(populate_existing=True)).one()  # fetched: refreshed


def _attempt(signature_request: SignatureRequest, user: User, method: str, outcome: str, client: Client,
             reason: str | None = None, signature: Signature | None = None, code: str | None = None
             ) -> SigningAttempt:
    attempt = SigningAttempt(request_id=signature_request.id, organisation_id=signature_request.organisation_id,
                             user_id=user.id, method=method, outcome=outcome, reason=reason, reason_code=code,
                             signature_id=signature.id if signature else None, ip_address=client.ip_address,
                             user_agent=client.user_agent, at=datetime.now(UTC))
    db.session.add(attempt)
    return attempt


def _refuse(signature_request: SignatureRequest, user: User, method: str, refusal: SigningRefused,
            client: Client) -> NoReturn:
    """Undo the failed work, keep the refusal (committed), and tell the caller why."""
    request_id, user_id = signature_request.id, user.id
    db.session.rollback()
    _attempt(db.session.get(SignatureRequest, request_id), db.session.get(User, user_id), method, "refused",
             client, str(refusal), code=refusal.code)
    db.session.commit()
    raise refusal


def _recent_bad_passwords(user: User) -> int:
    since = datetime.now(UTC) - FES_BAD_PASSWORD_WINDOW
    stmt = select(func.count()).select_from(SigningAttempt).where(
        SigningAttempt.user_id == user.id, SigningAttempt.reason_code == "bad_password", SigningAttempt.at >= since)
    return db.session.scalar(stmt) or 0


def _check_fes(signature_request: SignatureRequest, user: User, password: str, declared: bool) -> None:
    if not get_setting("signatures.fes_enabled"):
        raise SigningRefused(_("Simple electronic signatures are not accepted: upload a digitally signed file."),
                             "fes_disabled")
    check_may_sign(user, signature_request)
    if not declared:
        raise SigningRefused(_("Tick the declaration to sign."), "no_declaration")
    if _recent_bad_passwords(user) >= FES_MAX_BAD_PASSWORDS:  # the form must not become a password oracle
        raise SigningRefused(_("Too many wrong passwords: try again in %(n)d minutes.",
                               n=FES_BAD_PASSWORD_WINDOW.seconds // 60), "throttled")
    if not verify_password(user.password_hash, password or ""):
        raise SigningRefused(_("The password is not correct."), "bad_password")


def _accept(signature: Signature, signature_request: SignatureRequest) -> None:
    signature_request.status, signature_request.closed_at = "signed", datetime.now(UTC)


def sign_fes(signature_request: SignatureRequest, user: User, password: str, declared: bool,
             client: Client | None = None) -> Signature:
    """Simple electronic signature: the signatory re-enters the password and ticks the declaration."""
    client = client or Client.from_request()
    _locked(signature_request)
    document = signature_request.document
    try:
        _check_fes(signature_request, user, password, declared)
        data = document_bytes(document)
    except SigningRefused as exc:
        _refuse(signature_request, user, "fes", exc, client)
    signature = Signature(request=signature_request, document_id=document.id, method="fes", status="valid",
                          organisation_id=signature_request.organisation_id, user_id=user.id,
                          document_sha256=pdf_sha256(data), signed_at=datetime.now(UTC),
                          signer_name=user.full_name or user.email, ip_address=client.ip_address,
                          user_agent=client.user_agent)
    return _record(signature, signature_request, user, client)


def _record(signature: Signature, signature_request: SignatureRequest, user: User, client: Client) -> Signature:
    db.session.add(signature)
    if signature.is_valid:
        _accept(signature, signature_request)
    db.session.flush()
    outcome = {"valid": "signed", "unverified": "held"}.get(signature.status, "refused")
    _attempt(signature_request, user, signature.method, outcome, client, signature.reason, signature,
             signature.reason_code)
    db.session.commit()
    if signature.is_valid:
        signature_accepted.send(SignableDocument, signature=signature)
    return signature


def read_limited(file, limit: int = SIGNED_FILE_MAX_BYTES) -> bytes:
    stream = getattr(file, "stream", file)
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise SigningRefused(_("The file is larger than %(n)d MB.", n=limit // MB), "too_large")
    return data


def sign_with_file(signature_request: SignatureRequest, user: User, file, filename: str | None = None,
                   client: Client | None = None) -> Signature:
    """Check an uploaded PAdES PDF or CAdES .p7m and record the result (valid, unverified or invalid).

    Raises SigningRefused when the user may not sign or the file is not a signed file at all; an
    invalid signature is stored with its reason and returned."""
    client = client or Client.from_request()
    _locked(signature_request)
    try:
        check_may_sign(user, signature_request)
        data = read_limited(file)
        document = signature_request.document
        result = verify.verify_signed_file(data, document_bytes(document), active_anchors(), datetime.now(UTC),
                                           document.created_at)
    except verify.NotASignedFile as exc:
        _refuse(signature_request, user, _method_of(file), SigningRefused(str(exc), "not_signed_file"), client)
    except SigningRefused as exc:
        _refuse(signature_request, user, _method_of(file), exc, client)
    name = filename or getattr(file, "filename", None) or f"firmato.{'pdf' if result.method == 'pades' else 'p7m'}"
    upload = save_upload(SIGNED_FILE_USE, io.BytesIO(data), filename=name, user=user)
    signature = _signature_from(result, signature_request, user, client, upload.id)
    signature = _record(signature, signature_request, user, client)
    attach(upload, signature)
    db.session.commit()
    return signature


def _method_of(file) -> str:
    name = (getattr(file, "filename", None) or "").lower()
    return "cades" if name.endswith(".p7m") else "pades"


def _signature_from(result: verify.Verification, signature_request: SignatureRequest, user: User,
                    client: Client, upload_id: int) -> Signature:
    return Signature(
        request=signature_request, document_id=signature_request.document_id, method=result.method,
        status=result.status, reason=result.reason, reason_code=result.code,
        organisation_id=signature_request.organisation_id, user_id=user.id,
        document_sha256=signature_request.document.sha256, signed_at=datetime.now(UTC),
        ip_address=client.ip_address, user_agent=client.user_agent, signed_file_id=upload_id,
        signer_name=result.signer_name, signer_fiscal_code=result.fiscal_code,
        certificate_subject=result.subject, certificate_issuer=result.issuer,
        certificate_serial=result.serial, certificate_valid_from=result.valid_from,
        certificate_valid_until=result.valid_until, signing_time=result.signing_time)


def confirm_signer(signature: Signature, user: User) -> Signature:
    """A coordinator who checked the signer of an intact signature from an unknown CA makes it count."""
    if not has_permission(user, PERMISSION_CONFIRM):
        raise SigningRefused(_("You may not confirm signers."))
    if signature.status != "unverified":
        raise SigningRefused(_("Only an intact signature whose signer is not verified can be confirmed."))
    signature_request = _locked(signature.request)
    if signature_request.status != "pending":
        raise SigningRefused(_("This signature request is no longer open."))
    signature.status, signature.confirmed_by_id, signature.confirmed_at = "valid", user.id, datetime.now(UTC)
    signature.reason = _("Signer confirmed by %(name)s.", name=user.full_name or user.email)
    _accept(signature, signature_request)
    _attempt(signature_request, user, signature.method, "signed", Client.from_request(), signature.reason,
             signature)
    db.session.commit()
    signature_accepted.send(SignableDocument, signature=signature)
    return signature


# Reading ---------------------------------------------------------------------------------------------------
def valid_signatures(document: SignableDocument) -> list[Signature]:
    stmt = select(Signature).where(Signature.document_id == document.id, Signature.status == "valid")
    return list(db.session.scalars(stmt.order_by(Signature.signed_at)))


def signatures_of(documents: Iterable[SignableDocument]) -> list[Signature]:
    ids = [document.id for document in documents]
    if not ids:
        return []
    stmt = select(Signature).where(Signature.document_id.in_(ids)).order_by(Signature.signed_at, Signature.id)
    return list(db.session.scalars(stmt))


def attempts_on(documents: Iterable[SignableDocument]) -> list[SigningAttempt]:
    ids = [document.id for document in documents]
    if not ids:
        return []
    stmt = (select(SigningAttempt).join(SignatureRequest, SignatureRequest.id == SigningAttempt.request_id)
            .where(SignatureRequest.document_id.in_(ids)).order_by(SigningAttempt.id))
    return list(db.session.scalars(stmt))


# Trusted certificate authorities ---------------------------------------------------------------------------
def active_anchors() -> list:
    rows = db.session.scalars(select(TrustAnchor.pem).where(TrustAnchor.is_active.is_(True)))
    return [certificate for pem in rows for certificate in verify.load_certificates(pem.encode("ascii"))]


def _pem(certificate) -> str:
    import base64

    body = base64.encodebytes(certificate.dump()).decode("ascii").replace("\n", "")
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return "-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n"


def add_trust_anchors(data: bytes, user: User | None = None) -> tuple[int, int]:
    """Add every CA certificate of a PEM bundle (or one DER certificate); returns (added, already there).

    Raises ValueError (translated) when the file holds no certificate or a certificate is not a CA."""
    certificates = verify.load_certificates(data)
    not_ca = [c.subject.human_friendly for c in certificates if not c.ca]
    if not_ca:
        raise ValueError(_("Not a certificate authority: %(names)s.", names="; ".join(not_ca)[:300]))
    known = set(db.session.scalars(select(TrustAnchor.fingerprint)))
    added = 0
    for certificate in certificates:
        fingerprint = certificate.sha256.hex()
        if fingerprint in known:
            continue
        known.add(fingerprint)
        validity = certificate["tbs_certificate"]["validity"]
        db.session.add(TrustAnchor(subject=certificate.subject.human_friendly[:500], fingerprint=fingerprint,
                                   valid_from=validity["not_before"].native,
                                   valid_until=validity["not_after"].native, pem=_pem(certificate),
                                   is_active=True, added_by_id=getattr(user, "id", None)))
        added += 1
    db.session.commit()
    return added, len(certificates) - added
