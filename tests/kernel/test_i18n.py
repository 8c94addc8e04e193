"""Italian by default, English on request: complete and current catalogues, the locale followed everywhere.

The catalogues are translations/<lang>/LC_MESSAGES/{messages,admin,wtforms}.po (scripts/i18n.py says what
goes in each). After adding strings run scripts/update-translations.sh and translate the new Italian entries.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from flask import render_template_string
from werkzeug.datastructures import MultiDict

from scripts.i18n import DOMAINS, EXTRACTORS, TRANSLATIONS, page_size_labels
from tests.factories import csrf_token, factories, login, make_user

REFRESH = "run scripts/update-translations.sh, then translate the Italian entries"
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[#0 +-]*\d*(?:\.\d+)?([diouxXeEfFgGcrsa])")  # %(name)s and %s


def _catalogue(locale: str, domain: str) -> Catalog:
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / f"{domain}.po", "rb") as po:
        return read_po(po)


def _forms(value: str | tuple | None) -> tuple:
    return value if isinstance(value, tuple) else (value,)


def _placeholders(text: str) -> list[tuple[str, str]]:
    return sorted(PLACEHOLDER.findall(text))


def _entries(catalog: Catalog) -> list:
    return [message for message in catalog if message.id]


# ---------------------------------------------------------------- the catalogues


@pytest.mark.parametrize("domain", DOMAINS)
def test_italian_catalogue_has_no_untranslated_entry(domain: str) -> None:
    untranslated = [m.id for m in _entries(_catalogue("it", domain)) if not all(_forms(m.string))]
    assert not untranslated, f"untranslated in it/{domain}.po ({REFRESH}): {untranslated}"


@pytest.mark.parametrize("domain", DOMAINS)
def test_italian_catalogue_has_no_fuzzy_entry(domain: str) -> None:
    catalog = _catalogue("it", domain)
    assert not catalog.fuzzy, f"it/{domain}.po header is fuzzy: pybabel compile would skip the whole file"
    fuzzy = [m.id for m in _entries(catalog) if m.fuzzy]
    assert not fuzzy, f"fuzzy in it/{domain}.po (check the translation, drop the flag): {fuzzy}"


@pytest.mark.parametrize("domain", DOMAINS)
def test_italian_catalogue_has_every_string_of_the_code(domain: str) -> None:
    catalog = _catalogue("it", domain)
    extracted = _entries(EXTRACTORS[domain]())
    assert extracted, "the extractor found nothing: check babel.cfg and scripts/i18n.py"
    missing = [m.id for m in extracted if catalog.get(m.id, context=m.context) is None]
    assert not missing, f"not in it/{domain}.po ({REFRESH}): {missing}"


@pytest.mark.parametrize("domain", DOMAINS)
def test_italian_translations_keep_the_placeholders(domain: str) -> None:
    wrong = []
    for message in _entries(_catalogue("it", domain)):
        sources = _forms(message.id)
        for index, translation in enumerate(_forms(message.string)):
            source = sources[min(index, len(sources) - 1)]  # Italian: [singular, plural]
            if translation and _placeholders(translation) != _placeholders(source):
                wrong.append((source, translation))
    assert not wrong, f"placeholders differ in it/{domain}.po: {wrong}"


def test_flask_admin_page_size_labels_cover_every_admin_view(app) -> None:
    # Flask-Admin builds these msgids at run time, so a view with other sizes would show English labels.
    known = {singular for singular, _plural in page_size_labels()}
    views = app.extensions["distretto"].admin._views
    missing = {f"{n} item" for view in views for n in getattr(view, "page_size_options", ())} - known
    assert not missing, f"page sizes without a label in scripts/i18n.py page_sizes(): {sorted(missing)}"


# ---------------------------------------------------------------- the locale each request gets


def test_anonymous_visitor_gets_italian_by_default(client) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert "Accedi" in page
    assert 'lang="it"' in page


def test_anonymous_visitor_gets_english_when_the_browser_asks(client) -> None:
    page = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert "Sign in" in page
    assert "Accedi" not in page


def test_anonymous_visitor_asking_for_an_unknown_language_gets_italian(client) -> None:
    page = client.get("/login", headers={"Accept-Language": "de-DE,de;q=0.9"}).get_data(as_text=True)
    assert "Accedi" in page


def test_english_speaking_user_sees_english_menus(client, ctx) -> None:
    login(client, make_user("admin", language="en"))
    page = client.get("/admin/").get_data(as_text=True)
    assert "Users" in page and "Home" in page and "Sign out" in page
    assert "Utenti" not in page


def test_italian_speaking_user_sees_italian_menus(client, ctx) -> None:
    login(client, make_user("admin", language="it"))
    page = client.get("/admin/").get_data(as_text=True)
    assert "Utenti" in page and "Pagina iniziale" in page and "Esci" in page
    assert ">Users<" not in page


def test_user_preference_beats_the_browser_language(client, ctx) -> None:
    login(client, make_user("admin", language="it"))
    page = client.get("/admin/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Utenti" in page


def test_flask_admin_list_page_speaks_italian(client, ctx) -> None:
    login(client, make_user("admin", language="it"))
    page = client.get("/admin/user/").get_data(as_text=True)
    for text in ("Crea", "Esporta", "Elenco", "Con i selezionati", "25 per pagina"):
        assert text in page, text
    # Our catalogue, not Flask-Admin's bundled one ("Seleziona tutte le righe"), has the last word.
    assert "Seleziona tutti i record" in page


def test_flask_admin_list_page_follows_an_english_user(client, ctx) -> None:
    login(client, make_user("admin", language="en"))
    page = client.get("/admin/user/", headers={"Accept-Language": "it"}).get_data(as_text=True)
    for text in ("Create", "Export", "List", "With selected", "25 items", "Select all records"):
        assert text in page, text
    assert "Esporta" not in page


def test_flask_admin_forms_are_italian(client, ctx) -> None:
    login(client, make_user("admin", language="it"))
    page = client.get("/admin/user/new/").get_data(as_text=True)
    assert "Salva e continua a modificare" in page and "Salva e aggiungi un altro" in page


def test_flask_admin_messages_use_our_italian(client, ctx) -> None:
    from memo.models import Memo

    memo = factories()[Memo]()
    login(client, make_user("coordinator", language="it"))
    form = {"id": memo.id, "csrf_token": csrf_token(client, "/admin/memo_memo/")}
    page = client.post("/admin/memo_memo/delete/", data=form, follow_redirects=True).get_data(as_text=True)
    assert "Record eliminato." in page  # Flask-Admin's own: "la riga é stato eliminato con successo."


# ---------------------------------------------------------------- WTForms' validation messages


def _integer_error(app, form_base: type, accept_language: str) -> list[str]:
    from wtforms import IntegerField

    form_class = type("NumberForm", (form_base,), {"number": IntegerField()})
    with app.test_request_context("/", headers={"Accept-Language": accept_language}):
        form = form_class(formdata=MultiDict({"number": "abc"}), meta={"csrf": False})
        form.validate()
        return form.number.errors


@pytest.mark.parametrize("form_base", ["flask_wtf.FlaskForm", "flask_admin.form.BaseForm"])
def test_form_errors_use_our_italian_not_the_bundled_one(app, form_base: str) -> None:
    import importlib

    module, name = form_base.rsplit(".", 1)
    base = getattr(importlib.import_module(module), name)
    # WTForms' bundled Italian says "Non è una valore intero valido" (sic).
    assert _integer_error(app, base, "it") == ["Inserire un numero intero."]
    assert _integer_error(app, base, "en") == ["Not a valid integer value."]


# ---------------------------------------------------------------- numbers, money and dates


@pytest.mark.parametrize(
    ("accept_language", "expected"),
    [
        ("it", "€ 1.234,56 | 3,5% | 1 mar 2025"),
        ("en", "€1,234.56 | 3.5% | Mar 1, 2025"),
    ],
)
def test_templates_format_for_the_visitor_locale(app, accept_language: str, expected: str) -> None:
    template = "{{ amount|money }} | {{ rate|percent }} | {{ day|when }}"
    with app.test_request_context("/", headers={"Accept-Language": accept_language}):
        rendered = render_template_string(template, amount=Decimal("1234.56"), rate=Decimal("3.5"),
                                          day=date(2025, 3, 1))
    assert rendered == expected
