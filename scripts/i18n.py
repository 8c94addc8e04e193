"""Translation catalogues of our three gettext domains: extraction (in memory or to .pot), compilation.

- ``messages``: our own strings (``_``, ``_l``, ``gettext``, ``lazy_gettext``, ``ngettext``) in app/ and
  modules/, mapped by babel.cfg.
- ``admin``: Flask-Admin's domain. It holds Flask-Admin's own strings, the ``_gettext`` calls of our admin
  templates (Flask-Admin hands templates its own ``_gettext``, so those strings are looked up in this
  domain, never in ``messages``) and the page-size labels Flask-Admin builds at run time. We ship our
  own complete copy: app/i18n.py makes it win over the one inside Flask-Admin.
- ``wtforms``: WTForms' validation messages ("This field is required."), shown by every form. Its bundled
  Italian has untranslated, fuzzy and mistyped entries, so we ship a complete copy here too.

Run from the project root: ``python -m scripts.i18n extract`` writes translations/<domain>.pot,
``python -m scripts.i18n compile`` compiles every .po whose .mo is missing or older.
scripts/update-translations.sh does the whole refresh.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
DOMAINS = ("messages", "admin", "wtforms")
SOURCE_TREES = ("app", "modules")  # tests/ is never extracted

Keywords = dict[str, tuple[int, ...] | None]
MESSAGES_KEYWORDS: Keywords = {
    "_": None, "_l": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2), "lazy_ngettext": (1, 2),
}
FLASK_ADMIN_KEYWORDS: Keywords = {
    "gettext": None, "lazy_gettext": None, "ngettext": (1, 2), "_gettext": None, "_ngettext": (1, 2),
}
ADMIN_TEMPLATE_KEYWORDS: Keywords = {"_gettext": None, "_ngettext": (1, 2)}
ADMIN_TEMPLATE_MAPPING = [("app/templates/**.html", "jinja2"), ("modules/**/templates/**.html", "jinja2")]
FLASK_ADMIN_MAPPING = [("tests/**", "ignore"), ("**.py", "python"), ("templates/**.html", "jinja2")]
WTFORMS_KEYWORDS: Keywords = {"gettext": None, "ngettext": (1, 2)}
WTFORMS_MAPPING = [("locale/**", "ignore"), ("**.py", "python")]


def _new_catalog(domain: str) -> Catalog:
    return Catalog(project="Distretto", domain=domain, charset="utf-8", fuzzy=False,
                   copyright_holder="Distretto contributors", msgid_bugs_address="")


def _in_source_trees(path: str) -> bool:
    """Walk only app/ and modules/ (not node_modules/, instance/, tests/) and skip hidden/cache folders."""
    relative = Path(path).relative_to(ROOT)
    return relative.parts[0] in SOURCE_TREES and not relative.name.startswith((".", "_"))


def _collect(
    catalog: Catalog,
    dirname: Path,
    mapping: Iterable[tuple[str, str]],
    keywords: Keywords,
    *,
    options: dict | None = None,
    prefix: str = "",
    directory_filter: Callable[[str], bool] | None = None,
) -> None:
    found = extract_from_dir(
        str(dirname), list(mapping), options or {}, keywords=keywords, directory_filter=directory_filter,
    )
    for filename, lineno, message, comments, context in found:
        catalog.add(message, None, [(prefix + filename, lineno)], auto_comments=comments, context=context)


def extract_messages() -> Catalog:
    """Every string of the ``messages`` domain in app/ and modules/, as babel.cfg maps them."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        mapping, options = parse_mapping_cfg(cfg, "babel.cfg")
    catalog = _new_catalog("messages")
    _collect(catalog, ROOT, mapping, MESSAGES_KEYWORDS, options=options, directory_filter=_in_source_trees)
    return catalog


def page_sizes() -> list[int]:
    """Page sizes offered by Flask-Admin's default list view and by our SecureModelView."""
    from flask_admin.model import BaseModelView

    from app.admin.views import SecureModelView

    return sorted({*BaseModelView.page_size_options, *SecureModelView.page_size_options})


def page_size_labels() -> list[tuple[str, str]]:
    """Flask-Admin builds these msgids at run time (``'{} item'.format(n)``), so no extractor sees them."""
    return [(f"{n} item", f"{n} items") for n in page_sizes()]


def extract_admin() -> Catalog:
    """Flask-Admin's strings, our templates' ``_gettext`` calls and the page-size labels."""
    import flask_admin

    catalog = _new_catalog("admin")
    package = Path(flask_admin.__file__).parent
    _collect(catalog, package, FLASK_ADMIN_MAPPING, FLASK_ADMIN_KEYWORDS, prefix="flask_admin/")
    _collect(catalog, ROOT, ADMIN_TEMPLATE_MAPPING, ADMIN_TEMPLATE_KEYWORDS,
             directory_filter=_in_source_trees)
    for label in page_size_labels():
        catalog.add(label, None, [("flask_admin/templates/bootstrap4/admin/model/layout.html", 0)],
                    auto_comments=["Page-size menu: one entry per size in page_size_options."])
    return catalog


def extract_wtforms() -> Catalog:
    """WTForms' own messages (validators, fields, CSRF)."""
    import wtforms

    catalog = _new_catalog("wtforms")
    _collect(catalog, Path(wtforms.__file__).parent, WTFORMS_MAPPING, WTFORMS_KEYWORDS, prefix="wtforms/")
    return catalog


EXTRACTORS: dict[str, Callable[[], Catalog]] = {
    "messages": extract_messages, "admin": extract_admin, "wtforms": extract_wtforms,
}


def _fingerprint(catalog: Catalog) -> list[tuple]:
    # Order-free (the .pot is written sorted by file); a location written for line 0 reads back as None.
    entries = [(m.id, m.context, sorted((f, n or 0) for f, n in m.locations), m.auto_comments, sorted(m.flags))
               for m in catalog]
    return sorted(entries, key=str)


def write_templates() -> None:
    """Write translations/<domain>.pot for every domain whose strings or locations changed.

    An unchanged template keeps its file, so its POT-Creation-Date (copied into every .po) does not churn.
    """
    for domain, extract in EXTRACTORS.items():
        path, catalog = TRANSLATIONS / f"{domain}.pot", extract()
        if path.exists():
            with open(path, "rb") as pot:
                if _fingerprint(read_po(pot)) == _fingerprint(catalog):
                    continue
        with open(path, "wb") as pot:
            write_po(pot, catalog, width=110, sort_by_file=True)


def _compile(po_path: Path, mo_path: Path) -> None:
    with open(po_path, "rb") as po:
        catalog = read_po(po)
    # Write then rename: pytest-xdist workers may compile the same catalogue at the same time.
    fd, tmp = tempfile.mkstemp(dir=mo_path.parent, suffix=".mo.tmp")
    with os.fdopen(fd, "wb") as mo:
        write_mo(mo, catalog, use_fuzzy=False)
    os.replace(tmp, mo_path)


def compile_stale(translations: Path = TRANSLATIONS) -> list[Path]:
    """Compile every .po whose .mo is missing or older; .mo files are build products, not in git."""
    compiled = []
    for po_path in sorted(translations.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
            _compile(po_path, mo_path)
            compiled.append(mo_path)
    return compiled


def main(argv: list[str]) -> int:
    commands = {"extract": write_templates, "compile": compile_stale}
    if len(argv) != 1 or argv[0] not in commands:
        print(f"usage: python -m scripts.i18n {{{'|'.join(commands)}}}", file=sys.stderr)
        return 2
    commands[argv[0]]()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
