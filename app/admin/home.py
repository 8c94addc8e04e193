"""The admin home: per-role widgets ("what needs my attention") contributed through one registration point."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import redirect, request, url_for
from flask_admin import AdminIndexView, expose
from flask_login import current_user


@dataclass(frozen=True)
class Widget:
    """A box on the home page. `render(user)` returns the template context, or None to hide it.

    `kind` picks the template: "count" (number + link), "list" (rows + link) or "chart" (bars).
    """

    key: str
    title: object
    render: Callable[[object], dict | None]
    roles: tuple[str, ...] = ()
    kind: str = "list"
    order: int = 100

    def visible_to(self, user) -> bool:
        return not self.roles or user.has_role(*self.roles)


class HomeView(AdminIndexView):
    def is_accessible(self):
        return current_user.is_authenticated

    def inaccessible_callback(self, name, **kwargs):
        return redirect(url_for("auth.login", next=request.full_path))

    @expose("/")
    def index(self):
        boxes = []
        for widget in sorted(self.admin.widgets, key=lambda w: (w.order, w.key)):
            if widget.visible_to(current_user):
                context = widget.render(current_user)
                if context is not None:
                    boxes.append((widget, context))
        return self.render("admin/distretto/home.html", boxes=boxes)
