"""Access rules (which role may read/write/create/delete a model) and named permissions, as data."""

from __future__ import annotations

from flask import g
from sqlalchemy import select

from ..extensions import db
from ..models import ModelAccess, Role, RolePermission

OPERATIONS = ("read", "write", "create", "delete")


class AccessDenied(Exception):
    """The user's roles do not allow this operation on this model."""

    def __init__(self, model_name: str, op: str):
        super().__init__(f"{op} on {model_name} denied")
        self.model_name, self.op = model_name, op


def model_key(model) -> str:
    return model if isinstance(model, str) else model.__name__


def _access_table() -> dict[tuple[str, str], frozenset[str]]:
    """(model, role key) -> allowed operations, read once per app context."""
    if "_access_table" not in g:
        rows = db.session.execute(
            select(ModelAccess, Role.key).join(Role, Role.id == ModelAccess.role_id)
        ).all()
        g._access_table = {
            (access.model, role_key): frozenset(
                op for op in OPERATIONS if getattr(access, f"can_{op}")
            )
            for access, role_key in rows
        }
    return g._access_table


def _permission_table() -> dict[str, frozenset[str]]:
    if "_permission_table" not in g:
        table: dict[str, set[str]] = {}
        for perm, role_key in db.session.execute(
            select(RolePermission.permission, Role.key).join(Role, Role.id == RolePermission.role_id)
        ):
            table.setdefault(role_key, set()).add(perm)
        g._permission_table = {k: frozenset(v) for k, v in table.items()}
    return g._permission_table


def forget_cached_access() -> None:
    g.pop("_access_table", None)
    g.pop("_permission_table", None)


def roles_allowed(user, model, op: str) -> list[str]:
    """The user's role keys that grant `op` on `model` (empty: denied)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    table, key = _access_table(), model_key(model)
    return sorted(r for r in user.role_keys if op in table.get((key, r), ()))


def can(user, model, op: str) -> bool:
    return bool(roles_allowed(user, model, op))


def has_permission(user, permission: str) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    table = _permission_table()
    return any(permission in table.get(role, ()) for role in user.role_keys)
