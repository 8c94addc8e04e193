"""Admin screens of the contracts: contracts (list with filters, details with outlets, rates, signatures,
network periods and the workflow's buttons), outlets, rates, network periods, categories; home widgets."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, has_app_context, redirect, request, url_for
from flask_admin import expose
from flask_admin.babel import lazy_gettext as admin_lazy_gettext
from flask_admin.contrib.sqla.filters import BaseSQLAFilter, FilterEqual
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import inspect, select
from sqlalchemy.orm import joinedload, selectinload
from wtforms import StringField
from wtforms.validators import ValidationError

from app.admin import SecureModelView, Widget
from app.admin.views import scoped_query
from app.extensions import db
from app.security import has_permission, scoped
from app.workflow import WorkflowError
from modules.partners.models import Comune, PartnerOrganisation
from modules.signatures import services as signing

from ..models import (
    CONTRACT_STATES,
    RATE_STATUSES,
    Contract,
    NetworkPeriod,
    Outlet,
    Rate,
    ShopCategory,
    contract_categories,
    contract_platforms,
)
from ..services import contracts as services
from . import CATEGORY

DETAILS_TRANSITIONS = ("send", "recall", "suspend", "reactivate", "terminate")
DATED_TRANSITIONS = ("suspend", "reactivate", "terminate")


def labels_of(model, **extra) -> dict:
    found = {c.key: c.info["label"] for c in inspect(model).columns if "label" in c.info}
    return {**found, **extra}


def _choice(mapping):
    return lambda _view, _context, model, name: mapping.get(getattr(model, name), getattr(model, name))


def _user():
    return current_user._get_current_object()


# Filters -------------------------------------------------------------------------------------------------
class ContractInFilter(BaseSQLAFilter):
    """Contracts whose id is in a subquery built from the chosen value (categories, comuni, platforms)."""

    def __init__(self, name, options, ids_for):
        super().__init__(Contract.id, name, options)
        self.ids_for = ids_for

    def apply(self, query, value, alias=None):
        return query.filter(Contract.id.in_(self.ids_for(value)))

    def operation(self):
        return admin_lazy_gettext("equals")


def _lazy(options):
    """Options read from the database at each request (Flask-Admin reads them once, at start-up)."""
    return lambda: options() if has_app_context() else []


def _category_options():
    return [(str(c.id), str(c)) for c in db.session.scalars(select(ShopCategory).order_by(ShopCategory.sort_order))]


def _comune_options():
    stmt = select(Comune).where(Comune.istat_code.in_(select(Outlet.comune_istat))).order_by(Comune.name)
    return [(c.istat_code, c.name) for c in db.session.scalars(stmt)]


def _platform_options():
    stmt = (select(PartnerOrganisation).where(PartnerOrganisation.id.in_(select(contract_platforms.c.provider_id)))
            .order_by(PartnerOrganisation.legal_name))
    return [(str(p.id), p.legal_name) for p in db.session.scalars(stmt)]


def _ids_in_category(value):
    return select(contract_categories.c.contract_id).where(contract_categories.c.category_id == _int(value))


def _ids_in_comune(value):
    return select(Outlet.contract_id).where(Outlet.comune_istat == str(value))


def _ids_with_platform(value):
    return select(contract_platforms.c.contract_id).where(contract_platforms.c.provider_id == _int(value))


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


# Contracts ------------------------------------------------------------------------------------------------
def _rate_today(_view, _context, model, _name):
    rate = services.rate_in_force(model, services.today())
    from app.templating import percent_filter

    return percent_filter(rate) if rate is not None else "—"


def _names(attr: str):
    return lambda _v, _c, model, _n: ", ".join(str(item) for item in getattr(model, attr))


class ContractAdmin(SecureModelView):
    """Contracts are created and edited here while draft; the details page runs their workflow."""

    allow_delete = False  # contracts are terminated, never deleted
    details_template = "shop_network/contract_details.html"
    column_list = ["number", "organisation", "state", "valid_from", "valid_to", "rate_today", "categories"]
    column_export_list = ["number", "organisation", "state", "valid_from", "valid_to", "suspended_from",
                          "terminated_on", "signed_at", "rate_today", "categories", "platforms"]
    column_details_list = ["number", "organisation", "state", "state_reason", "valid_from", "valid_to",
                           "suspended_from", "terminated_on", "signed_at", "categories", "platforms", "notes",
                           "created_at"]
    column_labels = labels_of(Contract, organisation=_l("Organisation"), categories=_l("Categories"),
                              platforms=_l("Accepted platforms"), rate_today=_l("Rate in force today"),
                              created_at=_l("Created at"), initial_rate=_l("Give-back rate (%)"))
    column_formatters = {"state": _choice(CONTRACT_STATES), "rate_today": _rate_today,
                         "categories": _names("categories"), "platforms": _names("platforms")}
    column_formatters_export = {"state": _choice(CONTRACT_STATES), "rate_today": _rate_today,
                                "categories": _names("categories"), "platforms": _names("platforms")}
    column_searchable_list = ["number"]
    column_default_sort = ("number", False)
    form_columns = ["number", "organisation", "valid_from", "valid_to", "initial_rate", "categories", "platforms",
                    "notes"]
    form_extra_fields = {"initial_rate": StringField(_l("Give-back rate (%)"))}
    form_args = {"platforms": {"description": _l("Only welfare platforms accredited by the district today.")}}

    def __init__(self, *args, **kwargs):
        self.column_filters = [
            FilterEqual(Contract.state, _l("State"), options=list(CONTRACT_STATES.items())),
            ContractInFilter(_l("Category"), _lazy(_category_options), _ids_in_category),
            ContractInFilter(_l("Comune"), _lazy(_comune_options), _ids_in_comune),
            ContractInFilter(_l("Platform"), _lazy(_platform_options), _ids_with_platform),
        ]
        super().__init__(*args, **kwargs)

    def _get_filter_groups(self):
        self._refresh_filters_cache()  # the options of the category, comune and platform filters change
        return super()._get_filter_groups()

    def get_query(self):
        return super().get_query().options(selectinload(Contract.platforms))

    # Forms: shops only, accredited platforms only, the initial rate --------------------------------------
    def _narrow(self, form, obj=None):
        if hasattr(form, "organisation"):
            form.organisation.query_factory = lambda: scoped_query(PartnerOrganisation).filter(
                PartnerOrganisation.type.in_(services.ELIGIBLE_TYPES)).order_by(PartnerOrganisation.legal_name)
        if hasattr(form, "platforms"):
            accredited = services.accredited_organisation_ids(services.PROVIDER_SCHEME, services.today())
            form.platforms.query_factory = lambda: scoped_query(PartnerOrganisation).filter(
                PartnerOrganisation.id.in_(accredited)).order_by(PartnerOrganisation.legal_name)
        return form

    def create_form(self, obj=None):
        return self._narrow(super().create_form(obj))

    def edit_form(self, obj=None):
        form = self._narrow(super().edit_form(obj))
        if obj is not None and not form.initial_rate.data and obj.rates:
            form.initial_rate.data = str(sorted(obj.rates, key=lambda r: r.effective_from)[0].rate.normalize())
        return form

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        try:
            if is_created:
                services.prepare_contract(model, form.initial_rate.data, _user())
            else:
                services.check_edit(model, _user(), form.initial_rate.data)
        except services.ContractError as exc:
            raise ValidationError(str(exc)) from exc

    # Details page -------------------------------------------------------------------------------------
    def transitions_for(self, contract: Contract) -> list:
        if not current_user.is_authenticated:
            return []
        available = contract.__workflow__.available(contract, current_user)
        return [t for t in available if t.name in DETAILS_TRANSITIONS]

    def extras(self, contract: Contract) -> dict:
        rates = services.rate_history(contract)
        documents = [(None, d) for d in services.documents_for(contract)]
        documents += [(rate, d) for rate in rates for d in services.documents_for(rate)]
        may_manage = has_permission(current_user, services.MANAGE)
        return {
            "outlets": contract.outlets, "rates": rates, "periods": services.periods_of(contract),
            "documents": [(rate, d, signing.valid_signatures(d)) for rate, d in documents],
            "rate_today": services.rate_in_force(contract, services.today()),
            "in_network_today": services.in_network(contract.organisation_id, services.today()),
            "may_manage": may_manage, "may_amend": may_manage and contract.state in ("active", "suspended"),
            "earliest": services.earliest_amendment_day(contract), "statuses": RATE_STATUSES,
            "dated": DATED_TRANSITIONS, "today": services.today(),
        }

    def _managed(self, raw_id) -> Contract:
        if not has_permission(current_user, services.MANAGE):
            abort(403)
        contract = scoped_query(Contract, "write").filter(Contract.id == _int(raw_id)).first()
        if contract is None:
            abort(404)
        return contract

    def _run(self, operation, success: str) -> None:
        try:
            operation()
        except (services.ContractError, WorkflowError, signing.SigningRefused) as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            flash(success, "success")

    @expose("/transition/", methods=("POST",))
    def transition(self):
        contract = self._managed(request.form.get("id"))
        name = request.form.get("transition", "")
        if name not in DETAILS_TRANSITIONS:
            abort(400)
        day = _day(request.form.get("day"))
        allow_past = request.form.get("allow_past") == "1"
        reason = (request.form.get("reason") or "").strip() or None
        self._run(lambda: services.transition(contract, name, _user(), reason, day, allow_past),
                  _("Done: the contract is now “%(state)s”.", state=CONTRACT_STATES[name_target(contract, name)]))
        return redirect(url_for(".details_view", id=contract.id))

    @expose("/amend/", methods=("POST",))
    def amend(self):
        contract = self._managed(request.form.get("id"))
        day = _day(request.form.get("effective_from"))
        if day is None:
            flash(_("Choose the day the new rate starts."), "danger")
        else:
            self._run(lambda: services.propose_rate(contract, _user(), request.form.get("rate", ""), day,
                                                    request.form.get("note")),
                      _("Amendment sent to the shop for signature: the new rate applies once signed."))
        return redirect(url_for(".details_view", id=contract.id))

    @expose("/withdraw-rate/", methods=("POST",))
    def withdraw_rate(self):
        contract = self._managed(request.form.get("id"))
        rate = next((r for r in contract.rates if r.id == _int(request.form.get("rate_id"))), None)
        if rate is None:
            abort(404)
        self._run(lambda: services.withdraw_rate(rate, _user()), _("Amendment withdrawn."))
        return redirect(url_for(".details_view", id=contract.id))


def name_target(contract: Contract, name: str) -> str:
    return contract.__workflow__.transitions[name].target


def _day(raw) -> date | None:
    try:
        return date.fromisoformat((raw or "").strip())
    except ValueError:
        return None


# Outlets, rates, periods, categories ------------------------------------------------------------------------
class OutletAdmin(SecureModelView):
    column_list = ["name", "contract", "street", "cap", "comune", "is_active"]
    column_export_list = column_list
    column_labels = labels_of(Outlet, contract=_l("Contract"), comune=_l("Comune"))
    column_searchable_list = ["name"]
    column_default_sort = ("name", False)
    form_columns = ["contract", "name", "street", "cap", "comune", "phone", "is_active"]
    form_ajax_refs = {"comune": {"fields": ["name"], "page_size": 10}}

    def get_query(self):
        return super().get_query().options(joinedload(Outlet.contract).joinedload(Contract.organisation))

    def create_form(self, obj=None):
        form = super().create_form(obj)
        contract_id = request.args.get("contract_id", type=int)
        if contract_id and not form.contract.data:
            form.contract.data = scoped_query(Contract).filter(Contract.id == contract_id).first()
        return form

    def on_model_change(self, form, model, is_created):
        contract = model.contract or db.session.get(Contract, model.contract_id)
        if contract is not None and contract.state == "terminated":
            raise ValidationError(_("This contract is terminated."))
        super().on_model_change(form, model, is_created)


class RateAdmin(SecureModelView):
    """Rates are read here; they are proposed and signed from the contract's page."""

    allow_create = allow_edit = allow_delete = False
    column_list = ["contract", "rate", "effective_from", "status", "signed_at"]
    column_export_list = column_list
    column_labels = labels_of(Rate, contract=_l("Contract"))
    column_formatters = {"status": _choice(RATE_STATUSES)}
    column_filters = [FilterEqual(Rate.status, _l("Status"), options=list(RATE_STATUSES.items())), "effective_from"]
    column_default_sort = ("effective_from", True)

    def get_query(self):
        return super().get_query().options(joinedload(Rate.contract).joinedload(Contract.organisation))


