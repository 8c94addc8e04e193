"""Demo offers of the demo cooperative (`flask district demo`); idempotent.

They reach the public catalogue once the coordinator approves the cooperative's accreditation
(the accreditation demo leaves it waiting for changes), which is the journey the demo shows.
"""

from __future__ import annotations

from datetime import time
from decimal import Decimal

from sqlalchemy import select

from app.demo.users import demo_email
from app.extensions import db
from app.models import User
from modules.partners.models import Comune

from ..dates import today
from ..models import Category, Offer, Slot

OFFERS = [  # category, title, price from, price to, welfare-eligible, rule, slots (weekday, start, end, places)
    ("elderly_care", "Assistenza domiciliare per anziani", Decimal("18.00"), Decimal("22.00"), True,
     "art. 51 c.2 lett. f-ter TUIR", [(0, time(9), time(11), 3), (2, time(9), time(11), 3)]),
    ("childcare", "Doposcuola e laboratori creativi", Decimal("12.50"), None, True,
     "art. 51 c.2 lett. f-bis TUIR", [(1, time(15), time(17, 30), 8), (3, time(15), time(17, 30), 8)]),
]


def _category(key: str) -> Category | None:
    return db.session.scalar(select(Category).where(Category.key == key))


def _add(organisation_id: int, row: tuple, oristano: Comune | None) -> None:
    key, title, low, high, welfare, rule, slots = row
    offer = Offer(organisation_id=organisation_id, category=_category(key), title_it=title,
                  description_it=title + ", a cura della cooperativa.", price_from=low, price_to=high,
                  is_welfare_eligible=welfare, welfare_rule=rule, valid_from=today(), status="published",
                  comuni=[oristano] if oristano else [])
    offer.slots = [Slot(weekday=d, starts_at=s, ends_at=e, capacity=n) for d, s, e, n in slots]
    db.session.add(offer)


def load() -> None:
    user = db.session.scalar(select(User).where(User.email == demo_email("cooperative")))
    if user is None or user.organisation_id is None:
        return
    if db.session.scalar(select(Offer.id).where(Offer.organisation_id == user.organisation_id).limit(1)):
        return  # already there: the demo is loaded once
    oristano = db.session.get(Comune, "095038")
    for row in OFFERS:
        _add(user.organisation_id, row, oristano)
    db.session.commit()
