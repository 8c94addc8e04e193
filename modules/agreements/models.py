"""Agreements, their parties, frozen versions, templates and adhesions."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.audit import Audited
from app.extensions import db
from app.models import Organisation, User
from app.workflow import Transition, Workflow, WorkflowMixin
from modules.signatures.models import SignableDocument

from . import text

PERMISSION_MANAGE = "agreements.manage"
PERMISSION_ADHERE = "agreements.request_adhesion"

STATES = {"draft": _l("Draft"), "negotiation": _l("Negotiation"), "open": _l("Open for signature"),
          "in_force": _l("In force"), "expired": _l("Expired"), "terminated": _l("Terminated")}
TYPES = {"territorial": _l("Territorial agreement"), "protocol": _l("Memorandum of understanding"),
         "convention": _l("Convention"), "other": _l("Other")}
ROLES = {"promoter": _l("Promoter"), "signatory": _l("Signatory"), "adherent": _l("Adherent")}
SIGNING_ROLES = ("promoter", "signatory")  # adherents sign their adhesion, not the agreement's versions
ADHESION_STATES = {"requested": _l("Requested"), "accepted": _l("Accepted, to be signed"),
                   "signed": _l("Adhering"), "rejected": _l("Rejected")}


def _all_required_signed(agreement, _user) -> str | None:
    from .services import missing_signatures_refusal

    return missing_signatures_refusal(agreement)


class Agreement(Audited, WorkflowMixin, db.Model):
    """An agreement between organisations; its text is edited here and frozen into versions for signature."""

    __tablename__ = "agreements_agreements"
    __workflow__ = Workflow("state", STATES, [
        Transition("negotiate", ("draft",), "negotiation", _l("Start the negotiation"), permission=PERMISSION_MANAGE),
        Transition("open", ("draft", "negotiation"), "open", _l("Open for signature"), permission=PERMISSION_MANAGE),
        Transition("renegotiate", ("open",), "negotiation", _l("Back to negotiation"), permission=PERMISSION_MANAGE),
        Transition("enter_into_force", ("open",), "in_force", _l("Enter into force"), guard=_all_required_signed),
        Transition("expire", ("in_force",), "expired", _l("Expire")),  # the scheduled job's, past the end date
        Transition("terminate", ("draft", "negotiation", "open", "in_force"), "terminated", _l("Terminate"),
                   permission=PERMISSION_MANAGE, reason_required=True),
    ], initial="draft", final=("expired", "terminated"))

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True, info={"label": _l("Code")})
    title: Mapped[str] = mapped_column(String(300), info={"label": _l("Title")})
    type: Mapped[str] = mapped_column(String(30), default="territorial", info={"label": _l("Type")})
    state: Mapped[str] = mapped_column(String(20), default="draft", index=True, info={"label": _l("State")})
    start_date: Mapped[date | None] = mapped_column(Date, info={"label": _l("Start date")})
    end_date: Mapped[date | None] = mapped_column(Date, info={"label": _l("End date")})
    renewal_notice_days: Mapped[int | None] = mapped_column(Integer, info={"label": _l("Renewal notice (days)")})
    content: Mapped[dict] = mapped_column(JSON, default=text.empty, info={"label": _l("Text")})
    current_version: Mapped[int | None] = mapped_column(Integer, info={"label": _l("Current version")})
    in_force_version: Mapped[int | None] = mapped_column(Integer, info={"label": _l("Version in force")})
    in_force_since: Mapped[date | None] = mapped_column(Date, info={"label": _l("In force since")})
    expiry_notice_for: Mapped[date | None] = mapped_column(Date)  # the end date whose reminder went out
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), onupdate=func.now())

    parties: Mapped[list[AgreementParty]] = relationship(
        back_populates="agreement", cascade="all, delete-orphan",
        order_by="[AgreementParty.position, AgreementParty.id]")
    versions: Mapped[list[AgreementVersion]] = relationship(
        back_populates="agreement", cascade="all, delete-orphan", order_by="AgreementVersion.number")

    def __repr__(self) -> str:
        return f"<Agreement {self.id} {self.code} {self.state}>"

    def __str__(self) -> str:
        return f"{self.code} – {self.title}"

    @property
    def type_label(self) -> str:
        return str(TYPES.get(self.type, self.type))

    def version(self, number: int | None) -> AgreementVersion | None:
        return next((v for v in self.versions if v.number == number), None) if number else None

    @property
    def signing_parties(self) -> list[AgreementParty]:
        return [party for party in self.parties if party.role in SIGNING_ROLES]

    @property
    def adherents(self) -> list[AgreementParty]:
        return [party for party in self.parties if party.role == "adherent"]


class AgreementParty(Audited, db.Model):
    """An organisation in an agreement, with its role and (for signing roles) who signs for it."""

    __tablename__ = "agreements_parties"
    __table_args__ = (UniqueConstraint("agreement_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements_agreements.id", ondelete="CASCADE"),
                                              index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("base_organisations.id", ondelete="RESTRICT"),
                                                 index=True)
    role: Mapped[str] = mapped_column(String(20), default="signatory", info={"label": _l("Role")})
    is_required: Mapped[bool] = mapped_column(Boolean, default=True, info={"label": _l("Signature required")})
    signatory_id: Mapped[int | None] = mapped_column(ForeignKey("base_users.id", ondelete="SET NULL"))
    signatory_name: Mapped[str | None] = mapped_column(String(200), info={"label": _l("Signatory")})
    joined_on: Mapped[date | None] = mapped_column(Date, info={"label": _l("Joined on")})
    position: Mapped[int] = mapped_column(Integer, default=0)

    agreement: Mapped[Agreement] = relationship(back_populates="parties")
    organisation: Mapped[Organisation] = relationship(lazy="joined")
    signatory: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<AgreementParty {self.id} agreement={self.agreement_id} org={self.organisation_id} {self.role}>"

    def __str__(self) -> str:
        return str(self.organisation)

    @property
    def role_label(self) -> str:
        return str(ROLES.get(self.role, self.role))

    def snapshot(self) -> dict:
        """What a version freezes of the party (what its PDF prints)."""
        return {"organisation_id": self.organisation_id, "name": self.organisation.legal_name,
                "role": self.role, "is_required": bool(self.is_required),
                "signatory": self.signatory_name or ""}


class AgreementVersion(Audited, db.Model):
    """A frozen text with its parties and its PDF (stored once, via the signatures module)."""

    __tablename__ = "agreements_versions"
    __table_args__ = (UniqueConstraint("agreement_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements_agreements.id", ondelete="CASCADE"),
                                              index=True)
    number: Mapped[int] = mapped_column(Integer, info={"label": _l("Version")})
    title: Mapped[str] = mapped_column(String(300))
    content: Mapped[dict] = mapped_column(JSON)
    parties: Mapped[list] = mapped_column(JSON)
    text_sha256: Mapped[str] = mapped_column(String(64), info={"label": _l("Text hash (SHA-256)")})
    document_id: Mapped[int | None] = mapped_column(ForeignKey("signatures_documents.id", ondelete="RESTRICT"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("base_users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    agreement: Mapped[Agreement] = relationship(back_populates="versions")
    document: Mapped[SignableDocument | None] = relationship()

    def __repr__(self) -> str:
        return f"<AgreementVersion {self.id} agreement={self.agreement_id} v{self.number}>"

    def __str__(self) -> str:
        return f"{self.title} – v{self.number}"


class AgreementTemplate(Audited, db.Model):
    """A text to start a new agreement from."""

    __tablename__ = "agreements_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True, info={"label": _l("Name")})
    type: Mapped[str] = mapped_column(String(30), default="territorial", info={"label": _l("Type")})
    content: Mapped[dict] = mapped_column(JSON, default=text.empty)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    def __repr__(self) -> str:
        return f"<AgreementTemplate {self.id} {self.name!r}>"

    def __str__(self) -> str:
        return self.name


def _signed(adhesion, _user) -> str | None:
    from .services import adhesion_signature_refusal

    return adhesion_signature_refusal(adhesion)


class Adhesion(Audited, WorkflowMixin, db.Model):
    """An organisation asking to join an agreement in force: the coordinators accept, the organisation signs."""

    __tablename__ = "agreements_adhesions"
    __workflow__ = Workflow("state", ADHESION_STATES, [
        Transition("accept", ("requested",), "accepted", _l("Accept"), permission=PERMISSION_MANAGE),
        Transition("reject", ("requested", "accepted"), "rejected", _l("Reject"), permission=PERMISSION_MANAGE,
                   reason_required=True),
        Transition("complete", ("accepted",), "signed", _l("Record the signature"), guard=_signed),
    ], initial="requested", final=("signed", "rejected"))

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements_agreements.id", ondelete="CASCADE"),
                                              index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("base_organisations.id", ondelete="RESTRICT"),
                                                 index=True)
    state: Mapped[str] = mapped_column(String(20), default="requested", info={"label": _l("State")})
    message: Mapped[str | None] = mapped_column(Text, info={"label": _l("Message")})
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("base_users.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    document_id: Mapped[int | None] = mapped_column(ForeignKey("signatures_documents.id", ondelete="RESTRICT"))
    signed_on: Mapped[date | None] = mapped_column(Date, info={"label": _l("Signed on")})

    agreement: Mapped[Agreement] = relationship()
    organisation: Mapped[Organisation] = relationship(lazy="joined")
    document: Mapped[SignableDocument | None] = relationship()

    def __repr__(self) -> str:
        return f"<Adhesion {self.id} agreement={self.agreement_id} org={self.organisation_id} {self.state}>"

    def __str__(self) -> str:
        return f"{self.organisation} – {self.agreement}"
