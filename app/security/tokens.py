"""Expiring, single-use links for invitations and password resets (no table needed)."""

from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..extensions import db
from ..models import User

INVITE, RESET = "invite", "reset"


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"distretto-{purpose}")


def _fingerprint(user: User) -> str:
    # Changes when the password is set or the sessions are ended: a used link stops working.
    material = f"{user.password_hash or ''}|{user.session_token}|{user.is_active}"
    return hashlib.sha256(material.encode()).hexdigest()[:20]


def make_token(user: User, purpose: str) -> str:
    return _serializer(purpose).dumps({"uid": user.id, "fp": _fingerprint(user)})


def user_from_token(token: str, purpose: str) -> User | None:
    max_age = current_app.config["INVITATION_MAX_AGE" if purpose == INVITE else "PASSWORD_RESET_MAX_AGE"]
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        return None
    user = db.session.get(User, data.get("uid"))
    if user is None or not user.is_active or data.get("fp") != _fingerprint(user):
        return None
    return user
