"""JSON API under /api/v1: token authentication, JSON errors, an OpenAPI 3 document built from the routes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps

from flask import Blueprint, Flask, abort, current_app, g, jsonify, request
from sqlalchemy import func, select
from werkzeug.exceptions import HTTPException

from ..extensions import csrf, db
from ..registry import module_hooks
from ..security.access import AccessDenied
from .tokens import user_for_secret

MAX_PER_PAGE = 100


@dataclass
class Operation:
    path: str
    method: str
    summary: str
    tag: str
    public: bool = False
    params: list[dict] = field(default_factory=list)
    response: dict | None = None
    model: type | None = None  # the model it serves: lets the authorization matrix test check it


class Api:
    """The API of one app: modules add routes with `api.route(...)` from their `api.register(api)`."""

    def __init__(self):
        self.bp = Blueprint("api", __name__, url_prefix="/api/v1")
        self.operations: list[Operation] = []
        self.bp.register_error_handler(HTTPException, _json_error)
        self.bp.register_error_handler(AccessDenied, lambda exc: _json_error(_Forbidden()))

    def route(self, path: str, methods=("GET",), *, summary: str, tag: str = "base", public: bool = False,
              params: list[dict] | None = None, response: dict | None = None, model: type | None = None):
        """Register an endpoint; unless `public`, it needs a valid token and sets `g.api_user`."""

        def decorator(view: Callable):
            endpoint = f"{tag}_{view.__name__}"
            wrapped = view if public else _token_required(view)
            self.bp.add_url_rule(path, endpoint, wrapped, methods=list(methods))
            for method in methods:
                self.operations.append(Operation(path, method.lower(), summary, tag, public, params or [],
                                                 response, model))
            return view

        return decorator


class _Forbidden(HTTPException):
    code = 403
    description = "Forbidden"


def _json_error(exc: HTTPException):
    response = jsonify({"error": {"code": exc.code, "name": exc.name, "message": exc.description}})
    response.status_code = exc.code or 500
    if exc.code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="distretto"'
    return response


def _token_required(view: Callable) -> Callable:
    @wraps(view)
    def wrapper(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        scheme, _, secret = header.partition(" ")
        user = user_for_secret(secret.strip()) if scheme.lower() == "bearer" and secret else None
        if user is None:
            abort(401, description="A valid API token is required (Authorization: Bearer <token>).")
        g.api_user = user
        return view(*args, **kwargs)

    return wrapper


def api_user():
    return g.api_user


def page_args() -> tuple[int, int]:
    try:
        page = max(1, int(request.args.get("page", 1)))
        per_page = min(MAX_PER_PAGE, max(1, int(request.args.get("per_page", 50))))
    except ValueError:
        abort(400, description="page and per_page must be whole numbers.")
    return page, per_page


def paginated(stmt, serialize: Callable) -> dict:
    """One page of a (scoped) select as {"items", "page", "per_page", "total"}."""
    page, per_page = page_args()
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page))
    return {"items": [serialize(row) for row in rows], "page": page, "per_page": per_page, "total": total}


def init_api(app: Flask) -> Api:
    from . import base_routes, openapi

    api = Api()
    base_routes.register(api)
    for register in module_hooks(app, "api", "register"):
        register(api)
    openapi.register(api)
    csrf.exempt(api.bp)  # token-authenticated, never cookie-authenticated
    app.register_blueprint(api.bp)
    app.extensions["distretto"].api = api
    return api


def current_api() -> Api:
    return current_app.extensions["distretto"].api
