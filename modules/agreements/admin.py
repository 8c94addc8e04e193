"""Admin screens of the agreements: the desk (coordinators' workbench and the social partners' portal) and
the plain lists (agreements' data, versions, templates, adhesions)."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from wtforms.validators import ValidationError

from app.admin import SecureModelView, Widget, escaped_link
from app.audit import history_for
from app.extensions import db
from app.models import Organisation, User
from app.security import AccessDenied, can, get_scoped, has_permission, scoped
from app.uploads import send_upload
from app.workflow import WorkflowError, log_for
from modules.signatures import services as signing

from . import services, text
from .forms import AdhesionForm, NewAgreementForm, PartyForm, ReasonForm, TemplateForm, TextForm
from .models import (
    ADHESION_STATES,
    PERMISSION_ADHERE,
    PERMISSION_MANAGE,
    STATES,
    TYPES,
    Adhesion,
    Agreement,
    AgreementTemplate,
    AgreementVersion,
)

CATEGORY = _l("Agreements")
DESK_TRANSITIONS = ("negotiate", "open", "renegotiate", "terminate")  # the others are the system's


def _label(choices):
    return lambda _view, _context, model, name: choices.get(getattr(model, name), getattr(model, name))


def _sheet_link(_view, _context, model, _name):
    agreement = model if isinstance(model, Agreement) else model.agreement
    return escaped_link(url_for("agreements_desk.sheet", agreement_id=agreement.id), agreement.code)


class AgreementAdmin(SecureModelView):
    """The agreements' own data; the text, the parties and the signatures live on the desk's sheet."""

    allow_delete = False  # agreements are terminated, never deleted
    allow_create = False  # created on the desk, where a template can be chosen
    column_list = ["code", "title", "type", "state", "start_date", "end_date", "current_version",
                   "in_force_version"]
    column_labels = {"code": _l("Code"), "title": _l("Title"), "type": _l("Type"), "state": _l("State"),
                     "start_date": _l("Start date"), "end_date": _l("End date"),
                     "current_version": _l("Current version"), "in_force_version": _l("Version in force"),
                     "renewal_notice_days": _l("Renewal notice (days)"), "in_force_since": _l("In force since")}
    column_searchable_list = ["code", "title"]
    column_filters = ["state", "type"]
    column_default_sort = ("code", False)
    column_formatters = {"code": _sheet_link, "state": _label(STATES), "type": _label(TYPES)}
    form_columns = ["code", "title", "type", "start_date", "end_date", "renewal_notice_days"]
    form_choices = {"type": [(key, str(label)) for key, label in TYPES.items()]}

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        if model.start_date and model.end_date and model.end_date < model.start_date:
            raise ValidationError(_("The end date comes before the start date."))

    def after_model_change(self, form, model, is_created):
        if not is_created:
            services.after_edit(model, current_user._get_current_object())


def _version_pdf_link(_view, _context, model, _name):
    if model.document is None:
        return ""
    return escaped_link(url_for("files.download", upload_id=model.document.upload_id), _("PDF"))


class AgreementVersionAdmin(SecureModelView):
    allow_create = allow_edit = allow_delete = False
    column_list = ["agreement", "number", "text_sha256", "created_at", "document_id"]
    column_labels = {"agreement": _l("Agreement"), "number": _l("Version"), "text_sha256": _l("Text hash"),
                     "created_at": _l("Frozen at"), "document_id": _l("PDF")}
    column_default_sort = ("id", True)
    column_formatters = {"document_id": _version_pdf_link}
    column_export_list = ["agreement", "number", "text_sha256", "created_at"]


class AgreementTemplateAdmin(SecureModelView):
    """Templates are made from an agreement ("Save as template"); here they are renamed or removed."""

    allow_create = False
    column_list = ["name", "type", "created_at"]
    column_labels = {"name": _l("Name"), "type": _l("Type"), "created_at": _l("Created")}
    column_formatters = {"type": _label(TYPES)}
    form_columns = ["name", "type"]
    form_choices = {"type": [(key, str(label)) for key, label in TYPES.items()]}


class AdhesionAdmin(SecureModelView):
    allow_create = allow_edit = allow_delete = False
    column_list = ["agreement", "organisation", "state", "requested_at", "signed_on"]
    column_labels = {"agreement": _l("Agreement"), "organisation": _l("Organisation"), "state": _l("State"),
                     "requested_at": _l("Requested at"), "signed_on": _l("Signed on")}
    column_filters = ["state"]
    column_default_sort = ("id", True)
    column_formatters = {"state": _label(ADHESION_STATES), "agreement": _sheet_link}


# The desk ------------------------------------------------------------------------------------------------
HIDDEN_VALUES = ("content", "parties")  # long JSON: the versions and the diff show the text itself


def _shown(row) -> str:
    if row.is_redacted:
        return _("(personal data)")
    if row.field in HIDDEN_VALUES:
        return _("text changed")
    return (row.new or "")[:120]


def grouped_history(rows: list, limit: int = 150) -> list[dict]:
    """Audit rows grouped into one line per change of one record: when, who, what, which fields."""
    groups: dict[tuple, dict] = {}
    for row in sorted(rows, key=lambda r: (r.at, r.id), reverse=True):
        key = (row.at, row.user_id, row.model, row.record_id, row.action)
        entry = groups.setdefault(key, {"at": row.at, "user_id": row.user_id, "record": f"{row.model} {row.record_id}",
                                        "action": row.action, "changes": []})
        if row.field and row.field not in ("id", "created_at"):
            entry["changes"].append(f"{row.field}: {_shown(row)}")
    entries = list(groups.values())[:limit]
    names = dict(db.session.execute(select(User.id, User.full_name).where(
        User.id.in_({e["user_id"] for e in entries if e["user_id"]}))).all())
    for entry in entries:
        entry["user"] = names.get(entry["user_id"]) or (entry["user_id"] or _("system"))
    return entries
class AgreementDeskView(BaseView):
    """Coordinators run agreements here; social partners follow and sign theirs (the portal)."""

    def is_accessible(self):
        return current_user.is_authenticated and can(current_user, Agreement, "read")

    def inaccessible_callback(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        abort(403)

    @property
    def _user(self) -> User:
        return current_user._get_current_object()

    def _agreement(self, agreement_id: int, op: str = "read") -> Agreement:
        try:
            found = get_scoped(Agreement, agreement_id, op)
        except AccessDenied:
            abort(403)
        if found is None:
            abort(404)
        return found

    def _managed(self, agreement_id: int) -> Agreement:
        if not has_permission(current_user, PERMISSION_MANAGE):
            abort(403)
        return self._agreement(agreement_id, "write")

    def _back(self, agreement: Agreement):
        return redirect(url_for(".sheet", agreement_id=agreement.id))

    @expose("/", methods=("GET", "POST"))
    def index(self):
        form = NewAgreementForm(prefix="new")
        form.template.choices = [(0, "—")] + [(t.id, t.name) for t in services.templates()]
        if form.validate_on_submit():
            created = self._create(form)
            if created is not None:
                return self._back(created)
        rows = db.session.scalars(scoped(Agreement).order_by(Agreement.code)).all()
        return self.render("agreements/desk.html", agreements=rows, form=form, states=STATES,
                           may_manage=has_permission(current_user, PERMISSION_MANAGE))

    def _create(self, form) -> Agreement | None:
        template = db.session.get(AgreementTemplate, form.template.data) if form.template.data else None
        try:
            return services.create_agreement(self._user, form.code.data, form.title.data, form.type.data,
                                             form.start_date.data, form.end_date.data,
                                             form.renewal_notice_days.data, template)
        except services.AgreementError as exc:
            db.session.rollback()
            form.code.errors.append(str(exc))
            return None

    @expose("/<int:agreement_id>/")
    def sheet(self, agreement_id: int):
        agreement = self._agreement(agreement_id)
        user = self._user
        may_manage = has_permission(user, PERMISSION_MANAGE)
        return self.render(
            "agreements/sheet.html", agreement=agreement, states=STATES, statuses=services.party_status(agreement),
            current=agreement.version(agreement.current_version), may_manage=may_manage,
            transitions=[t for t in agreement.__workflow__.available(agreement, user) if t.name in DESK_TRANSITIONS],
            my_request=services.my_request(agreement, user), adhesions=self._adhesions(agreement),
            may_adhere=self._may_adhere(agreement, user), reason_form=ReasonForm(prefix="t"),
            adhesion_form=AdhesionForm(prefix="a"), template_form=TemplateForm(prefix="tpl"),
            party_form=self._party_form(agreement) if may_manage else None,
            history=self._history(agreement), workflow_log=log_for(agreement),
            plain=text.normalise(agreement.content), version_of=services.version_number_of)

    def _adhesions(self, agreement: Agreement) -> list[Adhesion]:
        stmt = scoped(Adhesion).where(Adhesion.agreement_id == agreement.id).order_by(Adhesion.id)
        return list(db.session.scalars(stmt))

    def _may_adhere(self, agreement: Agreement, user) -> bool:
        return (agreement.state == "in_force" and has_permission(user, PERMISSION_ADHERE)
                and services.party_of(agreement, user.organisation_id) is None
                and services.open_adhesion_of(agreement, user.organisation_id) is None)

    def _history(self, agreement: Agreement) -> list[dict]:
        """The audit rows of the agreement, its parties, its versions and their signatures (and, for the
        district's staff, every signing attempt, refusals included), one line per change, newest first."""
        documents = [v.document for v in agreement.versions if v.document is not None]
        records = [agreement, *agreement.parties, *agreement.versions, *signing.signatures_of(documents)]
        if not current_user.is_external:
            records += signing.attempts_on(documents)
        return grouped_history([row for record in records for row in history_for(record)])

    def _party_form(self, agreement: Agreement) -> PartyForm:
        form = PartyForm(prefix="p")
        taken = {party.organisation_id for party in agreement.parties}
        organisations = db.session.scalars(scoped(Organisation).order_by(Organisation.legal_name)).all()
        form.organisation.choices = [(o.id, o.legal_name) for o in organisations if o.id not in taken]
        return form

    # Changing ------------------------------------------------------------------------------------------
    def _run(self, agreement: Agreement, operation, success):
        """Run a service; its refusal becomes a message. `success` is a text or a function giving it."""
        try:
            result = operation()
        except (services.AgreementError, WorkflowError, text.TextInvalid) as exc:
            db.session.rollback()
            flash(str(exc), "danger")
            return None
        flash(success() if callable(success) else success, "success")
        return result or True

    @expose("/<int:agreement_id>/text", methods=("GET", "POST"))
    def edit_text(self, agreement_id: int):
        agreement = self._managed(agreement_id)
        form = TextForm(prefix="txt")
        if not form.is_submitted():
            form.recitals.data, form.sections.data, form.appendices.data = text.to_plain(agreement.content)
        elif form.validate():
            done = self._run(agreement, lambda: self._save_text(agreement, form), _("Text saved."))
            if done:
                return self._back(agreement)
        return self.render("agreements/text.html", agreement=agreement, form=form)

    def _save_text(self, agreement: Agreement, form: TextForm):
        content = text.parse(form.recitals.data, form.sections.data, form.appendices.data)
        version = services.set_text(agreement, content, self._user)
        if version is not None:
            flash(_("Version %(number)d frozen and open for signature: earlier signatures no longer count.",
                    number=version.number), "warning")
        return version

    @expose("/<int:agreement_id>/parties", methods=("POST",))
    def add_party(self, agreement_id: int):
        agreement = self._managed(agreement_id)
        form = self._party_form(agreement)
        if not form.validate_on_submit():
            flash(" ".join(e for errors in form.errors.values() for e in errors), "danger")
            return self._back(agreement)
        self._run(agreement, lambda: services.add_party(
            agreement, self._user, form.organisation.data, form.role.data, form.is_required.data,
            self._signatory_id(form), form.signatory_name.data), _("Party added."))
        return self._back(agreement)

    def _signatory_id(self, form: PartyForm) -> int | None:
        email = (form.signatory_email.data or "").strip().lower()
        if not email:
            return None
        user = db.session.scalar(select(User).where(func.lower(User.email) == email))
        if user is None or user.organisation_id != form.organisation.data:
            raise services.AgreementError(_("No user with this e-mail belongs to the organisation."))
        return user.id

    @expose("/<int:agreement_id>/parties/<int:party_id>/remove", methods=("POST",))
    def remove_party(self, agreement_id: int, party_id: int):
        agreement = self._managed(agreement_id)
        party = next((p for p in agreement.parties if p.id == party_id), None)
        if party is None:
            abort(404)
        if not ReasonForm(prefix="t").validate_on_submit():  # the CSRF token
            abort(400)
        self._run(agreement, lambda: services.remove_party(agreement, party, self._user), _("Party removed."))
        return self._back(agreement)

    @expose("/<int:agreement_id>/transition/<action>", methods=("POST",))
    def transition(self, agreement_id: int, action: str):
        name = action  # Flask-Admin reserves the argument "name"
        agreement = self._agreement(agreement_id, "write")
        form = ReasonForm(prefix="t")
        if name not in DESK_TRANSITIONS or not form.validate_on_submit():
            abort(400)
        self._run(agreement, lambda: services.transition(agreement, name, self._user, form.reason.data),
                  lambda: _("Done: the agreement is now “%(state)s”.", state=agreement.state_label))
        return self._back(agreement)

    @expose("/<int:agreement_id>/template", methods=("POST",))
    def save_template(self, agreement_id: int):
        agreement = self._managed(agreement_id)
        form = TemplateForm(prefix="tpl")
        if form.validate_on_submit():
            self._run(agreement, lambda: services.save_as_template(agreement, form.name.data, self._user),
                      _("Template saved."))
        return self._back(agreement)

    # Reading -------------------------------------------------------------------------------------------
    @expose("/<int:agreement_id>/diff")
    def diff(self, agreement_id: int):
        agreement = self._agreement(agreement_id)
        older = agreement.version(request.args.get("a", type=int))
        newer = agreement.version(request.args.get("b", type=int))
        if older is None or newer is None:
            abort(404)
        return self.render("agreements/diff.html", agreement=agreement, older=older, newer=newer,
                           lines=services.diff(older, newer))

    @expose("/<int:agreement_id>/versions/<int:number>.pdf")
    def version_pdf(self, agreement_id: int, number: int):
        version = self._agreement(agreement_id).version(number)
        if version is None or version.document is None:
            abort(404)
        return send_upload(version.document.upload)

    @expose("/<int:agreement_id>/sign")
    def sign(self, agreement_id: int):
        agreement = self._agreement(agreement_id)
        found = services.my_request(agreement, self._user)
        if found is None:
            flash(_("There is nothing for you to sign on this agreement."), "info")
            return self._back(agreement)
        from modules.signatures.services import sign_url

        return redirect(sign_url(found, url_for(".sheet", agreement_id=agreement.id)))

    # Adhesions -----------------------------------------------------------------------------------------
    @expose("/<int:agreement_id>/adhere", methods=("POST",))
    def adhere(self, agreement_id: int):
        agreement = self._agreement(agreement_id)
        form = AdhesionForm(prefix="a")
        if not form.validate_on_submit():
            abort(400)
        self._run(agreement, lambda: services.request_adhesion(agreement, self._user, form.message.data),
                  _("Your request has been sent to the coordinators."))
        return self._back(agreement)

    @expose("/adhesions/<int:adhesion_id>/<decision>", methods=("POST",))
    def decide(self, adhesion_id: int, decision: str):
        try:
            adhesion = get_scoped(Adhesion, adhesion_id, "write")
        except AccessDenied:
            abort(403)
        form = ReasonForm(prefix="t")
        if adhesion is None or decision not in ("accept", "reject") or not form.validate_on_submit():
            abort(404)
        if decision == "accept":
            self._run(adhesion.agreement, lambda: services.accept_adhesion(adhesion, self._user),
                      _("Adhesion accepted: the organisation has been asked to sign it."))
        else:
            self._run(adhesion.agreement, lambda: services.reject_adhesion(adhesion, self._user, form.reason.data),
                      _("Adhesion rejected."))
        return self._back(adhesion.agreement)


def _to_manage(user):
    counts = dict(db.session.execute(select(Agreement.state, func.count()).group_by(Agreement.state)).all())
    requested = db.session.scalar(select(func.count()).select_from(Adhesion).where(Adhesion.state == "requested"))
    items = [{"text": f"{STATES[state]}: {counts[state]}", "url": url_for("agreements_desk.index")}
             for state in ("negotiation", "open", "in_force") if counts.get(state)]
    if requested:
        items.append({"text": _("%(n)d adhesion requests to decide", n=requested),
                      "url": url_for("agreements_adhesion.index_view", flt0_0="requested")})
    return {"items": items, "empty": _("No agreement needs your attention.")}


def register(admin) -> None:
    admin.add_view(AgreementDeskView(name=_l("Agreement desk"), category=CATEGORY, endpoint="agreements_desk"))
    admin.add_view(AgreementAdmin(Agreement, name=_l("Agreements' data"), category=CATEGORY,
                                  endpoint="agreements_agreement"))
    admin.add_view(AgreementVersionAdmin(AgreementVersion, name=_l("Versions"), category=CATEGORY,
                                         endpoint="agreements_version"))
    admin.add_view(AgreementTemplateAdmin(AgreementTemplate, name=_l("Templates"), category=CATEGORY,
                                          endpoint="agreements_template"))
    admin.add_view(AdhesionAdmin(Adhesion, name=_l("Adhesions"), category=CATEGORY, endpoint="agreements_adhesion"))
    admin.add_widget(Widget("agreements.to_manage", _l("Agreements"), _to_manage, roles=("admin", "coordinator"),
                            order=30))
