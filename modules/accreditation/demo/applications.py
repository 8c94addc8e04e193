"""Demo applications (`flask district demo`); idempotent.

The demo provider is accredited (its DURC expires within the reminder window, so the coordinator's
home shows it); the demo cooperative's application waits for the changes the coordinator asked for.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from app.demo.users import demo_email
from app.extensions import db
from app.models import User

from .. import services
from ..dates import today
from ..models import Application, Scheme
from ..requirements import required_types

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")


def _user(role: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == demo_email(role)))


def _upload_all(application: Application, user: User, issued: dict[str, date]) -> None:
    for kind in required_types(application):
        services.add_document(application, kind.id, issued.get(kind.key, today() - timedelta(days=40)),
                              io.BytesIO(PDF), user, filename=f"{kind.key}.pdf")


def _apply(role: str, scheme_key: str, **values) -> tuple[Application, User] | None:
    user = _user(role)
    scheme = db.session.scalar(select(Scheme).where(Scheme.key == scheme_key))
    if user is None or user.organisation_id is None or scheme is None:
        return None
    if db.session.scalar(select(Application.id).where(Application.organisation_id == user.organisation_id,
                                                      Application.scheme_id == scheme.id)):
        return None  # already there: the demo is loaded once
    return services.create_application(user.organisation_id, scheme, user, **values), user


def _accredited_provider(coordinator: User) -> None:
    made = _apply("provider", "provider", shared_value_percent=Decimal("1.5"),
                  expected_contract_value=Decimal("80000.00"))
    if made is None:
        return
    application, user = made
    _upload_all(application, user, {"durc": today() - timedelta(days=100)})
    services.transition(application, "submit", user, on=today() - timedelta(days=35))
    services.transition(application, "start_review", coordinator, on=today() - timedelta(days=32))
    services.transition(application, "approve", coordinator, on=today() - timedelta(days=30))


def _cooperative_asked_for_changes(coordinator: User) -> None:
    made = _apply("cooperative", "local_supplier", expected_contract_value=Decimal("24000.00"),
                  applicant_note="Servizi di assistenza domiciliare e trasporto sociale.")
    if made is None:
        return
    application, user = made
    _upload_all(application, user, {})
    services.transition(application, "submit", user)
    services.transition(application, "start_review", coordinator)
    services.transition(application, "request_changes", coordinator,
                        reason="La comunicazione antimafia caricata non è leggibile: caricarne una copia nitida.")


def load() -> None:
    coordinator = _user("coordinator")
    if coordinator is None:
        return
    _accredited_provider(coordinator)
    _cooperative_asked_for_changes(coordinator)
