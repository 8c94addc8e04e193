"""Fields of social intervention for projects (data: administrators may add and rename them)."""

from sqlalchemy import select

from app.extensions import db

from ..models import ProjectCategory

CATEGORIES = [  # key, Italian name, English name
    ("elderly", "Anziani e non autosufficienza", "Elderly and long-term care"),
    ("disability", "Disabilità", "Disability"),
    ("children_families", "Minori e famiglie", "Children and families"),
    ("poverty", "Contrasto alla povertà", "Fighting poverty"),
    ("work_inclusion", "Inclusione lavorativa", "Work inclusion"),
    ("health", "Salute e prevenzione", "Health and prevention"),
    ("culture_sport", "Cultura, sport e tempo libero", "Culture, sport and leisure"),
    ("community", "Comunità e territorio", "Community and territory"),
]


def load() -> None:
    """Add the categories that are missing; names an administrator changed are kept."""
    existing = set(db.session.scalars(select(ProjectCategory.key)))
    for order, (key, name_it, name_en) in enumerate(CATEGORIES, start=1):
        if key not in existing:
            db.session.add(ProjectCategory(key=key, name_it=name_it, name_en=name_en, sort_order=order * 10))
    db.session.flush()
