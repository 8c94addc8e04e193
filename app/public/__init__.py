"""The public site (no login): Bootstrap Italia layout, the home page, and the links modules add to it.

A module puts its public pages in the navigation and on the home page from its ``views.py``::

    bp = Blueprint("shop_network", __name__, url_prefix="/negozi")
    public_link(bp, "shop_network.public_list", _l("Shop network"), _l("Shops that accept welfare credit"))

and its templates extend ``public/base.html``. The district's name, logo and contacts come from
settings (see ``app/identity.py``), never from code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Flask, current_app, request, url_for

from ..identity import district_identity

__all__ = ["PublicLink", "add_public_link", "init_public", "public_link", "public_links"]


@dataclass(frozen=True)
class PublicLink:
    endpoint: str
    label: Any  # a lazy string: translated when shown
    description: Any = ""
    order: int = 100


def add_public_link(app: Flask, endpoint: str, label: Any, description: Any = "", order: int = 100) -> None:
    """Add a page to the public navigation and home (once per endpoint)."""
    links = app.extensions["distretto"].public_links
    if all(link.endpoint != endpoint for link in links):
        links.append(PublicLink(endpoint, label, description, order))


def public_link(bp: Blueprint, endpoint: str, label: Any, description: Any = "", order: int = 100) -> None:
    """Declare a public page of ``bp``; it is listed once the blueprint is registered."""
    bp.record_once(lambda state: add_public_link(state.app, endpoint, label, description, order))


def public_links() -> list[dict[str, Any]]:
    """The links to show, in order, each with its URL and whether it is the current page."""
    declared = current_app.extensions["distretto"].public_links
    links = sorted(declared, key=lambda link: (link.order, str(link.label)))
    return [
        {"url": url_for(link.endpoint), "label": link.label, "description": link.description,
         "is_current": request.endpoint == link.endpoint}
        for link in links
    ]


def init_public(app: Flask) -> None:
    from .views import bp

    app.register_blueprint(bp)
    app.jinja_env.globals.update(district_identity=district_identity, public_links=public_links)
