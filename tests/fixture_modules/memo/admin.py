from app.admin import SecureModelView, Widget

from .models import Memo, MemoCategory


class MemoAdmin(SecureModelView):
    column_list = ["title", "organisation", "amount", "state"]
    column_exclude_list = ["private_note"]
    form_columns = ["title", "organisation", "category", "author", "amount", "private_note"]
    form_ajax_refs = {"author": {"fields": ["email", "full_name"]}}
    column_searchable_list = ["title"]


class MemoCategoryAdmin(SecureModelView):
    column_list = ["name"]


def _count(user):
    from sqlalchemy import func, select

    from app.extensions import db
    from app.security import scoped

    total = db.session.scalar(select(func.count()).select_from(scoped(Memo, "read", user).subquery()))
    return {"value": total}


def register(admin) -> None:
    admin.add_view(MemoAdmin(Memo, name="Memos", category="Test", endpoint="memo_memo"))
    admin.add_view(MemoCategoryAdmin(MemoCategory, name="Memo categories", category="Test",
                                     endpoint="memo_category"))
    admin.add_widget(Widget("memo.count", "Memos", _count, roles=("coordinator", "shop"), kind="count"))
