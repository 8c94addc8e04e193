"""The registry's organisation: the kernel's Organisation extended by joined-table inheritance."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, DateTime, ForeignKey, String, Text, event, func, insert
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.audit import Audited
from app.extensions import db
from app.models import Organisation

from .reference import Comune

STATUSES = {"active": _l("Active"), "suspended": _l("Suspended"), "closed": _l("Closed")}
RUNTS_SECTIONS = {
    "a": _l("a) Voluntary organisations (ODV)"),
    "b": _l("b) Social promotion associations (APS)"),
    "c": _l("c) Philanthropic bodies"),
    "d": _l("d) Social enterprises, social cooperatives included"),
    "e": _l("e) Associative networks"),
    "f": _l("f) Mutual aid societies"),
    "g": _l("g) Other third-sector bodies"),
}


class PartnerOrganisation(Organisation):
    """Everything the district knows about an organisation besides the kernel's columns.

    No polymorphic discriminator: the kernel's queries keep returning plain Organisation objects,
    ours return PartnerOrganisation; both are the same row of base_organisations.
    """

    __tablename__ = "partners_organisations"
    __audit_personal__ = frozenset({"legal_rep_name", "legal_rep_codice_fiscale", "notes"})

    id: Mapped[int] = mapped_column(ForeignKey("base_organisations.id", ondelete="CASCADE"), primary_key=True)
    pec: Mapped[str | None] = mapped_column(String(254), info={"label": _l("PEC")})
    rea: Mapped[str | None] = mapped_column(String(12), info={"label": _l("REA number")})
    ateco_code: Mapped[str | None] = mapped_column(String(8), info={"label": _l("ATECO 2025 code")})
    runts_section: Mapped[str | None] = mapped_column(String(1), info={"label": _l("RUNTS section")})
    runts_number: Mapped[str | None] = mapped_column(String(12), info={"label": _l("RUNTS number")})
    iban: Mapped[str | None] = mapped_column(String(34), info={"label": _l("IBAN")})
    legal_rep_name: Mapped[str | None] = mapped_column(String(160),
                                                       info={"label": _l("Legal representative")})
    legal_rep_codice_fiscale: Mapped[str | None] = mapped_column(
        String(16), info={"label": _l("Legal representative's codice fiscale")})
    street: Mapped[str | None] = mapped_column(String(200), info={"label": _l("Address")})
    cap: Mapped[str | None] = mapped_column(String(5), info={"label": _l("CAP")})
    comune_istat: Mapped[str | None] = mapped_column(
        ForeignKey("partners_comuni.istat_code", ondelete="RESTRICT"), index=True)
    phone: Mapped[str | None] = mapped_column(String(40), info={"label": _l("Phone")})
    website: Mapped[str | None] = mapped_column(String(300), info={"label": _l("Website")})
    notes: Mapped[str | None] = mapped_column(Text, info={"label": _l("Internal notes")})
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), onupdate=func.now())

    comune: Mapped[Comune | None] = relationship(lazy="joined")
    contacts: Mapped[list[OrganisationContact]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan",
        order_by=lambda: [OrganisationContact.is_primary.desc(), OrganisationContact.name])

    def __repr__(self) -> str:
        return f"<PartnerOrganisation {self.id} {self.legal_name!r}>"

    @property
    def province(self) -> str | None:
        return self.comune.province_code if self.comune else None


class OrganisationContact(Audited, db.Model):
    """A person to talk to at an organisation."""

    __tablename__ = "partners_contacts"
    __audit_personal__ = frozenset({"name", "email", "phone"})

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("partners_organisations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(160), info={"label": _l("Name")})
    role: Mapped[str | None] = mapped_column(String(120), info={"label": _l("Role")})
    email: Mapped[str | None] = mapped_column(String(254), info={"label": _l("E-mail")})
    phone: Mapped[str | None] = mapped_column(String(40), info={"label": _l("Phone")})
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False, info={"label": _l("Primary contact")})

    organisation: Mapped[PartnerOrganisation] = relationship(back_populates="contacts")

    def __repr__(self) -> str:
        return f"<OrganisationContact {self.id} org={self.organisation_id}>"

    def __str__(self) -> str:
        return self.name


def _partners_loaded() -> bool:
    if not has_app_context():
        return False
    return any(module.name == "partners" for module in current_app.extensions["distretto"].modules)


@event.listens_for(Organisation, "after_insert")
def _every_organisation_joins_the_registry(_mapper, connection, target) -> None:
    """An organisation the kernel (or another module) creates gets its registry row at once."""
    if type(target) is Organisation and _partners_loaded():
        connection.execute(insert(PartnerOrganisation.__table__).values(id=target.id))
