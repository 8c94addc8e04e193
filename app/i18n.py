"""Library strings in our words: Flask-Admin's and WTForms' catalogues read ours last, so ours wins.

Flask-Admin translates its own strings, and the ``_gettext`` calls in our admin templates, in a gettext
domain named "admin"; WTForms' validation messages ("This field is required.") live in a domain named
"wtforms". Both libraries load their bundled catalogues, whose Italian has gaps, fuzzy entries and
mistakes users would see ("Record stato salvato con successo.", "Non è una valore intero valido"), so we
ship complete translations/<lang>/LC_MESSAGES/{admin,wtforms}.po (see scripts/i18n.py).

``Admin(translations_path=...)`` is not enough: Flask-Admin merges its bundled catalogue *after* that
path and babel's ``Translations.merge`` lets the last one win, so its entries would beat ours; outside an
admin view it skips the path and caches that result for the whole process. Flask-WTF and Flask-Admin
each load WTForms' catalogue from WTForms' own folder, with no option at all.

The locale is Flask-Babel's, chosen by ``app.select_locale`` (user's language, Accept-Language, Italian).
"""

from __future__ import annotations

import flask_wtf.i18n
from flask_admin import babel as admin_babel
from flask_babel import Domain, get_babel
from wtforms.i18n import messages_path


class BundledThenOursDomain(Domain):
    """A library's gettext domain: its bundled catalogues first, the application's merged over them."""

    @property
    def translation_directories(self) -> list[str]:
        # Merged in order, last one wins: the library's own catalogue is only the fallback.
        return [*self._translation_directories, *get_babel().translation_directories]


class AdminDomain(BundledThenOursDomain, admin_babel.CustomDomain):
    """Flask-Admin's "admin" domain, reading our catalogue in every request, in an admin view or not."""


WTFORMS_DOMAIN = BundledThenOursDomain(messages_path(), domain="wtforms")


def use_our_library_catalogues() -> None:
    """Point Flask-Admin's and Flask-WTF's translation lookups at domains that read our catalogues."""
    domain = admin_babel.domain
    if not isinstance(domain, AdminDomain):
        # Flask-Admin's gettext/ngettext/lazy_gettext are bound methods of this one object: retype it.
        domain.__class__ = AdminDomain
        domain.cache.clear()
    # Both look these module globals up at call time (flask_admin.babel.Translations, flask_wtf.i18n).
    admin_babel.wtforms_domain = WTFORMS_DOMAIN
    flask_wtf.i18n._get_translations = WTFORMS_DOMAIN.get_translations


def reader_locale() -> str:
    """The language of the person reading: the request's locale, Italian outside a request (jobs, CLI)."""
    from flask import has_request_context
    from flask_babel import get_locale

    return str(get_locale() or "it") if has_request_context() else "it"


class BilingualName:
    """Mixin for reference data named in Italian and English (`name_it`, `name_en`), shown in the reader's
    language; the Italian name stands in for a missing English one."""

    name_it: str
    name_en: str | None

    def label(self, locale: str | None = None) -> str:
        locale = locale or reader_locale()
        return (self.name_en or self.name_it) if locale.startswith("en") else self.name_it

    def __str__(self) -> str:
        return self.label()
