"""Record rules: external users see the agreements their organisation is party to (drafts included) and
those in force (public anyway); parties and versions of those; their own organisation's adhesions."""

from sqlalchemy import or_, select

from app.models import EXTERNAL_ROLES
from app.security import RecordRule, own_organisation

from ..models import Adhesion, Agreement, AgreementParty, AgreementVersion


def _party_to(user):
    return select(AgreementParty.agreement_id).where(AgreementParty.organisation_id == user.organisation_id)


def _visible_agreements(user):
    return select(Agreement.id).where(or_(Agreement.id.in_(_party_to(user)), Agreement.state == "in_force"))


RULES = [
    RecordRule(Agreement, lambda user: or_(Agreement.id.in_(_party_to(user)), Agreement.state == "in_force"),
               EXTERNAL_ROLES),
    RecordRule(AgreementParty, lambda user: AgreementParty.agreement_id.in_(_visible_agreements(user)),
               EXTERNAL_ROLES),
    RecordRule(AgreementVersion, lambda user: AgreementVersion.agreement_id.in_(_visible_agreements(user)),
               EXTERNAL_ROLES),
    own_organisation(Adhesion, roles=EXTERNAL_ROLES),
]
