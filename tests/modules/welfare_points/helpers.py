"""Helpers of the WelfarePoints' tests: desks with their operators and needs recorded through the service."""

from __future__ import annotations

from app.extensions import db
from modules.welfare_points import services
from modules.welfare_points.models import Desk, Need
from tests.factories import make_user
from tests.modules.catalog.factories import seeded_category
from tests.modules.welfare_points.factories import DeskFactory

PERSON = {"full_name": "Giovanna Sanna", "email": "giovanna.sanna@example.it", "phone": "3331234567",
          "note": "Cerca assistenza per la madre due mattine a settimana."}


def desk_with_operator(name: str | None = None) -> tuple[Desk, object]:
    """A desk and an operator assigned to it."""
    operator = make_user("operator")
    desk = DeskFactory(**({"name": name} if name else {}))
    desk.operators = [operator]
    db.session.commit()
    return desk, operator


def need_values(desk: Desk, **extra) -> dict:
    return {"desk": desk, "category": seeded_category(), "age_band": "45_64", "household_type": "with_elderly",
            "work_status": "employee", "channel": "walk_in", "legal_basis": "consent", "has_consent": True,
            **extra}


def record(desk: Desk, operator, personal: dict | None = None, **extra) -> Need:
    return services.record_need(operator, need_values(desk, **extra), PERSON if personal is None else personal)
