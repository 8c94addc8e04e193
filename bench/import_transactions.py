#!/usr/bin/env python
"""Benchmark of the shop network's transaction import (not a test). See bench/README.md.

Generates N rows (default 1,000,000) of a provider's Italian-style CSV (`;`, decimal comma, DD/MM/YYYY HH:MM:SS)
for 10,000 network shops (creating the shops, their contracts and network periods in a scratch PostgreSQL
database), imports them through the same path as the upload screen (`services.importing.start_import` →
the import job → `import_file`), and prints rows/s, peak memory and the ratio against a raw `COPY` of the
same file into a bare table, measured in the same run.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/scratch .venv/bin/python bench/import_transactions.py
    .venv/bin/python bench/import_transactions.py --database postgresql://… --rows 200000

With `--months N` it imports N monthly files in a row into the same, growing table (March, April, …).

The database must be a scratch one: the bench installs or upgrades the schema and empties the transactions,
outside-network rows and import batches (TRUNCATE) before the first file.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_ROWS_PER_S = 100_000
TARGET_RATIO = 6.0
CORES = os.cpu_count() or 1
TARGET_MB = 300
PROVIDER_BODY = "6000000001"
HEADER = "ID transazione;Data;Partita IVA;Importo;Tipo;Rimborso di;Categoria;Modalità\r\n"
CATEGORIES = ["Alimentari", "Abbigliamento", "Salute", "Sport", "Cultura", "Casa", "", ""]
REDEMPTIONS = ["buono", "carta", "pagamento diretto"]


def piva(body: str) -> str:
    from stdnum import luhn

    return body + luhn.calc_check_digit(body)


def shop_piva(number: int) -> str:
    return piva(f"8{number:06d}001")


def outside_piva(number: int) -> str:
    return piva(f"7{number:06d}001")


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def cpu_seconds() -> tuple[float, float]:
    """(this process's CPU seconds, every PostgreSQL server process's on this machine), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    mine = sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
    server = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)
            with open(f"/proc/{entry}/comm") as handle:
                name = handle.read().strip()
        except OSError:
            continue
        if name.startswith("postgres"):
            parts = fields[1].split()
            server += (int(parts[11]) + int(parts[12])) / tick
    return mine, server


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def italian_amount(cents: int) -> str:
    euros, rest = divmod(cents, 100)
    whole = f"{euros:,}".replace(",", ".")
    return f"{whole},{rest:02d}"


def generate(path: Path, rows: int, shops: int, outside_share: float, refund_share: float, seed: int,
             month: int = 3) -> dict:
    """Write the CSV as a stream (constant memory); returns how many rows of each kind it holds."""
    rng = random.Random(seed)
    counts = {"purchase": 0, "refund": 0, "outside": 0}
    purchases: list[tuple[str, str]] = []  # a sliding window of recent purchases (refund targets)
    pivas = [shop_piva(n) for n in range(shops)]
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("\ufeff" + HEADER)
        chunk = []
        for n in range(rows):
            tx = f"TX2026{month:02d}-{n:09d}"
            day = rng.randint(1, 31)
            day = min(day, 30 if month in (4, 6, 9, 11) else 28 if month == 2 else 31)
            stamp = (f"{day:02d}/{month:02d}/2026 {rng.randint(7, 21):02d}:{rng.randint(0, 59):02d}:"
                     f"{rng.randint(0, 59):02d}")
            category, redemption = rng.choice(CATEGORIES), rng.choice(REDEMPTIONS)
            draw = rng.random()
            amount = italian_amount(rng.randint(100, 30000))
            if draw < outside_share:
                shop = outside_piva(rng.randrange(2000))
                counts["outside"] += 1
                line = f"{tx};{stamp};{shop};{amount};acquisto;;{category};{redemption}"
            elif draw < outside_share + refund_share and purchases:
                target, shop = purchases[rng.randrange(len(purchases))]
                counts["refund"] += 1
                line = f"{tx};{stamp};{shop};{italian_amount(rng.randint(100, 5000))};rimborso;{target};;{redemption}"
            else:
                shop = pivas[rng.randrange(shops)]
                counts["purchase"] += 1
                line = f"{tx};{stamp};{shop};{amount};acquisto;;{category};{redemption}"
                if len(purchases) < 10_000:
                    purchases.append((tx, shop))
                else:
                    purchases[rng.randrange(10_000)] = (tx, shop)
            chunk.append(line)
            if len(chunk) >= 10_000:
                out.write("\r\n".join(chunk) + "\r\n")
                chunk.clear()
        if chunk:
            out.write("\r\n".join(chunk) + "\r\n")
    return counts


