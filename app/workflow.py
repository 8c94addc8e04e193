"""Declarative state machines: states, transitions, who may fire them, reasons, read-only final states.

A model declares `__workflow__ = Workflow(...)` and inherits `WorkflowMixin`; transitions go through
`fire()`, which checks everything, logs the transition with its reason and sends `transitioned`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from blinker import Namespace
from flask_babel import gettext as _
from sqlalchemy import DateTime, Index, String, Text, event, inspect, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .extensions import db
from .security.access import has_permission

signals = Namespace()
transitioned = signals.signal("workflow-transitioned")


class WorkflowError(Exception):
    """A refused transition; the message is translated and meant for the user."""


class ReadOnlyRecord(WorkflowError):
    """A record in a final state was about to change."""


@dataclass(frozen=True)
class Transition:
    name: str
    sources: tuple[str, ...]
    target: str
    label: object  # a lazy translated string
    roles: tuple[str, ...] = ()
    permission: str | None = None
    reason_required: bool = False
    guard: Callable[[object, object], str | None] | None = None  # returns why not, or None

    def allows(self, user) -> bool:
        if not self.roles and not self.permission:
            return True
        return bool(user is not None and getattr(user, "is_authenticated", False) and (
            user.has_role(*self.roles) or (self.permission and has_permission(user, self.permission))
        ))


class Workflow:
    def __init__(self, field: str, states: dict[str, object], transitions: list[Transition],
                 initial: str, final: tuple[str, ...] = ()):
        unknown = {s for t in transitions for s in (*t.sources, t.target)} - set(states)
        if unknown or initial not in states or set(final) - set(states):
            raise ValueError(f"workflow on '{field}' names unknown states: {sorted(unknown)}")
        self.field, self.states, self.initial, self.final = field, states, initial, frozenset(final)
        self.transitions = {t.name: t for t in transitions}

    def label(self, state: str) -> str:
        return str(self.states.get(state, state))

    def state_of(self, obj) -> str:
        return getattr(obj, self.field)

    def available(self, obj, user) -> list[Transition]:
        """Transitions the user could fire now (guards included), for buttons on screens."""
        return [t for t in self.transitions.values() if self._refusal(obj, t, user, reason="-") is None]

    def check(self, obj, name: str, user, reason: str | None) -> Transition:
        transition = self.transitions.get(name)
        if transition is None:
            raise WorkflowError(_("Unknown action “%(name)s”.", name=name))
        refusal = self._refusal(obj, transition, user, reason)
        if refusal:
            raise WorkflowError(refusal)
        return transition

    def _refusal(self, obj, transition: Transition, user, reason: str | None) -> str | None:
        state = self.state_of(obj)
        if state not in transition.sources:
            return _("“%(action)s” is not possible from the state “%(state)s”.",
                     action=transition.label, state=self.label(state))
        if not transition.allows(user):
            return _("You are not allowed to “%(action)s”.", action=transition.label)
        if transition.reason_required and not (reason or "").strip():
            return _("A reason is required to “%(action)s”.", action=transition.label)
        return transition.guard(obj, user) if transition.guard else None


class WorkflowLog(db.Model):
    """Every transition with who fired it, when and why (the audit rows hold the field change)."""

    __tablename__ = "base_workflow_log"
    __table_args__ = (Index("ix_base_workflow_log_record", "model", "record_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    model: Mapped[str] = mapped_column(String(80))
    record_id: Mapped[str] = mapped_column(String(64))
    transition: Mapped[str] = mapped_column(String(60))
    from_state: Mapped[str] = mapped_column(String(40))
    to_state: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[int | None] = mapped_column()
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    def __repr__(self) -> str:
        return f"<WorkflowLog {self.model}:{self.record_id} {self.from_state}->{self.to_state}>"


class WorkflowMixin:
    __workflow__: Workflow
    __final_writable__: frozenset[str] = frozenset()  # fields that may still change in a final state

    @property
    def state_label(self) -> str:
        wf = type(self).__workflow__
        return wf.label(wf.state_of(self))

    @property
    def is_final(self) -> bool:
        wf = type(self).__workflow__
        return wf.state_of(self) in wf.final


def fire(obj, name: str, user, reason: str | None = None, commit: bool = True) -> WorkflowLog:
    """Fire transition `name` on `obj` as `user`; raises WorkflowError with a translated message."""
    wf = type(obj).__workflow__
    transition = wf.check(obj, name, user, reason)
    old = wf.state_of(obj)
    setattr(obj, wf.field, transition.target)
    db.session.flush()
    entry = WorkflowLog(
        model=type(obj).__name__, record_id=str(inspect(obj).identity[0]), transition=name,
        from_state=old, to_state=transition.target, user_id=getattr(user, "id", None),
        reason=(reason or "").strip() or None, at=datetime.now(UTC),
    )
    db.session.add(entry)
    transitioned.send(type(obj), obj=obj, transition=transition, user=user, reason=reason)
    if commit:
        db.session.commit()
    return entry


def log_for(obj) -> list[WorkflowLog]:
    stmt = select(WorkflowLog).where(
        WorkflowLog.model == type(obj).__name__, WorkflowLog.record_id == str(inspect(obj).identity[0])
    ).order_by(WorkflowLog.at.desc(), WorkflowLog.id.desc())
    return list(db.session.scalars(stmt))


def _state_before_flush(obj) -> str | None:
    wf = type(obj).__workflow__
    history = inspect(obj).attrs[wf.field].history
    if history.deleted:
        return history.deleted[0]
    return getattr(obj, wf.field)


def _changes_only_writable_fields(obj) -> bool:
    """A closed record may still change the fields its model lists in `__final_writable__` (e.g. the date its
    personal data was erased, which the law requires), and nothing else."""
    writable = getattr(type(obj), "__final_writable__", frozenset())
    changed = {attr.key for attr in inspect(obj).attrs if attr.history.has_changes()}
    return bool(changed) and changed <= writable


@event.listens_for(Session, "before_flush")
def _protect_final_states(session: Session, _ctx, _instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if not isinstance(obj, WorkflowMixin) or inspect(obj).transient:
            continue
        if _state_before_flush(obj) not in type(obj).__workflow__.final:
            continue
        if obj in session.deleted or (session.is_modified(obj, include_collections=False)
                                      and not _changes_only_writable_fields(obj)):
            raise ReadOnlyRecord(_("This record is closed and can no longer be changed."))
