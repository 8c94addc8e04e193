"""Bookings: never more than the places, cancellation frees the place, e-mails with a cancel link,
reminders the day before."""

from __future__ import annotations

import re
from datetime import date, datetime, time

import pytest
from sqlalchemy import func, select

from app.audit import AuditLog
from app.extensions import db
from app.jobs import enqueue
from modules.catalog import services
from modules.catalog.dates import ROME
from modules.catalog.models import Booking, Closure, Occurrence
from tests.factories import make_user
from tests.modules.catalog.helpers import MONDAY, accredited_offer

JAN_30 = date(2026, 1, 30)


@pytest.fixture
def slot(app, ctx, storage):
    _offer, found, _user, _application = accredited_offer(capacity=1)
    return found


def named(**extra) -> dict:
    return {"citizen_name": "Maria Rossi", "citizen_email": "maria.rossi@example.it",
            "citizen_phone": "3331234567", "has_consent": True, **extra}


def test_the_last_place_goes_once_and_a_second_booking_is_refused(slot, italian):
    operator = make_user("operator")
    services.book(slot, MONDAY, operator, JAN_30, anonymous_code="X1")
    with pytest.raises(services.BookingRefused, match="completo"):
        services.book(slot, MONDAY, operator, JAN_30, anonymous_code="X2")
    assert db.session.scalar(select(Occurrence.booked)) == 1


def test_cancellation_frees_the_place(slot):
    operator = make_user("operator")
    booking = services.book(slot, MONDAY, operator, JAN_30, anonymous_code="X1")
    services.cancel(booking)
    services.cancel(booking)  # twice changes nothing
    assert db.session.scalar(select(Occurrence.booked)) == 0
    assert services.book(slot, MONDAY, operator, JAN_30, anonymous_code="X2").status == "confirmed"


def test_a_named_booking_needs_recorded_consent(slot, italian):
    with pytest.raises(services.BookingRefused, match="consenso"):
        services.book(slot, MONDAY, make_user("operator"), JAN_30, **named(has_consent=False))
    booking = services.book(slot, MONDAY, make_user("operator"), JAN_30, **named())
    assert booking.has_consent and booking.consent_at is not None


def test_a_closed_day_and_a_past_day_cannot_be_booked(slot):
    db.session.add(Closure(offer_id=slot.offer_id, day=MONDAY, reason="Chiusura"))
    db.session.commit()
    with pytest.raises(services.BookingRefused):
        services.book(slot, MONDAY, make_user("operator"), JAN_30, anonymous_code="X1")
    with pytest.raises(services.BookingRefused):
        services.book(slot, date(2026, 1, 26), make_user("operator"), JAN_30, anonymous_code="X1")
    assert MONDAY not in [o.day for o in services.openings(slot.offer, JAN_30)]


def test_a_slot_that_has_started_today_can_no_longer_be_booked(slot, italian):
    operator = make_user("operator")
    before, started = (datetime.combine(MONDAY, moment, tzinfo=ROME) for moment in (time(8, 59), time(9, 0)))
    assert [o.day for o in services.openings(slot.offer, before, days=1)] == [MONDAY]
    assert [o.day for o in services.openings(slot.offer, started, days=8)] == [date(2026, 2, 9)]  # next Monday
    with pytest.raises(services.BookingRefused, match="già iniziato"):
        services.book(slot, MONDAY, operator, started, anonymous_code="X1")
    assert services.book(slot, MONDAY, operator, before, anonymous_code="X1").status == "confirmed"


def test_the_confirmation_email_carries_a_link_that_cancels(slot, outbox, client):
    booking = services.book(slot, MONDAY, make_user("operator"), JAN_30, **named())
    assert [m["To"] for m in outbox] == ["maria.rossi@example.it"]
    path = re.search(r"https?://[^/\s]+(/catalogo/annulla/\S+)", outbox[0].get_content()).group(1)
    assert client.get(path).status_code == 200
    page = client.get(path).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post(path, data={"csrf_token": token}).status_code == 302
    db.session.refresh(booking)
    assert booking.status == "cancelled"
    assert client.get("/catalogo/annulla/forged-token").status_code == 404


def test_no_email_without_an_address(slot, outbox):
    services.book(slot, MONDAY, make_user("operator"), JAN_30, anonymous_code="X1")
    assert outbox == []


def test_the_reminder_goes_the_day_before_and_only_once(slot, outbox):
    services.book(slot, MONDAY, make_user("operator"), JAN_30, **named())
    outbox.clear()
    for as_of, expected in (("2026-01-31", 0), ("2026-02-01", 1), ("2026-02-01", 0)):
        job = enqueue("catalog.send_reminders", as_of=as_of)
        assert job.status == "finished" and job.result["sent"] == expected
    assert len(outbox) == 1 and "annulla" in outbox[0].get_content()
    assert db.session.scalar(select(func.count(Booking.id)).where(Booking.reminded_at.is_not(None))) == 1


def test_the_audit_records_a_citizens_data_without_its_values(slot):
    booking = services.book(slot, MONDAY, make_user("operator"), JAN_30, **named())
    rows = db.session.scalars(select(AuditLog).where(AuditLog.model == "Booking",
                                                     AuditLog.record_id == str(booking.id))).all()
    texts = " ".join(f"{row.old} {row.new}" for row in rows)
    assert rows and "Maria" not in texts and "maria.rossi" not in texts and "3331234567" not in texts
