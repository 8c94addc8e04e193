"""The fund's business operations. Other modules call these (and only these) public functions:

Money in (e.g. the shop network's monthly settlements, providers' shared value):

- ``record_contribution_owed(fund, organisation, amount, *, source_reference, on, description, user=None,
  commit=True) -> Contribution``: money owed to the fund (a receivable, not available yet); idempotent on
  ``source_reference``, which names the caller's document (``"shop_network.settlement:2026-03:12"``);
- ``record_contribution_received(contribution, amount=None, *, on, receipt_reference, user=None,
  commit=True) -> Contribution``: money received for it (all that is due, or a part); idempotent on
  ``receipt_reference``; the amount becomes available for allocation;
- ``contribution_by_reference(source_reference) -> Contribution | None``;
- ``record_donation(fund, amount, *, on, reference, donor_name=None, organisation=None, ...) -> Contribution``;
- ``open_fund(name, description=None) -> Fund``, ``available(fund) -> Decimal`` (cash received − allocations
  approved), ``public.totals(fund)``.

With ``commit=False`` the caller's transaction holds the records and the ledger entries and commits them with
its own changes. Refusals raise ``FundsError`` (a translated message) — or ``app.workflow.WorkflowError`` for a
transition the user may not fire.

Projects, rounds, allocations, payments and transparency (used by this module's screens, documented for the
API to come): ``create_project``, ``validate_project``, ``clean_cup``, ``rank_projects``, ``propose_allocation``,
``approve_allocation``, ``reject_allocation``, ``revoke_allocation``, ``request_payment``, ``mark_paid``,
``cancel_payment``, ``publish``, ``fund_statement``.
"""

from app.dates import today

from .allocations import (
    approve_allocation,
    project_allocated,
    propose_allocation,
    rank_projects,
    reject_allocation,
    revoke_allocation,
    round_committed,
)
from .common import FundsError, accounts, available, commitment_account, lock_fund
from .money_in import (
    contribution_by_reference,
    open_fund,
    received_total,
    record_contribution_owed,
    record_contribution_received,
    record_donation,
)
from .payments import cancel_payment, mark_paid, paid_total, payable, request_payment
from .projects import check_project, clean_cup, create_project, is_third_sector, set_progress, validate_project
from .statement import fund_statement, statement_rows
from .transparency import publish, threshold, waiting_publication, year_total

__all__ = [
    "FundsError",
    "accounts",
    "approve_allocation",
    "available",
    "cancel_payment",
    "check_project",
    "clean_cup",
    "commitment_account",
    "contribution_by_reference",
    "create_project",
    "fund_statement",
    "is_third_sector",
    "lock_fund",
    "mark_paid",
    "open_fund",
    "paid_total",
    "payable",
    "project_allocated",
    "propose_allocation",
    "publish",
    "rank_projects",
    "received_total",
    "record_contribution_owed",
    "record_contribution_received",
    "record_donation",
    "reject_allocation",
    "request_payment",
    "revoke_allocation",
    "round_committed",
    "set_progress",
    "statement_rows",
    "threshold",
    "today",
    "validate_project",
    "waiting_publication",
    "year_total",
]
