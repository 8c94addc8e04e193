"""The document types and the two default schemes (data, not code: coordinators edit them).

Idempotent: what is missing is added; what an administrator changed is kept as it is.
"""

from sqlalchemy import select

from app.extensions import db
from modules.partners.models import OrganisationType

from ..models import DocumentType, Scheme

DOCUMENT_TYPES = [  # key, Italian name, English name, days, months, mandatory, only above the threshold
    ("durc", "DURC", "DURC (social security compliance)", 120, None, True, False),
    ("visura_camerale", "Visura camerale", "Chamber of Commerce extract", None, 6, True, False),
    ("comunicazione_antimafia", "Comunicazione antimafia", "Anti-mafia communication", None, 6, True, False),
    ("informazione_antimafia", "Informazione antimafia", "Anti-mafia information", None, 12, True, True),
]
ALL_DOCUMENTS = [key for key, *_rest in DOCUMENT_TYPES]
SCHEMES = [  # key, Italian name, English name, shared value required, months, organisation types, documents
    ("provider", "Provider di piattaforma welfare", "Welfare platform provider", True, 12, ["provider"],
     ALL_DOCUMENTS),
    ("local_supplier", "Fornitore locale", "Local supplier", False, 12,
     ["cooperative", "aps", "odv", "artisan", "other"], ALL_DOCUMENTS),
]


def _document_types() -> dict[str, DocumentType]:
    existing = {kind.key: kind for kind in db.session.scalars(select(DocumentType))}
    for order, (key, name_it, name_en, days, months, mandatory, above) in enumerate(DOCUMENT_TYPES, start=1):
        if key not in existing:
            existing[key] = DocumentType(key=key, name_it=name_it, name_en=name_en, validity_days=days,
                                         validity_months=months, is_mandatory=mandatory,
                                         above_threshold_only=above, sort_order=order * 10)
            db.session.add(existing[key])
    return existing


def load() -> None:
    documents = _document_types()
    organisation_types = {kind.key: kind for kind in db.session.scalars(select(OrganisationType))}
    existing = set(db.session.scalars(select(Scheme.key)))
    for order, (key, name_it, name_en, shared, months, types, docs) in enumerate(SCHEMES, start=1):
        if key in existing:
            continue
        db.session.add(Scheme(key=key, name_it=name_it, name_en=name_en, requires_shared_value=shared,
                              period_months=months, sort_order=order * 10,
                              organisation_types=[organisation_types[t] for t in types if t in organisation_types],
                              document_types=[documents[d] for d in docs]))
    db.session.flush()
