"""Admin screens of the ledger: the chart of accounts, the journal (read-only) and its lines.

Entries are never edited or deleted here; the only action on one is its reversal (``ledger.reverse``).
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import joinedload
from wtforms.validators import ValidationError

from app.admin import SecureModelView
from app.security import get_scoped, has_permission
from app.templating import money_filter

from . import services
from .models import ACCOUNT_KINDS, Account, JournalEntry, JournalLine

CATEGORY = _l("Accounting")
PERMISSION_REVERSE = "ledger.reverse"


def money_column(*names: str) -> dict:
    """Formatters for Money *properties* ("€ 1.234,56"); the kernel already formats Money columns."""
    return {name: (lambda _v, _c, model, attr: money_filter(getattr(model, attr))) for name in names}


def _kind_label(_view, _context, model, _name):
    return ACCOUNT_KINDS.get(model.kind, model.kind)


class AccountAdmin(SecureModelView):
    allow_delete = False  # accounts with lines are history; close them instead
    column_list = ["code", "name", "kind", "organisation", "natural_balance", "is_active"]
    column_details_list = ["code", "name", "kind", "organisation", "owner_key", "natural_balance", "balance",
                           "is_active", "created_at"]
    column_export_list = ["code", "name", "kind", "owner_key", "natural_balance", "is_active"]
    column_labels = {"code": _l("Code"), "name": _l("Name"), "kind": _l("Kind"), "organisation": _l("Organisation"),
                     "owner_key": _l("Owner key"), "natural_balance": _l("Balance"),
                     "balance": _l("Debits − credits"), "is_active": _l("Active"), "created_at": _l("Created")}
    column_formatters = {"kind": _kind_label, **money_column("natural_balance")}
    column_formatters_export = {"kind": _kind_label}  # amounts stay numbers in spreadsheets
    column_searchable_list = ["code", "name"]
    column_filters = ["kind", "is_active"]
    column_default_sort = ("code", False)
    form_columns = ["code", "name", "kind", "organisation", "is_active"]
    form_choices = {"kind": [(key, label) for key, label in ACCOUNT_KINDS.items()]}
    form_ajax_refs = {"organisation": {"fields": ["legal_name"], "page_size": 10}}

    def on_model_change(self, form, model, is_created):
        if not is_created and model.owner_key and (form.code.object_data != form.code.data
                                                   or form.kind.object_data != form.kind.data):
            raise ValidationError(_("The code and kind of an account kept by a module cannot change."))
        super().on_model_change(form, model, is_created)


class JournalEntryAdmin(SecureModelView):
    allow_create = allow_edit = allow_delete = False
    details_template = "ledger/entry_details.html"
    column_list = ["id", "date", "description", "reference", "kind", "total", "reversal_of_id"]
    column_details_list = ["id", "date", "description", "reference", "kind", "total", "idempotency_key",
                           "reversal_of", "reversed_by", "created_by", "created_at"]
    column_export_list = ["id", "date", "description", "reference", "kind", "total", "idempotency_key",
                          "reversal_of_id"]
    column_labels = {"id": _l("Number"), "date": _l("Date"), "description": _l("Description"),
                     "reference": _l("Source document"), "kind": _l("Kind"), "total": _l("Amount"),
                     "reversal_of_id": _l("Reverses entry"), "reversal_of": _l("Reverses entry"),
                     "reversed_by": _l("Reversed by"), "idempotency_key": _l("Idempotency key"),
                     "created_by": _l("Posted by"), "created_at": _l("Posted at")}
    column_formatters = money_column("total")
    column_formatters_export: dict = {}
    column_searchable_list = ["description", "reference"]
    column_filters = ["date", "kind", "reference"]
    column_default_sort = ("id", True)

    def may_reverse(self, entry: JournalEntry) -> bool:
        """Manual entries only: an entry a module posted (an allocation, a payment) is corrected in that module,
        which keeps its own records in step with the ledger."""
        return (entry.kind == "manual" and entry.reversal_of_id is None and entry.reversed_by is None
                and has_permission(current_user, PERMISSION_REVERSE))

    @expose("/reverse/", methods=["POST"])
    def reverse(self):
        if not has_permission(current_user, PERMISSION_REVERSE):
            abort(403)
        entry = get_scoped(JournalEntry, request.form.get("id"))
        if entry is None:
            abort(404)
        if not self.may_reverse(entry):
            flash(_("This entry cannot be reversed here: entries posted by a module are corrected in that "
                    "module."), "danger")
            return redirect(url_for(".details_view", id=entry.id))
        try:
            reversal = services.reverse(entry, user=current_user._get_current_object())
        except services.LedgerError as exc:
            flash(str(exc), "danger")
            return redirect(url_for(".details_view", id=entry.id))
        flash(_("Entry %(id)s reversed by entry %(reversal)s.", id=entry.id, reversal=reversal.id), "success")
        return redirect(url_for(".details_view", id=reversal.id))


class JournalLineAdmin(SecureModelView):
    allow_create = allow_edit = allow_delete = False
    column_list = ["id", "entry.date", "entry_id", "account", "debit", "credit", "memo"]
    column_export_list = ["id", "entry.date", "entry_id", "account", "debit", "credit", "memo"]
    column_labels = {"id": _l("Line"), "entry.date": _l("Date"), "entry_id": _l("Entry"), "entry": _l("Entry"),
                     "account": _l("Account"), "debit": _l("Debit"), "credit": _l("Credit"), "memo": _l("Memo")}
    column_formatters_export: dict = {}
    column_filters = ["account.code", "entry.date", "entry_id"]
    column_default_sort = ("id", True)

    def get_query(self):
        # The CSV export streams after the request's session is gone: load what its columns read now.
        return super().get_query().options(joinedload(JournalLine.entry), joinedload(JournalLine.account))


def register(admin) -> None:
    admin.add_view(AccountAdmin(Account, name=_l("Accounts"), category=CATEGORY, endpoint="ledger_account"))
    admin.add_view(JournalEntryAdmin(JournalEntry, name=_l("Journal"), category=CATEGORY, endpoint="ledger_entry"))
    admin.add_view(JournalLineAdmin(JournalLine, name=_l("Journal lines"), category=CATEGORY,
                                    endpoint="ledger_line"))
