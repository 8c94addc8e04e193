"""Exports larger than a list's row cap run as a job: every filtered row, written to a file in pages, stored as
an upload that only the job's user can download, announced by a notification.

The job replays the list's own URL (filters, search, sort) inside a request context logged in as its user, so
the rows are exactly what the list shows that user: the same `SecureModelView` query, the same record rules.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime

from flask import current_app, url_for
from flask_babel import format_number
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user

from ..documents import EXPORT_FORMATS, export_filename, write_export
from ..extensions import db
from ..jobs import Job, job
from ..models import User
from ..notify import notify
from ..uploads import register_owner, register_use, save_upload

EXPORT_USE = "base.export"
PAGE_ROWS = 2_000

register_use(EXPORT_USE, {"csv", "xlsx"}, max_bytes=4 * 1024 * 1024 * 1024)


def _own_job(job_id: int) -> Job | None:
    """An export belongs to the user who asked for it, and to nobody else (not even an administrator)."""
    row = db.session.get(Job, job_id)
    if row is None or not current_user.is_authenticated or row.user_id != current_user.id:
        return None
    return row


register_owner(Job, _own_job)


def _view(endpoint: str):
    from . import current_admin

    for view in current_admin()._views:
        if view.endpoint == endpoint:
            return view
    raise LookupError(f"no admin view '{endpoint}'")


def iter_all_records(view):
    """Every row the list shows the current user with the current URL's filters, search and sort, page by page."""
    args = view._get_list_extra_args()
    sort = view._get_column_by_idx(args.sort)
    sort_column = sort[0] if sort is not None else None
    page = 0
    while True:
        _count, records = view.get_list(page, sort_column, args.sort_desc, args.search, args.filters,
                                        page_size=PAGE_ROWS)
        records = list(records)
        yield from records
        for record in records:  # keep memory flat: the rows are written, drop them from the session
            db.session.expunge(record)
        if len(records) < PAGE_ROWS:
            return
        page += 1


def _row_count(view) -> int:
    args = view._get_list_extra_args()
    count, _records = view.get_list(0, None, False, args.search, args.filters, page_size=1)
    return count or 0


@job("base.export", title=_l("Export of a list"), timeout=3600, retries=1)
def export_list(ctx, endpoint: str, export_type: str, query: str = "") -> dict:
    """Write the whole filtered list of admin view `endpoint` as `export_type`; the file is the job's."""
    user = db.session.get(User, ctx.user_id)
    view = _view(endpoint)
    with current_app.test_request_context(f"/admin/{endpoint}/?{query}"):
        login_user(user)
        total = _row_count(view)
        columns = list(view._export_columns)
        done = 0

        def rows():
            nonlocal done
            for record in iter_all_records(view):
                done += 1
                if done % PAGE_ROWS == 0:
                    ctx.progress(done, total, f"{format_number(done)} / {format_number(total)}")
                yield {name: view.get_export_value(record, name) for name, _label in columns}

        _mimetype, extension = EXPORT_FORMATS[export_type]
        stem = f"{view.get_export_name(export_type).rsplit('.', 1)[0]}"
        with tempfile.TemporaryFile() as target:
            write_export(rows(), columns, export_type, target)
            target.seek(0)
            job_row = db.session.get(Job, ctx.job_id)
            upload = save_upload(EXPORT_USE, target, filename=export_filename(stem, extension), owner=job_row,
                                 user=user)
        link = url_for("files.download", upload_id=upload.id)
        notify([user], _l("Your export of “%(name)s” is ready (%(rows)s rows)"), url=link, email=False,
               name=str(view.name), rows=done)
        db.session.commit()
    return {"rows": done, "upload_id": upload.id, "download_url": link,
            "finished_at": datetime.now(UTC).isoformat()}
