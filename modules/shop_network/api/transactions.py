"""Providers push their transactions in batches; everyone reads the transactions and imports they may see.

`POST /api/v1/transactions` takes {"transactions": [...], "keep_good_rows": false, "provider": "<P.IVA>"}
(`provider` only for coordinators: a provider's token always imports for its own organisation). With an
`Idempotency-Key` header the first answer is stored on the batch and returned again for the same key.
"""

from __future__ import annotations

import json
from datetime import date

from flask import abort, jsonify, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.api import api_user, paginated
from app.extensions import db
from app.models import Organisation
from app.security import get_scoped, has_permission, scoped
from app.uploads import accepts

from ..models import ImportBatch, Transaction
from ..services import importing

MAX_BODY_BYTES = 20 * 1024 * 1024
MAX_PROBLEMS = 1000
TAG = "shop_network"
PAGE_PARAMS = [
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
    {"name": "month", "in": "query", "schema": {"type": "string", "example": "2026-03"}},
]
TRANSACTION_SCHEMA = {"type": "object", "properties": {
    "id": {"type": "integer"}, "provider_tx_id": {"type": "string"}, "occurred_at": {"type": "string"},
    "occurred_on": {"type": "string"}, "partita_iva": {"type": "string"}, "amount": {"type": "string"},
    "kind": {"type": "string"}, "refund_of": {"type": "string", "nullable": True},
    "category": {"type": "string", "nullable": True}, "redemption": {"type": "string", "nullable": True},
    "is_late": {"type": "boolean"}}}
BATCH_SCHEMA = {"type": "object", "properties": {
    "batch": {"type": "integer"}, "status": {"type": "string"}, "rows": {"type": "integer"},
    "imported": {"type": "integer"}, "duplicates": {"type": "integer"}, "outside_network": {"type": "integer"},
    "bad": {"type": "integer"}, "late": {"type": "integer"},
    "problems": {"type": "array", "items": {"type": "object"}}}}


def transaction_json(row: Transaction) -> dict:
    return {"id": row.id, "provider_tx_id": row.provider_tx_id, "occurred_at": row.occurred_at.isoformat(),
            "occurred_on": row.occurred_on.isoformat(), "partita_iva": row.partita_iva, "amount": str(row.amount),
            "kind": row.kind, "refund_of": row.refund_of_tx_id, "category": row.category,
            "redemption": row.redemption, "is_late": row.is_late}


def batch_json(batch: ImportBatch, with_problems: bool = True) -> dict:
    data = importing.summary(batch)
    if with_problems:
        data["problems"] = [{"row": p.row_number, "id": p.provider_tx_id, "field": p.column, "code": p.code,
                             "message": importing.message_for(p.code), "value": p.value}
                            for p in importing.problems_of(batch.id, limit=MAX_PROBLEMS)]
    return data


def _error(code: int, message: str):
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = code
    return response


def _provider_id(user, payload: dict) -> int:
    named = payload.get("provider")
    if user.is_external:
        if named not in (None, "") and str(named) not in (str(user.organisation_id), _piva_of(user.organisation_id)):
            abort(403, description="A provider's token imports only for its own organisation.")
        return user.organisation_id
    if named in (None, ""):
        abort(400, description="Name the provider: \"provider\": its partita IVA (or id).")
    found = db.session.scalar(select(Organisation.id).where(Organisation.partita_iva == str(named)))
    if found is None and str(named).isdigit() and len(str(named)) < 11:
        found = db.session.scalar(select(Organisation.id).where(Organisation.id == int(named)))
    if found is None:
        abort(400, description="Unknown provider.")
    return found


def _piva_of(organisation_id) -> str | None:
    return db.session.scalar(select(Organisation.partita_iva).where(Organisation.id == organisation_id))


def _replay(batch: ImportBatch):
    response = jsonify(batch.response["body"])
    response.status_code = batch.response["status"]
    response.headers["Idempotent-Replayed"] = "true"
    return response


