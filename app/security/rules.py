"""Record rules: which rows of a model a role sees (Odoo's ir.rule), applied by one helper."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import Select, and_, inspect, or_, select, true
from sqlalchemy.sql.elements import ColumnElement

from ..extensions import db
from ..models import EXTERNAL_ROLES
from .access import AccessDenied, model_key, roles_allowed


@dataclass(frozen=True)
class RecordRule:
    """Rows of `model` that `roles` may see (all roles when None: then it narrows everybody)."""

    model: type
    domain: Callable[[object], ColumnElement[bool]]
    roles: tuple[str, ...] | None = None
    ops: tuple[str, ...] = ("read", "write", "create", "delete")

    def applies_to(self, model: type, op: str) -> bool:
        return op in self.ops and issubclass(model, self.model)


def own_organisation(model: type, column: str = "organisation_id", roles: Sequence[str] = EXTERNAL_ROLES,
                     ops: tuple[str, ...] = ("read", "write", "create", "delete")) -> RecordRule:
    """The common rule: external users reach only their own organisation's rows."""
    return RecordRule(model, lambda user: getattr(model, column) == user.organisation_id, tuple(roles), ops)


def registered_rules() -> list[RecordRule]:
    return current_app.extensions["distretto"].rules


def rule_clause(model: type, op: str, user) -> ColumnElement[bool]:
    """The WHERE clause that limits `model` to what `user` may `op`; raises AccessDenied."""
    roles = roles_allowed(user, model, op)
    if not roles:
        raise AccessDenied(model_key(model), op)
    rules = [rule for rule in registered_rules() if rule.applies_to(model, op)]
    clauses = [rule.domain(user) for rule in rules if rule.roles is None]
    per_role = []
    for role in roles:
        domains = [rule.domain(user) for rule in rules if rule.roles and role in rule.roles]
        if not domains:  # a role with access and no rule sees every row
            per_role = []
            break
        per_role.append(or_(*domains))
    if per_role:
        clauses.append(or_(*per_role))
    return and_(true(), *clauses)


def _entity(stmt: Select) -> type:
    return stmt.column_descriptions[0]["entity"]


def scoped(target, op: str = "read", user=None) -> Select:
    """`select(Model)` (or the given select) narrowed by the access and record rules of `user`.

    Every path that reads or writes data goes through here: admin lists, counts, single records,
    lookups, exports, bulk actions, API, custom views and jobs.
    """
    if user is None:
        from flask_login import current_user

        user = current_user
    stmt = select(target) if isinstance(target, type) else target
    return stmt.where(rule_clause(_entity(stmt), op, user))


def pk_attribute(model: type):
    """The mapped primary-key attribute (works for joined-inheritance subclasses too)."""
    mapper = inspect(model)
    (column,) = mapper.primary_key
    return getattr(model, mapper.get_property_by_column(column).key)


def parse_pk(model: type, raw) -> object | None:
    """Parse an id from a URL strictly as the primary key's type (no lists, no commas)."""
    python_type = pk_attribute(model).type.python_type
    try:
        if python_type is int:
            text = str(raw)
            if not text.isdigit() or len(text) > 18:
                return None
            return int(text)
        return python_type(raw)
    except (TypeError, ValueError):
        return None


def get_scoped(model: type, raw_id, op: str = "read", user=None):
    """One record by id if `user` may `op` it, else None (unknown and foreign ids look the same)."""
    pk = parse_pk(model, raw_id)
    if pk is None:
        return None
    return db.session.scalars(scoped(model, op, user).where(pk_attribute(model) == pk)).first()


def satisfies(obj, op: str, user) -> bool:
    """Whether a flushed object is inside what `user` may `op` (checked after create/write)."""
    model = type(obj)
    column = pk_attribute(model)
    pk = inspect(obj).identity[0]
    stmt = select(column).where(column == pk, rule_clause(model, op, user))
    return db.session.execute(stmt).first() is not None


def readable_ids(model: type, ids: Sequence, user=None) -> set:
    column = pk_attribute(model)
    if not ids:
        return set()
    return set(db.session.scalars(scoped(select(column), "read", user).where(column.in_(ids))))


__all__ = [
    "AccessDenied",
    "RecordRule",
    "get_scoped",
    "own_organisation",
    "parse_pk",
    "pk_attribute",
    "readable_ids",
    "rule_clause",
    "satisfies",
    "scoped",
]
