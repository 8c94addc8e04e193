"""What the database itself guarantees (tests that commit for real): one application in progress per
organisation and scheme, even when two people apply at the same moment."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from modules.accreditation import services
from modules.accreditation.models import Application
from tests.conftest import require_postgres
from tests.modules.accreditation.factories import ApplicationFactory
from tests.modules.accreditation.helpers import applicant, scheme


def test_the_database_refuses_a_second_application_in_progress(app, ctx):
    first = ApplicationFactory()
    with pytest.raises(IntegrityError):
        ApplicationFactory(organisation=first.organisation, state="submitted")
    db.session.rollback()
    ApplicationFactory(organisation=first.organisation, state="rejected")  # decided ones do not count
    assert db.session.scalar(select(func.count(Application.id))) == 2


def test_two_people_applying_at_once_get_one_application_and_a_clear_refusal(app, ctx, monkeypatch):
    require_postgres()  # SQLite serialises writers, so the two checks cannot interleave there
    _organisation, user = applicant()
    user_id, scheme_id = user.id, scheme().id
    both_checked = threading.Barrier(2, timeout=10)
    real_check = services.live_application

    def check_then_wait(*args, **kwargs):
        found = real_check(*args, **kwargs)
        both_checked.wait()  # both have seen "no application in progress" before either saves
        return found

    monkeypatch.setattr(services, "live_application", check_then_wait)
    outcomes: list[str] = []

    def apply() -> None:
        from app.models import User
        from modules.accreditation.models import Scheme

        with app.app_context():
            person = db.session.get(User, user_id)
            try:
                services.create_application(person.organisation_id, db.session.get(Scheme, scheme_id), person)
                outcomes.append("created")
            except services.ApplicationInvalid as exc:
                outcomes.append(str(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=apply) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert len(outcomes) == 2 and outcomes.count("created") == 1
    assert any("già una domanda in corso" in outcome for outcome in outcomes)  # the refusal, in Italian
    assert db.session.scalar(select(func.count(Application.id))) == 1
