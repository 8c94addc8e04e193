"""Distretto's kernel: the application factory. Nothing here knows about welfare."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from flask import Flask, has_request_context, render_template, request, session
from flask_babel import get_locale
from flask_login import current_user

from config import DEFAULT_SECRET_KEY, ROOT, config_for

from .dates import TIMEZONE
from .extensions import babel, csrf, db, limiter, migrate


@dataclass
class KernelState:
    """Per-app kernel state that modules plug into."""

    modules: list = field(default_factory=list)
    rules: list = field(default_factory=list)
    schedule: list = field(default_factory=list)
    outbox: list = field(default_factory=list)
    public_links: list = field(default_factory=list)
    settings: dict = field(default_factory=dict)
    admin: object = None
    api: object = None
    pid: int = field(default_factory=os.getpid)
    checked: bool = False


def select_locale() -> str:
    languages = ("it", "en")
    if not has_request_context():
        return "it"
    if current_user and current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    if session.get("language") in languages:
        return session["language"]
    return request.accept_languages.best_match(languages) or "it"


def _load_config(app: Flask, config) -> None:
    app.config.from_object(config_for())
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    if app.config.get("REFUSE_DEFAULT_SECRET") and app.config["SECRET_KEY"] == DEFAULT_SECRET_KEY:
        raise RuntimeError("Refusing to start in production with the default SECRET_KEY: set SECRET_KEY")


def create_app(config=None) -> Flask:
    """Build the application: kernel, selected modules, admin, API, CLI."""
    app = Flask(__name__, instance_path=str(ROOT / "instance"))
    _load_config(app, config)
    app.extensions["distretto"] = KernelState()
    _init_extensions(app)

    from . import registry
    from .admin import init_admin
    from .api import init_api
    from .cli import register_cli
    from .notify import init_notify
    from .public import init_public
    from .security import init_security
    from .templating import init_templating
    from .uploads import init_uploads

    init_security(app)
    registry.load_modules(app)
    init_uploads(app)
    init_notify(app)
    init_templating(app)
    init_admin(app)
    init_api(app)
    init_public(app)
    register_cli(app)
    _register_error_pages(app)
    app.before_request(_refuse_uninstalled_modules)
    if app.config["DISTRETTO_CHECK_MODULES"]:
        registry.check_installed(app)
        app.extensions["distretto"].checked = True
    return app


def create_cli_app() -> Flask:
    """The app for `flask …` commands: maintenance commands must run before modules are installed."""
    return create_app({"DISTRETTO_CHECK_MODULES": False})


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, default_timezone=TIMEZONE)
    limiter.init_app(app)
    app.jinja_env.globals["get_locale"] = get_locale


@migrate.configure
def _alembic_locations(cfg):
    """Alembic reads the revisions of the kernel and of the modules loaded by the current app."""
    from flask import current_app

    from .installer import version_locations

    cfg.set_main_option("version_locations", os.pathsep.join(version_locations(current_app)))
    cfg.set_main_option("path_separator", "os")
    return cfg


def _refuse_uninstalled_modules():
    """`flask run` and tests build the app without the start-up check; the first request does it."""
    from flask import current_app

    from .registry import installation_problems

    state = current_app.extensions["distretto"]
    if state.checked:
        return None
    problems = installation_problems(current_app)
    if problems:
        return render_template("errors/not_installed.html", problems=problems), 503
    state.checked = True
    return None


def _register_error_pages(app: Flask) -> None:
    for code in (400, 403, 404, 405, 410, 413, 429, 500):
        app.register_error_handler(code, _error_page)


def _error_page(exc):
    code = getattr(exc, "code", 500) or 500
    if request.path.startswith("/api/"):
        from .api import _json_error

        return _json_error(exc)
    return render_template("errors/error.html", code=code, error=exc), code
