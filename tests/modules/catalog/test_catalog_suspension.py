"""DOMAIN.md scenario 2, second half: from 11 May 2026 the suspended cooperative's offers leave the
public catalogue and the booking agenda."""

from __future__ import annotations

from datetime import date

import pytest

from app.extensions import db
from app.jobs import enqueue
from modules.accreditation import services as accreditation
from modules.catalog import services
from modules.catalog.agenda import agenda_ics
from tests.modules.accreditation.helpers import coordinator
from tests.modules.catalog.helpers import accredited_offer

MAY_10, MAY_11 = date(2026, 5, 10), date(2026, 5, 11)
MAY_18 = date(2026, 5, 18)  # a Monday after the suspension


def run_check(as_of: date) -> None:
    job = enqueue("accreditation.check_expiries", as_of=as_of.isoformat())
    assert job.status == "finished", job.error


@pytest.fixture
def offer(app, ctx, storage):
    found, slot, _user, application = accredited_offer(title_it="Assistenza anziani a domicilio")
    return found, slot, application


def test_scenario_2_the_expired_durc_takes_the_offers_out_of_catalogue_and_agenda(offer):
    found, slot, _application = offer
    booking = services.book(slot, MAY_18, coordinator(), MAY_10, anonymous_code="A-17")
    assert found in services.public_offers(MAY_10)
    run_check(MAY_10)
    assert found.is_listed

    run_check(MAY_11)
    db.session.refresh(found)
    assert not found.is_listed  # the accreditation's signal hid it at once
    assert found not in services.public_offers(MAY_11)
    assert services.openings(found, MAY_11) == []
    assert booking not in services.agenda_bookings(found.organisation_id, MAY_11)
    assert b"VEVENT" not in agenda_ics(found.organisation_id, MAY_11, "posti")
    with pytest.raises(services.BookingRefused):
        services.book(slot, MAY_18, coordinator(), MAY_11, anonymous_code="A-18")


def test_the_public_pages_no_longer_show_a_suspended_suppliers_offer(offer, client):
    found, _slot, application = offer
    assert "Assistenza anziani a domicilio" in client.get("/catalogo/").get_data(as_text=True)
    accreditation.transition(application, "suspend", coordinator(), reason="verifica in corso")
    db.session.commit()
    assert "Assistenza anziani a domicilio" not in client.get("/catalogo/").get_data(as_text=True)
    assert client.get(f"/catalogo/offerta/{found.id}").status_code == 404


def test_the_query_hides_the_offer_even_if_the_signal_was_missed(offer):
    found, _slot, _application = offer
    assert found in services.public_offers(date(2026, 2, 2))
    assert found not in services.public_offers(date(2025, 12, 31))  # not yet accredited that day


def test_reactivation_brings_the_offers_back(offer):
    found, _slot, application = offer
    reviewer = coordinator()
    accreditation.transition(application, "suspend", reviewer, reason="verifica", on=date(2026, 2, 9))
    db.session.commit()
    db.session.refresh(found)
    assert not found.is_listed
    accreditation.transition(application, "reactivate", reviewer, on=date(2026, 2, 16))
    db.session.commit()
    db.session.refresh(found)
    assert found.is_listed
    assert found in services.public_offers(date(2026, 2, 16))
    assert found not in services.public_offers(date(2026, 2, 12))
