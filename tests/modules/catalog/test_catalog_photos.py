"""Offers' photos: JPEG or PNG checked by content, uploaded by the offer's organisation, shown publicly
only while the offer is in the public catalogue."""

from __future__ import annotations

import io
import re

import pytest

from app.extensions import db
from app.models import User
from app.uploads import Upload
from modules.accreditation import services as accreditation
from modules.accreditation.models import Application
from modules.catalog.models import Offer
from tests.factories import csrf_token, login
from tests.modules.accreditation.helpers import coordinator
from tests.modules.catalog.helpers import accredited_offer

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
       b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(48) + b"This program cannot be run"


@pytest.fixture
def offer(app, storage):
    with app.app_context():
        found, _slot, cooperative, application = accredited_offer(title_it="Centro estivo")
        return found.id, cooperative.id, application.id


def _upload(app, client, offer_id: int, user_id: int, data: bytes, name: str):
    with app.app_context():
        login(client, db.session.get(User, user_id))
    details = f"/admin/catalog_offer/details/?id={offer_id}"
    return client.post(f"/admin/catalog_offer/photo/{offer_id}/", content_type="multipart/form-data",
                       data={"csrf_token": csrf_token(client, details), "photo": (io.BytesIO(data), name)},
                       follow_redirects=True)


def test_the_cooperative_adds_a_photo_the_public_page_shows(app, client, offer):
    offer_id, user_id, _application_id = offer
    assert _upload(app, client, offer_id, user_id, PNG, "centro.png").status_code == 200
    page = client.get(f"/catalogo/offerta/{offer_id}").get_data(as_text=True)
    photo_url = re.search(r'src="(/catalogo/foto/\d+)"', page).group(1)
    response = client.get(photo_url)
    assert response.status_code == 200 and response.mimetype == "image/png" and response.data == PNG


def test_a_renamed_executable_is_refused(app, client, offer):
    offer_id, user_id, _application_id = offer
    page = _upload(app, client, offer_id, user_id, EXE, "foto.png").get_data(as_text=True)
    assert "alert-danger" in page
    with app.app_context():
        assert db.session.query(Upload).filter_by(owner_model="Offer").count() == 0


def test_a_suspended_suppliers_photos_leave_the_public_site(app, client, offer):
    offer_id, user_id, application_id = offer
    _upload(app, client, offer_id, user_id, PNG, "centro.png")
    with app.app_context():
        photo_id = db.session.query(Upload.id).filter_by(owner_model="Offer").scalar()
        accreditation.transition(db.session.get(Application, application_id), "suspend", coordinator(),
                                 reason="verifica")
        db.session.commit()
        assert not db.session.get(Offer, offer_id).is_listed
    assert client.get(f"/catalogo/foto/{photo_id}").status_code == 404
