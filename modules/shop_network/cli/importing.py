"""`flask shop-network import FILE --provider P.IVA [--keep-good-rows]`: the same job as the upload screen.

Without Redis the job runs in this process; with Redis it is queued for the workers and the command waits
for it (showing its progress), unless --no-wait.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from sqlalchemy import select

from app.documents import iter_csv
from app.extensions import db
from app.jobs import FINAL_STATES, Job
from app.models import Organisation, User

from ..models import ImportBatch
from ..services import importing
from . import commands


@commands.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--provider", "provider_piva", required=True, help="The provider's partita IVA.")
@click.option("--keep-good-rows", is_flag=True, help="Import the good rows even if some are bad (reported).")
@click.option("--user", "email", default=None, help="Record the import as this user's (e-mail).")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the row-by-row report of the bad rows to this CSV file.")
@click.option("--wait/--no-wait", default=True, help="With Redis: wait for a worker to finish the import.")
@click.option("--timeout", default=3600, show_default=True, help="Seconds to wait for the worker.")
def import_command(file: Path, provider_piva: str, keep_good_rows: bool, email: str | None,
                   report_path: Path | None, wait: bool, timeout: int) -> None:
    """Import a provider's CSV file of welfare transactions."""
    provider_id = db.session.scalar(select(Organisation.id).where(Organisation.partita_iva == provider_piva.strip()))
    if provider_id is None:
        raise click.UsageError(f"No organisation has the partita IVA {provider_piva}.")
    user = None
    if email:
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            raise click.UsageError(f"No user has the e-mail {email}.")
    try:
        with file.open("rb") as handle:
            batch = importing.start_import(handle, provider_id, keep_good_rows, user, source="cli",
                                           filename=file.name)
    except (importing.ImportRefused, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Batch {batch.id}: {batch.status}")
    if batch.status not in (*importing.FINAL_STATUSES, "failed") and wait:
        batch = _wait(batch.id, timeout)
    _print(batch, report_path)
    if batch.status != "imported":
        sys.exit(1 if batch.status in ("rejected", "failed") else 2)


def _wait(batch_id: int, timeout: int) -> ImportBatch:
    deadline, shown = time.monotonic() + timeout, -1
    while True:
        db.session.remove()
        batch = db.session.get(ImportBatch, batch_id)
        job = db.session.get(Job, batch.job_id) if batch.job_id else None
        if batch.status in (*importing.FINAL_STATUSES, "failed") or (job and job.status in FINAL_STATES):
            return batch
        if job is not None and job.progress != shown:
            shown = job.progress
            click.echo(f"  {shown}%")
        if time.monotonic() > deadline:
            raise click.ClickException(f"Batch {batch_id} did not finish in {timeout} s (still {batch.status}).")
        time.sleep(0.5)


def _print(batch: ImportBatch, report_path: Path | None) -> None:
    summary = importing.summary(batch)
    click.echo(" ".join(f"{key}={value}" for key, value in summary.items()))
    if batch.error:
        click.secho(batch.error, fg="red", err=True)
    for problem in importing.problems_of(batch.id, limit=20):
        click.echo(f"  row {problem.row_number} [{problem.column or ''}] {problem.code}: "
                   f"{importing.message_for(problem.code)} {problem.value or ''}".rstrip())
    if batch.rows_bad and report_path is None:
        click.echo("Use --report FILE for every bad row.")
    if report_path is not None:
        with report_path.open("wb") as out:
            for chunk in iter_csv(importing.report_rows(batch.id), importing.REPORT_COLUMNS, "csv-it"):
                out.write(chunk)
        click.echo(f"Report written to {report_path}")
