"""Demo organisations and one user per role (`flask district demo`); idempotent."""

from sqlalchemy import select

from app.extensions import db
from app.models import Organisation, User
from app.security.services import create_user

DEMO_PASSWORD = "demo-distretto-2026"  # noqa: S105 - printed for the demo, never used in production
DEMO_DOMAIN = "demo.distretto.example.com"

ORGANISATIONS = {
    "comune": ("Comune di Oristano", "comune", "00052090958", "00052090958"),
    "social_partner": ("CISL Oristano", "social_partner", "90007550958", None),
    "provider": ("Welfare Platform Demo S.r.l.", "provider", "01234560157", "01234560157"),
    "shop": ("Sa Butega di Maria Pinna", "shop", "PNNMRA70A41G113O", "02345670950"),
    "cooperative": ("Cooperativa Sociale Su Nuraghe", "cooperative", "01087690952", "01087690952"),
}

USERS = [  # role, organisation key, full name
    ("admin", None, "Amministratore Demo"),
    ("coordinator", None, "Giulia Coordinatrice"),
    ("municipality", "comune", "Marco Comune"),
    ("social_partner", "social_partner", "Sara Sindacato"),
    ("provider", "provider", "Paolo Provider"),
    ("shop", "shop", "Maria Pinna"),
    ("cooperative", "cooperative", "Anna Cooperativa"),
    ("operator", None, "Luca Sportello"),
    ("auditor", None, "Elena Revisore"),
]


def demo_email(role: str) -> str:
    return f"{role.replace('_', '.')}@{DEMO_DOMAIN}"


def demo_logins() -> list[tuple[str, str]]:
    return [(role, demo_email(role)) for role, _org, _name in USERS]


def _organisation(key: str) -> Organisation:
    name, kind, cf, piva = ORGANISATIONS[key]
    org = db.session.scalar(select(Organisation).where(Organisation.legal_name == name))
    if org is None:
        org = Organisation(legal_name=name, type=kind, codice_fiscale=cf, partita_iva=piva)
        db.session.add(org)
        db.session.flush()
    return org


def load() -> None:
    for role, org_key, name in USERS:
        email = demo_email(role)
        if db.session.scalar(select(User.id).where(User.email == email)):
            continue
        organisation = _organisation(org_key) if org_key else None
        create_user(email, name, [role], organisation, password=DEMO_PASSWORD,
                    is_org_manager=organisation is not None)
    db.session.flush()
