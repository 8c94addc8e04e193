"""The signatures API: signature requests the caller may read, with their status (same rules as the admin)."""

from __future__ import annotations

from flask import jsonify

from app.api import api_user, paginated
from app.security import scoped

from .models import SignatureRequest

REQUEST_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "document": {"type": "string"}, "document_sha256": {"type": "string"},
        "organisation_id": {"type": "integer"}, "status": {"type": "string"},
        "created_at": {"type": "string", "format": "date-time"},
    },
}
PAGE_PARAMS = [
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
]


def request_json(found: SignatureRequest) -> dict:
    return {"id": found.id, "document": found.document.title, "document_sha256": found.document.sha256,
            "organisation_id": found.organisation_id, "status": found.status,
            "created_at": found.created_at.isoformat() if found.created_at else None}


def register(api) -> None:
    @api.route("/signatures/requests", summary="Signature requests the user may read (paged)", tag="signatures",
               model=SignatureRequest, params=PAGE_PARAMS,
               response={"type": "object", "properties": {"items": {"type": "array", "items": REQUEST_SCHEMA}}})
    def signature_requests():
        stmt = scoped(SignatureRequest, "read", api_user()).order_by(SignatureRequest.id.desc())
        return jsonify(paginated(stmt, request_json))
