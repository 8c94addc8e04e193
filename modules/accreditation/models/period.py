"""The accreditation status as dated periods, so "accredited on day D?" has an exact answer.

An approval opens an `accredited` period up to the end of the scheme's period; a suspension,
revocation or expiry closes the current period the day before it takes effect and opens one of
its own (open-ended: `ends_on` is NULL); a reactivation opens a new `accredited` period.
"""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.audit import Audited
from app.extensions import db
from modules.partners.models import PartnerOrganisation

from .application import Application
from .reference import Scheme

PERIOD_STATUSES = {
    "accredited": _l("Accredited"),
    "suspended": _l("Suspended"),
    "revoked": _l("Revoked"),
    "expired": _l("Expired"),
}


class AccreditationPeriod(Audited, db.Model):
    __tablename__ = "accreditation_periods"
    __table_args__ = (Index("ix_accreditation_periods_lookup", "organisation_id", "scheme_id", "starts_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("partners_organisations.id", ondelete="RESTRICT"))
    scheme_id: Mapped[int] = mapped_column(ForeignKey("accreditation_schemes.id", ondelete="RESTRICT"))
    application_id: Mapped[int] = mapped_column(
        ForeignKey("accreditation_applications.id", ondelete="RESTRICT"), index=True)
    status: Mapped[str] = mapped_column(String(20), info={"label": _l("Status")})
    starts_on: Mapped[date] = mapped_column(Date, info={"label": _l("From")})
    ends_on: Mapped[date | None] = mapped_column(Date, info={"label": _l("To")})

    organisation: Mapped[PartnerOrganisation] = relationship()
    scheme: Mapped[Scheme] = relationship()
    application: Mapped[Application] = relationship()

    def __repr__(self) -> str:
        return f"<AccreditationPeriod {self.id} {self.status} {self.starts_on}..{self.ends_on}>"

    def __str__(self) -> str:
        return f"{PERIOD_STATUSES.get(self.status, self.status)} {self.starts_on:%d/%m/%Y}"

    def covers(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)
