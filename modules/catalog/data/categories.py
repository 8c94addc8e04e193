"""The offers' taxonomy (data: coordinators add or rename categories). Idempotent: keeps their changes."""

from sqlalchemy import select

from app.extensions import db

from ..models import Category

CATEGORIES = [  # key, Italian name, English name
    ("childcare", "Infanzia e cura dei figli", "Childcare"),
    ("elderly_care", "Assistenza anziani", "Elderly care"),
    ("disability", "Disabilità", "Disability"),
    ("health", "Salute", "Health"),
    ("education", "Istruzione e formazione", "Education and training"),
    ("sport_leisure", "Sport e tempo libero", "Sport and leisure"),
    ("transport", "Trasporti", "Transport"),
    ("home_services", "Servizi per la casa", "Home services"),
    ("work_life_balance", "Conciliazione vita-lavoro", "Work–life balance"),
]


def load() -> None:
    existing = set(db.session.scalars(select(Category.key)))
    for order, (key, name_it, name_en) in enumerate(CATEGORIES, start=1):
        if key not in existing:
            db.session.add(Category(key=key, name_it=name_it, name_en=name_en, sort_order=order * 10))
    db.session.commit()
