"""Home page: coordinators see applications waiting for review and documents expiring in the next 30 days;
applicants see what is missing, expiring or requested from them."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from flask_babel import force_locale, gettext
from markupsafe import escape

from modules.accreditation import services
from modules.accreditation.dates import today
from tests.factories import login, make_user
from tests.modules.accreditation.helpers import approved, coordinator, draft, submitted


def it(app, message: str, **values) -> str:
    """A message as Italian users read it (the wording lives in the catalogue, not in the test)."""
    with app.test_request_context(), force_locale("it"):
        return gettext(message, **values)


def _home(client, email: str) -> str:
    login(client, SimpleNamespace(email=email))
    return client.get("/admin/").get_data(as_text=True)


def test_the_coordinator_sees_what_waits_for_review_and_what_expires_soon(app, client, storage):
    with app.app_context():
        reviewer = coordinator()
        waiting, _user = submitted(legal_name="Cooperativa in Attesa", issued=today() - timedelta(days=3),
                                   on=today())
        # accredited with a DURC issued 100 days ago: it expires in 20 days
        approved(reviewer, legal_name="Cooperativa in Scadenza", issued=today() - timedelta(days=100),
                 on=today() - timedelta(days=90))
        draft(legal_name="Cooperativa in Bozza")
        email, waiting_id = reviewer.email, waiting.id
    page = _home(client, email)
    assert it(app, "Applications waiting for review") in page
    assert "Cooperativa in Attesa" in page and f"details/?id={waiting_id}" in page
    assert "Cooperativa in Bozza" not in page  # a draft is not the coordinators' business yet
    assert str(escape(it(app, "%(document)s of %(organisation)s expires on %(date)s", document="DURC",
                          organisation="Cooperativa in Scadenza", date="X"))).split("X")[0] in page


def test_the_applicant_sees_what_is_missing_and_what_was_requested(app, client, storage):
    with app.app_context():
        reviewer = coordinator()
        application, user = submitted(issued=today() - timedelta(days=3), on=today())
        services.transition(application, "start_review", reviewer)
        services.transition(application, "request_changes", reviewer, reason="Manca la firma sul DURC")
        email = user.email
    page = _home(client, email)
    assert it(app, "My accreditation") in page
    assert "Manca la firma sul DURC" in page


def test_a_new_applicant_is_invited_to_apply_and_told_what_is_missing(app, client, storage):
    with app.app_context():
        first_time = make_user("provider")
        application, user = draft()
        first_email, email = first_time.email, user.email
    assert str(escape(it(app, "Apply for accreditation"))) in _home(client, first_email)
    page = _home(app.test_client(), email)
    assert str(escape(it(app, "Missing document: %(name)s.", name="DURC"))) in page


def test_other_roles_do_not_get_the_accreditation_boxes(app, client):
    with app.app_context():
        email = make_user("shop").email
    page = _home(client, email)
    assert it(app, "My accreditation") not in page and it(app, "Applications waiting for review") not in page
