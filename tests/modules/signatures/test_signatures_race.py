"""Two colleagues signing the same request at the same moment: PostgreSQL's row lock lets one sign it."""

from __future__ import annotations

import threading

from sqlalchemy import select

from app.extensions import db
from modules.signatures import services
from modules.signatures.models import Signature, SignatureRequest, SigningAttempt
from tests.conftest import require_postgres
from tests.factories import PASSWORD
from tests.modules.signatures.helpers import document_for_party, partner_user


def test_two_colleagues_signing_at_once_sign_the_request_once(app):
    require_postgres()
    with app.app_context():
        _document, signature_request, party, _pdf = document_for_party()
        request_id, users = signature_request.id, [partner_user(party).id, partner_user(party).id]
        db.session.remove()
    start, outcomes = threading.Barrier(2), []

    def sign_as(user_id: int) -> None:
        with app.test_request_context():
            from app.models import User

            start.wait()
            try:
                services.sign_fes(db.session.get(SignatureRequest, request_id), db.session.get(User, user_id),
                                  PASSWORD, True, services.Client("192.0.2.7", "race"))
                outcomes.append("signed")
            except services.SigningRefused as exc:
                outcomes.append(exc.code)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=sign_as, args=(user_id,)) for user_id in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["closed", "signed"]
    with app.app_context():
        assert len(db.session.scalars(select(Signature)).all()) == 1
        assert sorted(db.session.scalars(select(SigningAttempt.outcome))) == ["refused", "signed"]
        db.session.remove()
