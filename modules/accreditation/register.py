"""The public register of accredited organisations: one row per organisation and scheme, showing
its latest granted accreditation — suspended, revoked and expired ones as such, never hidden."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.extensions import db
from modules.partners.models import PartnerOrganisation

from .models import GRANTED_STATES, Application, Scheme

REGISTER_STATUSES = {
    "approved": _l("Accredited"),
    "suspended": _l("Suspended"),
    "revoked": _l("Revoked"),
    "expired": _l("Expired"),
}
COLUMNS = [
    ("organisation", _l("Organisation")),
    ("partita_iva", _l("VAT number")),
    ("comune", _l("Comune")),
    ("scheme", _l("Scheme")),
    ("scheme_key", _l("Scheme key")),
    ("accredited_from", _l("Accredited from")),
    ("valid_until", _l("Valid until")),
    ("shared_value_percent", _l("Shared value (%)")),
    ("status", _l("Status")),
    ("status_label", _l("Status (description)")),
]


def _latest_granted(scheme_key: str | None):
    """The id of the latest granted application of each organisation under each scheme."""
    stmt = (select(func.max(Application.id)).where(Application.state.in_(GRANTED_STATES),
                                                   Application.starts_on.is_not(None))
            .group_by(Application.organisation_id, Application.scheme_id))
    if scheme_key:
        stmt = stmt.join(Scheme, Scheme.id == Application.scheme_id).where(Scheme.key == scheme_key)
    return stmt


def register_applications(scheme_key: str | None = None) -> list[Application]:
    stmt = (select(Application).join(Scheme, Scheme.id == Application.scheme_id)
            .join(PartnerOrganisation, PartnerOrganisation.id == Application.organisation_id)
            .where(Application.id.in_(_latest_granted(scheme_key)))
            .order_by(Scheme.sort_order, Scheme.id, PartnerOrganisation.legal_name, Application.id))
    return list(db.session.scalars(stmt))


def register_row(application: Application) -> dict:
    organisation, scheme = application.organisation, application.scheme
    return {
        "organisation": organisation.legal_name,
        "partita_iva": organisation.partita_iva,
        "comune": organisation.comune.name if organisation.comune else None,
        "scheme": scheme.label(),
        "scheme_key": scheme.key,
        "accredited_from": application.starts_on,
        "valid_until": application.valid_until,
        "shared_value_percent": application.shared_value_percent if scheme.requires_shared_value else None,
        "status": "accredited" if application.state == "approved" else application.state,
        "status_label": str(REGISTER_STATUSES[application.state]),
    }


def register_rows(scheme_key: str | None = None) -> list[dict]:
    return [register_row(application) for application in register_applications(scheme_key)]


def public_schemes() -> list[Scheme]:
    return list(db.session.scalars(select(Scheme).order_by(Scheme.sort_order, Scheme.id)))
