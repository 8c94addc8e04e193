"""Documents of an application (DURC, visura…): a stored upload with its issue and expiry dates.

Replacing a document adds a new row and marks the old one replaced: history is never lost.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, DateTime, ForeignKey, Index, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.audit import Audited
from app.extensions import db
from app.models import User
from app.uploads import Upload
from modules.partners.models import PartnerOrganisation

from .application import Application
from .reference import DocumentType


class Document(Audited, db.Model):
    __tablename__ = "accreditation_documents"
    __table_args__ = (Index("ix_accreditation_documents_current", "application_id", "replaced_by_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("accreditation_applications.id", ondelete="RESTRICT"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("partners_organisations.id", ondelete="RESTRICT"), index=True)
    document_type_id: Mapped[int] = mapped_column(
        ForeignKey("accreditation_document_types.id", ondelete="RESTRICT"))
    upload_id: Mapped[int] = mapped_column(ForeignKey("base_uploads.id", ondelete="RESTRICT"))
    issue_date: Mapped[date] = mapped_column(Date, info={"label": _l("Issue date")})
    expiry_date: Mapped[date] = mapped_column(Date, index=True, info={"label": _l("Expiry date")})
    reminder_sent_on: Mapped[date | None] = mapped_column(Date, info={"label": _l("Reminder sent on")})
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("accreditation_documents.id", ondelete="SET NULL"))
    replaced_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("accreditation_documents.id", ondelete="SET NULL"))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("base_users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                  info={"label": _l("Uploaded")})

    application: Mapped[Application] = relationship()
    organisation: Mapped[PartnerOrganisation] = relationship()
    document_type: Mapped[DocumentType] = relationship()
    upload: Mapped[Upload] = relationship()
    uploaded_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Document {self.id} app={self.application_id} type={self.document_type_id}>"

    def __str__(self) -> str:
        return f"{self.document_type} ({self.issue_date:%d/%m/%Y})"

    @property
    def is_current(self) -> bool:
        return self.replaced_by_id is None

    def is_valid_on(self, day: date) -> bool:
        return self.issue_date <= day <= self.expiry_date
