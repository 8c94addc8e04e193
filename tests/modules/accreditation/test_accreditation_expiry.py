"""The daily expiry check: reminders 30 days before, automatic suspension the day after, expiry at the end
of the period; run with `as_of` dates, caught up when days were missed, and idempotent.
DOMAIN.md scenario 2 (first half) is tested here with its exact dates."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.jobs import enqueue, run_due
from app.notify import Notification
from app.workflow import log_for
from modules.accreditation import is_accredited, services, signals
from modules.accreditation.periods import periods_of
from tests.modules.accreditation.helpers import approved, coordinator, pdf, seeded_type

JAN_10, JAN_20 = date(2026, 1, 10), date(2026, 1, 20)


def run_check(as_of: date) -> dict:
    job = enqueue("accreditation.check_expiries", as_of=as_of.isoformat())
    assert job.status == "finished", job.error
    return job.result


def titles(user) -> list[str]:
    return list(db.session.scalars(select(Notification.title).where(Notification.user_id == user.id)
                                   .order_by(Notification.id)))


def notification_count() -> int:
    return db.session.scalar(select(func.count(Notification.id)))


@pytest.fixture
def received(app):
    """Every accreditation signal sent during the test, as (signal name, keyword arguments)."""
    seen = []
    handlers = {}
    for name in ("approved", "suspended", "reactivated", "revoked", "expired"):
        handlers[name] = (lambda n: lambda sender, **kw: seen.append((n, kw)))(name)
        getattr(signals, name).connect(handlers[name])
    yield seen
    for name, handler in handlers.items():
        getattr(signals, name).disconnect(handler)


@pytest.fixture
def cooperative(app, ctx, storage):
    """DOMAIN.md scenario 2: a cooperative accredited on 20 January 2026 with a DURC issued on 10 January."""
    reviewer = coordinator(full_name="Giulia Coordinatrice")
    application, user = approved(reviewer, issued=JAN_10, on=JAN_20)
    return application, user, reviewer


def test_scenario_2_the_durc_reminder_comes_on_10_april(cooperative, italian):
    application, user, reviewer = cooperative
    name = application.organisation.legal_name
    before = notification_count()
    assert run_check(date(2026, 4, 9))["reminders"] == 0
    assert notification_count() == before

    assert run_check(date(2026, 4, 10))["reminders"] == 1
    assert titles(reviewer)[-1] == f"DURC scade tra 30 giorni: {name}"  # the coordinator sees it
    assert titles(user)[-1] == f"DURC scade tra 30 giorni: {name}"  # and so does the cooperative
    assert application.state == "approved"


def test_scenario_2_from_11_may_the_accreditation_is_suspended(cooperative, received, italian):
    application, user, reviewer = cooperative
    run_check(date(2026, 5, 10))
    assert application.state == "approved"  # valid through its expiry day

    result = run_check(date(2026, 5, 11))
    db.session.refresh(application)
    assert result["suspended"] == 1 and application.state == "suspended"
    assert log_for(application)[0].reason == "documento scaduto: DURC"
    assert is_accredited(application.organisation_id, "local_supplier", date(2026, 5, 10))
    assert not is_accredited(application.organisation_id, "local_supplier", date(2026, 5, 11))
    assert [(p.status, p.starts_on, p.ends_on) for p in periods_of(application)] == [
        ("accredited", JAN_20, date(2026, 5, 10)), ("suspended", date(2026, 5, 11), None)]
    assert received[-1] == ("suspended", {"organisation_id": application.organisation_id,
                                          "scheme_key": "local_supplier", "on": date(2026, 5, 11),
                                          "reason": "documento scaduto: DURC"})
    assert any(t.startswith("Accreditamento sospeso") for t in titles(user))
    assert any("documento scaduto" in t for t in titles(reviewer))


def test_running_the_check_twice_sends_and_changes_nothing_more(cooperative, received):
    application, _user, _reviewer = cooperative
    for as_of in (date(2026, 4, 10), date(2026, 5, 11)):
        run_check(as_of)
        count, signals_sent, steps = notification_count(), len(received), len(log_for(application))
        again = run_check(as_of)
        assert again == {"as_of": as_of.isoformat(), "reminders": 0, "suspended": 0, "expired": 0}
        assert (notification_count(), len(received), len(log_for(application))) == (count, signals_sent, steps)


def test_a_missed_run_catches_up_on_the_day_the_suspension_was_due(cooperative):
    application, _user, _reviewer = cooperative
    result = run_check(date(2026, 5, 20))
    assert result == {"as_of": "2026-05-20", "reminders": 0, "suspended": 1, "expired": 0}
    assert periods_of(application)[-1].starts_on == date(2026, 5, 11)


def test_a_valid_replacement_lets_the_coordinator_reactivate(cooperative, received):
    application, user, reviewer = cooperative
    run_check(date(2026, 5, 11))
    services.add_document(application, seeded_type("durc").id, date(2026, 5, 12), pdf("durc-nuovo.pdf"), user,
                          on=date(2026, 5, 12))
    assert any("sospeso" in t for t in titles(reviewer))  # told that a new document arrived
    services.transition(application, "reactivate", reviewer, on=date(2026, 5, 13))
    assert application.state == "approved"
    assert is_accredited(application.organisation_id, "local_supplier", date(2026, 5, 13))
    assert not is_accredited(application.organisation_id, "local_supplier", date(2026, 5, 12))
    assert received[-1][0] == "reactivated"
    assert run_check(date(2026, 5, 14))["suspended"] == 0  # the expired DURC is history now


def test_the_accreditation_expires_after_its_period_in_the_order_things_fell_due(cooperative, received):
    application, _user, _reviewer = cooperative
    result = run_check(date(2027, 1, 25))
    assert (result["suspended"], result["expired"]) == (1, 1)
    assert application.state == "expired"
    assert [(p.status, p.starts_on, p.ends_on) for p in periods_of(application)] == [
        ("accredited", JAN_20, date(2026, 5, 10)), ("suspended", date(2026, 5, 11), date(2027, 1, 19)),
        ("expired", date(2027, 1, 20), None)]
    assert [name for name, _kw in received][-2:] == ["suspended", "expired"]


def test_an_accreditation_with_valid_documents_just_expires(app, ctx, storage):
    reviewer = coordinator()
    application, user = approved(reviewer, issued=JAN_10, on=JAN_20)
    for key in ("durc", "visura_camerale", "comunicazione_antimafia"):
        services.add_document(application, seeded_type(key).id, date(2026, 12, 1), pdf(), user, on=date(2026, 12, 1))
    assert run_check(date(2027, 1, 19)) == {"as_of": "2027-01-19", "reminders": 0, "suspended": 0, "expired": 0}
    assert run_check(date(2027, 1, 20))["expired"] == 1
    assert application.state == "expired" and application.is_final


def test_the_check_is_scheduled_daily_with_an_as_of_date(app, ctx):
    entry = next(e for e in app.extensions["distretto"].schedule if e["job"] == "accreditation.check_expiries")
    assert entry["every"] == "day"
    started = [job for job in run_due(datetime(2026, 4, 10, 5, 0, tzinfo=UTC))
               if job.name == "accreditation.check_expiries"]
    assert started[0].args == {"as_of": "2026-04-10"} and started[0].status == "finished"


def test_reminders_are_also_e_mailed(cooperative, app):
    application, user, reviewer = cooperative
    outbox = app.extensions["distretto"].outbox
    outbox.clear()
    run_check(date(2026, 4, 10))
    assert sorted(message["To"] for message in outbox) == sorted([user.email, reviewer.email])
    assert "10/05/26" in outbox[0].get_content() or "10 mag 2026" in outbox[0].get_content()
