"""Record rules of the registry. The kernel's rule on Organisation (external users: their own
organisation only) already covers PartnerOrganisation, a subclass of it."""

from app.security import own_organisation

from ..models import OrganisationContact

RULES = [own_organisation(OrganisationContact)]
