"""The admin shell: Flask-Admin with the Bootstrap 4 theme, per-role home, menus by category."""

from __future__ import annotations

from flask import Flask, current_app
from flask_admin import Admin
from flask_admin.menu import MenuLink
from flask_admin.theme import Bootstrap4Theme
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..i18n import use_our_library_catalogues
from ..registry import module_hooks
from ..security import csp_nonce
from .home import HomeView, Widget
from .transitions import TransitionsMixin
from .views import SecureModelView, escaped_link

__all__ = ["DistrettoAdmin", "SecureModelView", "TransitionsMixin", "Widget", "escaped_link", "init_admin"]

CATEGORY_ADMINISTRATION = _l("Administration")


class RoleMenuLink(MenuLink):
    """A menu link only users with one of `roles` see (the page itself still checks its own access)."""

    def __init__(self, name, *, roles: tuple[str, ...], **kwargs):
        super().__init__(name, **kwargs)
        self.roles = roles

    def is_accessible(self) -> bool:
        return current_user.is_authenticated and current_user.has_role(*self.roles)


class DistrettoAdmin(Admin):
    """Flask-Admin's Admin plus the home widgets modules contribute."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.widgets: list[Widget] = []

    def add_widget(self, widget: Widget) -> None:
        if any(w.key == widget.key for w in self.widgets):
            raise ValueError(f"A home widget '{widget.key}' is already registered")
        self.widgets.append(widget)

    def add_page_link(self, name, endpoint: str, *, roles: tuple[str, ...], category=None) -> None:
        """A menu entry for a module's own page (outside the admin views), shown to the given roles."""
        self.add_link(RoleMenuLink(name, endpoint=endpoint, category=category, roles=roles))

    def has_endpoint(self, endpoint: str) -> bool:
        return any(view.endpoint == endpoint for view in self._views)


def init_admin(app: Flask) -> DistrettoAdmin:
    from . import export_job, kernel_views  # noqa: F401 - export_job declares the background export job

    use_our_library_catalogues()
    admin = DistrettoAdmin(
        name="Distretto",
        theme=Bootstrap4Theme(swatch="default", fluid=True),
        index_view=HomeView(name=_l("Home"), url="/admin"),
        csp_nonce_generator=csp_nonce,
    )
    admin.init_app(app)
    kernel_views.register(admin)
    for register in module_hooks(app, "admin", "register"):
        register(admin)
    kernel_views.register_fallbacks(admin)
    app.extensions["distretto"].admin = admin
    return admin


def current_admin() -> DistrettoAdmin:
    return current_app.extensions["distretto"].admin
