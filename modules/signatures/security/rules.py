"""Record rules: external users reach the documents their organisation is asked to sign, the requests and
signatures on those documents (a party sees whether the others have signed), and their own attempts."""

from sqlalchemy import select

from app.models import EXTERNAL_ROLES
from app.security import RecordRule, own_organisation

from ..models import SignableDocument, Signature, SignatureRequest, SigningAttempt


def _documents_of(user):
    return select(SignatureRequest.document_id).where(SignatureRequest.organisation_id == user.organisation_id)


RULES = [
    RecordRule(SignableDocument, lambda user: SignableDocument.id.in_(_documents_of(user)), EXTERNAL_ROLES),
    RecordRule(SignatureRequest, lambda user: SignatureRequest.document_id.in_(_documents_of(user)),
               EXTERNAL_ROLES),
    RecordRule(Signature, lambda user: Signature.document_id.in_(_documents_of(user)), EXTERNAL_ROLES),
    own_organisation(SigningAttempt, roles=EXTERNAL_ROLES),
]
