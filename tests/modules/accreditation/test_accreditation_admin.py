"""The application screens: applying through the form, the application page (documents, actions),
and another organisation's applications and documents unreachable by URL, export and API."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

from sqlalchemy import select

from app.api.tokens import create_token
from app.extensions import db
from modules.accreditation.dates import today
from modules.accreditation.models import Application, Document
from tests.factories import csrf_token, login, make_user
from tests.modules.accreditation.helpers import (
    EXE,
    PDF,
    applicant,
    approved,
    coordinator,
    draft,
    scheme,
    seeded_type,
    submitted,
)

BASE = "/admin/accreditation_application"


def _sign_in(client, email: str) -> None:
    login(client, SimpleNamespace(email=email))


def _new_application_form(client, **fields):
    data = {"csrf_token": csrf_token(client, f"{BASE}/new/"), "applicant_note": "", **fields}
    return client.post(f"{BASE}/new/", data=data)


def _upload(client, application_id, kind_id, issued, data=PDF, name="durc.pdf"):
    token = csrf_token(client, f"{BASE}/details/?id={application_id}")
    return client.post(f"{BASE}/upload/?id={application_id}", content_type="multipart/form-data", data={
        "csrf_token": token, "document_type": str(kind_id), "issue_date": issued.isoformat(),
        "file": (io.BytesIO(data), name)})


def _fire(client, application_id, transition, reason=""):
    token = csrf_token(client, f"{BASE}/details/?id={application_id}")
    return client.post(f"{BASE}/transition/?id={application_id}",
                       data={"csrf_token": token, "transition": transition, "reason": reason})


def test_a_provider_applies_for_its_own_organisation_with_italian_numbers(app, client, storage):
    with app.app_context():
        organisation, user = applicant("provider")
        other = make_user("provider").organisation_id
        scheme_id, own_id = scheme("provider").id, organisation.id
        user_email = user.email
    _sign_in(client, user_email)
    form = client.get(f"{BASE}/new/").get_data(as_text=True)
    assert 'name="organisation"' not in form  # the organisation is the user's, not a choice
    response = _new_application_form(client, scheme=scheme_id, shared_value_percent="2,5",
                                     expected_contract_value="100.000,00", organisation=other)
    assert response.status_code == 302 and "/details/" in response.headers["Location"]
    with app.app_context():
        created = db.session.scalar(select(Application))
        assert (created.organisation_id, created.shared_value_percent) == (own_id, Decimal("2.5000"))
        assert created.expected_contract_value == Decimal("100000.00") and created.state == "draft"


def test_a_percentage_above_100_is_refused_and_nothing_is_lost(app, client, storage):
    with app.app_context():
        _organisation, user = applicant("provider")
        scheme_id = scheme("provider").id
        user_email = user.email
    _sign_in(client, user_email)
    page = _new_application_form(client, scheme=scheme_id, shared_value_percent="150",
                                 expected_contract_value="1000").get_data(as_text=True)
    assert "100" in page and 'value="150"' in page
    with app.app_context():
        assert db.session.scalar(select(Application.id)) is None


def test_the_application_page_uploads_documents_and_submits(app, client, storage):
    with app.app_context():
        application, user = draft()
        kinds = [seeded_type(key).id for key in ("durc", "visura_camerale", "comunicazione_antimafia")]
        application_id = application.id
        user_email = user.email
    _sign_in(client, user_email)
    page = client.get(f"{BASE}/details/?id={application_id}").get_data(as_text=True)
    assert 'id="acc-upload"' in page and 'data-transition="submit"' in page
    assert re.search(r'<button[^>]*disabled[^>]*>[^<]*</button>', page)  # submit waits for the documents
    issued = today() - timedelta(days=5)
    for kind_id in kinds:
        assert _upload(client, application_id, kind_id, issued).status_code == 302
    _fire(client, application_id, "submit")
    with app.app_context():
        assert db.session.get(Application, application_id).state == "submitted"
        assert len(db.session.scalars(select(Document)).all()) == 3


def test_an_executable_renamed_pdf_is_refused_on_the_page(app, client, storage):
    with app.app_context():
        application, user = draft()
        application_id, kind_id = application.id, seeded_type().id
        user_email = user.email
    _sign_in(client, user_email)
    response = _upload(client, application_id, kind_id, today(), data=EXE, name="durc.pdf")
    follow = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "tipo ammesso" in follow
    with app.app_context():
        assert db.session.scalar(select(Document.id)) is None


def test_the_coordinator_who_submitted_cannot_approve_on_the_page(app, client, storage):
    with app.app_context():
        on_behalf = coordinator()
        organisation, _user = applicant()
        from modules.accreditation import services
        from tests.modules.accreditation.helpers import upload_required

        application = services.create_application(organisation.id, scheme(), on_behalf)
        upload_required(application, on_behalf, today() - timedelta(days=5), on=today())
        services.transition(application, "submit", on_behalf)
        services.transition(application, "start_review", on_behalf)
        application_id = application.id
        on_behalf_email = on_behalf.email
    _sign_in(client, on_behalf_email)
    page = client.get(f"{BASE}/details/?id={application_id}").get_data(as_text=True)
    assert "un altro coordinatore" in page  # shown next to the disabled button
    _fire(client, application_id, "approve")
    with app.app_context():
        assert db.session.get(Application, application_id).state == "under_review"


def test_a_reason_is_required_on_the_page_too(app, client, storage):
    with app.app_context():
        reviewer = coordinator()
        application, _user = submitted(issued=today() - timedelta(days=5), on=today())
        from modules.accreditation import services

        services.transition(application, "start_review", reviewer)
        application_id = application.id
        reviewer_email = reviewer.email
    _sign_in(client, reviewer_email)
    follow = client.get(_fire(client, application_id, "reject", reason=" ").headers["Location"])
    assert "motivazione" in follow.get_data(as_text=True).lower()
    _fire(client, application_id, "request_changes", reason="Allegare la visura aggiornata")
    with app.app_context():
        assert db.session.get(Application, application_id).state == "changes_requested"


def test_a_submitted_application_can_no_longer_be_edited(app, client, storage):
    with app.app_context():
        application, user = submitted(issued=today() - timedelta(days=5), on=today())
        application_id = application.id
        user_email = user.email
    _sign_in(client, user_email)
    page = client.get(f"{BASE}/details/?id={application_id}").get_data(as_text=True)
    assert f"edit/?id={application_id}" not in page
    assert client.get(f"{BASE}/edit/?id={application_id}").status_code == 404


def test_another_organisations_application_and_documents_are_unreachable(app, client, storage):
    with app.app_context():
        reviewer = coordinator()
        theirs, _their_user = approved(reviewer, issued=today() - timedelta(days=5), on=today())
        mine, user = draft()
        their_id, mine_id = theirs.id, mine.id
        their_upload = db.session.scalar(select(Document.upload_id).where(Document.application_id == their_id))
        kind_id = seeded_type().id
        _token, secret = create_token(user, "test")
        user_email = user.email
    _sign_in(client, user_email)
    for path in (f"{BASE}/details/?id={their_id}", f"{BASE}/edit/?id={their_id}", f"/files/{their_upload}"):
        assert client.get(path).status_code == 404, path
    for action in ("transition", "upload", "renew"):
        token = csrf_token(client, f"{BASE}/")
        response = client.post(f"{BASE}/{action}/?id={their_id}", data={
            "csrf_token": token, "transition": "revoke", "reason": "x", "document_type": kind_id,
            "issue_date": today().isoformat(), "file": (io.BytesIO(PDF), "x.pdf")},
            content_type="multipart/form-data")
        assert response.status_code == 404, action
    exported = list(csv.DictReader(io.StringIO(client.get(f"{BASE}/export/csv/").get_data(as_text=True))))
    assert len(exported) == 1
    documents = client.get("/admin/accreditation_document/export/csv/").get_data(as_text=True)
    assert len(documents.strip().splitlines()) == 1  # the header only: their documents stay theirs
    headers = {"Authorization": f"Bearer {secret}"}
    assert [item["id"] for item in client.get("/api/v1/accreditations", headers=headers).get_json()["items"]] == [
        mine_id]
    assert client.get(f"/api/v1/accreditations/{their_id}", headers=headers).status_code == 404
    with app.app_context():
        assert db.session.get(Application, their_id).state == "approved"


def test_the_applicant_downloads_its_own_document_as_an_attachment(app, client, storage):
    with app.app_context():
        reviewer = coordinator()
        application, user = approved(reviewer, issued=today() - timedelta(days=5), on=today())
        upload_id = db.session.scalar(select(Document.upload_id).where(Document.application_id == application.id))
        user_email = user.email
    _sign_in(client, user_email)
    response = client.get(f"/files/{upload_id}")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Disposition"].startswith("attachment")


def test_the_coordinator_starts_a_renewal_from_the_page(app, client, storage):
    with app.app_context():
        reviewer = coordinator()
        application, _user = approved(reviewer, issued=today() - timedelta(days=5), on=today())
        application_id = application.id
        reviewer_email = reviewer.email
    _sign_in(client, reviewer_email)
    token = csrf_token(client, f"{BASE}/details/?id={application_id}")
    response = client.post(f"{BASE}/renew/?id={application_id}", data={"csrf_token": token})
    with app.app_context():
        renewal = db.session.scalar(select(Application).where(Application.previous_id == application_id))
        assert renewal.state == "draft"
        assert response.headers["Location"].endswith(f"details/?id={renewal.id}")

