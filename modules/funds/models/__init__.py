"""The models of the fund: money in, projects, rounds, allocations, payments, publications."""

from .fund import CONTRIBUTION_KINDS, Contribution, Fund, Receipt
from .project import (
    FUNDABLE_STATES,
    PROJECT_STATES,
    PUBLIC_STATES,
    RANKABLE_STATES,
    Milestone,
    Project,
    ProjectCategory,
)
from .publication import PUBLICATION_STATES, Publication
from .round import ALLOCATION_STATES, PAYMENT_STATES, ROUND_STATES, Allocation, Payment, Priority, Round

__all__ = [
    "ALLOCATION_STATES",
    "CONTRIBUTION_KINDS",
    "FUNDABLE_STATES",
    "PAYMENT_STATES",
    "PROJECT_STATES",
    "PUBLICATION_STATES",
    "PUBLIC_STATES",
    "RANKABLE_STATES",
    "ROUND_STATES",
    "Allocation",
    "Contribution",
    "Fund",
    "Milestone",
    "Payment",
    "Priority",
    "Project",
    "ProjectCategory",
    "Publication",
    "Receipt",
    "Round",
]
