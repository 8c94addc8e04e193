"""Record rules on every path: an operator of desk A cannot reach desk B's case by URL, export, ajax or the
case page's actions; the auditor reads the anonymous fields and never the personal data; the intake form
keeps personal data apart; the home widgets show today's bookings and the cases to follow up."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import User
from modules.welfare_points import services
from modules.welfare_points.models import Need, NeedPersonal, Referral
from tests.factories import csrf_token, login, make_user
from tests.modules.catalog.factories import seeded_category
from tests.modules.catalog.helpers import accredited_offer
from tests.modules.welfare_points.helpers import PERSON, desk_with_operator, record

NEEDS = "/admin/welfare_points_need"


@pytest.fixture
def two_desks(app, storage):
    """Desk A with its operator and a named case; desk B with its operator and a named case."""
    with app.app_context():
        desk_a, operator_a = desk_with_operator("Sportello A")
        desk_b, operator_b = desk_with_operator("Sportello B")
        need_a, need_b = record(desk_a, operator_a), record(desk_b, operator_b)
        return {"a": (desk_a.id, operator_a.id, need_a.id), "b": (desk_b.id, operator_b.id, need_b.id)}


def _login(app, client, user_id: int) -> None:
    with app.app_context():
        login(client, db.session.get(User, user_id))


def _as(app, client, role: str) -> None:
    with app.app_context():
        login(client, make_user(role))


def test_an_operator_of_desk_a_cannot_open_desk_bs_case_by_url(app, client, two_desks):
    _desk, operator_a, need_a = two_desks["a"]
    need_b = two_desks["b"][2]
    _login(app, client, operator_a)
    assert client.get(f"{NEEDS}/details/?id={need_a}").status_code == 200
    assert client.get(f"{NEEDS}/details/?id={need_b}").status_code == 404
    assert client.get(f"{NEEDS}/edit/?id={need_b}").status_code == 404
    listing = client.get(f"{NEEDS}/").get_data(as_text=True)
    assert set(map(int, re.findall(r"details/\?id=(\d+)", listing))) == {need_a}


def test_an_operator_exports_only_their_desks_cases_and_no_personal_data(app, client, two_desks):
    _login(app, client, two_desks["a"][1])
    exported = client.get(f"{NEEDS}/export/csv/").get_data(as_text=True)
    with app.app_context():
        code_a, code_b = (db.session.get(Need, two_desks[k][2]).code for k in "ab")
    assert code_a in exported and code_b not in exported
    assert PERSON["full_name"] not in exported and PERSON["email"] not in exported


def test_the_desk_lookups_never_list_another_operators_desk(app, client, two_desks):
    _login(app, client, two_desks["a"][1])
    form = client.get(f"{NEEDS}/new/").get_data(as_text=True)
    assert "Sportello A" in form and "Sportello B" not in form
    assert client.get(f"/admin/welfare_points_desk/details/?id={two_desks['b'][0]}").status_code == 404
    found = client.get(f"{NEEDS}/ajax/lookup/?name=comune&query=Orist&limit=1000").get_json()
    assert found and len(found) <= 20


def test_an_operator_cannot_act_on_another_desks_case(app, client, two_desks):
    _login(app, client, two_desks["a"][1])
    need_b = two_desks["b"][2]
    token = csrf_token(client, f"{NEEDS}/")
    for path, data in (("refer", {"id": need_b, "offer_ids": "1"}),
                       ("close", {"id": need_b, "transition": "resolve", "outcome": "offer_used"})):
        assert client.post(f"{NEEDS}/{path}/", data={"csrf_token": token, **data}).status_code == 404
    with app.app_context():
        assert db.session.get(Need, need_b).status == "open"


def test_a_forged_desk_in_the_intake_form_is_refused(app, client, two_desks):
    _login(app, client, two_desks["a"][1])
    with app.app_context():
        category_id = seeded_category().id
    data = {"csrf_token": csrf_token(client, f"{NEEDS}/new/"), "desk": two_desks["b"][0], "category": category_id,
            "age_band": "30_44", "household_type": "single", "work_status": "employee", "channel": "phone",
            "legal_basis": "public_task"}
    client.post(f"{NEEDS}/new/", data=data)
    with app.app_context():
        assert db.session.scalar(select(Need.id).where(Need.age_band == "30_44")) is None


def test_the_intake_form_keeps_personal_data_apart(app, client, two_desks):
    desk_a, operator_a, _need = two_desks["a"]
    _login(app, client, operator_a)
    with app.app_context():
        category_id = seeded_category().id
    data = {"csrf_token": csrf_token(client, f"{NEEDS}/new/"), "desk": desk_a, "category": category_id,
            "age_band": "30_44", "household_type": "single_parent", "work_status": "employee", "channel": "phone",
            "legal_basis": "consent", "has_consent": "y", "full_name": "Paola Murru", "phone": "3400000000",
            "note": "Bisogno di doposcuola."}
    response = client.post(f"{NEEDS}/new/", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    with app.app_context():
        need = db.session.scalar(select(Need).where(Need.household_type == "single_parent"))
        assert need.comune_id == "095038" and need.has_consent and need.recorded_by_id == operator_a
        assert need.personal.full_name == "Paola Murru" and need.personal.note == "Bisogno di doposcuola."
    page = client.get(f"{NEEDS}/edit/?id={need.id}").get_data(as_text=True)
    assert 'value="Paola Murru"' in page


def test_the_auditor_reads_anonymous_fields_and_never_personal_data(app, client, two_desks):
    need_a = two_desks["a"][2]
    _as(app, client, "auditor")
    page = client.get(f"{NEEDS}/details/?id={need_a}").get_data(as_text=True)
    assert "45–64" in page or "45-64" in page
    for value in PERSON.values():
        assert value not in page
    assert PERSON["full_name"] not in client.get(f"{NEEDS}/export/csv/").get_data(as_text=True)
    assert client.get(f"{NEEDS}/edit/?id={need_a}").status_code in (302, 403)
    with app.app_context():
        auditor = make_user("auditor")
        from app.security import AccessDenied, scoped

        with pytest.raises(AccessDenied):
            scoped(NeedPersonal, "read", auditor)


def test_a_coordinator_sees_every_desks_cases_and_the_personal_data(app, client, two_desks):
    _as(app, client, "coordinator")
    for key in "ab":
        page = client.get(f"{NEEDS}/details/?id={two_desks[key][2]}").get_data(as_text=True)
        assert PERSON["full_name"] in page


def test_the_case_page_refers_and_books_from_the_same_screen(app, client, two_desks, monkeypatch):
    monkeypatch.setattr("modules.welfare_points.services.today", lambda: date(2026, 1, 30))  # accredited then
    desk_a, operator_a, need_a = two_desks["a"]
    with app.app_context():
        offer, slot, _user, _application = accredited_offer(capacity=1, title_it="Ludoteca Is Arenas")
        offer_id = offer.id
    _login(app, client, operator_a)
    token = csrf_token(client, f"{NEEDS}/details/?id={need_a}")
    client.post(f"{NEEDS}/refer/", data={"csrf_token": token, "id": need_a, "offer_ids": str(offer_id)})
    page = client.get(f"{NEEDS}/details/?id={need_a}").get_data(as_text=True)
    assert "Ludoteca Is Arenas" in page
    with app.app_context():
        referral = db.session.scalar(select(Referral).where(Referral.need_id == need_a))
        assert referral.offer_id == offer_id and db.session.get(Need, need_a).status == "referred"
        referral_id = referral.id
    opening = re.search(r'<option value="(\d+:\d{4}-\d\d-\d\d)"', page)
    assert opening is not None, "the free slots of the referred offer are offered for booking"
    client.post(f"{NEEDS}/book/", data={"csrf_token": token, "referral_id": referral_id,
                                        "opening": opening.group(1)})
    with app.app_context():
        assert db.session.get(Referral, referral_id).booking is not None


def test_home_widgets_show_todays_bookings_and_cases_to_follow(app, client, two_desks):
    _login(app, client, two_desks["a"][1])
    home = client.get("/admin/").get_data(as_text=True)
    with app.app_context():
        code_a, code_b = (db.session.get(Need, two_desks[k][2]).code for k in "ab")
    assert "Casi da seguire" in home and code_a in home and code_b not in home
    assert "Prenotazioni di oggi" in home


def test_todays_bookings_widget_lists_the_desks_bookings(app, ctx, storage):
    from modules.welfare_points.admin import todays_bookings

    desk, operator = desk_with_operator()
    offer, slot, _user, _application = accredited_offer(capacity=3)
    need = record(desk, operator)
    (referral,) = services.refer(need, [offer.id], operator, date(2026, 1, 30))
    booking = services.book(referral, slot, date(2026, 2, 2), operator, date(2026, 1, 30))
    with app.test_request_context():
        from unittest import mock

        with mock.patch.object(services, "today", return_value=booking.day):
            items = todays_bookings(operator)["items"]
        other = todays_bookings(make_user("operator"))["items"]
    assert [need.code in item["text"] for item in items] == [True] and other == []


def test_an_operator_reads_the_bookings_of_their_desks_not_other_desks(app, ctx, storage):
    from app.security import scoped
    from modules.catalog.models import Booking

    desk_a, operator_a = desk_with_operator()
    desk_b, operator_b = desk_with_operator()
    offer, slot, _user, _application = accredited_offer(capacity=3)
    (referral,) = services.refer(record(desk_a, operator_a), [offer.id], operator_a, date(2026, 1, 30))
    booking = services.book(referral, slot, date(2026, 2, 2), operator_a, date(2026, 1, 30))
    colleague = make_user("operator")
    desk_a.operators.append(colleague)
    db.session.commit()

    def visible(user):
        return set(db.session.scalars(scoped(Booking, "read", user).with_only_columns(Booking.id)))

    assert booking.id in visible(colleague)
    assert booking.id not in visible(operator_b)
