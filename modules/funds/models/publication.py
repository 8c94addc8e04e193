"""The publication record of d.lgs. 33/2013 art. 26–27 for a beneficiary whose allocations in a calendar year
total more than the threshold (€1,000.00): what the law asks to publish, frozen when it is published."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.audit import Audited
from app.extensions import db
from app.models import Organisation, User
from app.money import Money
from app.workflow import Transition, Workflow, WorkflowMixin

PUBLICATION_STATES = {"draft": _l("To publish"), "published": _l("Published")}
REQUIRED_FIELDS = ("beneficiary_name", "beneficiary_tax_code", "legal_basis", "office", "official",
                   "selection_method")


def _complete(publication: Publication, _user) -> str | None:
    missing = [name for name in REQUIRED_FIELDS if not (getattr(publication, name) or "").strip()]
    if missing:
        labels = ", ".join(str(Publication.__table__.c[name].info["label"]) for name in missing)
        return _("Fill in what the law requires before publishing: %(fields)s.", fields=labels)
    return None


class Publication(Audited, WorkflowMixin, db.Model):
    __tablename__ = "funds_publications"
    __workflow__ = Workflow(
        "status", PUBLICATION_STATES,
        [Transition("publish", ("draft",), "published", _l("Publish"), permission="funds.publish",
                    guard=_complete)],
        initial="draft", final=("published",),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("base_organisations.id", ondelete="RESTRICT"),
                                                index=True)
    year: Mapped[int] = mapped_column(Integer, index=True, info={"label": _l("Year")})
    beneficiary_name: Mapped[str] = mapped_column(String(200), info={"label": _l("Beneficiary")})
    beneficiary_tax_code: Mapped[str] = mapped_column(String(16), default="",
                                                      info={"label": _l("Beneficiary's tax code")})
    amount: Mapped[Decimal] = mapped_column(Money, info={"label": _l("Amount granted")})
    year_total: Mapped[Decimal] = mapped_column(Money, info={"label": _l("Total of the year")})
    legal_basis: Mapped[str] = mapped_column(Text, default="", info={"label": _l("Legal basis")})
    office: Mapped[str] = mapped_column(String(200), default="", info={"label": _l("Office responsible")})
    official: Mapped[str] = mapped_column(String(160), default="", info={"label": _l("Official responsible")})
    selection_method: Mapped[str] = mapped_column(Text, default="", info={"label": _l("Selection method")})
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True, info={"label": _l("Status")})
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                          info={"label": _l("Published at")})
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("base_users.id", ondelete="SET NULL"))

    beneficiary: Mapped[Organisation] = relationship()
    published_by: Mapped[User | None] = relationship()
    allocations = relationship("Allocation", order_by="Allocation.id", viewonly=True)

    def __repr__(self) -> str:
        return f"<Publication {self.id} {self.year} org={self.beneficiary_id} {self.status}>"

    def __str__(self) -> str:
        return f"{self.beneficiary_name} · {self.year}"
