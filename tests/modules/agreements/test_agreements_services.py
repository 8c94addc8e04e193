"""Agreements through the services: versions frozen for signature, entry into force, amendments,
adhesions, notifications and expiry, templates."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from app.audit import AuditLog
from app.extensions import db
from app.notify import Notification
from app.uploads import absolute_path
from app.workflow import WorkflowError, log_for
from modules.agreements import services
from modules.agreements.models import Adhesion, Agreement
from modules.signatures import services as signing
from modules.signatures.models import SignatureRequest
from tests.factories import make_user
from tests.modules.agreements.helpers import TEXT, agreement_with, amend, party, sign, three_parties


@pytest.fixture
def coordinator(italian):
    return make_user("coordinator", full_name="Giulia Coordinatrice")


def notifications_of(user) -> list[str]:
    return list(db.session.scalars(select(Notification.title).where(Notification.user_id == user.id)
                                   .order_by(Notification.id)))


def test_scenario_3_a_new_version_voids_the_signatures_and_all_three_must_sign_it(coordinator):
    comune, cgil, cisl = parties = three_parties()
    agreement = agreement_with(parties, coordinator)
    services.open_for_signature(agreement, coordinator)                  # version 1
    amend(agreement, coordinator, "Le parti si incontrano ogni sei mesi.")  # version 2
    sign(agreement, cgil)
    sign(agreement, cisl)
    assert (agreement.current_version, agreement.state) == (2, "open")

    amend(agreement, coordinator, "Il coordinamento riferisce ogni anno.")  # the text changes: version 3

    assert agreement.current_version == 3
    statuses = {s.party.organisation.legal_name: s for s in services.party_status(agreement)}
    assert not statuses["CGIL Oristano"].has_signed and not statuses["CISL Oristano"].has_signed
    assert len(statuses["CGIL Oristano"].earlier) == 1  # still on record, no longer counting
    sign(agreement, cgil)
    sign(agreement, cisl)
    assert agreement.state == "open"
    sign(agreement, comune)
    assert (agreement.state, agreement.in_force_version) == ("in_force", 3)


def test_opening_for_signature_freezes_a_version_with_its_stored_pdf_and_hashes(coordinator):
    parties = three_parties()
    agreement = agreement_with(parties, coordinator)

    version = services.open_for_signature(agreement, coordinator)

    assert (agreement.state, version.number, agreement.current_version) == ("open", 1, 1)
    stored = absolute_path(version.document.upload).read_bytes()
    assert signing.pdf_sha256(stored) == version.document.sha256
    footer = PdfReader(io.BytesIO(stored)).pages[0].extract_text()
    assert "Versione 1" in footer and version.text_sha256 in footer.replace("\n", "")
    assert {r.organisation_id for r in version.document.requests} == {p.organisation.id for p in parties}


def test_the_text_changes_freely_in_negotiation(coordinator):
    agreement = agreement_with(three_parties(), coordinator)
    services.transition(agreement, "negotiate", coordinator)

    amend(agreement, coordinator, "Una clausola in più.")

    assert (agreement.state, agreement.versions) == ("negotiation", [])


def test_opening_again_with_the_same_text_keeps_the_same_version(coordinator):
    agreement = agreement_with(three_parties(), coordinator)
    services.open_for_signature(agreement, coordinator)
    services.transition(agreement, "renegotiate", coordinator)

    services.open_for_signature(agreement, coordinator)

    assert [v.number for v in agreement.versions] == [1]
    pending = [r for r in agreement.version(1).document.requests if r.status == "pending"]
    assert len(pending) == 3


def test_a_new_party_after_opening_makes_the_next_version(coordinator):
    agreement = agreement_with(three_parties(), coordinator)
    services.open_for_signature(agreement, coordinator)
    uil = party("UIL Oristano")

    services.add_party(agreement, coordinator, uil.organisation.id, "signatory", True)

    assert agreement.current_version == 2
    assert [r.status for r in agreement.version(1).document.requests] == ["withdrawn"] * 3
    assert len(agreement.version(2).parties) == 4


def test_an_amended_agreement_stays_in_force_on_its_signed_version_until_all_sign_the_new_one(coordinator):
    parties = three_parties()
    agreement = agreement_with(parties, coordinator)
    services.open_for_signature(agreement, coordinator)
    for member in parties:
        sign(agreement, member)
    assert (agreement.state, agreement.in_force_version) == ("in_force", 1)

    amend(agreement, coordinator, "Emendamento: si aggiunge lo sport.")
    sign(agreement, parties[0])
    sign(agreement, parties[1])
    assert (agreement.state, agreement.current_version, agreement.in_force_version) == ("in_force", 2, 1)

    sign(agreement, parties[2])
    assert (agreement.state, agreement.in_force_version) == ("in_force", 2)


def test_a_party_whose_signature_is_not_required_is_not_waited_for(coordinator):
    comune, cgil, cisl = three_parties()
    agreement = agreement_with([comune, cgil], coordinator)
    services.add_party(agreement, coordinator, cisl.organisation.id, "signatory", is_required=False)
    services.open_for_signature(agreement, coordinator)

    sign(agreement, comune)
    sign(agreement, cgil)

    assert agreement.state == "in_force"


def test_entry_into_force_cannot_be_forced_before_every_signature(coordinator):
    agreement = agreement_with(three_parties(), coordinator)
    services.open_for_signature(agreement, coordinator)

    with pytest.raises(WorkflowError):
        agreement.__workflow__.check(agreement, "enter_into_force", coordinator, None)


def test_the_diff_shows_what_changed_between_two_versions(coordinator):
    agreement = agreement_with(three_parties(), coordinator)
    services.open_for_signature(agreement, coordinator)
    amend(agreement, coordinator, "Le parti si incontrano ogni sei mesi.")

    lines = services.diff(agreement.version(1), agreement.version(2))

    assert ("added", "1.3 Le parti si incontrano ogni sei mesi.") in lines
    assert not [line for kind, line in lines if kind == "removed"]


def test_only_coordinators_change_an_agreement(coordinator):
    comune, cgil, cisl = three_parties()
    agreement = agreement_with([comune, cgil, cisl], coordinator)

    with pytest.raises(services.AgreementError):
        services.set_text(agreement, TEXT, cgil.signer)
    with pytest.raises(services.AgreementError):
        services.open_for_signature(agreement, cgil.signer)


def test_termination_needs_a_reason_and_closes_the_agreement(coordinator):
    agreement = agreement_with(three_parties(), coordinator)

    with pytest.raises(WorkflowError):
        services.transition(agreement, "terminate", coordinator, "")
    db.session.rollback()
    services.transition(agreement, "terminate", coordinator, "Sostituito dal nuovo accordo")

    assert agreement.state == "terminated"
    assert log_for(agreement)[0].reason == "Sostituito dal nuovo accordo"
    with pytest.raises(services.AgreementError):
        services.set_text(agreement, TEXT, coordinator)


def test_every_signature_version_and_transition_is_audited(coordinator):
    parties = three_parties()
    agreement = agreement_with(parties, coordinator)
    services.open_for_signature(agreement, coordinator)
    signature = sign(agreement, parties[1])

    audited = set(db.session.execute(select(AuditLog.model, AuditLog.record_id)).all())

    assert ("AgreementVersion", str(agreement.version(1).id)) in audited
    assert ("Signature", str(signature.id)) in audited
    assert [entry.to_state for entry in log_for(agreement)] == ["open"]
    states = db.session.scalars(select(AuditLog.new).where(AuditLog.model == "Agreement",
                                                           AuditLog.field == "state").order_by(AuditLog.id))
    assert list(states) == ["draft", "open"]


# Notifications and expiry -------------------------------------------------------------------------------
def test_the_parties_are_told_when_it_opens_for_signature_and_when_it_enters_into_force(coordinator):
    parties = three_parties()
    agreement = agreement_with(parties, coordinator)
    services.open_for_signature(agreement, coordinator)
    for member in parties:
        sign(agreement, member)

    assert notifications_of(parties[1].signer) == [
        "ATWA-2026: la versione 1 è aperta alla firma", "ATWA-2026 è in vigore (versione 1)"]
    assert notifications_of(coordinator) == ["ATWA-2026 è in vigore (versione 1)"]


def test_the_expiry_reminder_goes_out_60_days_before_once(coordinator):
    parties = three_parties()
    agreement = agreement_with(parties, coordinator, end_date=date(2027, 6, 30))
    services.open_for_signature(agreement, coordinator)
    for member in parties:
        sign(agreement, member)

    assert services.run_expiry(date(2027, 4, 30)) == {"reminded": 0, "expired": 0}  # 61 days before
    assert services.run_expiry(date(2027, 5, 1)) == {"reminded": 1, "expired": 0}   # 60 days before
    assert services.run_expiry(date(2027, 5, 2)) == {"reminded": 0, "expired": 0}   # idempotent
    assert notifications_of(coordinator)[-1] == "ATWA-2026 scade il 30/06/2027"
    assert services.run_expiry(date(2027, 6, 30)) == {"reminded": 0, "expired": 0}  # valid through its end date
    assert services.run_expiry(date(2027, 7, 1)) == {"reminded": 0, "expired": 1}
    assert agreement.state == "expired"


def test_a_missed_run_catches_up_through_the_scheduled_job(app, coordinator):
    from app.jobs import enqueue

    parties = three_parties()
    agreement = agreement_with(parties, coordinator, end_date=date(2027, 6, 30))
    services.open_for_signature(agreement, coordinator)
    for member in parties:
        sign(agreement, member)

    job = enqueue("agreements.expiry", as_of="2027-06-29")

    assert job.status == "finished" and job.result == {"reminded": 1, "expired": 0}


# Adhesions ----------------------------------------------------------------------------------------------
def in_force(coordinator):
    parties = three_parties()
    agreement = agreement_with(parties, coordinator)
    services.open_for_signature(agreement, coordinator)
    for member in parties:
        sign(agreement, member)
    return agreement


def test_an_organisation_adheres_once_accepted_and_signed(coordinator):
    agreement = in_force(coordinator)
    cooperative = party("Cooperativa Su Nuraghe", "cooperative", "cooperative")

    adhesion = services.request_adhesion(agreement, cooperative.signer, "Vorremmo aderire.")
    assert "Cooperativa Su Nuraghe chiede di aderire a ATWA-2026" in notifications_of(coordinator)
    services.accept_adhesion(adhesion, coordinator)
    (found,) = db.session.scalars(select(SignatureRequest).where(
        SignatureRequest.document_id == adhesion.document_id)).all()
    signing.sign_fes(found, cooperative.signer, "correct-horse-battery", True)

    assert adhesion.state == "signed" and adhesion.signed_on == date.today()
    assert [(p.organisation.legal_name, p.joined_on) for p in services.adherents(agreement)] == [
        ("Cooperativa Su Nuraghe", date.today())]
    assert agreement.current_version == 1  # an adherent does not change the signed text


def test_adhesion_is_only_for_agreements_in_force_and_only_once(coordinator):
    draft = agreement_with(three_parties(), coordinator, code="BOZZA-1")
    agreement = in_force(coordinator)
    cooperative = party("Cooperativa Su Nuraghe", "cooperative", "cooperative")

    with pytest.raises(services.AgreementError):
        services.request_adhesion(draft, cooperative.signer)
    services.request_adhesion(agreement, cooperative.signer)
    with pytest.raises(services.AgreementError):
        services.request_adhesion(agreement, cooperative.signer)
    with pytest.raises(services.AgreementError):  # a party does not adhere to its own agreement
        services.request_adhesion(agreement, agreement_party_signer(agreement))


def agreement_party_signer(agreement):
    from app.models import User

    return db.session.scalar(select(User).where(User.organisation_id == agreement.parties[1].organisation_id))


def test_a_rejected_adhesion_needs_a_reason(coordinator):
    agreement = in_force(coordinator)
    cooperative = party("Cooperativa Su Nuraghe", "cooperative", "cooperative")
    adhesion = services.request_adhesion(agreement, cooperative.signer)

    with pytest.raises(WorkflowError):
        services.reject_adhesion(adhesion, coordinator, "")
    db.session.rollback()
    services.reject_adhesion(adhesion, coordinator, "Non ha i requisiti")

    assert db.session.get(Adhesion, adhesion.id).state == "rejected"


# Templates ----------------------------------------------------------------------------------------------
def test_a_new_agreement_starts_from_a_template(coordinator):
    agreement = agreement_with(three_parties(), coordinator)
    template = services.save_as_template(agreement, "Accordo territoriale", coordinator)

    copy = services.create_agreement(coordinator, "ATWA-2029", "Nuovo accordo", template=template)

    assert copy.content == agreement.content and copy.state == "draft" and copy.parties == []
    assert db.session.scalar(select(func.count()).select_from(Agreement)) == 2


def test_dates_in_the_wrong_order_are_refused(coordinator):
    with pytest.raises(services.AgreementError):
        services.create_agreement(coordinator, "X-1", "Accordo", start_date=date(2027, 1, 1),
                                  end_date=date(2026, 1, 1) - timedelta(days=1))


def test_a_new_end_date_after_opening_makes_the_next_version(coordinator):
    agreement = agreement_with(three_parties(), coordinator)
    services.open_for_signature(agreement, coordinator)

    agreement.end_date = date(2029, 12, 31)  # as the "title and dates" form does
    services.after_edit(agreement, coordinator)

    assert agreement.current_version == 2
    assert agreement.version(1).text_sha256 != agreement.version(2).text_sha256
