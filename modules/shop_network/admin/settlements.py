"""The coordinators' settlements: the list with filters and export, the details with the workflow buttons
(confirm, request payment, record payment, resolve a dispute), "compute the drafts of a month" and "record a payment
by its causale". Shops and providers reach their own through the same screens, read-only but for the dispute."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.contrib.sqla.filters import FilterEqual
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from wtforms import DateField, StringField
from wtforms.validators import InputRequired, Length, Optional

from app.admin import SecureModelView, TransitionsMixin, Widget
from app.extensions import db
from app.forms import PositiveMoneyField as MoneyField
from app.security import has_permission, scoped
from app.workflow import WorkflowError
from modules.funds.services import FundsError

from ..models import SETTLEMENT_KINDS, SETTLEMENT_STATES, Settlement
from ..models.settlement import SETTLE
from ..services import settlement as settling
from . import CATEGORY

REFUSALS = (settling.SettlementError, WorkflowError, FundsError)


class PaymentForm(FlaskForm):
    amount = MoneyField(_l("Amount received"), validators=[Optional()],
                        description=_l("Leave empty to record everything still due."))
    paid_on = DateField(_l("Received on"), validators=[InputRequired()])
    reference = StringField(_l("Bank transfer reference"), validators=[Optional(), Length(max=120)],
                            description=_l("The transfer's CRO/TRN: the same one twice records nothing new."))


class CausalePaymentForm(PaymentForm):
    causale = StringField(_l("Causale of the transfer"), validators=[InputRequired(), Length(max=300)],
                          description=_l("Paste the transfer's description: the statement is found by its causale "
                                         "(e.g. RN-2026-03-S000123)."))


class ComputeForm(FlaskForm):
    month = StringField(_l("Month (YYYY-MM)"), validators=[InputRequired(), Length(max=7)])


def _label(mapping):
    return lambda _v, _c, model, name: str(mapping.get(getattr(model, name), getattr(model, name)))


def _month(_v, _c, model, _n):
    return model.month.strftime("%m/%Y")


def _user():
    return current_user._get_current_object()


class SettlementAdmin(TransitionsMixin, SecureModelView):
    allow_create = allow_edit = allow_delete = False
    list_template = "shop_network/settlement_list.html"
    details_template = "shop_network/settlement_details.html"
    column_list = ["month", "kind", "organisation", "state", "rows", "late_rows", "base", "amount", "credit_in",
                   "amount_due", "payment_reference"]
    column_details_list = ["month", "kind", "organisation", "state", "payment_reference", "rows", "late_rows",
                           "purchases", "refunds", "base", "percent", "amount", "credit_in", "amount_due",
                           "credit_out", "dispute_reason", "computed_at", "confirmed_at", "paid_on", "reminded_at",
                           "statement_sha256"]
    column_export_list = ["month", "kind", "organisation", "state", "payment_reference", "rows", "late_rows",
                          "purchases", "refunds", "base", "percent", "amount", "credit_in", "amount_due",
                          "credit_out", "confirmed_at", "paid_on"]
    column_labels = {**{column.key: column.info["label"] for column in Settlement.__table__.columns
                        if "label" in column.info},
                     "organisation": _l("Organisation"), "organisation.legal_name": _l("Organisation")}
    column_formatters = {"kind": _label(SETTLEMENT_KINDS), "state": _label(SETTLEMENT_STATES), "month": _month}
    column_formatters_export = {"kind": _label(SETTLEMENT_KINDS), "state": _label(SETTLEMENT_STATES)}
    column_filters = [
        "month",
        FilterEqual(Settlement.kind, _l("Kind"), options=[(k, v) for k, v in SETTLEMENT_KINDS.items()]),
        FilterEqual(Settlement.state, _l("State"), options=[(k, v) for k, v in SETTLEMENT_STATES.items()]),
        "organisation.legal_name",
    ]
    column_searchable_list = ["payment_reference"]
    column_default_sort = [("month", True), ("id", False)]
    manual_transitions = ("confirm", "request", "resolve", "dispute")
    transition_refusals = REFUSALS

    def get_query(self):
        # The CSV export streams after the request's session is gone: load the organisation now.
        return super().get_query().options(joinedload(Settlement.organisation))

    # Details ---------------------------------------------------------------------------------------------
    def payment_form(self, record):
        if record.state not in ("confirmed", "requested") or not record.contribution_id:
            return None
        return PaymentForm(paid_on=settling.today()) if has_permission(current_user, SETTLE) else None

    def fire_transition(self, record, name: str, reason: str | None) -> None:
        actions = {"confirm": lambda: settling.confirm(record, _user()),
                   "request": lambda: settling.request_payment(record, _user()),
                   "resolve": lambda: settling.resolve(record, _user(), reason or ""),
                   "dispute": lambda: settling.dispute(record, _user(), reason or "")}
        actions[name]()

    @expose("/pay/", methods=["POST"])
    def pay(self):
        if not has_permission(current_user, SETTLE):
            abort(403)
        record = self.get_one(request.form.get("id", ""))
        form = PaymentForm()
        if not form.validate():
            flash(" ".join(e for errors in form.errors.values() for e in errors), "danger")
        else:
            self._record_payment(record, form)
        return redirect(url_for(".details_view", id=record.id))

    def _record_payment(self, target, form) -> object | None:
        try:
            found = settling.record_payment(target, form.amount.data, form.paid_on.data, _user(),
                                            receipt_reference=form.reference.data)
        except REFUSALS as exc:
            db.session.rollback()
            flash(str(exc), "danger")
            return None
        flash(_("Payment recorded for %(reference)s: %(state)s.", reference=found.payment_reference,
                state=found.state_label), "success")
        return found

    # The list's actions ----------------------------------------------------------------------------------
    def list_forms(self) -> dict:
        if not has_permission(current_user, SETTLE):
            return {}
        last = settling.previous_month(settling.today())
        return {"compute": ComputeForm(month=last.strftime("%Y-%m")),
                "causale": CausalePaymentForm(paid_on=settling.today())}

    @expose("/compute/", methods=["POST"])
    def compute(self):
        if not has_permission(current_user, SETTLE):
            abort(403)
        form = ComputeForm()
        try:
            if not form.validate():
                raise settling.SettlementError(_("Write the month as YYYY-MM, e.g. 2026-03."))
            month = settling.parse_month(form.month.data)
            result = settling.compute_drafts(month)
        except settling.SettlementError as exc:
            flash(str(exc), "danger")
            return redirect(url_for(".index_view"))
        flash(_("Drafts of %(month)s: %(created)s new, %(updated)s recomputed, %(kept)s disputed left as they are.",
                month=month.strftime("%m/%Y"), created=result.created, updated=result.updated, kept=result.kept),
              "success")
        return redirect(url_for(".index_view"))

    @expose("/pay-by-causale/", methods=["POST"])
    def pay_by_causale(self):
        if not has_permission(current_user, SETTLE):
            abort(403)
        form = CausalePaymentForm()
        if not form.validate():
            flash(" ".join(e for errors in form.errors.values() for e in errors), "danger")
            return redirect(url_for(".index_view"))
        found = self._record_payment(form.causale.data, form)
        return redirect(url_for(".details_view", id=found.id) if found else url_for(".index_view"))


def _count(user, *states: str) -> int:
    stmt = scoped(select(Settlement), "read", user).where(Settlement.state.in_(states))
    if "draft" not in states:
        stmt = stmt.where(Settlement.amount_due > 0)
    return db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def to_confirm(user):
    return {"value": _count(user, "draft", "disputed"), "url": url_for("shop_network_settlement.index_view"),
            "link_text": _("Open the settlements")}


def my_statements(user):
    """A shop's or provider's statements waiting for payment."""
    unpaid = _count(user, "confirmed", "requested")
    return {"value": unpaid, "url": url_for("shop_network.statements"), "link_text": _("Open my statements")}


def register(admin) -> None:
    admin.add_view(SettlementAdmin(Settlement, name=_l("Settlements"), category=CATEGORY,
                                   endpoint="shop_network_settlement"))
    admin.add_widget(Widget("shop_network.settlements_to_confirm", _l("Draft or disputed statements"), to_confirm,
                            roles=("coordinator",), kind="count", order=42))
    admin.add_widget(Widget("shop_network.my_statements", _l("Statements to pay"), my_statements,
                            roles=("shop", "provider"), kind="count", order=43))
