"""Fixtures of the shop network's tests."""

from __future__ import annotations

import pytest

from tests.conftest import config_module_selection

_selection = config_module_selection()
if _selection is not None and "shop_network" not in _selection:
    collect_ignore_glob = ["test_*.py"]  # DISTRETTO_MODULES leaves the module out


@pytest.fixture
def storage(app, tmp_path, monkeypatch):
    """A private UPLOAD_FOLDER for the files the tests upload and the statements they render."""
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))
    return tmp_path
