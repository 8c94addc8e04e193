"""Fixtures of the signatures module's tests: a CA made for the test, its signers, a stored document."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from tests.modules.signatures import pki


@pytest.fixture(scope="session")
def authority():
    return pki.make_authority("Distretto Test CA")


@pytest.fixture(scope="session")
def stranger_authority():
    return pki.make_authority("Autorità sconosciuta")


@pytest.fixture(scope="session")
def mario(authority):
    return pki.make_signer(authority)


@pytest.fixture
def italian(app):
    """An Italian request context: reasons are checked as Italian users read them."""
    with app.test_request_context(), force_locale("it"):
        yield