class NetworkPeriodAdmin(SecureModelView):
    allow_create = allow_edit = allow_delete = False
    column_list = ["contract", "starts_on", "ends_on"]
    column_export_list = column_list
    column_labels = {"contract": _l("Contract"), "starts_on": _l("In the network from"),
                     "ends_on": _l("In the network until")}
    column_default_sort = ("starts_on", True)

    def get_query(self):
        return super().get_query().options(joinedload(NetworkPeriod.contract).joinedload(Contract.organisation))


class ShopCategoryAdmin(SecureModelView):
    allow_delete = False  # contracts refer to it: deactivate it instead
    can_export = False
    column_list = ["key", "name_it", "name_en", "sort_order", "is_active"]
    column_labels = labels_of(ShopCategory)
    column_default_sort = ("sort_order", False)
    form_columns = ["key", "name_it", "name_en", "sort_order", "is_active"]


# Home widgets ---------------------------------------------------------------------------------------------
def _to_follow(user):
    items = [{"text": _("Waiting for the shop's signature: %(contract)s", contract=c),
              "url": url_for("shop_network_contract.details_view", id=c.id)}
             for c in services.waiting_for_signature()[:8]]
    items += [{"text": _("Rate amendment waiting for signature: %(contract)s (%(day)s)", contract=r.contract,
                         day=r.effective_from.strftime("%d/%m/%Y")),
               "url": url_for("shop_network_contract.details_view", id=r.contract_id)}
              for r in services.pending_amendments()[:8]]
    return {"items": items, "empty": _("No contract is waiting for a signature.")}


