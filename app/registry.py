"""Module system: find manifests, sort them by `depends`, load their code, check what is installed."""

from __future__ import annotations

import ast
import importlib
import importlib.metadata
import importlib.util
import sys
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from pathlib import Path
from types import ModuleType

from flask import Flask
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select

from .settings import KERNEL_SETTINGS
from .settings import declare as declare_settings

ROOT = Path(__file__).resolve().parent.parent
ENTRY_POINT_GROUP = "distretto.modules"
KERNEL_NAME = "base"
KERNEL_VERSION = "1.1.0"  # 1.1.0: settings, uploads, notifications (k0002)
MANIFEST_FIELDS = {
    "name": str, "title": str, "version": str, "summary": str, "depends": list, "category": str,
    "installable": bool, "auto_install": bool, "data": list, "demo": list, "license": str,
}
REQUIRED_FIELDS = ("name", "title", "version")


class ModuleError(RuntimeError):
    """A module cannot be loaded or is not in the state the code expects; the message says why."""


@dataclass
class Module:
    name: str
    title: str
    version: str
    path: Path
    import_name: str
    summary: str = ""
    depends: list[str] = field(default_factory=list)
    category: str = ""
    installable: bool = True
    auto_install: bool = False
    data: list[str] = field(default_factory=list)
    demo: list[str] = field(default_factory=list)
    license: str = ""
    package: ModuleType | None = None

    def submodule(self, name: str) -> ModuleType | None:
        """Import `<module>.<name>` if the module has it (a file or a package)."""
        full = f"{self.import_name}.{name}"
        if importlib.util.find_spec(full) is None:
            return None
        return importlib.import_module(full)

    @property
    def migrations_path(self) -> Path:
        return self.path / "migrations"


def read_manifest(folder: Path) -> dict:
    """Read `__manifest__.py` as a dict literal without importing anything."""
    source = (folder / "__manifest__.py").read_text(encoding="utf-8")
    try:
        manifest = ast.literal_eval(source.split("\n", 1)[1] if source.startswith("#") else source)
    except (ValueError, SyntaxError) as exc:
        raise ModuleError(f"Module '{folder.name}': __manifest__.py is not a dict literal ({exc})") from exc
    if not isinstance(manifest, dict):
        raise ModuleError(f"Module '{folder.name}': __manifest__.py must be a dict literal")
    for key, value in manifest.items():
        expected = MANIFEST_FIELDS.get(key)
        if expected is None or not isinstance(value, expected):
            raise ModuleError(f"Module '{folder.name}': manifest field '{key}' is unknown or of the wrong type")
    missing = [key for key in REQUIRED_FIELDS if key not in manifest]
    if missing:
        raise ModuleError(f"Module '{folder.name}': manifest lacks {', '.join(missing)}")
    if manifest["name"] != folder.name:
        raise ModuleError(f"Module '{folder.name}': manifest name '{manifest['name']}' differs from its folder")
    return manifest


def _from_folder(folder: Path, import_name: str) -> Module:
    return Module(path=folder, import_name=import_name, **read_manifest(folder))


def _scan(directory: Path, package: str | None) -> list[Module]:
    if not directory.is_dir():
        return []
    found = []
    for folder in sorted(directory.iterdir()):
        if (folder / "__manifest__.py").is_file():
            found.append(_from_folder(folder, f"{package}.{folder.name}" if package else folder.name))
    return found


def _entry_point_modules() -> list[Module]:
    found = []
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        spec = importlib.util.find_spec(ep.value)
        if spec is None or not spec.submodule_search_locations:
            raise ModuleError(f"Entry point '{ep.name}' names '{ep.value}', which is not an importable package")
        found.append(_from_folder(Path(next(iter(spec.submodule_search_locations))), ep.value))
    return found


def discover(extra_paths: list[str] | None = None) -> dict[str, Module]:
    """Every module this code base can load: `modules/`, extra folders, and entry points."""
    found = _scan(ROOT / "modules", "modules")
    for raw in extra_paths or []:
        path = Path(raw).resolve()
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
        found.extend(_scan(path, None))
    found.extend(_entry_point_modules())
    modules: dict[str, Module] = {}
    for module in found:
        if module.name in modules:
            raise ModuleError(f"Module '{module.name}' is found twice: {modules[module.name].path} and {module.path}")
        modules[module.name] = module
    return modules


