"""Never allocate what the fund does not hold, also when officials approve at the same moment (PostgreSQL).

Real threads, each with its own connection and transaction, start together and COMMIT for real; the fund's
row lock (SELECT … FOR UPDATE) makes each approval see what the previous ones committed.
"""

from __future__ import annotations

import threading
from decimal import Decimal

from sqlalchemy import func, select

from app.extensions import db
from app.models import User
from app.workflow import WorkflowError
from modules.funds import services
from modules.funds.models import Allocation
from modules.ledger import services as ledger
from modules.ledger.models import JournalEntry
from tests.conftest import require_postgres
from tests.factories import make_user
from tests.modules.funds.helpers import admitted, fund_holding, officials, ranked_round

D = Decimal
THREADS = 10


def _approve_together(app, jobs: list[tuple[int, int]]) -> list[str]:
    """Run approve_allocation(allocation_id, user) for every (allocation, user) at once; outcomes in order."""
    start = threading.Barrier(len(jobs))
    outcomes: list[str] = [""] * len(jobs)

    def work(index: int, allocation_id: int, user_id: int) -> None:
        with app.app_context():
            user = db.session.get(User, user_id)
            start.wait()
            try:
                services.approve_allocation(allocation_id, user)
                outcomes[index] = "approved"
            except (services.FundsError, WorkflowError):
                outcomes[index] = "refused"
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                outcomes[index] = f"error: {exc!r}"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(i, *job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_ten_officials_approving_at_once_never_allocate_more_than_the_fund_holds(app, ctx):
    require_postgres()
    people = officials()
    fund = fund_holding("1000.00")
    projects = [admitted(budget=D("5000.00")) for _ in range(THREADS)]
    round_ = ranked_round(fund, projects, people.municipality)
    proposals = [services.propose_allocation(round_, p, "150.00", people.coordinator).id for p in projects]
    approvers = [make_user("municipality").id for _ in range(THREADS)]

    outcomes = _approve_together(app, list(zip(proposals, approvers, strict=True)))

    db.session.expire_all()
    assert sorted(outcomes) == ["approved"] * 6 + ["refused"] * 4, outcomes
    approved = db.session.scalar(select(func.sum(Allocation.amount)).where(Allocation.status == "approved"))
    assert approved == D("900.00") and services.available(fund) == D("100.00")
    commitments = sum((ledger.natural_balance(services.commitment_account(fund, p)) for p in projects), D("0"))
    assert commitments == D("900.00")
    assert ledger.check() == []


def test_the_same_proposal_approved_by_many_officials_at_once_is_posted_once(app, ctx):
    require_postgres()
    people = officials()
    fund, project = fund_holding("1000.00"), admitted()
    round_ = ranked_round(fund, [project], people.municipality)
    proposal = services.propose_allocation(round_, project, "400.00", people.coordinator).id
    approvers = [make_user("municipality").id for _ in range(8)]

    outcomes = _approve_together(app, [(proposal, user_id) for user_id in approvers])

    db.session.expire_all()
    assert sorted(outcomes) == ["approved"] + ["refused"] * 7, outcomes
    assert db.session.scalar(select(func.count()).select_from(JournalEntry)
                             .where(JournalEntry.kind == "funds.allocation")) == 1
    assert services.available(fund) == D("600.00") and ledger.check() == []
