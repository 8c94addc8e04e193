"""Record rules: external users reach only their own organisation's applications, documents and
periods; nobody changes an application's data once it has been submitted (transitions do that)."""

from app.security import RecordRule, own_organisation

from ..models import EDITABLE_STATES, AccreditationPeriod, Application, Document

RULES = [
    own_organisation(Application),
    RecordRule(Application, lambda user: Application.state.in_(EDITABLE_STATES), roles=None, ops=("write",)),
    own_organisation(Document),
    own_organisation(AccreditationPeriod),
]
