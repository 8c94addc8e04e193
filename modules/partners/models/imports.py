"""A bulk import of organisations from a spreadsheet: its options, outcome and row-by-row report."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.jobs import Job

IMPORT_STATUSES = {
    "queued": _l("Queued"),
    "rejected": _l("Rejected: nothing imported"),
    "imported": _l("Imported"),
    "failed": _l("Failed"),
}


class OrganisationImport(db.Model):
    __tablename__ = "partners_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    upload_id: Mapped[int | None] = mapped_column(ForeignKey("base_uploads.id", ondelete="SET NULL"))
    job_id: Mapped[int | None] = mapped_column(ForeignKey("base_jobs.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("base_users.id", ondelete="SET NULL"),
                                                      index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    keep_valid_rows: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    created_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_count: Mapped[int] = mapped_column(Integer, default=0)
    unchanged_count: Mapped[int] = mapped_column(Integer, default=0)
    invalid_count: Mapped[int] = mapped_column(Integer, default=0)
    issues: Mapped[list] = mapped_column(JSON, default=list)  # [{"row", "field", "message"}]
    outcomes: Mapped[list] = mapped_column(JSON, default=list)  # [{"row", "action", "legal_name", "fields"}]

    job: Mapped[Job | None] = relationship()

    def __repr__(self) -> str:
        return f"<OrganisationImport {self.id} {self.filename!r} {self.status}>"

    def __str__(self) -> str:
        return self.filename

    @property
    def is_done(self) -> bool:
        return self.status in ("rejected", "imported", "failed")
