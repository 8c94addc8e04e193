"""The organisation's agenda as .ics: times and offers behind a secret address, never a citizen's data."""

from __future__ import annotations

import pytest

from modules.catalog import services
from modules.catalog.dates import today
from tests.factories import make_user
from tests.modules.catalog.helpers import accredited_offer


@pytest.fixture
def booked(app, ctx, storage):
    offer, slot, _user, _application = accredited_offer(title_it="Doposcuola creativo")
    day = next(o.day for o in services.openings(offer, today()))
    services.book(slot, day, make_user("operator"), today(), citizen_name="Maria Rossi",
                  citizen_email="maria.rossi@example.it", citizen_phone="3331234567", has_consent=True,
                  anonymous_code="MR-01")
    return offer


def test_the_ics_feed_shows_times_and_offers_but_no_citizen_data(booked, client):
    response = client.get(f"/catalogo/agenda/{services.agenda_token(booked.organisation_id)}.ics")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert "BEGIN:VEVENT" in body and "Doposcuola creativo" in body and "DTSTART" in body
    for personal in ("Maria", "Rossi", "maria.rossi", "3331234567", "MR-01"):
        assert personal not in body


def test_a_guessed_or_forged_agenda_address_is_not_found(booked, client):
    assert client.get(f"/catalogo/agenda/{booked.organisation_id}.ics").status_code == 404
    token = services.agenda_token(booked.organisation_id)
    assert client.get(f"/catalogo/agenda/{token[:-2]}xx.ics").status_code == 404
