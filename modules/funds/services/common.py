"""What every service of the fund shares: its error, the row lock, the fund's ledger accounts, dates, texts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import wraps
from typing import ParamSpec, TypeVar

from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.money import format_money
from app.security import has_permission
from app.workflow import WorkflowError
from modules.ledger import services as ledger
from modules.ledger.models import Account
from modules.ledger.services import LedgerError

from ..models import Fund, Project

P = ParamSpec("P")
R = TypeVar("R")
ZERO = Decimal("0.00")


class FundsError(ValueError):
    """A refused operation on the fund; the message is translated and meant for the user."""


def money(value: Decimal) -> str:
    """An amount as the reader writes it ("€ 1.234,56" in Italian)."""
    return format_money(value, str(get_locale() or "it"))


def italian(message: str, **variables) -> str:
    """A text stored in the books (entry descriptions): always in the district's language."""
    with force_locale("it"):
        return _(message, **variables)


def require(user, permission: str) -> None:
    if user is None or not has_permission(user, permission):
        raise FundsError(_("You are not allowed to do this."))


def refusals_roll_back(service: Callable[P, R]) -> Callable[P, R]:
    """A refused operation leaves nothing behind: its changes and row locks go with a rollback (unless the
    caller passed ``commit=False``: then the transaction is the caller's to end)."""

    @wraps(service)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return service(*args, **kwargs)
        except (FundsError, WorkflowError, LedgerError):
            if kwargs.get("commit", True):
                db.session.rollback()
            raise

    return wrapper


def lock_fund(fund_id: int) -> Fund:
    """The fund's row, locked until COMMIT (``SELECT … FOR UPDATE`` on PostgreSQL).

    Every operation that moves the fund's money takes this lock first, so checks such as "the fund holds
    this amount" and the postings that follow happen one transaction at a time.
    """
    stmt = select(Fund).where(Fund.id == fund_id).with_for_update().execution_options(populate_existing=True)
    return db.session.scalars(stmt).one()


# The fund's accounts --------------------------------------------------------------------------------------
# cash + receivable (assets) = available + pledged (equity) + what is owed to projects (liabilities):
#   contribution owed     Dr receivable / Cr pledged
#   contribution received Dr cash / Cr receivable  and  Dr pledged / Cr available
#   donation              Dr cash / Cr available
#   allocation approved   Dr available / Cr commitment of the project
#   payment               Dr commitment of the project / Cr cash
# so "available" is exactly cash received − allocations approved, and never goes below zero.
ACCOUNT_ROLES = {
    "cash": ("asset", "CASSA", "Cash and bank"),
    "receivable": ("asset", "CRED", "Contributions receivable"),
    "pledged": ("equity", "DAINC", "Contributions to collect"),
    "available": ("equity", "DISP", "Available for allocation"),
}


@dataclass(frozen=True)
class FundAccounts:
    cash: Account
    receivable: Account
    pledged: Account
    available: Account


def accounts(fund: Fund) -> FundAccounts:
    """The fund's four accounts, created the first time."""
    found = {}
    for role, (kind, code, label) in ACCOUNT_ROLES.items():
        found[role] = ledger.ensure_account(f"funds.fund:{fund.id}:{role}", code=f"F{fund.id:03d}-{code}",
                                            name=f"{fund.name} – {italian(label)}", kind=kind)
    return FundAccounts(**found)


def commitment_account(fund: Fund, project: Project) -> Account:
    """What the fund owes a project: allocations approved and not paid yet."""
    return ledger.ensure_account(
        f"funds.fund:{fund.id}:project:{project.id}", code=f"F{fund.id:03d}-P{project.id:05d}",
        name=italian("Commitments to “%(project)s”", project=project.title)[:200], kind="liability",
        organisation_id=project.beneficiary_id)


def available(fund: Fund) -> Decimal:
    """Cash received − allocations approved, read fresh from the ledger (money owed but not received is not
    available)."""
    return ledger.natural_balance(accounts(fund).available)