def ensure_network(shops: int) -> int:
    """The bench provider and `shops` network shops (created once, reused by later runs); the provider id."""
    from sqlalchemy import insert, select, text

    from app.extensions import db
    from app.models import Organisation
    from modules.partners.models import PartnerOrganisation
    from modules.shop_network.models import Contract, NetworkPeriod

    provider_piva = piva(PROVIDER_BODY)
    provider_id = db.session.scalar(select(Organisation.id).where(Organisation.partita_iva == provider_piva))
    if provider_id is None:
        provider = PartnerOrganisation(legal_name="Bench welfare platform", type="provider", status="active",
                                       partita_iva=provider_piva, codice_fiscale=provider_piva)
        db.session.add(provider)
        db.session.flush()
        provider_id = provider.id
    existing = set(db.session.scalars(select(Organisation.partita_iva)
                                      .where(Organisation.legal_name.like("Bench shop %"))))
    missing = [n for n in range(shops) if shop_piva(n) not in existing]
    for start in range(0, len(missing), 2000):
        part = missing[start:start + 2000]
        ids = db.session.scalars(insert(Organisation).returning(Organisation.id, sort_by_parameter_order=True), [
            {"legal_name": f"Bench shop {n}", "type": "shop", "status": "active", "partita_iva": shop_piva(n),
             "codice_fiscale": shop_piva(n)} for n in part]).all()
        db.session.execute(text("INSERT INTO partners_organisations (id) SELECT unnest(CAST(:ids AS integer[]))"),
                           {"ids": list(ids)})
        contract_ids = db.session.scalars(insert(Contract).returning(Contract.id, sort_by_parameter_order=True), [
            {"number": f"BENCH-{n:06d}", "organisation_id": org_id, "valid_from": date(2026, 1, 1), "state": "active"}
            for n, org_id in zip(part, ids, strict=True)]).all()
        db.session.execute(insert(NetworkPeriod), [
            {"contract_id": contract_id, "organisation_id": org_id, "starts_on": date(2026, 1, 1)}
            for contract_id, org_id in zip(contract_ids, ids, strict=True)])
    db.session.commit()
    return provider_id


def clean() -> None:
    """Empty the import's tables (a scratch database: TRUNCATE, not a row-by-row DELETE)."""
    from sqlalchemy import text

    from app.extensions import db

    db.session.execute(text("TRUNCATE shop_network_transactions, shop_network_outside_rows, "
                            "shop_network_import_problems, shop_network_import_batches"))
    db.session.commit()


def raw_copy(path: Path) -> float:
    """Seconds to COPY the same file into a bare table of text columns (the floor of any import)."""
    from app.extensions import db

    connection = db.engine.raw_connection()
    try:
        raw = connection.driver_connection
        with raw.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_raw_copy")
            cursor.execute("CREATE TABLE bench_raw_copy (id text, data text, piva text, importo text, tipo text, "
                           "rimborso_di text, categoria text, modalita text)")
            raw.commit()
            started = time.perf_counter()
            with cursor.copy("COPY bench_raw_copy FROM STDIN (FORMAT csv, DELIMITER ';', HEADER true)") as copy, \
                    path.open("rb") as handle:
                handle.read(3)  # the BOM
                while block := handle.read(1024 * 1024):
                    copy.write(block)
            raw.commit()
            elapsed = time.perf_counter() - started
            cursor.execute("DROP TABLE bench_raw_copy")
            raw.commit()
    finally:
        connection.close()
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--shops", type=int, default=10_000)
    parser.add_argument("--database", default=os.environ.get("DATABASE_URL"),
                        help="PostgreSQL URL of a scratch database (default: $DATABASE_URL)")
    parser.add_argument("--outside", type=float, default=0.05, help="share of rows of shops outside the network")
    parser.add_argument("--refunds", type=float, default=0.03, help="share of refunds of earlier purchases")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep-file", action="store_true", help="keep the generated CSV (its path is printed)")
    parser.add_argument("--steps", action="store_true", help="log the time of each step of the import")
    parser.add_argument("--months", type=int, default=1, choices=range(1, 10),
                        help="import this many monthly files in a row (March on), into a growing table")
    args = parser.parse_args()
    if not args.database or not args.database.startswith("postgresql"):
        parser.error("a PostgreSQL scratch database is needed: --database or DATABASE_URL")
    url = args.database.replace("postgresql://", "postgresql+psycopg://", 1)

    from app import create_app
    from app.installer import init_all

    work = Path(tempfile.mkdtemp(prefix="bench-import-"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": None, "UPLOAD_FOLDER": str(work / "uploads"),
                      "DISTRETTO_CHECK_MODULES": False, "TESTING": False})
    with app.app_context():
        print("Installing or upgrading the schema in the scratch database…", flush=True)
        init_all()
        if args.steps:  # after the migrations, whose logging setup silences every other logger
            import logging

            logger = logging.getLogger("distretto.shop_network.import")
            handler = logging.StreamHandler(sys.stdout)
            handler.setFormatter(logging.Formatter("  %(message)s"))
            logger.addHandler(handler)
            logger.disabled, logger.propagate = False, False
            logger.setLevel(logging.DEBUG)
        provider_id = ensure_network(args.shops)
        clean()
        results = [import_month(args, work, provider_id, month) for month in range(3, 3 + args.months)]
    return 0 if all(results) else 1


