#!/usr/bin/env python
"""Benchmark of the shop network's monthly settlement (not a test). See bench/README.md.

Generates N transactions (default 1,000,000) for 10,000 network shops in March 2026 directly in a scratch
PostgreSQL database (INSERT … SELECT generate_series; a third of the shops change rate on 15 March, so the
per-row rate lookup is exercised), then times `services.settlement.compute_drafts` for the month (first run:
creates the drafts; second run: recomputes them) and a raw `GROUP BY organisation_id` sum of the same rows,
and prints both and their ratio. Target: compute_drafts ≤ 2 s.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/scratch .venv/bin/python bench/settle_month.py
    .venv/bin/python bench/settle_month.py --database postgresql://… --rows 200000 --shops 2000

The database must be a scratch one: the bench installs the schema if it is missing and deletes its own shops'
transactions and settlements of the month before each run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MONTH = date(2026, 3, 1)
TARGET_S = 2.0
SHOP_PREFIX = "Settle bench shop "
PROVIDER_BODY = "5000000002"


def piva(body: str) -> str:
    from stdnum import luhn

    return body + luhn.calc_check_digit(body)


def shop_piva(number: int) -> str:
    return piva(f"9{number:06d}002")


def ensure_network(shops: int) -> tuple[int, list[int]]:
    """The bench provider and `shops` shops with an active contract, a signed 3% rate from January and, for a
    third of them, a signed 4% rate from 15 March (created once, reused by later runs)."""
    from sqlalchemy import insert, select, text

    from app.extensions import db
    from app.models import Organisation
    from modules.partners.models import PartnerOrganisation
    from modules.shop_network.models import Contract, NetworkPeriod

    provider_piva = piva(PROVIDER_BODY)
    provider_id = db.session.scalar(select(Organisation.id).where(Organisation.partita_iva == provider_piva))
    if provider_id is None:
        provider = PartnerOrganisation(legal_name="Settle bench platform", type="provider", status="active",
                                       partita_iva=provider_piva, codice_fiscale=provider_piva)
        db.session.add(provider)
        db.session.flush()
        provider_id = provider.id
    existing = set(db.session.scalars(select(Organisation.partita_iva)
                                      .where(Organisation.legal_name.like(SHOP_PREFIX + "%"))))
    missing = [n for n in range(shops) if shop_piva(n) not in existing]
    for start in range(0, len(missing), 2000):
        part = missing[start:start + 2000]
        ids = db.session.scalars(insert(Organisation).returning(Organisation.id, sort_by_parameter_order=True), [
            {"legal_name": f"{SHOP_PREFIX}{n}", "type": "shop", "status": "active", "partita_iva": shop_piva(n),
             "codice_fiscale": shop_piva(n)} for n in part]).all()
        db.session.execute(text("INSERT INTO partners_organisations (id) SELECT unnest(CAST(:ids AS integer[]))"),
                           {"ids": list(ids)})
        contract_ids = db.session.scalars(insert(Contract).returning(Contract.id, sort_by_parameter_order=True), [
            {"number": f"SETTLE-{n:06d}", "organisation_id": org_id, "valid_from": date(2026, 1, 1),
             "state": "active"} for n, org_id in zip(part, ids, strict=True)]).all()
        db.session.execute(insert(NetworkPeriod), [
            {"contract_id": contract_id, "organisation_id": org_id, "starts_on": date(2026, 1, 1)}
            for contract_id, org_id in zip(contract_ids, ids, strict=True)])
        rates = [{"contract_id": c, "rate": 30000, "effective_from": date(2026, 1, 1), "status": "signed"}
                 for c in contract_ids]
        rates += [{"contract_id": c, "rate": 40000, "effective_from": date(2026, 3, 15), "status": "signed"}
                  for n, c in zip(part, contract_ids, strict=True) if n % 3 == 0]
        db.session.execute(text("INSERT INTO shop_network_rates (contract_id, rate, effective_from, status, "
                                "created_at) VALUES (:contract_id, :rate, :effective_from, :status, now())"), rates)
    db.session.commit()
    shop_ids = list(db.session.scalars(select(Organisation.id).where(Organisation.legal_name.like(SHOP_PREFIX + "%"))
                                       .order_by(Organisation.id).limit(shops)))
    return provider_id, shop_ids


def reset_month(provider_id: int, shop_ids: list[int]) -> None:
    from sqlalchemy import text

    from app.extensions import db

    db.session.execute(text("DELETE FROM shop_network_settlements WHERE month = :m AND (organisation_id = :p OR "
                            "organisation_id = ANY(CAST(:ids AS integer[])))"),
                       {"m": MONTH, "p": provider_id, "ids": shop_ids})
    db.session.execute(text("DELETE FROM shop_network_transactions WHERE provider_id = :p"), {"p": provider_id})
    db.session.commit()


def generate(provider_id: int, shop_ids: list[int], rows: int) -> float:
    """INSERT … SELECT generate_series: `rows` transactions spread over March's 31 days and the shops, 3% refunds."""
    from sqlalchemy import text

    from app.extensions import db

    started = time.perf_counter()
    db.session.execute(text("CREATE TEMP TABLE bench_shops AS SELECT row_number() OVER (ORDER BY o.id) - 1 AS n, "
                            "o.id, o.partita_iva FROM base_organisations o WHERE o.id = ANY(CAST(:ids AS integer[]))"),
                       {"ids": shop_ids})
    db.session.execute(text("CREATE INDEX ON bench_shops (n)"))
    db.session.execute(text("""
        INSERT INTO shop_network_transactions (id, provider_id, provider_tx_id, occurred_at, occurred_on,
            organisation_id, partita_iva, amount, kind, is_late)
        SELECT g, :p, 'SB' || g, (DATE '2026-03-01' + (g % 31)) + TIME '10:00', DATE '2026-03-01' + (g % 31), s.id,
               s.partita_iva, 100 + (g::bigint * 7919) % 29900, CASE WHEN g % 33 = 0 THEN 'refund' ELSE 'purchase' END,
               false
        FROM generate_series(1, :rows) AS g JOIN bench_shops s ON s.n = g % :shops
    """), {"p": provider_id, "rows": rows, "shops": len(shop_ids)})
    db.session.execute(text("DROP TABLE bench_shops"))
    db.session.commit()
    # A month's rows are long written (and vacuumed) when it is settled: without this the first scans would also
    # pay for setting the hint bits of a million fresh rows.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM (ANALYZE) shop_network_transactions"))
    return time.perf_counter() - started


