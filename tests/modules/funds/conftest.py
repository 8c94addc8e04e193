"""Fixtures of the fund's tests."""

from __future__ import annotations

import pytest
from flask_babel import force_locale


@pytest.fixture
def italian(app):
    """An Italian request context: messages are checked as Italian users read them."""
    with app.test_request_context(), force_locale("it"):
        yield
