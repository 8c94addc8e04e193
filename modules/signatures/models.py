"""Signable documents, signature requests, signatures, every signing attempt, trusted certificate authorities."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.audit import Audited
from app.extensions import db
from app.models import Organisation, User
from app.uploads import Upload

PERMISSION_SIGN = "signatures.sign"

REQUEST_STATUSES = {"pending": _l("To be signed"), "signed": _l("Signed"), "withdrawn": _l("Withdrawn")}
SIGNATURE_STATUSES = {
    "valid": _l("Valid"),
    "unverified": _l("Intact, signer not verified"),
    "invalid": _l("Invalid"),
}
METHODS = {
    "fes": _l("Simple electronic signature (FES)"),
    "pades": _l("Digital signature PAdES (PDF)"),
    "cades": _l("Digital signature CAdES (.p7m)"),
}
OUTCOMES = {"signed": _l("Signed"), "refused": _l("Refused")}


class SignableDocument(Audited, db.Model):
    """A stored PDF that parties sign. Its bytes are never rendered again: the SHA-256 is what is signed.

    The owner is a record of another module, referred to by model name and id (like an upload's owner).
    """

    __tablename__ = "signatures_documents"
    __table_args__ = (Index("ix_signatures_documents_owner", "owner_model", "owner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_model: Mapped[str] = mapped_column(String(80), info={"label": _l("Owner")})
    owner_id: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300), info={"label": _l("Title")})
    upload_id: Mapped[int] = mapped_column(ForeignKey("base_uploads.id", ondelete="RESTRICT"))
    sha256: Mapped[str] = mapped_column(String(64), index=True, info={"label": _l("SHA-256")})
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("base_users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    upload: Mapped[Upload] = relationship()
    requests: Mapped[list[SignatureRequest]] = relationship(back_populates="document",
                                                            order_by="SignatureRequest.id")

    def __repr__(self) -> str:
        return f"<SignableDocument {self.id} {self.owner_model}:{self.owner_id} {self.sha256[:12]}>"

    def __str__(self) -> str:
        return self.title


class SignatureRequest(Audited, db.Model):
    """Who may sign a document for an organisation: its designated signatory, or any user of the
    organisation holding `permission` (signatures.sign unless the owner module says otherwise)."""

    __tablename__ = "signatures_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("signatures_documents.id", ondelete="CASCADE"),
                                             index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("base_organisations.id", ondelete="RESTRICT"),
                                                 index=True)
    signatory_id: Mapped[int | None] = mapped_column(ForeignKey("base_users.id", ondelete="SET NULL"),
                                                     index=True)
    permission: Mapped[str] = mapped_column(String(80), default=PERMISSION_SIGN)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True,
                                        info={"label": _l("Status")})
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    document: Mapped[SignableDocument] = relationship(back_populates="requests")
    organisation: Mapped[Organisation] = relationship()
    signatory: Mapped[User | None] = relationship()
    signatures: Mapped[list[Signature]] = relationship(back_populates="request", order_by="Signature.id")

    def __repr__(self) -> str:
        return f"<SignatureRequest {self.id} doc={self.document_id} org={self.organisation_id} {self.status}>"

    def __str__(self) -> str:
        return f"{self.document} – {self.organisation}"

    @property
    def status_label(self) -> str:
        return str(REQUEST_STATUSES.get(self.status, self.status))


class Signature(Audited, db.Model):
    """One signature as recorded: FES in the app, or an uploaded signed file with its check's result."""

    __tablename__ = "signatures_signatures"
    __audit_personal__ = frozenset({"ip_address", "user_agent", "signer_fiscal_code"})

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("signatures_requests.id", ondelete="CASCADE"),
                                            index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("signatures_documents.id", ondelete="CASCADE"),
                                             index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("base_organisations.id", ondelete="RESTRICT"),
                                                 index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("base_users.id", ondelete="SET NULL"), index=True)
    method: Mapped[str] = mapped_column(String(10), info={"label": _l("Method")})
    status: Mapped[str] = mapped_column(String(12), info={"label": _l("Result")})
    reason: Mapped[str | None] = mapped_column(Text, info={"label": _l("Reason")})
    reason_code: Mapped[str | None] = mapped_column(String(20))  # verify.REASON_CODES, for programs
    document_sha256: Mapped[str] = mapped_column(String(64), info={"label": _l("SHA-256 of the document")})
    signed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), info={"label": _l("Recorded at")})
    ip_address: Mapped[str | None] = mapped_column(String(45), info={"label": _l("IP address")})
    user_agent: Mapped[str | None] = mapped_column(String(300), info={"label": _l("Browser")})
    signed_file_id: Mapped[int | None] = mapped_column(ForeignKey("base_uploads.id", ondelete="RESTRICT"))
    signer_name: Mapped[str | None] = mapped_column(String(200), info={"label": _l("Signer")})
    signer_fiscal_code: Mapped[str | None] = mapped_column(String(32), info={"label": _l("Signer's tax code")})
    certificate_subject: Mapped[str | None] = mapped_column(Text, info={"label": _l("Certificate subject")})
    certificate_issuer: Mapped[str | None] = mapped_column(Text, info={"label": _l("Certificate issuer")})
    certificate_serial: Mapped[str | None] = mapped_column(String(80))
    certificate_valid_from: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    certificate_valid_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    signing_time: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                          info={"label": _l("Signing time")})
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("base_users.id", ondelete="SET NULL"))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    request: Mapped[SignatureRequest] = relationship(back_populates="signatures")
    document: Mapped[SignableDocument] = relationship()
    organisation: Mapped[Organisation] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    confirmed_by: Mapped[User | None] = relationship(foreign_keys=[confirmed_by_id])
    signed_file: Mapped[Upload | None] = relationship()

    def __repr__(self) -> str:
        return f"<Signature {self.id} req={self.request_id} {self.method} {self.status}>"

    def __str__(self) -> str:
        return f"{self.organisation} – {self.status_label}"

    @property
    def is_valid(self) -> bool:
        return self.status == "valid"

    @property
    def status_label(self) -> str:
        return str(SIGNATURE_STATUSES.get(self.status, self.status))

    @property
    def method_label(self) -> str:
        return str(METHODS.get(self.method, self.method))


