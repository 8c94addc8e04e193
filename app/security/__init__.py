"""One security mechanism: access rules, record rules, permissions, sign-in, headers."""

from __future__ import annotations

import secrets
from functools import wraps

from flask import Flask, abort, g, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..api.tokens import ApiToken
from ..extensions import db, login_manager
from ..jobs import Job
from ..models import EXTERNAL_ROLES, Organisation, User
from .access import AccessDenied, can, has_permission, roles_allowed
from .rules import (
    RecordRule,
    get_scoped,
    own_organisation,
    parse_pk,
    readable_ids,
    rule_clause,
    satisfies,
    scoped,
)

__all__ = [
    "AccessDenied",
    "RecordRule",
    "can",
    "csp_nonce",
    "get_scoped",
    "has_permission",
    "own_organisation",
    "parse_pk",
    "readable_ids",
    "require_permission",
    "roles_allowed",
    "rule_clause",
    "satisfies",
    "scoped",
]

INTERNAL_NON_ADMIN = ("coordinator", "municipality", "operator", "auditor")
KERNEL_RULES = [
    RecordRule(Organisation, lambda user: Organisation.id == user.organisation_id, EXTERNAL_ROLES),
    own_organisation(User, roles=EXTERNAL_ROLES),
    RecordRule(Job, lambda user: Job.user_id == user.id, EXTERNAL_ROLES + INTERNAL_NON_ADMIN),
    RecordRule(ApiToken, lambda user: ApiToken.user_id == user.id),
]


def require_permission(permission: str):
    """Decorator for custom views: 403 unless the signed-in user holds `permission`."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not has_permission(current_user, permission):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator


@login_manager.user_loader
def _load_user(token: str) -> User | None:
    user = db.session.scalar(db.select(User).where(User.session_token == token))
    return user if user is not None and user.is_active else None


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def _security_headers(response):
    nonce = csp_nonce()
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; "
        f"script-src 'self' 'nonce-{nonce}'; "
        "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "geolocation=(), camera=(), microphone=()")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if current_user.is_authenticated:
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def init_security(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    app.extensions["distretto"].rules.extend(KERNEL_RULES)
    app.after_request(_security_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    from .views import bp

    app.register_blueprint(bp)