def import_month(args, work: Path, provider_id: int, month: int) -> bool:
    """Generate one month's file, import it, print the figures; whether every target is met."""
    from sqlalchemy import text

    from app.extensions import db
    from app.jobs import Job
    from modules.shop_network.models import ImportBatch
    from modules.shop_network.services import importing

    path = work / f"transazioni-2026-{month:02d}.csv"
    started = time.perf_counter()
    counts = generate(path, args.rows, args.shops, args.outside, args.refunds, args.seed + month, month)
    print(f"Generated {args.rows:,} rows for 2026-{month:02d} ({path.stat().st_size / 1024 / 1024:.1f} MB) in "
          f"{time.perf_counter() - started:.1f} s: {counts}", flush=True)
    copy_s = raw_copy(path)
    db.session.remove()
    rss_before = rss_mb()
    load_before = load_average()
    cpu_before = cpu_seconds()
    started = time.perf_counter()
    with path.open("rb") as handle:
        batch = importing.start_import(handle, provider_id, False, None, source="cli", filename=path.name)
    total_s = time.perf_counter() - started
    cpu_after = cpu_seconds()
    peak = peak_rss_mb()
    batch = db.session.get(ImportBatch, batch.id)
    job = db.session.get(Job, batch.job_id)
    job_s = (job.finished_at - job.started_at).total_seconds()
    copy_again_s = raw_copy(path)  # the raw COPY again, after the import: the machine's load varies
    copy_best = min(copy_s, copy_again_s)
    in_table = db.session.scalar(text("SELECT count(*) FROM shop_network_transactions"))

    print()
    print(f"batch {batch.id}: {batch.status} total={batch.rows_total:,} imported={batch.rows_imported:,} "
          f"outside={batch.rows_outside:,} duplicates={batch.rows_duplicate:,} bad={batch.rows_bad:,} "
          f"late={batch.rows_late:,}" + (f" error={batch.error}" if batch.error else "")
          + f"; {in_table:,} transactions in the table now")
    print(f"load average before the import: {load_before}; after: {load_average()} ({CORES} cores)")
    print(f"raw COPY of the same file into a bare table: {copy_s:.2f} s before, {copy_again_s:.2f} s after "
          f"→ {args.rows / copy_best:,.0f} rows/s")
    print(f"import (upload stored + job): {total_s:.2f} s → {args.rows / total_s:,.0f} rows/s "
          f"(target ≥ {TARGET_ROWS_PER_S:,})")
    print(f"  of which the job (import_file): {job_s:.2f} s → {args.rows / job_s:,.0f} rows/s")
    print(f"CPU seconds during the import: Python {cpu_after[0] - cpu_before[0]:.2f}, PostgreSQL "
          f"{cpu_after[1] - cpu_before[1]:.2f} ({CORES} cores: {CORES * total_s:.2f} available)")
    print(f"ratio import / raw COPY: {total_s / copy_best:.2f}× (target ≤ {TARGET_RATIO:.0f}×)")
    print(f"peak RSS of the process: {peak:.0f} MB (before the import: {rss_before:.0f} MB; "
          f"target < {TARGET_MB} MB)")
    if not args.keep_file:
        path.unlink()
    else:
        print(f"file kept: {path}")
    ok = (batch.status == "imported" and args.rows / total_s >= TARGET_ROWS_PER_S
          and total_s / copy_best <= TARGET_RATIO and peak < TARGET_MB)
    print("targets met" if ok else "targets NOT met", flush=True)
    print()
    return ok


if __name__ == "__main__":
    sys.exit(main())
