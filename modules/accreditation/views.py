"""Public pages: the register of accredited organisations, with CSV and JSON downloads (no login)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import lazy_gettext as _l

from app.documents import send_export
from app.public import public_link

from .register import COLUMNS, public_schemes, register_rows

bp = Blueprint("accreditation", __name__, url_prefix="/accreditamento")
public_link(bp, "accreditation.register", _l("Register of accredited organisations"),
            _l("Welfare platforms and local suppliers accredited by the district, with their status."), order=20)
EXPORT_NAME = "registro-accreditati"


def _scheme_filter() -> str | None:
    """The `scheme` query parameter, if it names a scheme (anything else is a 404, not a silent "all")."""
    key = request.args.get("scheme", "").strip()
    if key and key not in {scheme.key for scheme in public_schemes()}:
        abort(404)
    return key or None


@bp.get("/registro")
def register():
    scheme_key = _scheme_filter()
    return render_template("accreditation/register.html", rows=register_rows(scheme_key),
                           schemes=public_schemes(), scheme_key=scheme_key)


@bp.get("/registro.<any(csv, json):fmt>")
def register_download(fmt: str):
    scheme_key = _scheme_filter()
    stem = f"{EXPORT_NAME}-{scheme_key}" if scheme_key else EXPORT_NAME
    return send_export(register_rows(scheme_key), COLUMNS, fmt, stem)