def add_one_row_per_shop(provider_id: int, shop_ids: list[int]) -> None:
    from sqlalchemy import text

    from app.extensions import db

    db.session.execute(text("""
        INSERT INTO shop_network_transactions (id, provider_id, provider_tx_id, occurred_at, occurred_on,
            organisation_id, partita_iva, amount, kind, is_late)
        SELECT 4000000000 + o.id, :p, 'SB-EXTRA-' || o.id, TIMESTAMP '2026-03-31 10:00', DATE '2026-03-31', o.id,
               o.partita_iva, 1234, 'purchase', false
        FROM base_organisations o WHERE o.id = ANY(CAST(:ids AS integer[]))
    """), {"p": provider_id, "ids": shop_ids})
    db.session.commit()


def raw_group_by() -> float:
    """The floor: one GROUP BY of the month's rows per shop, every result row fetched."""
    from sqlalchemy import text

    from app.extensions import db

    started = time.perf_counter()
    result = db.session.execute(text(
        "SELECT organisation_id, sum(CASE WHEN kind = 'refund' THEN -amount ELSE amount END) "
        "FROM shop_network_transactions WHERE occurred_on BETWEEN :a AND :b GROUP BY organisation_id"),
        {"a": MONTH, "b": date(2026, 3, 31)}).all()
    elapsed = time.perf_counter() - started
    db.session.rollback()
    assert result
    return elapsed


def timed_compute() -> tuple[float, dict]:
    from app.extensions import db
    from modules.shop_network.services import settlement

    db.session.remove()
    started = time.perf_counter()
    result = settlement.compute_drafts(MONTH)
    elapsed = time.perf_counter() - started
    return elapsed, result.as_dict()


