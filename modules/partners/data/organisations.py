"""Every kernel organisation has its registry row (for organisations created while the module was off)."""

from sqlalchemy import insert, select

from app.extensions import db
from app.models import Organisation

from ..models import PartnerOrganisation


def load() -> None:
    missing = select(Organisation.id).where(~Organisation.id.in_(select(PartnerOrganisation.__table__.c.id)))
    db.session.execute(insert(PartnerOrganisation.__table__).from_select(["id"], missing))
    db.session.flush()
