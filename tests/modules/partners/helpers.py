"""Helpers for the partners module's tests."""

from __future__ import annotations

import itertools

from stdnum import luhn

_serial = itertools.count(3_100_000)


def piva(office: str = "095") -> str:
    """A partita IVA with a correct check digit (a tax office code of Oristano by default)."""
    body = f"{next(_serial):07d}{office}"
    return body + luhn.calc_check_digit(body)


def wrong_check_digit(number: str) -> str:
    return number[:-1] + str((int(number[-1]) + 1) % 10)


def member(role: str, organisation):
    """A user of `organisation` (a PartnerOrganisation). User.organisation is typed with the kernel's
    Organisation and the mapping has no discriminator, so the user is linked to the base row."""
    from app.extensions import db
    from app.models import Organisation
    from tests.factories import make_user

    return make_user(role, organisation=db.session.get(Organisation, organisation.id))
