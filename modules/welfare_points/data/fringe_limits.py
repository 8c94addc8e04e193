"""The fringe-benefit limits of art. 51 c.3 TUIR for 2025–2027 (L. 207/2024, art. 1 c. 390): €1,000 per
worker, €2,000 with dependent children. Idempotent: a year already present keeps the coordinators' values."""

from decimal import Decimal

from sqlalchemy import select

from app.extensions import db

from ..models import FringeBenefitLimit

REFERENCE = "Art. 51 c.3 TUIR; L. 30 dicembre 2024, n. 207, art. 1 c. 390"
LIMITS = [(year, Decimal("1000.00"), Decimal("2000.00")) for year in (2025, 2026, 2027)]


def load() -> None:
    existing = set(db.session.scalars(select(FringeBenefitLimit.year)))
    for year, base, children in LIMITS:
        if year not in existing:
            db.session.add(FringeBenefitLimit(year=year, base_limit=base, children_limit=children,
                                              legal_reference=REFERENCE))
    db.session.commit()
