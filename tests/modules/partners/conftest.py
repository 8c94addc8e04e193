"""Fixtures of the partners module's tests (skipped when DISTRETTO_MODULES leaves the module out)."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from tests.conftest import config_module_selection

_SELECTED = config_module_selection()
collect_ignore_glob = ["test_*.py"] if _SELECTED is not None and "partners" not in _SELECTED else []


@pytest.fixture
def italian(app):
    """An Italian request context: messages are checked as Italian users read them."""
    with app.test_request_context(), force_locale("it"):
        yield
