"""File intake: allowed kinds per use (checked by content), size limits, storage, history, download.

A module registers a *use* (`register_use("accreditation.document", {"pdf", "jpeg", "png"})`) and
the owner models whose files it serves (`register_owner(Application)`: the default resolver reads
the owner through `get_scoped`, so the access and record rules decide who may download).
`save_upload(use, file, owner=record)` streams the file to
`UPLOAD_FOLDER/<use>/<yyyy>/<uuid4 hex>` (never under static/, never under the client's name),
refusing it as soon as it passes the size limit or when its bytes are not of an allowed kind.
Files are served only by `send_upload()`, as attachments; `/files/<id>` does it for any owner.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
import uuid
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

from babel.lists import format_list
from babel.numbers import format_decimal
from flask import Blueprint, Flask, Response, abort, current_app, request, send_file
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, String, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db, login_manager
from .models import User
from .security import AccessDenied, get_scoped

CHUNK = 64 * 1024
HEAD = 8 * 1024
MB = 1024 * 1024
USE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
FORM_OVERHEAD = 1 * MB  # room for the other fields of a form that carries the largest file


class UploadRejected(ValueError):
    """The file was refused; the message is translated and can be shown next to the form field."""


class UploadTooLarge(UploadRejected):
    """The file passed the use's size limit (found while streaming, the rest is never read)."""


class UnknownUse(LookupError):
    """No module registered this use: a programming error, not the user's."""


# Kinds: what the bytes are, whatever the client's filename says -------------------------------
@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    content_type: str
    extensions: tuple[str, ...]
    sniffed: frozenset[str]  # the results of `sniff()` that count as this kind


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind("pdf", "PDF", "application/pdf", (".pdf",), frozenset({"pdf"})),
        Kind("png", "PNG", "image/png", (".png",), frozenset({"png"})),
        Kind("jpeg", "JPEG", "image/jpeg", (".jpg", ".jpeg"), frozenset({"jpeg"})),
        Kind("xlsx", "XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",),
             frozenset({"xlsx"})),
        Kind("zip", "ZIP", "application/zip", (".zip",), frozenset({"zip", "xlsx"})),
        Kind("csv", "CSV", "text/csv", (".csv",), frozenset({"text"})),
        Kind("txt", "TXT", "text/plain", (".txt",), frozenset({"text"})),
    )
}

_MAGIC = (
    (b"%PDF-", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),  # an empty archive
)
_TEXT_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f]")


def register_kind(kind: Kind) -> None:
    """Let a module add a kind (e.g. CAdES `.p7m`) whose `sniffed` names come from its own check."""
    KINDS[kind.name] = kind


def _is_text(head: bytes) -> bool:
    if _TEXT_CONTROL.search(head):
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # a multi-byte character cut at the end of the head is fine
            try:
                head.decode("cp1252")  # Italian Excel exports
            except UnicodeDecodeError:
                return False
    return True


def _zip_flavour(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        return "unknown"
    return "xlsx" if {"[Content_Types].xml", "xl/workbook.xml"} <= names else "zip"


def sniff(head: bytes, path: Path | None = None, has_nul: bool = False) -> str:
    """What the file is, from its first bytes (and, for archives, its table of contents):
    "pdf", "png", "jpeg", "xlsx", "zip", "text" or "unknown"."""
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return _zip_flavour(path) if name == "zip" and path is not None else name
    if head and not has_nul and _is_text(head):
        return "text"
    return "unknown"


# Uses ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class UploadUse:
    name: str
    kinds: tuple[str, ...]
    max_bytes: int | None = None

    def limit(self) -> int:
        return self.max_bytes or current_app.config["UPLOAD_MAX_BYTES"]


_USES: dict[str, UploadUse] = {}
_OWNERS: dict[str, Callable[[int], object | None]] = {}


def register_use(name: str, kinds: Iterable[str], max_bytes: int | None = None) -> UploadUse:
    """Declare what a use accepts; registering the same use again replaces it (tests, reloads)."""
    if not USE_PATTERN.match(name):
        raise ValueError(f"Upload use '{name}' must look like '<module>.<name>'")
    kinds = list(kinds)
    unknown = [kind for kind in kinds if kind not in KINDS]
    if unknown or not kinds:
        raise ValueError(f"Upload use '{name}': unknown kinds {unknown} (known: {', '.join(KINDS)})")
    use = UploadUse(name, tuple(sorted(set(kinds))), max_bytes)
    _USES[name] = use
    return use


def use_for(name: str) -> UploadUse:
    try:
        return _USES[name]
    except KeyError:
        raise UnknownUse(f"No module registered the upload use '{name}'") from None


def register_owner(model: type | str, resolver: Callable[[int], object | None] | None = None) -> None:
    """Say how `/files/<id>` finds an upload's owner record for the current user (None: not readable).

    The default reads `model` through `get_scoped`, i.e. the access and record rules."""
    name = model if isinstance(model, str) else model.__name__
    if resolver is None:
        if isinstance(model, str):
            raise ValueError("A resolver is needed when the owner model is given by name")
        resolver = lambda owner_id: get_scoped(model, owner_id, "read")  # noqa: E731
    _OWNERS[name] = resolver


def unregister_owner(model: type | str) -> None:
    _OWNERS.pop(model if isinstance(model, str) else model.__name__, None)


# The record --------------------------------------------------------------------------------------------
class Upload(db.Model):
    """A stored file. Replacing it makes a new row; the old one stays as history."""

    __tablename__ = "base_uploads"
    __table_args__ = (Index("ix_base_uploads_owner", "owner_model", "owner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    use: Mapped[str] = mapped_column(String(80), index=True)
    original_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    storage_path: Mapped[str] = mapped_column(String(300), unique=True)
    owner_model: Mapped[str | None] = mapped_column(String(80))
    owner_id: Mapped[int | None] = mapped_column(Integer)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("base_users.id", ondelete="SET NULL"),
                                                       index=True)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("base_uploads.id", ondelete="SET NULL"))
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("base_uploads.id", ondelete="SET NULL"))

    uploaded_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Upload {self.id} {self.use} {self.original_name!r}>"

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_current(self) -> bool:
        return self.replaced_by_id is None


