"""Record rules of the fund: external users see their own organisation's money and projects only.

A cooperative reads and proposes its own projects and changes them only while they are proposals (after
that the municipality decides); it keeps its projects' milestones up to date; it reads the allocations and
payments it receives. Contributors (shops, providers) read their own contributions.
"""

from sqlalchemy import and_, select

from app.security import RecordRule, own_organisation

from ..models import Allocation, Contribution, Milestone, Payment, Project


def _own_projects(user):
    return select(Project.id).where(Project.beneficiary_id == user.organisation_id)


RULES = [
    own_organisation(Contribution, "organisation_id"),
    own_organisation(Project, "beneficiary_id", ops=("read", "create", "delete")),
    RecordRule(Project, lambda user: and_(Project.beneficiary_id == user.organisation_id,
                                          Project.status == "proposed"), ("cooperative",), ("write",)),
    RecordRule(Milestone, lambda user: Milestone.project_id.in_(_own_projects(user)), ("cooperative",)),
    own_organisation(Allocation, "beneficiary_id"),
    own_organisation(Payment, "beneficiary_id"),
]
