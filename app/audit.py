"""Append-only change tracking: who changed which field of which record, when, from what to what.

Models opt in by inheriting `Audited`. Fields listed in `__audit_personal__` (citizens' names, notes)
or `__audit_secret__` (password hashes) are recorded as changed without their values, so erasing
personal data erases it everywhere.
"""

from __future__ import annotations

import contextlib
import enum
from contextvars import ContextVar
from datetime import UTC, date, datetime
from decimal import Decimal

from flask import has_request_context
from sqlalchemy import BigInteger, Boolean, DateTime, Index, String, Text, event, insert, inspect, select
from sqlalchemy.orm import Mapped, Mapper, Session, mapped_column

from .extensions import db

_actor: ContextVar[int | None] = ContextVar("audit_actor", default=None)


class AuditLogIsAppendOnly(RuntimeError):
    """Raised when code tries to change or remove an audit row."""


class Audited:
    """Mixin: every insert, update and delete of the model writes audit rows."""

    __audit_personal__: frozenset[str] = frozenset()
    __audit_secret__: frozenset[str] = frozenset()
    __audit_ignore__: frozenset[str] = frozenset({"created_at", "updated_at"})


class AuditLog(db.Model):
    __tablename__ = "base_audit_log"
    __table_args__ = (Index("ix_base_audit_log_record", "model", "record_id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(db.Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    user_id: Mapped[int | None] = mapped_column(index=True)  # no FK: history outlives users
    model: Mapped[str] = mapped_column(String(80))
    record_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(10))
    field: Mapped[str | None] = mapped_column(String(80))
    old: Mapped[str | None] = mapped_column(Text)
    new: Mapped[str | None] = mapped_column(Text)
    is_redacted: Mapped[bool] = mapped_column(Boolean, default=False)

    def __repr__(self) -> str:
        return f"<AuditLog {self.model}:{self.record_id} {self.action} {self.field}>"


@event.listens_for(Mapper, "mapper_configured")
def _load_old_values(mapper: Mapper, cls: type) -> None:
    # Without active history an expired attribute is overwritten without loading its old value.
    if issubclass(cls, Audited):
        for attr in mapper.column_attrs:
            event.listen(getattr(cls, attr.key), "set", _noop, active_history=True)


def _noop(target, value, oldvalue, initiator):
    return value


@event.listens_for(AuditLog, "before_update")
@event.listens_for(AuditLog, "before_delete")
def _refuse_change(*_args) -> None:
    raise AuditLogIsAppendOnly("audit rows are never updated or deleted")


@contextlib.contextmanager
def acting_as(user_id: int | None):
    """Attribute the changes made inside the block to `user_id` (jobs, CLI)."""
    token = _actor.set(user_id)
    try:
        yield
    finally:
        _actor.reset(token)


def current_actor_id() -> int | None:
    actor = _actor.get()
    if actor is not None or not has_request_context():
        return actor
    from flask_login import current_user

    return current_user.id if current_user and current_user.is_authenticated else None


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal | int | float | str):
        return str(value)
    return str(value)


def _record_id(obj) -> str:
    return ",".join(str(v) for v in inspect(obj).mapper.primary_key_from_instance(obj))


def _changes(obj, action: str):
    """Yield (field, old, new, redacted) for the tracked attributes of `obj`."""
    state = inspect(obj)
    hidden = obj.__audit_personal__ | obj.__audit_secret__
    for attr in state.mapper.column_attrs:
        if attr.key in obj.__audit_ignore__:
            continue
        hist = state.attrs[attr.key].history
        if action == "update" and not hist.has_changes():
            continue
        old = hist.deleted[0] if hist.deleted else (None if action != "delete" else getattr(obj, attr.key))
        new = None if action == "delete" else (hist.added[0] if hist.added else getattr(obj, attr.key))
        if action == "create" and new is None:
            continue
        if _text(old) == _text(new) and action == "update":
            continue
        yield attr.key, old, new, attr.key in hidden
    for rel in state.mapper.relationships:
        if rel.secondary is None or action != "update":
            continue
        hist = state.attrs[rel.key].history
        if hist.added or hist.deleted:
            yield rel.key, ", ".join(map(str, hist.deleted)), ", ".join(map(str, hist.added)), False


def _rows_for(obj, action: str, at: datetime, user_id: int | None) -> list[dict]:
    base = {"at": at, "user_id": user_id, "model": type(obj).__name__, "record_id": _record_id(obj)}
    rows = [
        {**base, "action": action, "field": field, "is_redacted": redacted,
         "old": None if redacted else _text(old), "new": None if redacted else _text(new)}
        for field, old, new, redacted in _changes(obj, action)
    ]
    if not rows and action == "delete":
        rows = [{**base, "action": action, "field": None, "old": None, "new": None, "is_redacted": False}]
    return rows


@event.listens_for(Session, "after_flush")
def _write_audit_rows(session: Session, _ctx) -> None:
    at, user_id = datetime.now(UTC), current_actor_id()
    rows: list[dict] = []
    for action, objects in (("create", session.new), ("update", session.dirty), ("delete", session.deleted)):
        for obj in objects:
            if isinstance(obj, Audited):
                rows.extend(_rows_for(obj, action, at, user_id))
    if rows:
        session.connection().execute(insert(AuditLog.__table__), rows)


def history_for(obj, limit: int = 200) -> list[AuditLog]:
    """The audit rows of one record, newest first."""
    stmt = (
        select(AuditLog)
        .where(AuditLog.model == type(obj).__name__, AuditLog.record_id == _record_id(obj))
        .order_by(AuditLog.at.desc(), AuditLog.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))