# Names and paths --------------------------------------------------------------------------------------
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')


def sanitise_filename(name: str | None, fallback: str = "file") -> str:
    """The client's filename made harmless for display and Content-Disposition (never a path)."""
    text = unicodedata.normalize("NFC", name or "")
    text = re.split(r"[/\\]", text)[-1]
    text = _UNSAFE.sub("_", text)
    text = re.sub(r"\s+", " ", text).strip(" .")
    if not text:
        return fallback
    stem, dot, ext = text.rpartition(".")
    if len(text) > 200:
        text = (stem[: 200 - len(ext) - 1] + "." + ext[:20]) if dot else text[:200]
    return text


def upload_root() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"]).resolve()


def absolute_path(upload: Upload) -> Path:
    """Where the bytes are; a stored path that escapes UPLOAD_FOLDER is refused."""
    root = upload_root()
    path = (root / upload.storage_path).resolve()
    if not path.is_relative_to(root):
        raise RuntimeError(f"Upload {upload.id} points outside UPLOAD_FOLDER")
    return path


def _new_storage_path(use: UploadUse) -> str:
    return f"{use.name}/{datetime.now(UTC):%Y}/{uuid.uuid4().hex}"


def format_size(size: int) -> str:
    """10485760 -> "10 MB" (binary units, number in the reader's locale)."""
    unit, divisor = ("MB", MB) if size >= MB else ("KB", 1024)
    value = (Decimal(size) / divisor).quantize(Decimal("0.1")).normalize()
    return f"{format_decimal(value, locale=str(get_locale() or 'it'))} {unit}"


# Intake -------------------------------------------------------------------------------------------------
@dataclass
class _Written:
    size: int
    sha256: str
    head: bytes
    has_nul: bool


def _stream(source: BinaryIO, target: Path, limit: int) -> _Written:
    """Copy `source` to `target` chunk by chunk, hashing; stop as soon as `limit` is passed."""
    digest, size, head, has_nul = hashlib.sha256(), 0, b"", False
    with target.open("xb") as out:
        while chunk := source.read(CHUNK):
            size += len(chunk)
            if size > limit:
                raise UploadTooLarge(_("The file exceeds the %(limit)s limit.", limit=format_size(limit)))
            digest.update(chunk)
            has_nul = has_nul or b"\x00" in chunk
            if len(head) < HEAD:
                head += chunk[: HEAD - len(head)]
            out.write(chunk)
    return _Written(size, digest.hexdigest(), head, has_nul)


def _kind_for(use: UploadUse, sniffed: str, filename: str) -> Kind:
    matching = [KINDS[name] for name in use.kinds if sniffed in KINDS[name].sniffed]
    if not matching:
        labels = [KINDS[name].label for name in use.kinds]
        kinds = format_list(labels, style="or", locale=str(get_locale() or "it"))
        raise UploadRejected(_("The file is not a %(kinds)s.", kinds=kinds))
    suffix = os.path.splitext(filename)[1].lower()
    return next((kind for kind in matching if suffix in kind.extensions), matching[0])


def _source(file) -> tuple[BinaryIO, str | None]:
    """A werkzeug FileStorage (its stream and filename) or any binary file object."""
    stream = getattr(file, "stream", file)
    return stream, getattr(file, "filename", None) or getattr(file, "name", None)


def _actor_id(user: User | None) -> int | None:
    if user is not None:
        return user.id
    return current_user.id if current_user and current_user.is_authenticated else None


def save_upload(use_name: str, file, *, filename: str | None = None, owner=None,
                user: User | None = None) -> Upload:
    """Check and store `file` for `use_name`; returns the flushed Upload (the caller commits).

    Raises UploadRejected (wrong kind, empty) or UploadTooLarge with a translated message."""
    use = use_for(use_name)
    stream, client_name = _source(file)
    original = sanitise_filename(filename or client_name)
    relative = _new_storage_path(use)
    target = upload_root() / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        written = _stream(stream, target, use.limit())
        if written.size == 0:
            raise UploadRejected(_("The file is empty."))
        kind = _kind_for(use, sniff(written.head, target, written.has_nul), original)
        upload = Upload(use=use.name, original_name=original, content_type=kind.content_type,
                        size=written.size, sha256=written.sha256, storage_path=relative,
                        uploaded_by_id=_actor_id(user))
        attach(upload, owner)
        db.session.add(upload)
        db.session.flush()
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return upload


