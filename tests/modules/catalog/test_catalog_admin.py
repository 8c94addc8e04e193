"""Admin screens: cooperatives keep only their own offers; operators book from the offer's page, and a
full slot is refused with a clear Italian message."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import User
from modules.catalog import services
from modules.catalog.dates import today
from modules.catalog.models import Booking, Offer
from tests.factories import csrf_token, login, make_user
from tests.modules.catalog.factories import OfferFactory
from tests.modules.catalog.helpers import accredited_offer

OFFERS = "/admin/catalog_offer"


@pytest.fixture
def offer(app, storage):
    with app.app_context():
        found, slot, cooperative, _application = accredited_offer(capacity=1, title_it="Ludoteca")
        return found.id, slot.id, cooperative.id, found.organisation_id


def _login(app, client, user_id: int) -> None:
    with app.app_context():
        login(client, db.session.get(User, user_id))


def test_a_cooperative_changes_its_price_with_italian_numbers_but_never_the_organisation(app, client, offer):
    offer_id, _slot_id, cooperative_id, organisation_id = offer
    _login(app, client, cooperative_id)
    page = client.get(f"{OFFERS}/edit/?id={offer_id}").get_data(as_text=True)
    assert 'name="organisation"' not in page
    data = dict(re.findall(r'<input[^>]*name="([a-z_]+)"[^>]*value="([^"]*)"', page))
    data.update({"csrf_token": csrf_token(client, f"{OFFERS}/edit/?id={offer_id}"), "price_from": "32,50",
                 "price_to": "", "title_it": "Ludoteca", "status": "published", "valid_from": "2026-01-01",
                 "category": re.search(r'<option selected value="(\d+)"|<option value="(\d+)" selected',
                                       page).group(1) or "1"})
    response = client.post(f"{OFFERS}/edit/?id={offer_id}", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with app.app_context():
        saved = db.session.get(Offer, offer_id)
        assert str(saved.price_from) == "32.50" and saved.organisation_id == organisation_id
    assert "32,50" in client.get(f"/catalogo/offerta/{offer_id}").get_data(as_text=True)


def test_a_cooperative_cannot_reach_another_organisations_offer(app, client, offer):
    offer_id, _slot_id, _cooperative_id, _organisation_id = offer
    with app.app_context():
        other = make_user("cooperative", organisation=db.session.get(Offer, OfferFactory().id).organisation).id
    _login(app, client, other)
    assert client.get(f"{OFFERS}/edit/?id={offer_id}").status_code == 404
    assert client.get(f"{OFFERS}/book/{offer_id}/").status_code == 404
    assert "Ludoteca" not in client.get(f"{OFFERS}/").get_data(as_text=True)


def test_an_operator_books_and_a_second_booking_of_the_full_slot_is_refused_in_italian(app, client, offer):
    offer_id, _slot_id, _cooperative_id, _organisation_id = offer
    with app.app_context():
        operator = make_user("operator").id
        opening = services.openings(db.session.get(Offer, offer_id), today())[0]
        choice = f"{opening.slot.id}:{opening.day.isoformat()}"
    _login(app, client, operator)
    book = f"{OFFERS}/book/{offer_id}/"
    first = client.post(book, data={"csrf_token": csrf_token(client, book), "opening": choice,
                                    "citizen_name": "Anna Pinna", "has_consent": "y"})
    assert first.status_code == 302
    second = client.post(book, data={"csrf_token": csrf_token(client, book), "opening": choice,
                                     "anonymous_code": "X-2"})
    assert "Questa fascia oraria è al completo" in second.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Booking.id))) == 1


def test_the_home_shows_coming_bookings_and_the_cooperatives_agenda_address(app, client, offer):
    offer_id, _slot_id, cooperative_id, organisation_id = offer
    with app.app_context():
        offer_row = db.session.get(Offer, offer_id)
        opening = services.openings(offer_row, today())[0]
        services.book(opening.slot, opening.day, make_user("operator"), today(), anonymous_code="H-1")
        token = services.agenda_token(organisation_id)
    _login(app, client, cooperative_id)
    home = client.get("/admin/").get_data(as_text=True)
    assert "Prossime prenotazioni" in home and "Ludoteca" in home
    assert f"/catalogo/agenda/{token}.ics" in home


def test_an_auditor_reads_bookings_without_the_citizens_personal_data(app, client, offer):
    from tests.modules.catalog.factories import BookingFactory

    with app.app_context():
        BookingFactory(citizen_name="Giovanna Sanna", citizen_email="giovanna@example.it", has_consent=True)
        auditor = make_user("auditor").id
    _login(app, client, auditor)

    listing = client.get("/admin/catalog_booking/").get_data(as_text=True)
    searched = client.get("/admin/catalog_booking/?search=Sanna").get_data(as_text=True)
    exported = client.get("/admin/catalog_booking/export/csv-it/").get_data(as_text=True)

    assert "Elenco (1)" in listing and "(dato personale)" in listing
    assert "Giovanna" not in listing + exported
    assert "Elenco (1)" in searched  # the search on names is ignored, so it tells nothing
    booking_id = re.search(r"details/\?id=(\d+)", listing).group(1)
    details = client.get(f"/admin/catalog_booking/details/?id={booking_id}").get_data(as_text=True)
    assert "giovanna@example.it" not in details and "(dato personale)" in details
