"""The application's workflow: every transition, every refused one, who may fire what, reasons, history."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.audit import AuditLog
from app.extensions import db
from app.notify import Notification
from app.workflow import ReadOnlyRecord, WorkflowError, log_for
from modules.accreditation import services
from modules.accreditation.models import STATES, AccreditationPeriod, Application
from modules.accreditation.models.application import WORKFLOW
from modules.accreditation.notices import TITLES, TO_COORDINATORS
from modules.accreditation.periods import periods_of
from tests.factories import make_user
from tests.modules.accreditation.factories import ApplicationFactory
from tests.modules.accreditation.helpers import (
    applicant,
    approved,
    coordinator,
    draft,
    scheme,
    submitted,
    upload_required,
)

JAN_20 = date(2026, 1, 20)


def _periods(application):
    return [(p.status, p.starts_on, p.ends_on) for p in periods_of(application)]


def _titles(user):
    return [n.title for n in db.session.scalars(select(Notification).where(Notification.user_id == user.id))]


# Who may fire which transition from which state ---------------------------------------------------
ILLEGAL = [(name, state) for name, transition in sorted(WORKFLOW.transitions.items()) for state in sorted(STATES)
           if state not in transition.sources]  # the legal ones are the journeys below


@pytest.mark.parametrize(("name", "state"), ILLEGAL)
def test_a_transition_from_a_state_it_does_not_start_from_is_refused(app, ctx, storage, name, state):
    application = ApplicationFactory(state=state)
    with pytest.raises(WorkflowError, match="non è possibile|is not possible"):
        services.transition(application, name, make_user("coordinator"), reason="motivo")
    db.session.rollback()
    assert db.session.get(Application, application.id).state == state


def test_an_applicant_submits_when_every_mandatory_document_is_there(app, ctx, storage):
    application, user = draft()
    upload_required(application, user, date(2026, 1, 10))
    services.transition(application, "submit", user, on=JAN_20)
    assert application.state == "submitted"
    assert application.submitted_by_id == user.id


def test_submitting_without_the_mandatory_documents_is_refused_and_names_them(app, ctx, storage, italian):
    application, user = draft()
    with pytest.raises(WorkflowError) as refused:
        services.transition(application, "submit", user, on=JAN_20)
    assert "Documento mancante: DURC." in str(refused.value)
    assert "Visura camerale" in str(refused.value)


def test_a_provider_must_state_its_shared_value_percentage(app, ctx, storage, italian):
    application, user = draft("provider", shared_value_percent=None)
    upload_required(application, user, date(2026, 1, 10))
    with pytest.raises(WorkflowError, match="percentuale di valore condiviso"):
        services.transition(application, "submit", user, on=JAN_20)


def test_an_expired_document_blocks_the_submission(app, ctx, storage, italian):
    application, user = draft()
    upload_required(application, user, date(2026, 1, 10))
    with pytest.raises(WorkflowError, match="Documento scaduto: DURC"):
        services.transition(application, "submit", user, on=date(2026, 5, 11))


def test_roles_without_the_permission_cannot_submit_or_review(app, ctx, storage):
    application, user = submitted()
    for role in ("auditor", "municipality", "shop"):
        with pytest.raises(WorkflowError):
            services.transition(application, "start_review", make_user(role), on=JAN_20)
    with pytest.raises(WorkflowError):
        services.transition(application, "start_review", user, on=JAN_20)  # the applicant reviews nothing
    assert application.state == "submitted"


def test_review_request_changes_resubmit_approve(app, ctx, storage):
    reviewer = coordinator()
    application, user = submitted(on=JAN_20)
    services.transition(application, "start_review", reviewer, on=JAN_20)
    services.transition(application, "request_changes", reviewer, reason="Manca la firma", on=JAN_20)
    assert application.state == "changes_requested"
    application.expected_contract_value = Decimal("12000.00")  # the applicant may change its data again
    services.transition(application, "submit", user, on=JAN_20)
    services.transition(application, "start_review", reviewer, on=JAN_20)
    services.transition(application, "approve", reviewer, on=JAN_20)
    assert application.state == "approved"
    assert (application.starts_on, application.valid_until) == (JAN_20, date(2027, 1, 19))
    assert application.decided_by_id == reviewer.id
    steps = [(e.transition, e.from_state, e.to_state) for e in reversed(log_for(application))]
    assert steps == [("submit", "draft", "submitted"), ("start_review", "submitted", "under_review"),
                     ("request_changes", "under_review", "changes_requested"),
                     ("submit", "changes_requested", "submitted"), ("start_review", "submitted", "under_review"),
                     ("approve", "under_review", "approved")]


@pytest.mark.parametrize("name", ["request_changes", "reject"])
def test_request_changes_and_reject_need_a_reason(app, ctx, storage, name):
    reviewer = coordinator()
    application, _user = submitted(on=JAN_20)
    services.transition(application, "start_review", reviewer, on=JAN_20)
    with pytest.raises(WorkflowError):
        services.transition(application, name, reviewer, reason="   ", on=JAN_20)
    services.transition(application, name, reviewer, reason="Documentazione incompleta", on=JAN_20)
    assert application.state == WORKFLOW.transitions[name].target
    assert log_for(application)[0].reason == "Documentazione incompleta"


def test_the_approver_must_not_be_the_submitter(app, ctx, storage, italian):
    on_behalf = coordinator()  # a coordinator may file an application for an organisation...
    organisation, _user = applicant()
    application = services.create_application(organisation.id, scheme(), on_behalf)
    upload_required(application, on_behalf, date(2026, 1, 10))
    services.transition(application, "submit", on_behalf, on=JAN_20)
    services.transition(application, "start_review", on_behalf, on=JAN_20)
    with pytest.raises(WorkflowError, match="un altro coordinatore"):  # ...but not approve it too
        services.transition(application, "approve", on_behalf, on=JAN_20)
    services.transition(application, "approve", coordinator(), on=JAN_20)
    assert application.state == "approved"


def test_approval_needs_the_documents_valid_on_the_day(app, ctx, storage):
    reviewer = coordinator()
    application, _user = submitted(on=JAN_20)
    services.transition(application, "start_review", reviewer, on=JAN_20)
    with pytest.raises(WorkflowError):
        services.transition(application, "approve", reviewer, on=date(2026, 5, 11))  # the DURC expired
    assert application.state == "under_review"


def test_a_rejected_application_is_closed(app, ctx, storage):
    reviewer = coordinator()
    application, _user = submitted(on=JAN_20)
    services.transition(application, "start_review", reviewer, on=JAN_20)
    services.transition(application, "reject", reviewer, reason="Requisiti non posseduti", on=JAN_20)
    assert application.is_final
    application.applicant_note = "ci riprovo"
    with pytest.raises(ReadOnlyRecord):
        db.session.flush()
    db.session.rollback()
    assert periods_of(application) == []


def test_suspend_reactivate_and_the_periods_that_record_them(app, ctx, storage):
    reviewer = coordinator()
    application, _user = approved(reviewer)
    with pytest.raises(WorkflowError):
        services.transition(application, "suspend", reviewer, reason="", on=date(2026, 3, 1))
    services.transition(application, "suspend", reviewer, reason="Verifica in corso", on=date(2026, 3, 1))
    services.transition(application, "reactivate", reviewer, on=date(2026, 3, 10))
    assert application.state == "approved"
    assert _periods(application) == [("accredited", JAN_20, date(2026, 2, 28)),
                                     ("suspended", date(2026, 3, 1), date(2026, 3, 9)),
                                     ("accredited", date(2026, 3, 10), date(2027, 1, 19))]


def test_a_suspension_and_reactivation_on_the_same_day_leave_no_empty_period(app, ctx, storage):
    reviewer = coordinator()
    application, _user = approved(reviewer)
    services.transition(application, "suspend", reviewer, reason="Errore", on=date(2026, 3, 1))
    services.transition(application, "reactivate", reviewer, on=date(2026, 3, 1))
    assert _periods(application) == [("accredited", JAN_20, date(2026, 2, 28)),
                                     ("accredited", date(2026, 3, 1), date(2027, 1, 19))]


@pytest.mark.parametrize("suspend_first", [False, True])
def test_revocation_needs_a_reason_and_ends_the_accreditation(app, ctx, storage, suspend_first):
    reviewer = coordinator()
    application, _user = approved(reviewer)
    if suspend_first:
        services.transition(application, "suspend", reviewer, reason="Verifica", on=date(2026, 2, 1))
    with pytest.raises(WorkflowError):
        services.transition(application, "revoke", reviewer, on=date(2026, 3, 1))
    services.transition(application, "revoke", reviewer, reason="Gravi inadempienze", on=date(2026, 3, 1))
    assert application.state == "revoked" and application.is_final
    assert _periods(application)[-1] == ("revoked", date(2026, 3, 1), None)


def test_reactivation_needs_the_documents_valid_again(app, ctx, storage):
    reviewer = coordinator()
    application, _user = approved(reviewer)
    services.transition(application, "suspend", reviewer, reason="DURC irregolare", on=date(2026, 5, 1))
    with pytest.raises(WorkflowError):
        services.transition(application, "reactivate", reviewer, on=date(2026, 5, 20))  # the DURC expired on 10/5


@pytest.mark.parametrize("name", ["expire", "suspend_expired_document"])
def test_only_the_daily_check_expires_or_suspends_for_an_expired_document(app, ctx, storage, name):
    reviewer = coordinator()
    application, _user = approved(reviewer)
    with pytest.raises(WorkflowError):
        services.transition(application, name, reviewer, reason="motivo", on=date(2026, 3, 1))
    services.transition(application, name, None, reason="motivo", on=date(2026, 3, 1))
    assert application.state == WORKFLOW.transitions[name].target


def test_every_transition_is_notified_to_the_applicant_organisation_only(app, ctx, storage):
    reviewer = coordinator()
    application, user = draft()
    colleague = make_user("cooperative", organisation=user.organisation)
    outsider = make_user("cooperative")
    upload_required(application, user, date(2026, 1, 10))
    services.transition(application, "submit", user, on=JAN_20)
    services.transition(application, "start_review", reviewer, on=JAN_20)
    services.transition(application, "reject", reviewer, reason="Requisiti", on=JAN_20)
    with force_locale("it"):
        expected = [str(TITLES[name]) % {"scheme": "Fornitore locale"}
                    for name in ("submit", "start_review", "reject")]
        to_review = str(TO_COORDINATORS["submit"]) % {"organisation": user.organisation.legal_name,
                                                      "scheme": "Fornitore locale"}
    assert _titles(user) == _titles(colleague) == expected
    assert _titles(outsider) == []
    assert to_review in _titles(reviewer)  # submissions reach the coordinators


def test_every_transition_is_audited_with_its_user(app, ctx, storage):
    reviewer = coordinator()
    application, _user = approved(reviewer)
    rows = db.session.scalars(select(AuditLog).where(AuditLog.model == "Application",
                                                     AuditLog.record_id == str(application.id),
                                                     AuditLog.field == "state", AuditLog.action == "update")
                              .order_by(AuditLog.id))
    assert [(r.old, r.new) for r in rows] == [("draft", "submitted"), ("submitted", "under_review"),
                                              ("under_review", "approved")]


def test_renewal_is_a_new_application_linked_to_the_previous_one(app, ctx, storage):
    reviewer = coordinator()
    previous, user = approved(reviewer)
    renewal = services.renew(previous, user)
    assert (renewal.state, renewal.previous_id, renewal.scheme_id) == ("draft", previous.id, previous.scheme_id)
    upload_required(renewal, user, date(2026, 12, 1))
    services.transition(renewal, "submit", user, on=date(2026, 12, 15))
    services.transition(renewal, "start_review", reviewer, on=date(2026, 12, 15))
    services.transition(renewal, "approve", reviewer, on=date(2026, 12, 20))
    # approved while the previous one still runs: it starts the day after that one ends
    assert (renewal.starts_on, renewal.valid_until) == (date(2027, 1, 20), date(2028, 1, 19))


def test_a_second_application_in_progress_under_the_same_scheme_is_refused(app, ctx, storage, italian):
    _application, user = draft()
    with pytest.raises(services.ApplicationInvalid, match="già una domanda in corso"):
        draft(user=user)


def test_an_organisation_type_the_scheme_does_not_accept_cannot_apply(app, ctx, storage, italian):
    _organisation, user = applicant("local_supplier")
    with pytest.raises(services.ApplicationInvalid, match="non possono presentare domanda"):
        draft("provider", user=user)


def test_periods_are_never_written_for_drafts(app, ctx, storage):
    draft()
    assert db.session.scalar(select(AccreditationPeriod.id)) is None