def attach(upload: Upload, owner) -> None:
    """Record which record owns the file (its model name and id); None leaves it unowned."""
    if owner is not None:
        upload.owner_model, upload.owner_id = type(owner).__name__, owner.id


def replace(upload: Upload, new_file, *, filename: str | None = None, user: User | None = None) -> Upload:
    """Store `new_file` as the next version of `upload` (same use and owner); the old one stays."""
    if upload.replaced_by_id is not None:
        raise UploadRejected(_("This file has already been replaced by a newer version."))
    new = save_upload(upload.use, new_file, filename=filename, user=user)
    new.owner_model, new.owner_id, new.previous_id = upload.owner_model, upload.owner_id, upload.id
    upload.replaced_by_id = new.id
    db.session.flush()
    return new


def history(upload: Upload) -> list[Upload]:
    """Every version of the file, newest first (follows the previous-version chain)."""
    versions, current = [], upload
    while current.replaced_by_id is not None:
        current = db.session.get(Upload, current.replaced_by_id)
    while current is not None:
        versions.append(current)
        current = db.session.get(Upload, current.previous_id) if current.previous_id else None
    return versions


def uploads_of(owner, use: str | None = None, current_only: bool = True) -> list[Upload]:
    stmt = select(Upload).where(Upload.owner_model == type(owner).__name__, Upload.owner_id == owner.id)
    if use is not None:
        stmt = stmt.where(Upload.use == use)
    if current_only:
        stmt = stmt.where(Upload.replaced_by_id.is_(None))
    return list(db.session.scalars(stmt.order_by(Upload.id)))


def open_upload(upload: Upload) -> BinaryIO:
    """The stored bytes, for services that check them (e.g. a signed PDF)."""
    return absolute_path(upload).open("rb")


# Download -----------------------------------------------------------------------------------------------
def send_upload(upload: Upload) -> Response:
    """The file as an attachment. The caller has already checked the owner record is readable."""
    response = send_file(absolute_path(upload), mimetype=upload.content_type, as_attachment=True,
                         download_name=upload.original_name, conditional=True, etag=upload.sha256,
                         max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def readable_owner(upload: Upload):
    """The upload's owner record if the current user may read it, else None."""
    resolver = _OWNERS.get(upload.owner_model or "")
    if resolver is None or upload.owner_id is None:
        return None
    try:
        return resolver(upload.owner_id)
    except AccessDenied:
        return None


bp = Blueprint("files", __name__)


@bp.route("/files/<int:upload_id>")
def download(upload_id: int):
    upload = db.session.get(Upload, upload_id)
    if upload is not None and readable_owner(upload) is not None:
        return send_upload(upload)
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    abort(404)


def accepts(*use_names: str) -> Callable:
    """Let the requests of this view be as large as the largest file of these uses (plus a form's other
    fields); every other request stays within UPLOAD_MAX_BYTES. Put it under the route decorator."""

    def decorate(view: Callable) -> Callable:
        view.upload_uses = use_names  # read by _request_limit; the route's wrappers copy it (functools.wraps)
        return view

    return decorate


def _request_limit(endpoint: str | None, _values: dict | None) -> None:
    """Before anything reads the body (CSRF checks do, in before_request): this view's upload limit."""
    uses = getattr(current_app.view_functions.get(endpoint or ""), "upload_uses", None)
    if uses:
        request.max_content_length = max(use_for(name).limit() for name in uses) + FORM_OVERHEAD


def init_uploads(app: Flask) -> None:
    """Check the storage folder; requests may carry a file of UPLOAD_MAX_BYTES, more only where a view says
    so (:func:`accepts`)."""
    folder = Path(app.config["UPLOAD_FOLDER"]).resolve()
    if app.static_folder and folder.is_relative_to(Path(app.static_folder).resolve()):
        raise RuntimeError("UPLOAD_FOLDER must not be inside static/: uploads are served only by send_upload")
    default = app.config["UPLOAD_MAX_BYTES"] + FORM_OVERHEAD
    app.config["MAX_CONTENT_LENGTH"] = max(app.config.get("MAX_CONTENT_LENGTH") or 0, default)
    app.url_value_preprocessor(_request_limit)
    app.register_blueprint(bp)


register_use("base.logo", {"png", "jpeg"}, max_bytes=2 * MB)

__all__ = [
    "KINDS",
    "Kind",
    "UnknownUse",
    "Upload",
    "UploadRejected",
    "UploadTooLarge",
    "accepts",
    "attach",
    "history",
    "open_upload",
    "readable_owner",
    "register_kind",
    "register_owner",
    "register_use",
    "replace",
    "sanitise_filename",
    "save_upload",
    "send_upload",
    "sniff",
    "uploads_of",
]