class SigningAttempt(Audited, db.Model):
    """Every try to sign, accepted or refused, with who, when, from where and why (append-only)."""

    __tablename__ = "signatures_attempts"
    __audit_personal__ = frozenset({"ip_address", "user_agent"})

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("signatures_requests.id", ondelete="CASCADE"),
                                            index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("base_organisations.id", ondelete="RESTRICT"),
                                                 index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("base_users.id", ondelete="SET NULL"), index=True)
    method: Mapped[str] = mapped_column(String(10), info={"label": _l("Method")})
    outcome: Mapped[str] = mapped_column(String(10), info={"label": _l("Outcome")})
    reason: Mapped[str | None] = mapped_column(Text, info={"label": _l("Reason")})
    reason_code: Mapped[str | None] = mapped_column(String(20))  # SigningRefused.code or verify.REASON_CODES
    signature_id: Mapped[int | None] = mapped_column(ForeignKey("signatures_signatures.id", ondelete="SET NULL"))
    ip_address: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), info={"label": _l("When")})

    request: Mapped[SignatureRequest] = relationship()
    organisation: Mapped[Organisation] = relationship()
    user: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<SigningAttempt {self.id} req={self.request_id} {self.outcome}>"


class TrustAnchor(Audited, db.Model):
    """A certificate authority whose certificates make a digital signature "valid" (not just intact)."""

    __tablename__ = "signatures_trust_anchors"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(500), info={"label": _l("Certificate authority")})
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True, info={"label": _l("SHA-256 fingerprint")})
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True), info={"label": _l("Valid from")})
    valid_until: Mapped[datetime] = mapped_column(DateTime(timezone=True), info={"label": _l("Valid until")})
    pem: Mapped[str] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, info={"label": _l("Active")})
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("base_users.id", ondelete="SET NULL"))
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    def __repr__(self) -> str:
        return f"<TrustAnchor {self.id} {self.fingerprint[:12]}>"

    def __str__(self) -> str:
        return self.subject
