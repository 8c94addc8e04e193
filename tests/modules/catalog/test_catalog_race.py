"""No slot is ever overbooked, also when operators book the last places at the same moment (PostgreSQL).

Real threads, each with its own connection and transaction, start together and COMMIT for real; the
conditional UPDATE of the slot's occurrence row lets only as many through as there are places.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import User
from modules.catalog import services
from modules.catalog.models import Booking, Occurrence, Slot
from tests.conftest import require_postgres
from tests.factories import make_user
from tests.modules.catalog.helpers import MONDAY, accredited_offer

TODAY = MONDAY.replace(day=1)


def _book_together(app, slot_id: int, user_ids: list[int]) -> list[str]:
    """Every user books the slot on MONDAY at once; the outcomes in order."""
    start = threading.Barrier(len(user_ids))
    outcomes = [""] * len(user_ids)

    def work(index: int, user_id: int) -> None:
        with app.app_context():
            user, slot = db.session.get(User, user_id), db.session.get(Slot, slot_id)
            start.wait()
            try:
                services.book(slot, MONDAY, user, TODAY, anonymous_code=f"R-{index}")
                outcomes[index] = "booked"
            except services.BookingRefused:
                outcomes[index] = "refused"
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                outcomes[index] = f"error: {exc!r}"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(i, user_id)) for i, user_id in enumerate(user_ids)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.parametrize(("capacity", "operators"), [(1, 2), (3, 8)])
def test_operators_booking_the_last_places_at_once_never_overbook(app, ctx, storage, capacity, operators):
    require_postgres()
    _offer, slot, _user, _application = accredited_offer(capacity=capacity)
    user_ids = [make_user("operator").id for _ in range(operators)]

    outcomes = _book_together(app, slot.id, user_ids)

    db.session.expire_all()
    assert sorted(outcomes) == ["booked"] * capacity + ["refused"] * (operators - capacity), outcomes
    assert db.session.scalar(select(func.count(Booking.id))) == capacity
    assert db.session.scalar(select(Occurrence.booked)) == capacity
    assert db.session.scalar(select(func.count(Occurrence.id))) == 1
