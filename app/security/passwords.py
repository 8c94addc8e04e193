"""argon2id password hashes and the password policy."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
_COMMON = frozenset({"password", "password1", "12345678", "123456789", "qwertyuiop", "distretto", "welfare123"})


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    if not stored_hash:
        _hasher.hash(password)  # spend the same time as a real check
        return False
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_problems(password: str, email: str = "") -> list[str]:
    """What is wrong with a new password, as translated sentences (empty when acceptable)."""
    problems = []
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        problems.append(_("The password must be at least %(n)d characters long.", n=minimum))
    if password.lower() in _COMMON or len(set(password)) < 4:
        problems.append(_("This password is too easy to guess."))
    if email and email.split("@")[0].lower() in password.lower():
        problems.append(_("The password must not contain your e-mail name."))
    return problems
