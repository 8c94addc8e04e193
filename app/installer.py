"""Installing and upgrading modules: migrations, security data, reference data, recorded versions."""

from __future__ import annotations

import csv
import importlib
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask, current_app
from flask_migrate import upgrade as alembic_upgrade
from sqlalchemy import delete, select

from .extensions import db
from .models import InstalledModule, ModelAccess, Role, RolePermission
from .registry import KERNEL_NAME, KERNEL_VERSION, ROOT, Module, ModuleError, installed_versions, loaded_modules
from .security.access import forget_cached_access

KERNEL_DIR = ROOT / "app"


def version_locations(app: Flask) -> list[str]:
    """Alembic looks for revisions in the kernel's folder and in every loaded module's folder."""
    paths = [ROOT / "migrations" / "versions"]
    paths += [m.migrations_path for m in loaded_modules(app) if m.migrations_path.is_dir()]
    return [str(p) for p in paths]


def _truthy(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "x"}


def _role_ids() -> dict[str, int]:
    return dict(db.session.execute(select(Role.key, Role.id)).all())


def sync_security(module_name: str, folder: Path) -> None:
    """Replace the module's access rules and permission grants with those in its `security/` CSVs."""
    roles = _role_ids()
    db.session.execute(delete(ModelAccess).where(ModelAccess.module == module_name))
    db.session.execute(delete(RolePermission).where(RolePermission.module == module_name))
    access_file, perms_file = folder / "security" / "access.csv", folder / "security" / "permissions.csv"
    for row in _rows(access_file):
        db.session.add(ModelAccess(
            model=row["model"], role_id=_role(roles, row["role"], access_file), module=module_name,
            can_read=_truthy(row["read"]), can_write=_truthy(row["write"]),
            can_create=_truthy(row["create"]), can_delete=_truthy(row["delete"]),
        ))
    for row in _rows(perms_file):
        db.session.add(RolePermission(role_id=_role(roles, row["role"], perms_file),
                                      permission=row["permission"], module=module_name))
    db.session.flush()
    forget_cached_access()


def _role(roles: dict[str, int], key: str, source: Path) -> int:
    if key not in roles:
        raise ModuleError(f"{source}: unknown role '{key}'")
    return roles[key]


def _rows(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        return [row for row in csv.DictReader(handle) if any((v or "").strip() for v in row.values())]


def load_data(import_name: str, files: list[str]) -> None:
    """Run the module's data loaders (`data/<name>.py` with an idempotent `load()`)."""
    for name in files:
        stem = Path(name).with_suffix("").as_posix().replace("/", ".")
        loader = importlib.import_module(f"{import_name}.{stem}")
        loader.load()


def _record(name: str, version: str) -> None:
    row = db.session.get(InstalledModule, name)
    if row is None:
        db.session.add(InstalledModule(name=name, version=version))
    else:
        row.version, row.updated_at = version, datetime.now(UTC)


def init_kernel() -> None:
    """Migrate the kernel and load its own data (roles, access rules)."""
    alembic_upgrade(revision="kernel@head")
    load_data("app", ["data/roles.py"])
    sync_security(KERNEL_NAME, KERNEL_DIR)
    _record(KERNEL_NAME, KERNEL_VERSION)
    db.session.commit()


def _module(name: str) -> Module:
    for module in loaded_modules(current_app):
        if module.name == name:
            return module
    raise ModuleError(f"Module '{name}' is not loaded: check DISTRETTO_MODULES")


def install(name: str) -> list[str]:
    """Install a module and, first, what it depends on. Returns the names installed."""
    installed = installed_versions()
    if KERNEL_NAME not in installed:
        init_kernel()
    done: list[str] = []
    module = _module(name)
    for dependency in module.depends:
        if dependency not in installed_versions():
            done += install(dependency)
    _apply(module)
    return done + [name]


def upgrade(name: str) -> None:
    if name not in installed_versions():
        raise ModuleError(f"Module '{name}' is not installed: run `flask modules install {name}`")
    _apply(_module(name))


def _apply(module: Module) -> None:
    if module.migrations_path.is_dir():
        alembic_upgrade(revision=f"{module.name}@head")
    sync_security(module.name, module.path)
    load_data(module.import_name, module.data)
    _record(module.name, module.version)
    db.session.commit()


def init_all() -> list[str]:
    """`flask district init`: the kernel, then every loaded module (installed or upgraded)."""
    init_kernel()
    names = []
    for module in loaded_modules(current_app):
        _apply(module)
        names.append(module.name)
    return names


def load_demo() -> None:
    """`flask district demo`: the kernel's demo users, then every module's demo data."""
    load_data("app", ["demo/identity.py", "demo/users.py"])
    for module in loaded_modules(current_app):
        load_data(module.import_name, module.demo)
    db.session.commit()
