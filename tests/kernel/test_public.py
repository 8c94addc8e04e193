"""The public site: a home at "/" for everybody, in Bootstrap Italia, with the district from settings."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Blueprint, Flask
from flask_babel import force_locale

from app.identity import district_identity
from app.public import add_public_link, public_link

STATIC = Path(__file__).resolve().parents[2] / "app" / "static"
VENDOR = STATIC / "vendor" / "bootstrap-italia"
needs_assets = pytest.mark.skipif(not (VENDOR / "css").is_dir(), reason="assets not built: run `make assets`")


def _home(client, **headers) -> str:
    response = client.get("/", headers=headers)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_home_is_public_and_italian(client):
    page = _home(client)

    assert '<html lang="it">' in page
    assert "Vai al contenuto principale" in page


def test_home_follows_an_english_browser(client):
    assert '<html lang="en">' in _home(client, **{"Accept-Language": "en"})


def test_home_shows_the_district_from_settings(client, ctx):
    from app.settings import set_setting

    set_setting("base.district_name", "Distretto Welfare Oristano")
    set_setting("base.contact_email", "welfare@comune.oristano.it")

    page = _home(client)

    assert "<h1>Distretto Welfare Oristano</h1>" in page
    assert 'href="mailto:welfare@comune.oristano.it"' in page


def test_identity_falls_back_when_a_setting_is_unknown(ctx, monkeypatch):
    import app.settings

    def unknown(key):
        raise app.settings.UnknownSetting(key)

    monkeypatch.setattr(app.settings, "get_setting", unknown)
    with force_locale("en"):
        identity = district_identity()

    assert identity.name == "Welfare district"
    assert not identity.has_contacts


def test_home_uses_bootstrap_italia_from_our_own_static_files(client):
    page = _home(client)

    assert 'href="/static/vendor/bootstrap-italia/css/bootstrap-italia.min.css"' in page
    assert 'src="/static/vendor/bootstrap-italia/js/bootstrap-italia.bundle.min.js"' in page
    assert not re.search(r'(src|href)="(https?:)?//', page), "nothing may come from another site"


def test_home_has_a_strict_csp_and_no_inline_script(client):
    response = client.get("/")

    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy
    assert "unsafe-eval" not in policy
    assert "font-src 'self'" in policy
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", response.get_data(as_text=True)) == []


def test_home_lists_the_links_modules_declare(app, client, monkeypatch):
    monkeypatch.setattr(app.extensions["distretto"], "public_links", [])
    add_public_link(app, "auth.login", "Registro dei fornitori accreditati", "Chi può operare nel distretto")

    page = _home(client)

    assert "Registro dei fornitori accreditati" in page
    assert "Chi può operare nel distretto" in page


def test_public_link_is_declared_when_its_blueprint_is_registered():
    flask_app = Flask(__name__)
    flask_app.extensions["distretto"] = SimpleNamespace(public_links=[])
    bp = Blueprint("shops", __name__)
    bp.add_url_rule("/negozi", "public_list", lambda: "")
    public_link(bp, "shops.public_list", "Rete dei negozi", order=20)

    flask_app.register_blueprint(bp)

    assert [link.endpoint for link in flask_app.extensions["distretto"].public_links] == ["shops.public_list"]


@needs_assets
def test_bootstrap_italia_assets_are_served(client):
    for path in ("css/bootstrap-italia.min.css", "js/bootstrap-italia.bundle.min.js", "svg/sprites.svg"):
        response = client.get(f"/static/vendor/bootstrap-italia/{path}")
        assert response.status_code == 200, path
        response.close()


@needs_assets
@pytest.mark.parametrize("stylesheet", ["public.css", "documents.css"])
def test_every_font_a_stylesheet_names_exists(stylesheet):
    css = (STATIC / "css" / stylesheet).read_text(encoding="utf-8")
    fonts = re.findall(r'url\("([^"]+)"\)', css)

    assert fonts
    missing = [font for font in fonts if not (STATIC / "css" / font).resolve().is_file()]
    assert not missing
