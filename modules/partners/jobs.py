"""Background jobs of the registry."""

from datetime import UTC, datetime

from flask_babel import force_locale

from app.extensions import db
from app.jobs import job
from app.security import has_permission

from .importing import run_import
from .models import OrganisationImport

PERMISSION_IMPORT = "partners.import_organisations"


@job("partners.import_organisations", title="Import organisations", timeout=3600)
def import_organisations(ctx, import_id: int) -> dict:
    """Check and import one uploaded file; a finished import is not run again."""
    record = db.session.get(OrganisationImport, import_id)
    if record is None or record.is_done:
        return {"import_id": import_id, "skipped": True}
    user = ctx.user
    if user is None or not has_permission(user, PERMISSION_IMPORT):
        raise PermissionError(f"user {ctx.user_id} may not import organisations")
    with force_locale(user.language or "it"):
        run_import(record, lambda done, total: ctx.progress(done, total))
    record.finished_at = datetime.now(UTC)
    return {"import_id": record.id, "status": record.status, "created": record.created_count,
            "updated": record.updated_count, "unchanged": record.unchanged_count,
            "invalid": record.invalid_count}
