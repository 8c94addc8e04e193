from flask import Blueprint, abort, render_template

from app.security import get_scoped, require_permission

from .models import Memo

bp = Blueprint("memo", __name__, url_prefix="/memo")


@bp.route("/<memo_id>/print")
@require_permission("memo.print")
def print_memo(memo_id):
    memo = get_scoped(Memo, memo_id)
    if memo is None:
        abort(404)
    return render_template("memo/print.html", memo=memo)
