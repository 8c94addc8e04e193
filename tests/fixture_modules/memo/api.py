from flask import abort, jsonify

from app.api import api_user, paginated
from app.security import get_scoped, scoped

from .models import Memo


def memo_json(memo: Memo) -> dict:
    return {"id": memo.id, "title": memo.title, "organisation_id": memo.organisation_id,
            "amount": str(memo.amount), "state": memo.state}


def register(api) -> None:
    @api.route("/memos", summary="Memos the user may read", tag="memo", model=Memo)
    def memos():
        return jsonify(paginated(scoped(Memo, "read", api_user()).order_by(Memo.id), memo_json))

    @api.route("/memos/<int:memo_id>", summary="One memo", tag="memo", model=Memo)
    def memo(memo_id: int):
        found = get_scoped(Memo, memo_id, "read", api_user())
        if found is None:
            abort(404)
        return jsonify(memo_json(found))
