"""An application for accreditation under a scheme, with its declared review workflow (DOMAIN.md § 2)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, DateTime, ForeignKey, Index, String, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.audit import Audited
from app.extensions import db
from app.models import User
from app.money import Money, Percent
from app.workflow import Transition, Workflow, WorkflowMixin
from modules.partners.models import PartnerOrganisation

from .reference import Scheme

STATES = {
    "draft": _l("Draft"),
    "submitted": _l("Submitted"),
    "under_review": _l("Under review"),
    "changes_requested": _l("Changes requested"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
    "suspended": _l("Suspended"),
    "revoked": _l("Revoked"),
    "expired": _l("Expired"),
}
EDITABLE_STATES = ("draft", "changes_requested")  # the applicant's data changes only here
DOCUMENT_STATES = ("draft", "changes_requested", "approved", "suspended")  # documents may be added
LIVE_STATES = ("draft", "submitted", "under_review", "changes_requested")  # not decided yet
ACCREDITED_STATES = ("approved", "suspended")  # granted and not ended
GRANTED_STATES = ("approved", "suspended", "revoked", "expired")  # shown in the public register
FINAL_STATES = ("rejected", "revoked", "expired")
APPLY, REVIEW = "accreditation.apply", "accreditation.review"
LIVE_INDEX = "uq_accreditation_applications_live"
_LIVE_CLAUSE = text("state IN ('draft', 'submitted', 'under_review', 'changes_requested')")


def _requirements_problem(application: Application, _user) -> str | None:
    from ..requirements import problems

    found = problems(application)
    return " ".join(found) if found else None


def _not_the_submitter(application: Application, user) -> str | None:
    if user is not None and application.submitted_by_id == user.id:
        return _("You submitted this application: another coordinator must approve it.")
    return _requirements_problem(application, user)


def _still_in_period(application: Application, user) -> str | None:
    from ..dates import current_day

    if application.valid_until is not None and current_day() > application.valid_until:
        return _("The accreditation period has ended: it can only expire.")
    return _requirements_problem(application, user)


def _system_only(_application: Application, user) -> str | None:
    """Transitions the daily job fires: nobody fires them by hand."""
    return _("Only the daily expiry check does this.") if user is not None else None


WORKFLOW = Workflow(
    "state",
    STATES,
    [
        Transition("submit", ("draft", "changes_requested"), "submitted", _l("Submit"), permission=APPLY,
                   guard=_requirements_problem),
        Transition("start_review", ("submitted",), "under_review", _l("Start the review"), permission=REVIEW),
        Transition("request_changes", ("under_review",), "changes_requested", _l("Request changes"),
                   permission=REVIEW, reason_required=True),
        Transition("approve", ("under_review",), "approved", _l("Approve"), permission=REVIEW,
                   guard=_not_the_submitter),
        Transition("reject", ("under_review",), "rejected", _l("Reject"), permission=REVIEW,
                   reason_required=True),
        Transition("suspend", ("approved",), "suspended", _l("Suspend"), permission=REVIEW,
                   reason_required=True),
        Transition("suspend_expired_document", ("approved",), "suspended", _l("Suspend (expired document)"),
                   reason_required=True, guard=_system_only),
        Transition("reactivate", ("suspended",), "approved", _l("Reactivate"), permission=REVIEW,
                   guard=_still_in_period),
        Transition("revoke", ("approved", "suspended"), "revoked", _l("Revoke"), permission=REVIEW,
                   reason_required=True),
        Transition("expire", ("approved", "suspended"), "expired", _l("Expire"), guard=_system_only),
    ],
    initial="draft",
    final=FINAL_STATES,
)


class Application(Audited, WorkflowMixin, db.Model):
    """An organisation's application under a scheme; once approved, its accreditation."""

    __tablename__ = "accreditation_applications"
    __workflow__ = WORKFLOW
    # One application in progress per organisation and scheme, even when two people apply at once.
    __table_args__ = (Index(LIVE_INDEX, "organisation_id", "scheme_id", unique=True,
                            postgresql_where=_LIVE_CLAUSE, sqlite_where=_LIVE_CLAUSE),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("partners_organisations.id", ondelete="RESTRICT"), index=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("accreditation_schemes.id", ondelete="RESTRICT"),
                                           index=True)
    state: Mapped[str] = mapped_column(String(20), default="draft", index=True, info={"label": _l("Status")})
    shared_value_percent: Mapped[Decimal | None] = mapped_column(
        Percent, info={"label": _l("Shared value (%)")})
    expected_contract_value: Mapped[Decimal] = mapped_column(
        Money, default=Decimal("0.00"), info={"label": _l("Expected contract value (€)")})
    applicant_note: Mapped[str | None] = mapped_column(Text, info={"label": _l("Notes for the coordinators")})
    previous_id: Mapped[int | None] = mapped_column(
        ForeignKey("accreditation_applications.id", ondelete="RESTRICT"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("base_users.id", ondelete="SET NULL"))
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("base_users.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                          info={"label": _l("Submitted on")})
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("base_users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), info={"label": _l("Decided on")})
    starts_on: Mapped[date | None] = mapped_column(Date, info={"label": _l("Accredited from")})
    valid_until: Mapped[date | None] = mapped_column(Date, info={"label": _l("Valid until")})
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 info={"label": _l("Created")})
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), onupdate=func.now())

    # Joined: the application's name shows both, also in exports streamed after the query's session ends.
    organisation: Mapped[PartnerOrganisation] = relationship(lazy="joined")
    scheme: Mapped[Scheme] = relationship(lazy="joined")
    previous: Mapped[Application | None] = relationship(remote_side=[id])
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    def __repr__(self) -> str:
        return f"<Application {self.id} org={self.organisation_id} {self.state}>"

    def __str__(self) -> str:
        return _("Application %(number)s: %(organisation)s", number=self.id or "—",
                 organisation=self.organisation.legal_name if self.organisation else "—")

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES
