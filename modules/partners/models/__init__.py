"""The models of the organisations registry."""

from .imports import IMPORT_STATUSES, OrganisationImport
from .organisation import RUNTS_SECTIONS, STATUSES, OrganisationContact, PartnerOrganisation
from .reference import Comune, OrganisationType

__all__ = [
    "IMPORT_STATUSES",
    "RUNTS_SECTIONS",
    "STATUSES",
    "Comune",
    "OrganisationContact",
    "OrganisationImport",
    "OrganisationType",
    "PartnerOrganisation",
]
