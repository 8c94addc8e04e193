"""Two coordinators confirming the same month at the same moment (PostgreSQL): the settlement's row lock lets one
confirm; the other is refused, and the fund gets one receivable."""

from __future__ import annotations

import threading
from datetime import date

from sqlalchemy import func, select

from app.extensions import db
from app.models import User
from app.workflow import WorkflowError
from modules.funds.models import Contribution
from modules.shop_network.models import Settlement
from modules.shop_network.services import settlement as settling
from tests.conftest import require_postgres
from tests.factories import make_user
from tests.modules.shop_network.settlement_helpers import MARCH, accredited_provider, network_fund, network_shop, sale


def test_two_coordinators_confirming_at_once_post_one_receivable(app, ctx, storage):
    require_postgres()
    network_fund()
    shop = network_shop()
    sale(shop, accredited_provider(), "1100.00", date(2026, 3, 5))
    settling.compute_drafts(MARCH)
    settlement_id = db.session.scalar(select(Settlement.id).where(Settlement.organisation_id == shop.id))
    users = [make_user("coordinator").id, make_user("coordinator").id]
    start, outcomes = threading.Barrier(2), []

    def work(user_id: int) -> None:
        with app.app_context():
            user, found = db.session.get(User, user_id), db.session.get(Settlement, settlement_id)
            start.wait()
            try:
                settling.confirm(found, user, on=date(2026, 4, 2))
                outcomes.append("confirmed")
            except (settling.SettlementError, WorkflowError):
                outcomes.append("refused")
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                outcomes.append(f"error: {exc!r}")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(user_id,)) for user_id in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["confirmed", "refused"]
    assert db.session.scalar(select(func.count(Contribution.id))) == 1
