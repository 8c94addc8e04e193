"""Record rules: external users reach the documents their organisation (or they, as designated signatory)
are asked to sign, the requests and signatures on those documents (a party sees whether the others have
signed), and their own organisation's attempts."""

from sqlalchemy import or_, select

from app.models import EXTERNAL_ROLES
from app.security import RecordRule, own_organisation

from ..models import SignableDocument, Signature, SignatureRequest, SigningAttempt


def _asked(user):
    """Requests for the user's organisation, or naming the user as designated signatory."""
    return or_(SignatureRequest.organisation_id == user.organisation_id, SignatureRequest.signatory_id == user.id)


def _documents_of(user):
    return select(SignatureRequest.document_id).where(_asked(user))


RULES = [
    RecordRule(SignableDocument, lambda user: SignableDocument.id.in_(_documents_of(user)), EXTERNAL_ROLES),
    RecordRule(SignatureRequest, lambda user: SignatureRequest.document_id.in_(_documents_of(user)),
               EXTERNAL_ROLES),
    RecordRule(Signature, lambda user: Signature.document_id.in_(_documents_of(user)), EXTERNAL_ROLES),
    own_organisation(SigningAttempt, roles=EXTERNAL_ROLES),
]
