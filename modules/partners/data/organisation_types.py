"""The organisation types (data, not code: administrators may rename them; keys are stable)."""

from sqlalchemy import select

from app.extensions import db

from ..models import OrganisationType

TYPES = [  # key, Italian name, English name, third sector
    ("comune", "Comune", "Municipality", False),
    ("social_partner", "Parte sociale", "Social partner", False),
    ("provider", "Provider di welfare", "Welfare provider", False),
    ("employer", "Datore di lavoro", "Employer", False),
    ("shop", "Esercizio commerciale", "Shop", False),
    ("artisan", "Impresa artigiana", "Artisan", False),
    ("cooperative", "Cooperativa sociale", "Social cooperative", True),
    ("aps", "Associazione di promozione sociale (APS)", "Social promotion association (APS)", True),
    ("odv", "Organizzazione di volontariato (ODV)", "Voluntary organisation (ODV)", True),
    ("other", "Altro", "Other", False),
]


def load() -> None:
    """Add the types that are missing; names an administrator changed are kept."""
    existing = set(db.session.scalars(select(OrganisationType.key)))
    for order, (key, name_it, name_en, third_sector) in enumerate(TYPES, start=1):
        if key not in existing:
            db.session.add(OrganisationType(key=key, name_it=name_it, name_en=name_en,
                                            is_third_sector=third_sector, sort_order=order * 10))
    db.session.flush()
