"""Needs: anonymous fields on the need, personal data apart (audited without values), consent and legal
basis, referral to offers, booking through the catalogue that never overbooks, follow-up with outcome."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.audit import AuditLog
from app.extensions import db
from app.workflow import WorkflowError
from modules.catalog import services as catalog
from modules.catalog.models import Booking
from modules.welfare_points import services
from modules.welfare_points.models import Need, NeedPersonal
from tests.factories import make_user
from tests.modules.catalog.helpers import MONDAY, accredited_offer
from tests.modules.welfare_points.helpers import PERSON, desk_with_operator, need_values, record

JAN_30 = date(2026, 1, 30)


@pytest.fixture
def desk(app, ctx, storage):
    return desk_with_operator()


@pytest.fixture
def offer(desk):
    found, slot, _user, _application = accredited_offer(capacity=1)
    return found, slot


def test_personal_data_is_kept_apart_from_the_anonymous_need(desk):
    need = record(*desk)
    assert need.code.startswith("WP-") and need.status == "open" and need.consent_at is not None
    assert need.comune_id == desk[0].comune_id  # no comune given: the desk's
    personal = db.session.scalar(select(NeedPersonal).where(NeedPersonal.need_id == need.id))
    assert personal.full_name == PERSON["full_name"] and personal.note == PERSON["note"]
    assert not {"full_name", "email", "phone", "note"} & set(Need.__table__.columns.keys())


def test_personal_data_is_audited_without_values(desk):
    need = record(*desk)
    rows = db.session.scalars(select(AuditLog).where(AuditLog.model == "NeedPersonal",
                                                     AuditLog.record_id == str(need.personal.id))).all()
    assert {row.field for row in rows} >= {"full_name", "email", "phone", "note"}
    assert all(row.is_redacted and row.old is None and row.new is None
               for row in rows if row.field in NeedPersonal.__audit_personal__)
    assert not db.session.scalar(select(AuditLog.id).where(AuditLog.new.contains("Giovanna")))


def test_consent_as_legal_basis_must_be_recorded(desk, italian):
    with pytest.raises(services.NeedRefused, match="consenso"):
        record(*desk, has_consent=False)
    need = record(*desk, personal={}, legal_basis="public_task", has_consent=False)
    assert need.personal is None and need.consent_at is None


def test_an_operator_records_needs_only_at_their_own_desks(desk, italian):
    other_desk, _other = desk_with_operator()
    with pytest.raises(services.NeedRefused, match="sportelli"):
        services.record_need(desk[1], need_values(other_desk), PERSON)
    assert db.session.scalar(select(Need.id)) is None


def test_refer_and_book_a_slot_for_the_case_code(desk, offer):
    need = record(*desk)
    offer_, slot = offer
    (referral,) = services.refer(need, [offer_.id], desk[1], JAN_30)
    assert need.status == "referred"
    booking = services.book(referral, slot, MONDAY, desk[1], JAN_30)
    assert booking.anonymous_code == need.code and booking.citizen_name is None
    assert referral.booking_id == booking.id


def test_book_with_the_name_needs_the_persons_consent(desk, offer, italian):
    offer_, slot = offer
    anonymous = record(*desk, personal={}, legal_basis="public_task", has_consent=False)
    (referral,) = services.refer(anonymous, [offer_.id], desk[1], JAN_30)
    with pytest.raises(services.NeedRefused, match="consenso"):
        services.book(referral, slot, MONDAY, desk[1], JAN_30, with_name=True)
    named = record(*desk)
    (referral,) = services.refer(named, [offer_.id], desk[1], JAN_30)
    booking = services.book(referral, slot, MONDAY, desk[1], JAN_30, with_name=True)
    assert booking.citizen_name == PERSON["full_name"] and booking.has_consent


def test_a_second_booking_of_a_full_slot_is_refused_in_italian(desk, offer, italian):
    offer_, slot = offer
    first, second = record(*desk), record(*desk)
    services.book(services.refer(first, [offer_.id], desk[1], JAN_30)[0], slot, MONDAY, desk[1], JAN_30)
    referral = services.refer(second, [offer_.id], desk[1], JAN_30)[0]
    with pytest.raises(catalog.BookingRefused, match="al completo"):
        services.book(referral, slot, MONDAY, desk[1], JAN_30)
    assert db.session.scalar(select(Booking.id).where(Booking.anonymous_code == second.code)) is None


def test_only_offers_of_the_public_catalogue_can_be_referred(desk, offer, italian):
    need = record(*desk)
    with pytest.raises(services.NeedRefused):
        services.refer(need, [999_999], desk[1], JAN_30)


def test_closing_needs_an_outcome_and_a_closed_case_is_read_only(desk, italian):
    need = record(*desk)
    with pytest.raises(services.NeedRefused, match="esito"):
        services.close(need, "resolve", desk[1], None)
    with pytest.raises(WorkflowError):
        services.close(need, "not_resolve", desk[1], "declined", reason="")
    services.close(need, "resolve", desk[1], "offer_used")
    assert need.status == "resolved" and need.outcome == "offer_used" and need.closed_at is not None
    with pytest.raises(services.NeedRefused):
        services.update_need(need, desk[1], need_values(desk[0]), PERSON)


def test_an_auditor_cannot_close_a_case(desk):
    need = record(*desk)
    with pytest.raises(WorkflowError):
        services.close(need, "resolve", make_user("auditor"), "offer_used")
    db.session.refresh(need)
    assert need.status == "open" and need.outcome is None