def _my_contract(user):
    contract = db.session.scalars(scoped(Contract, "read", user).order_by(Contract.id.desc())).first()
    if contract is None:
        return None
    items = [{"text": _("Contract %(number)s: %(state)s", number=contract.number, state=contract.state_label),
              "url": url_for("shop_network.portal")}]
    for found in services.pending_requests(contract) + [r for rate in contract.rates
                                                         for r in services.pending_requests(rate)]:
        items.append({"text": _("To sign: %(title)s", title=found.document.title),
                      "url": signing.sign_url(found, url_for("shop_network.portal"))})
    return {"items": items, "empty": ""}


def register(admin) -> None:
    admin.add_view(ContractAdmin(Contract, name=_l("Contracts"), category=CATEGORY, endpoint="shop_network_contract"))
    admin.add_view(OutletAdmin(Outlet, name=_l("Outlets"), category=CATEGORY, endpoint="shop_network_outlet"))
    admin.add_view(RateAdmin(Rate, name=_l("Give-back rates"), category=CATEGORY, endpoint="shop_network_rate"))
    admin.add_view(NetworkPeriodAdmin(NetworkPeriod, name=_l("Network periods"), category=CATEGORY,
                                      endpoint="shop_network_period"))
    admin.add_view(ShopCategoryAdmin(ShopCategory, name=_l("Shop categories"), category=CATEGORY,
                                     endpoint="shop_network_category"))
    admin.add_widget(Widget("shop_network.contracts", _l("Shop contracts to follow"), _to_follow,
                            roles=("admin", "coordinator"), order=35))
    admin.add_widget(Widget("shop_network.my_contract", _l("My shop network contract"), _my_contract,
                            roles=("shop",), order=16))
