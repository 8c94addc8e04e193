"""Screens of the fund's money: funds, contributions and receipts, rounds, allocations, payments, publications.

Records that move money are created and changed only through the services (which post to the ledger), never
by Flask-Admin's own save: the views override `create_model` and the transition buttons call the services.
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms.validators import InputRequired, ValidationError

from app.extensions import db
from app.forms import PositiveMoneyField
from app.security import has_permission, scoped
from app.templating import money_filter

from .. import services
from ..forms import ReceiptForm
from ..models import CONTRIBUTION_KINDS, Allocation, Contribution, Fund, Payment, Priority, Publication, Receipt, Round
from ..services.public import totals
from .common import FundsModelView, state_column

AMOUNT_LABELS = {"amount": _l("Amount"), "status": _l("Status"), "round": _l("Round"), "project": _l("Project"),
                 "beneficiary": _l("Beneficiary"), "approved_on": _l("Approved on"), "fund": _l("Fund")}


def _user():
    return current_user._get_current_object()


def _refused(exc: Exception) -> bool:
    db.session.rollback()
    flash(str(exc), "danger")
    return False


# Funds ------------------------------------------------------------------------------------------------------
def _totals_column(attr: str):
    return lambda _v, _c, model, _n: money_filter(getattr(totals(model), attr))


class FundAdmin(FundsModelView):
    allow_delete = False
    column_list = ["name", "received", "allocated", "paid", "available", "is_active"]
    column_labels = {"name": _l("Name"), "description": _l("Description"), "is_active": _l("Active"),
                     "received": _l("Received"), "allocated": _l("Allocated"), "paid": _l("Paid"),
                     "available": _l("Available"), "created_at": _l("Created")}
    column_formatters = {name: _totals_column(name) for name in ("received", "allocated", "paid", "available")}
    column_export_list = ["name", "is_active"]
    form_columns = ["name", "description", "is_active"]

    def after_model_change(self, form, model, is_created):
        if is_created:
            services.accounts(model)  # the fund's ledger accounts exist from the start
            db.session.commit()


# Contributions ----------------------------------------------------------------------------------------------
def _contributor(_v, _c, model, _n):
    return model.contributor


class ContributionAdmin(FundsModelView):
    """Money owed to and received by the fund; the coordinator records contributions and donations by hand."""

    allow_edit = allow_delete = False
    eager = ("fund", "organisation")
    column_list = ["owed_on", "fund", "contributor", "kind", "description", "amount_owed", "amount_received"]
    column_details_list = ["owed_on", "fund", "contributor", "kind", "description", "source_reference",
                           "amount_owed", "amount_received", "last_received_on", "created_by", "created_at"]
    column_export_list = ["owed_on", "fund", "contributor", "kind", "description", "source_reference", "amount_owed",
                          "amount_received", "last_received_on"]
    column_labels = {"owed_on": _l("Due since"), "fund": _l("Fund"), "contributor": _l("From"), "kind": _l("Kind"),
                     "description": _l("Description"), "source_reference": _l("Source reference"),
                     "amount_owed": _l("Amount"), "amount_received": _l("Received"), "organisation": _l("Organisation"),
                     "donor_name": _l("Donor (private person)"), "last_received_on": _l("Last received on"),
                     "created_by": _l("Recorded by"), "created_at": _l("Recorded at")}
    column_formatters = {"contributor": _contributor, "kind": lambda _v, _c, m, _n: CONTRIBUTION_KINDS[m.kind]}
    column_formatters_export = {"contributor": _contributor}
    column_filters = ["kind", "owed_on", "fund.name"]
    column_searchable_list = ["description", "source_reference"]
    column_default_sort = ("owed_on", True)
    form_columns = ["fund", "kind", "organisation", "donor_name", "description", "amount_owed", "owed_on",
                    "source_reference"]
    form_choices = {"kind": [("contribution", _l("Contribution owed by an organisation (a receivable)")),
                             ("donation", _l("Donation received"))]}
    form_overrides = {"amount_owed": PositiveMoneyField}
    form_args = {"amount_owed": {"validators": [InputRequired()]},
                 "source_reference": {"label": _l("Reference"), "validators": [InputRequired()],
                                      "description": _l("The document it comes from (agreement, transfer "
                                                        "reference): the same reference twice records nothing "
                                                        "new.")}}
    form_ajax_refs = {"organisation": {"fields": ["legal_name"], "page_size": 10}}

    def create_model(self, form):
        if not has_permission(current_user, "funds.record_contribution"):
            return _refused(PermissionError(_("You are not allowed to do this.")))
        data = form.data
        try:
            if data["kind"] == "donation":
                return services.record_donation(
                    data["fund"], data["amount_owed"], on=data["owed_on"], reference=data["source_reference"],
                    donor_name=data["donor_name"], organisation=data["organisation"],
                    description=data["description"] or None, user=_user())
            return services.record_contribution_owed(
                data["fund"], data["organisation"], data["amount_owed"], on=data["owed_on"],
                source_reference=f"manual:{data['source_reference']}", description=data["description"] or "",
                user=_user())
        except services.FundsError as exc:
            return _refused(exc)

    def receipt_form(self, record):
        if record.kind != "contribution" or record.amount_due <= 0:
            return None
        if not has_permission(current_user, "funds.record_contribution"):
            return None
        return ReceiptForm(received_on=services.today())

    @expose("/receive/", methods=["POST"])
    def receive(self):
        if not has_permission(current_user, "funds.record_contribution"):
            abort(403)
        record = self.get_one(request.form.get("id", ""))
        form = ReceiptForm()
        if not form.validate():
            flash(" ".join(e for errors in form.errors.values() for e in errors), "danger")
        else:
            try:
                services.record_contribution_received(record, form.amount.data, on=form.received_on.data,
                                                      receipt_reference=form.reference.data.strip(), user=_user())
                flash(_("Receipt recorded: the money is available for allocation."), "success")
            except services.FundsError as exc:
                _refused(exc)
        return redirect(url_for(".details_view", id=record.id))

    def extra_details(self, record) -> dict:
        receipts = db.session.scalars(select(Receipt).where(Receipt.contribution_id == record.id)
                                      .order_by(Receipt.received_on, Receipt.id))
        return {"template": "funds/_contribution_extra.html", "receipts": list(receipts)}


class ReceiptAdmin(FundsModelView):
    allow_create = allow_edit = allow_delete = False
    eager = ("contribution",)
    column_list = ["received_on", "contribution", "amount", "reference"]
    column_labels = {"received_on": _l("Received on"), "contribution": _l("Contribution"), "amount": _l("Amount"),
                     "reference": _l("Receipt reference")}
    column_default_sort = ("received_on", True)
    column_filters = ["received_on"]


# Rounds and ranking -----------------------------------------------------------------------------------------
def _desk_link(_v, _c, model, _n):
    from app.admin import escaped_link

    return escaped_link(url_for("funds_desk.round_desk", round_id=model.id), model.title)


class RoundAdmin(FundsModelView):
    allow_delete = False
    manual_transitions = ("confirm_ranking", "reopen_ranking", "close")
    column_list = ["title", "fund", "period_start", "period_end", "amount", "status"]
    column_details_list = ["title", "fund", "period_start", "period_end", "amount", "legal_basis",
                           "selection_method", "status", "created_at"]
    column_labels = {"title": _l("Title"), "fund": _l("Fund"), "period_start": _l("From"), "period_end": _l("To"),
                     "amount": _l("Amount of the round"), "legal_basis": _l("Legal basis"),
                     "selection_method": _l("Selection method"), "status": _l("Status"), "created_at": _l("Created")}
    column_formatters = {"title": _desk_link, **state_column()}
    column_formatters_export = state_column()
    column_default_sort = ("period_start", True)
    form_columns = ["fund", "title", "period_start", "period_end", "amount", "legal_basis", "selection_method"]
    form_overrides = {"amount": PositiveMoneyField}
    form_args = {"amount": {"validators": [InputRequired()]},
                 "legal_basis": {"description": _l("The rule or deed the allocations rest on; it is published "
                                                   "(d.lgs. 33/2013 art. 27).")},
                 "selection_method": {"description": _l("How beneficiaries are chosen; it is published.")}}

    def on_model_change(self, form, model, is_created):
        if model.period_start and model.period_end and model.period_end < model.period_start:
            raise ValidationError(_("The period cannot end before it starts."))
        super().on_model_change(form, model, is_created)


class PriorityAdmin(FundsModelView):
    allow_create = allow_edit = allow_delete = False
    eager = ("round",)
    column_list = ["round", "rank", "project"]
    column_labels = {"round": _l("Round"), "rank": _l("Position"), "project": _l("Project")}
    column_default_sort = [("round_id", True), ("rank", False)]


# Allocations, payments, publications ------------------------------------------------------------------------
class AllocationAdmin(FundsModelView):
    allow_create = allow_edit = allow_delete = False
    manual_transitions = ("approve", "reject", "revoke")
    eager = ("round", "beneficiary")
    column_list = ["approved_on", "round", "project", "beneficiary", "amount", "status"]
    column_details_list = ["round", "project", "beneficiary", "amount", "status", "note", "proposed_by",
                           "proposed_at", "decided_by", "approved_on"]
    column_labels = {**AMOUNT_LABELS, "note": _l("Note"), "proposed_by": _l("Proposed by"),
                     "proposed_at": _l("Proposed at"), "decided_by": _l("Decided by")}
    column_formatters = state_column()
    column_formatters_export = state_column()
    column_filters = ["status", "approved_on", "round.title"]
    column_default_sort = ("id", True)

    def fire_transition(self, record, name, reason):
        actions = {"approve": lambda: services.approve_allocation(record.id, _user()),
                   "reject": lambda: services.reject_allocation(record.id, _user(), reason or ""),
                   "revoke": lambda: services.revoke_allocation(record.id, _user(), reason or "")}
        actions[name]()


def _approved_allocations():
    return db.session.scalars(scoped(select(Allocation)).where(Allocation.status == "approved")
                              .order_by(Allocation.id)).all()


class PaymentAdmin(FundsModelView):
    allow_edit = allow_delete = False
    manual_transitions = ("pay", "cancel")
    eager = ("beneficiary",)
    column_list = ["requested_at", "allocation", "beneficiary", "amount", "status", "paid_on"]
    column_details_list = ["allocation", "beneficiary", "amount", "status", "reference", "requested_at", "paid_on"]
    column_labels = {**AMOUNT_LABELS, "allocation": _l("Allocation"), "reference": _l("Transfer reference"),
                     "requested_at": _l("Requested at"), "paid_on": _l("Paid on")}
    column_formatters = state_column()
    column_formatters_export = state_column()
    column_filters = ["status", "paid_on"]
    column_default_sort = ("id", True)
    form_columns = ["allocation", "amount", "reference"]
    form_overrides = {"amount": PositiveMoneyField}
    form_args = {"amount": {"validators": [InputRequired()]}}

    def create_form(self, obj=None):
        form = super().create_form(obj)
        form.allocation.query_factory = _approved_allocations
        return form

    def create_model(self, form):
        try:
            return services.request_payment(form.allocation.data, form.amount.data, _user(),
                                            reference=(form.reference.data or "").strip() or None)
        except services.FundsError as exc:
            return _refused(exc)

    def fire_transition(self, record, name, reason):
        if name == "pay":
            services.mark_paid(record, _user())
        else:
            services.cancel_payment(record, _user(), reason or "")


class PublicationAdmin(FundsModelView):
    allow_create = allow_delete = False
    manual_transitions = ("publish",)
    column_list = ["year", "beneficiary_name", "amount", "year_total", "status", "published_at"]
    column_details_list = ["year", "beneficiary_name", "beneficiary_tax_code", "amount", "year_total", "legal_basis",
                           "office", "official", "selection_method", "status", "published_at"]
    column_labels = {name: Publication.__table__.c[name].info["label"] for name in column_details_list}
    column_formatters = state_column()
    column_formatters_export = state_column()
    column_filters = ["year", "status"]
    column_default_sort = ("id", True)
    form_columns = ["beneficiary_name", "beneficiary_tax_code", "legal_basis", "office", "official",
                    "selection_method"]

    def fire_transition(self, record, name, reason):
        services.publish(record, _user())

    def extra_details(self, record) -> dict:
        return {"template": "funds/_publication_extra.html", "allocations": record.allocations}


def register(admin, category) -> None:
    admin.add_view(FundAdmin(Fund, name=_l("Funds"), category=category, endpoint="funds_fund"))
    admin.add_view(ContributionAdmin(Contribution, name=_l("Contributions"), category=category,
                                     endpoint="funds_contribution"))
    admin.add_view(ReceiptAdmin(Receipt, name=_l("Receipts"), category=category, endpoint="funds_receipt"))
    admin.add_view(RoundAdmin(Round, name=_l("Rounds"), category=category, endpoint="funds_round"))
    admin.add_view(PriorityAdmin(Priority, name=_l("Rankings"), category=category, endpoint="funds_priority"))
    admin.add_view(AllocationAdmin(Allocation, name=_l("Allocations"), category=category,
                                   endpoint="funds_allocation"))
    admin.add_view(PaymentAdmin(Payment, name=_l("Payments"), category=category, endpoint="funds_payment"))
    admin.add_view(PublicationAdmin(Publication, name=_l("Transparency (art. 26–27)"), category=category,
                                    endpoint="funds_publication"))
