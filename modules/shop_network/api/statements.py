"""GET /api/v1/statements: the caller's own statements (a provider's or shop's systems), paged, scoped."""

from __future__ import annotations

from flask import jsonify, url_for

from app.api import api_user, paginated
from app.security import scoped

from ..models import Settlement

STATEMENT_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "kind": {"type": "string", "enum": ["shop", "provider"]},
        "organisation_id": {"type": "integer"}, "month": {"type": "string", "format": "date"},
        "state": {"type": "string"}, "payment_reference": {"type": "string"}, "rows": {"type": "integer"},
        "late_rows": {"type": "integer"}, "purchases": {"type": "string"}, "refunds": {"type": "string"},
        "base": {"type": "string"}, "percent": {"type": ["string", "null"]}, "amount": {"type": "string"},
        "credit_in": {"type": "string"}, "amount_due": {"type": "string"}, "credit_out": {"type": "string"},
        "statement_sha256": {"type": ["string", "null"]}, "pdf_url": {"type": "string"},
        "csv_url": {"type": "string"},
    },
}
PAGE_PARAMS = [
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
]
AMOUNTS = ("purchases", "refunds", "base", "amount", "credit_in", "amount_due", "credit_out")


def statement_json(s: Settlement) -> dict:
    data = {"id": s.id, "kind": s.kind, "organisation_id": s.organisation_id, "month": s.month.isoformat(),
            "state": s.state, "payment_reference": s.payment_reference, "rows": s.rows, "late_rows": s.late_rows,
            "percent": None if s.percent is None else str(s.percent), "statement_sha256": s.statement_sha256,
            "pdf_url": url_for("shop_network.statement_pdf", settlement_id=s.id, _external=True),
            "csv_url": url_for("shop_network.statement_csv", settlement_id=s.id, _external=True)}
    data.update({name: format(getattr(s, name), "f") for name in AMOUNTS})
    return data


def register(api) -> None:
    @api.route("/statements", summary="The caller's settlement statements, newest month first (paged)",
               tag="shop_network", model=Settlement, params=PAGE_PARAMS,
               response={"type": "object", "properties": {"items": {"type": "array", "items": STATEMENT_SCHEMA}}})
    def shop_network_statements():
        stmt = scoped(Settlement, "read", api_user()).order_by(Settlement.month.desc(), Settlement.id)
        return jsonify(paginated(stmt, statement_json))