def register(api) -> None:
    @api.route("/transactions", summary="Welfare transactions the user may read (paged, ?month=YYYY-MM)",
               tag=TAG, model=Transaction, params=PAGE_PARAMS,
               response={"type": "object", "properties": {"items": {"type": "array", "items": TRANSACTION_SCHEMA}}})
    def transactions():
        stmt = scoped(Transaction, "read", api_user()).order_by(Transaction.occurred_on.desc(), Transaction.id.desc())
        month = request.args.get("month", "")
        if month:
            try:
                first = date.fromisoformat(month + "-01")
            except ValueError:
                abort(400, description="month must look like 2026-03.")
            following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
            stmt = stmt.where(Transaction.occurred_on >= first, Transaction.occurred_on < following)
        return jsonify(paginated(stmt, transaction_json))

    @api.route("/transactions/batches/<int:batch_id>", summary="One import batch with its problems",
               tag=TAG, model=ImportBatch, response=BATCH_SCHEMA,
               params=[{"name": "batch_id", "in": "path", "required": True, "schema": {"type": "integer"}}])
    def batch(batch_id: int):
        found = get_scoped(ImportBatch, batch_id, "read", api_user())
        if found is None:
            abort(404)
        return jsonify(batch_json(found))

    @api.route("/transactions", methods=("POST",), tag=TAG, model=ImportBatch, response=BATCH_SCHEMA,
               summary="Send a batch of transactions (JSON; Idempotency-Key replays the first answer)",
               params=[{"name": "Idempotency-Key", "in": "header", "schema": {"type": "string", "maxLength": 200}}])
    @accepts(importing.API_USE)
    def send_transactions():
        user = api_user()
        if not has_permission(user, importing.PERMISSION):
            abort(403, description="This token may not import transactions.")
        if (request.content_length or 0) > MAX_BODY_BYTES:
            abort(413)
        body = request.get_data(cache=False)
        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            abort(400, description="The body is not JSON.")
        if not isinstance(payload, dict) or not isinstance(payload.get("transactions"), list):
            abort(400, description="Send {\"transactions\": [...]}.")
        if len(payload["transactions"]) > importing.MAX_API_ROWS:
            abort(413, description=f"At most {importing.MAX_API_ROWS} transactions per batch.")
        provider_id = _provider_id(user, payload)
        try:
            importing.check_provider(provider_id, user)
        except importing.ImportRefused as exc:
            abort(403, description=str(exc))
        key = (request.headers.get("Idempotency-Key") or "").strip() or None
        if key is not None and len(key) > 200:
            abort(400, description="Idempotency-Key is longer than 200 characters.")
        digest = importing.canonical_sha256(body)
        batch = _batch_for_key(provider_id, key) if key else None
        if batch is not None:
            if batch.sha256 != digest:
                return _error(422, "This Idempotency-Key was already used for a different request.")
            if batch.response is not None:
                return _replay(batch)
            if batch.status not in ("failed",):
                return _error(409, "A request with this Idempotency-Key is still being processed.")
        else:
            upload = importing.api_payload_upload(body, user)
            batch = importing.create_batch(provider_id, source="api", upload=upload, idempotency_key=key,
                                           sha256=digest, keep_good_rows=bool(payload.get("keep_good_rows")),
                                           user=user)
            try:
                db.session.commit()
            except IntegrityError:  # the same key, sent twice at the same moment
                db.session.rollback()
                return _error(409, "A request with this Idempotency-Key is still being processed.")
        batch = importing.import_file(batch.id)
        status = 201 if batch.status == "imported" else 422
        body_out = batch_json(batch)
        if key:
            batch.response = {"status": status, "body": body_out}
            db.session.commit()
        response = jsonify(body_out)
        response.status_code = status
        return response


def _batch_for_key(provider_id: int, key: str) -> ImportBatch | None:
    return db.session.scalar(select(ImportBatch).where(ImportBatch.provider_id == provider_id,
                                                       ImportBatch.idempotency_key == key))
