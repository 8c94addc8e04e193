"""Reference data the coordinators edit: accreditation schemes and document types."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.audit import Audited
from app.extensions import db
from app.i18n import BilingualName
from modules.partners.models import OrganisationType


class SchemeOrganisationType(db.Model):
    """Which organisation types may apply under a scheme (a row per pair)."""

    __tablename__ = "accreditation_scheme_organisation_types"
    __reference_data__ = True

    scheme_id: Mapped[int] = mapped_column(ForeignKey("accreditation_schemes.id", ondelete="CASCADE"),
                                           primary_key=True)
    organisation_type_id: Mapped[int] = mapped_column(
        ForeignKey("partners_organisation_types.id", ondelete="CASCADE"), primary_key=True)

    def __repr__(self) -> str:
        return f"<SchemeOrganisationType {self.scheme_id}:{self.organisation_type_id}>"


class SchemeDocumentType(db.Model):
    """Which document types a scheme asks for (a row per pair)."""

    __tablename__ = "accreditation_scheme_document_types"
    __reference_data__ = True

    scheme_id: Mapped[int] = mapped_column(ForeignKey("accreditation_schemes.id", ondelete="CASCADE"),
                                           primary_key=True)
    document_type_id: Mapped[int] = mapped_column(
        ForeignKey("accreditation_document_types.id", ondelete="CASCADE"), primary_key=True)

    def __repr__(self) -> str:
        return f"<SchemeDocumentType {self.scheme_id}:{self.document_type_id}>"


class DocumentType(BilingualName, Audited, db.Model):
    """A kind of document (DURC, visura camerale…) with its validity in days or in months."""

    __tablename__ = "accreditation_document_types"
    __reference_data__ = True
    __table_args__ = (
        CheckConstraint("(validity_days IS NULL) <> (validity_months IS NULL)", name="one_validity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True, info={"label": _l("Key")})
    name_it: Mapped[str] = mapped_column(String(120), info={"label": _l("Italian name")})
    name_en: Mapped[str] = mapped_column(String(120), default="", info={"label": _l("English name")})
    description: Mapped[str | None] = mapped_column(Text, info={"label": _l("Description")})
    validity_days: Mapped[int | None] = mapped_column(Integer, info={"label": _l("Validity (days)")})
    validity_months: Mapped[int | None] = mapped_column(Integer, info={"label": _l("Validity (months)")})
    is_mandatory: Mapped[bool] = mapped_column(Boolean, default=True, info={"label": _l("Mandatory")})
    above_threshold_only: Mapped[bool] = mapped_column(
        Boolean, default=False, info={"label": _l("Only above the contract value threshold")})
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, info={"label": _l("Active")})
    sort_order: Mapped[int] = mapped_column(Integer, default=100, info={"label": _l("Order")})

    def __repr__(self) -> str:
        return f"<DocumentType {self.key}>"


class Scheme(BilingualName, Audited, db.Model):
    """An accreditation scheme: who may apply, which documents, for how long."""

    __tablename__ = "accreditation_schemes"
    __reference_data__ = True
    __table_args__ = (CheckConstraint("period_months > 0", name="positive_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True, info={"label": _l("Key")})
    name_it: Mapped[str] = mapped_column(String(120), info={"label": _l("Italian name")})
    name_en: Mapped[str] = mapped_column(String(120), default="", info={"label": _l("English name")})
    description: Mapped[str | None] = mapped_column(Text, info={"label": _l("Description")})
    requires_shared_value: Mapped[bool] = mapped_column(
        Boolean, default=False, info={"label": _l("Shared-value percentage required")})
    period_months: Mapped[int] = mapped_column(Integer, default=12,
                                               info={"label": _l("Accreditation period (months)")})
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, info={"label": _l("Open to applications")})
    sort_order: Mapped[int] = mapped_column(Integer, default=100, info={"label": _l("Order")})

    organisation_types: Mapped[list[OrganisationType]] = relationship(
        secondary=SchemeOrganisationType.__table__, order_by=OrganisationType.sort_order)
    document_types: Mapped[list[DocumentType]] = relationship(
        secondary=SchemeDocumentType.__table__, order_by=DocumentType.sort_order)

    def __repr__(self) -> str:
        return f"<Scheme {self.key}>"

    def accepts(self, organisation_type: str) -> bool:
        return any(kind.key == organisation_type for kind in self.organisation_types)
