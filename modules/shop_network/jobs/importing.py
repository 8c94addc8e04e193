"""The import of a provider's transactions, as a job (RQ with Redis, in-process without)."""

from __future__ import annotations

from flask_babel import force_locale

from app.extensions import db
from app.jobs import job
from app.security import has_permission

from ..models import ImportBatch
from ..services import importing

SCHEDULE: list[dict] = []


@job(importing.JOB, title="Import welfare transactions", timeout=3600, retries=1)
def import_transactions(ctx, batch_id: int) -> dict:
    """Check and import one batch; a finished batch is not run again (RQ may deliver a job twice)."""
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None or batch.status in importing.FINAL_STATUSES:
        return {"batch": batch_id, "skipped": True}
    user = ctx.user  # None: started from the command line by the operator
    if user is not None:
        if not has_permission(user, importing.PERMISSION):
            raise PermissionError(f"user {ctx.user_id} may not import transactions")
        importing.check_provider(batch.provider_id, user)
    with force_locale(getattr(user, "language", None) or "it"):
        batch = importing.import_file(batch_id, progress=ctx.progress)
    return importing.summary(batch)
