"""Shop categories (data: coordinators add or rename them). Idempotent: keeps their changes."""

from sqlalchemy import select

from app.extensions import db

from ..models import ShopCategory

CATEGORIES = [  # key, Italian name, English name
    ("food", "Alimentari", "Food and groceries"),
    ("clothing", "Abbigliamento e calzature", "Clothing and footwear"),
    ("health", "Farmacia e salute", "Pharmacy and health"),
    ("education", "Libri, scuola e formazione", "Books, school and training"),
    ("sport", "Sport e tempo libero", "Sport and leisure"),
    ("culture", "Cultura e spettacolo", "Culture and entertainment"),
    ("home", "Casa e servizi domestici", "Home and household services"),
    ("personal_care", "Cura della persona", "Personal care"),
    ("childcare", "Infanzia", "Childcare"),
    ("transport", "Trasporti e mobilità", "Transport and mobility"),
    ("crafts", "Artigianato", "Crafts"),
    ("third_sector", "Servizi del terzo settore", "Third-sector services"),
]


def load() -> None:
    existing = set(db.session.scalars(select(ShopCategory.key)))
    for order, (key, name_it, name_en) in enumerate(CATEGORIES, start=1):
        if key not in existing:
            db.session.add(ShopCategory(key=key, name_it=name_it, name_en=name_en, sort_order=order * 10))
    db.session.commit()
