"""Module system: manifests, dependency order, selection, entry points, install state."""

import sys
import textwrap
from pathlib import Path

import pytest

from app import create_app
from app.registry import ModuleError, discover, read_manifest, resolve
from tests.conftest import FIXTURE_MODULES, make_test_config


def _module(root: Path, name: str, depends=(), version="1.0.0", extra: str = "") -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text("")
    (folder / "__manifest__.py").write_text(textwrap.dedent(f"""\
        {{
            "name": "{name}", "title": "{name.title()}", "version": "{version}",
            "depends": {list(depends)!r}, "summary": "test"{extra}
        }}
    """))
    return folder


def test_manifest_is_read_without_importing_code(tmp_path):
    folder = _module(tmp_path, "alpha")
    (folder / "__init__.py").write_text("raise RuntimeError('imported!')")
    assert read_manifest(folder)["title"] == "Alpha"


def test_manifest_that_is_not_a_literal_is_refused(tmp_path):
    folder = tmp_path / "beta"
    folder.mkdir()
    (folder / "__manifest__.py").write_text("{'name': 'beta', 'title': __import__('os').getcwd()}")
    with pytest.raises(ModuleError, match="beta"):
        read_manifest(folder)


def test_manifest_name_must_match_its_folder(tmp_path):
    folder = _module(tmp_path, "gamma")
    (folder / "__manifest__.py").write_text("{'name': 'other', 'title': 'x', 'version': '1'}")
    with pytest.raises(ModuleError, match="differs from its folder"):
        read_manifest(folder)


def test_modules_load_after_their_dependencies(tmp_path):
    for name, depends in (("c", ["b"]), ("b", ["a"]), ("a", [])):
        _module(tmp_path, name, depends)
    order = [m.name for m in resolve(discover([str(tmp_path)]), ["c"])]
    assert order == ["a", "b", "c"]


def test_missing_dependency_stops_start_up_naming_both_modules(tmp_path):
    _module(tmp_path, "zz_shop", ["zz_ledger"])
    with pytest.raises(ModuleError, match=r"'zz_shop' depends on 'zz_ledger'"):
        resolve(discover([str(tmp_path)]), ["zz_shop"])


def test_circular_dependency_stops_start_up_naming_the_cycle(tmp_path):
    _module(tmp_path, "left", ["right"])
    _module(tmp_path, "right", ["left"])
    with pytest.raises(ModuleError, match=r"Circular dependency between modules: .*left.*right|right.*left"):
        resolve(discover([str(tmp_path)]), ["left"])


def test_create_app_refuses_a_circular_dependency(tmp_path):
    _module(tmp_path, "ping", ["pong"])
    _module(tmp_path, "pong", ["ping"])
    with pytest.raises(ModuleError, match="Circular"):
        create_app(make_test_config(DISTRETTO_MODULES_PATH=[str(tmp_path)], DISTRETTO_MODULES=["ping"]))


def test_distretto_modules_selects_the_code_that_loads():
    app = create_app(make_test_config(DISTRETTO_MODULES=[]))
    assert app.extensions["distretto"].modules == []
    assert "memo_memo" not in {v.endpoint for v in app.extensions["distretto"].admin._views}


def test_unknown_module_in_distretto_modules_is_named():
    with pytest.raises(ModuleError, match="'nosuch'"):
        create_app(make_test_config(DISTRETTO_MODULES=["nosuch"]))


def test_entry_point_modules_are_discovered(tmp_path, monkeypatch):
    package = _module(tmp_path / "site", "extmod")
    dist = tmp_path / "site" / "extmod-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: extmod\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[distretto.modules]\nextmod = extmod\n")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    found = discover([])
    assert found["extmod"].path == package
    sys.modules.pop("extmod", None)


def test_start_up_refuses_a_loaded_module_that_is_not_installed(app, ctx):
    from app.extensions import db
    from app.models import InstalledModule

    row = db.session.get(InstalledModule, "memo")
    db.session.delete(row)
    db.session.commit()
    try:
        with pytest.raises(ModuleError, match="flask modules install memo"):
            create_app(make_test_config(DISTRETTO_CHECK_MODULES=True))
    finally:
        db.session.add(InstalledModule(name="memo", version="1.0.0"))
        db.session.commit()


def test_start_up_refuses_a_module_whose_code_is_newer(app, ctx):
    from app.extensions import db
    from app.models import InstalledModule

    db.session.get(InstalledModule, "memo").version = "0.9.0"
    db.session.commit()
    try:
        with pytest.raises(ModuleError, match="flask modules upgrade memo"):
            create_app(make_test_config(DISTRETTO_CHECK_MODULES=True))
    finally:
        db.session.get(InstalledModule, "memo").version = "1.0.0"
        db.session.commit()


def test_the_test_module_went_the_whole_way(app, client, ctx):
    """Discovery, install (migration + data + access rules), views, access and record rules."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import InstalledModule, ModelAccess
    from memo.models import MemoCategory

    assert db.session.get(InstalledModule, "memo").version == "1.0.0"
    assert {"Generale", "Urgente"} <= set(db.session.scalars(select(MemoCategory.name)))
    assert db.session.scalar(select(ModelAccess).where(ModelAccess.model == "Memo", ModelAccess.module == "memo"))
    assert (FIXTURE_MODULES / "memo" / "migrations").is_dir()


def test_modules_list_command_shows_versions_and_state(app):
    result = app.test_cli_runner().invoke(args=["modules", "list"])
    assert result.exit_code == 0
    assert "memo" in result.output and "1.0.0" in result.output


def test_installing_an_unknown_module_names_it(app):
    result = app.test_cli_runner().invoke(args=["modules", "install", "nosuch"])
    assert result.exit_code == 1
    assert "nosuch" in result.output
