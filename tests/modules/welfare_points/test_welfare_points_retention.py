"""Retention: the personal data of cases closed longer than the setting (24 months) ago is erased by the
daily job, the anonymous fields stay, the case records the date and the audit has no values."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select, update

from app.audit import AuditLog
from app.extensions import db
from app.jobs import enqueue
from app.settings import set_setting
from modules.catalog.models import Booking
from modules.welfare_points import jobs, services
from modules.welfare_points.models import Need, NeedPersonal
from tests.modules.catalog.helpers import MONDAY, accredited_offer
from tests.modules.welfare_points.helpers import desk_with_operator, record

AS_OF = date(2028, 3, 1)


@pytest.fixture
def desk(app, ctx, storage):
    return desk_with_operator()


def closed(desk, on: datetime, transition: str = "resolve", **extra) -> Need:
    need = record(*desk, **extra)
    services.close(need, transition, desk[1], "offer_used", reason="Non interessata")
    # closed_at is set by the service to now: move it back as if closed on `on` (the record is final)
    db.session.execute(update(Need).where(Need.id == need.id).values(closed_at=on))
    db.session.commit()
    return need


def test_the_erasure_job_is_scheduled_daily():
    assert {"job": "welfare_points.erase_personal_data", "every": "day", "at": "02:30"} in jobs.SCHEDULE


def test_only_closed_cases_older_than_the_retention_period_are_erased(desk):
    old = closed(desk, datetime(2026, 2, 27, 10, tzinfo=UTC))
    recent = closed(desk, datetime(2026, 3, 2, 10, tzinfo=UTC))
    still_open = record(*desk)
    job = enqueue("welfare_points.erase_personal_data", as_of=AS_OF.isoformat())
    assert job.status == "finished" and job.result == {"as_of": "2028-03-01", "erased": 1}
    db.session.expire_all()
    erased = db.session.get(Need, old.id)
    assert erased.personal is None and erased.personal_erased_at is not None
    assert erased.category_id and erased.age_band == "45_64" and erased.status == "resolved"
    assert db.session.get(Need, recent.id).personal is not None
    assert db.session.get(Need, still_open.id).personal is not None
    assert db.session.scalar(select(NeedPersonal.id).where(NeedPersonal.need_id == old.id)) is None


def test_running_the_job_twice_erases_nothing_more(desk):
    closed(desk, datetime(2025, 1, 10, tzinfo=UTC), transition="not_resolve")
    assert services.erase_expired(AS_OF) == 1
    assert services.erase_expired(AS_OF) == 0


def test_the_retention_period_is_a_setting(desk):
    need = closed(desk, datetime(2027, 8, 1, tzinfo=UTC))
    assert services.erase_expired(AS_OF) == 0
    set_setting("welfare_points.retention_months", 6)
    assert services.erase_expired(AS_OF) == 1
    db.session.expire_all()
    assert db.session.get(Need, need.id).personal_erased_at is not None


def test_the_erasure_is_audited_without_values(desk):
    need = closed(desk, datetime(2025, 1, 10, tzinfo=UTC))
    personal_id = need.personal.id
    services.erase_expired(AS_OF)
    deleted = db.session.scalars(select(AuditLog).where(AuditLog.model == "NeedPersonal",
                                                        AuditLog.record_id == str(personal_id),
                                                        AuditLog.action == "delete")).all()
    assert deleted and all(row.old is None and row.new is None for row in deleted
                           if row.field in NeedPersonal.__audit_personal__)
    marker = db.session.scalar(select(AuditLog).where(AuditLog.model == "Need", AuditLog.record_id == str(need.id),
                                                      AuditLog.field == "personal_erased_at"))
    assert marker is not None and marker.new
    assert not db.session.scalar(select(AuditLog.id).where(AuditLog.old.contains("Giovanna")))


def test_the_names_on_the_cases_bookings_are_erased_too(desk):
    offer, slot, _user, _application = accredited_offer(capacity=2)
    need = record(*desk)
    (referral,) = services.refer(need, [offer.id], desk[1], date(2026, 1, 30))
    booking = services.book(referral, slot, MONDAY, desk[1], date(2026, 1, 30), with_name=True)
    assert booking.citizen_name
    services.close(need, "resolve", desk[1], "offer_used")
    db.session.execute(update(Need).where(Need.id == need.id).values(closed_at=datetime(2026, 2, 3, tzinfo=UTC)))
    db.session.commit()
    services.erase_expired(AS_OF)
    booking = db.session.get(Booking, booking.id)
    assert booking.citizen_name is None and booking.citizen_email is None and booking.anonymous_code == need.code


def test_months_are_counted_to_the_months_end():
    assert services.months_before(date(2028, 8, 31), 6) == date(2028, 2, 29)
    assert services.months_before(date(2028, 3, 1), 24) == date(2026, 3, 1)