def resolve(available: dict[str, Module], selected: list[str] | None) -> list[Module]:
    """The modules to load, dependencies first. Missing or circular dependencies stop start-up."""
    wanted = [m.name for m in available.values() if m.installable] if selected is None else list(selected)
    chosen: dict[str, Module] = {}
    stack = list(wanted)
    while stack:
        name = stack.pop()
        if name in chosen:
            continue
        if name not in available:
            needed_by = sorted(m.name for m in chosen.values() if name in m.depends)
            who = f"'{needed_by[0]}' depends on" if needed_by else "DISTRETTO_MODULES names"
            raise ModuleError(f"Module {who} '{name}', which is not available")
        chosen[name] = available[name]
        stack.extend(available[name].depends)
    sorter = TopologicalSorter({name: set(module.depends) for name, module in chosen.items()})
    try:
        order = list(sorter.static_order())
    except CycleError as exc:
        cycle = " -> ".join(exc.args[1])
        raise ModuleError(f"Circular dependency between modules: {cycle}") from exc
    return [chosen[name] for name in order]


def load_modules(app: Flask) -> list[Module]:
    """Import the selected modules' code and plug it into the app."""
    available = discover(app.config["DISTRETTO_MODULES_PATH"])
    modules = resolve(available, app.config["DISTRETTO_MODULES"])
    state = app.extensions["distretto"]
    declare_settings(state.settings, KERNEL_NAME, KERNEL_SETTINGS)
    for module in modules:
        module.package = importlib.import_module(module.import_name)
        module.submodule("models")
        declare_settings(state.settings, module.name, getattr(module.submodule("settings"), "SETTINGS", []))
        rules = module.submodule("security.rules") if (module.path / "security" / "rules.py").exists() else None
        state.rules.extend(getattr(rules, "RULES", []))
        jobs = module.submodule("jobs")
        state.schedule.extend(getattr(jobs, "SCHEDULE", []))
        views = module.submodule("views")
        if views is not None and hasattr(views, "bp"):
            app.register_blueprint(views.bp)
        cli = module.submodule("cli")
        if cli is not None and hasattr(cli, "commands"):
            app.cli.add_command(cli.commands)
    state.modules = modules
    return modules


def loaded_modules(app: Flask) -> list[Module]:
    return app.extensions["distretto"].modules


def module_hooks(app: Flask, submodule: str, name: str):
    """Each loaded module's `<submodule>.<name>` (e.g. every `admin.register`), dependencies first."""
    for module in loaded_modules(app):
        found = module.submodule(submodule)
        if found is not None and hasattr(found, name):
            yield getattr(found, name)


def installed_versions() -> dict[str, str]:
    from .extensions import db
    from .models import InstalledModule

    if not sa_inspect(db.engine).has_table(InstalledModule.__tablename__):
        return {}
    return dict(db.session.execute(select(InstalledModule.name, InstalledModule.version)).all())


def installation_problems(app: Flask) -> list[str]:
    """What stops this code from running on this database, each with the command that fixes it."""
    installed = installed_versions()
    if KERNEL_NAME not in installed:
        return ["The database is not initialised: run `flask district init`"]
    problems = []
    if installed[KERNEL_NAME] != KERNEL_VERSION:
        problems.append(f"The kernel is at {installed[KERNEL_NAME]}, the code at {KERNEL_VERSION}: "
                        "run `flask district init`")
    for module in loaded_modules(app):
        version = installed.get(module.name)
        if version is None:
            problems.append(f"Module '{module.name}' is loaded but not installed: "
                            f"run `flask modules install {module.name}`")
        elif version != module.version:
            problems.append(f"Module '{module.name}' is installed at {version}, the code is at {module.version}: "
                            f"run `flask modules upgrade {module.name}`")
    return problems


def check_installed(app: Flask) -> None:
    with app.app_context():
        problems = installation_problems(app)
    if problems:
        raise ModuleError("; ".join(problems))
