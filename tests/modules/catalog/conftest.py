"""Fixtures of the catalogue's tests."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from tests.conftest import config_module_selection

_selection = config_module_selection()
if _selection is not None and "catalog" not in _selection:
    collect_ignore_glob = ["test_*.py"]  # DISTRETTO_MODULES leaves the module out


@pytest.fixture
def storage(app, tmp_path, monkeypatch):
    """A private UPLOAD_FOLDER for the accreditation documents the tests upload."""
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))
    return tmp_path


@pytest.fixture
def italian(app):
    """An Italian request context: messages are checked as Italian users read them."""
    with app.test_request_context(), force_locale("it"):
        yield