def check_one_shop(shop_id: int) -> str:
    """One shop's draft against Python's own exact arithmetic over its rows (a sanity check)."""
    from decimal import ROUND_HALF_UP, Decimal

    from sqlalchemy import select, text

    from app.extensions import db
    from modules.shop_network.models import Settlement, Transaction

    rows = db.session.execute(select(Transaction.occurred_on, Transaction.amount, Transaction.kind)
                              .where(Transaction.organisation_id == shop_id)).all()
    changes = db.session.scalar(text("SELECT count(*) FROM shop_network_rates r JOIN shop_network_contracts c "
                                     "ON c.id = r.contract_id WHERE c.organisation_id = :o AND r.rate = 40000"),
                                {"o": shop_id})

    def rate(day: date) -> Decimal:
        return Decimal(4 if changes and day >= date(2026, 3, 15) else 3)

    total = sum(((-a if k == "refund" else a) * rate(d) / 100 for d, a, k in rows), Decimal(0))
    expected = total.quantize(Decimal("0.01"), ROUND_HALF_UP)
    draft = db.session.scalar(select(Settlement).where(Settlement.organisation_id == shop_id,
                                                       Settlement.month == MONTH, Settlement.kind == "shop"))
    verdict = "ok" if draft.amount == expected else "MISMATCH"
    return f"check: shop {shop_id} draft {draft.amount} / exact {expected} → {verdict}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--shops", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each (the median is compared)")
    parser.add_argument("--database", default=os.environ.get("DATABASE_URL"),
                        help="PostgreSQL URL of a scratch database (default: $DATABASE_URL)")
    args = parser.parse_args()
    if not args.database or not args.database.startswith("postgresql"):
        parser.error("a PostgreSQL scratch database is needed: --database or DATABASE_URL")
    url = args.database.replace("postgresql://", "postgresql+psycopg://", 1)

    import tempfile

    from sqlalchemy import inspect

    from app import create_app
    from app.extensions import db
    from app.installer import init_all

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": None,
                      "UPLOAD_FOLDER": tempfile.mkdtemp(prefix="bench-settle-"), "DISTRETTO_CHECK_MODULES": False,
                      "TESTING": False})
    with app.app_context():
        if "shop_network_settlements" not in inspect(db.engine).get_table_names():
            print("Installing the schema in the scratch database…", flush=True)
            init_all()
        provider_id, shop_ids = ensure_network(args.shops)
        reset_month(provider_id, shop_ids)
        generated_s = generate(provider_id, shop_ids, args.rows)
        print(f"Generated {args.rows:,} transactions for {len(shop_ids):,} shops in {generated_s:.1f} s", flush=True)

        first_s, first = timed_compute()
        print(f"compute_drafts, first run (creates the drafts): {first_s:.2f} s {first}", flush=True)
        settle = []
        for _ in range(args.repeat):
            elapsed, again = timed_compute()
            settle.append(elapsed)
        raw = [raw_group_by() for _ in range(args.repeat)]
        add_one_row_per_shop(provider_id, shop_ids)
        changed_s, changed = timed_compute()
        print(f"compute_drafts after one more row per shop (rewrites every draft): {changed_s:.2f} s {changed}",
              flush=True)
        print(check_one_shop(shop_ids[0]))
        print(check_one_shop(shop_ids[1]))

    settle_s, raw_s = statistics.median(settle), statistics.median(raw)
    print()
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (2 shared cores)")
    print(f"compute_drafts, first run (creates {first['created']:,} drafts): {first_s:.2f} s")
    print(f"compute_drafts, run again ({again['unchanged']:,} drafts unchanged, not rewritten): median "
          f"{settle_s:.2f} s of {', '.join(f'{s:.2f}' for s in settle)}")
    print(f"compute_drafts after new rows ({changed['updated']:,} drafts rewritten): {changed_s:.2f} s")
    print(f"raw GROUP BY organisation_id of the same rows: median {raw_s:.2f} s of "
          f"{', '.join(f'{s:.2f}' for s in raw)}")
    worst = max(first_s, settle_s, changed_s)
    print(f"ratio compute_drafts / raw GROUP BY: {settle_s / raw_s:.2f}× (run again), {worst / raw_s:.2f}× (slowest)")
    print(f"slowest compute_drafts: {worst:.2f} s (target ≤ {TARGET_S:.0f} s)")
    ok = worst <= TARGET_S
    print("target met" if ok else "target NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
