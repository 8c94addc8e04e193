"""Admin screens of the signatures module: the signing desk, requests, signatures, attempts, trusted CAs."""

from __future__ import annotations

from flask import abort, flash, has_request_context, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_admin.actions import action
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from app.admin import SecureModelView, Widget, escaped_link
from app.extensions import db
from app.security import can, get_scoped, has_permission
from app.settings import get_setting
from app.uploads import accepts

from . import services
from .forms import FesForm, SignedFileForm, TrustBundleForm
from .models import (
    METHODS,
    OUTCOMES,
    REQUEST_STATUSES,
    SIGNATURE_STATUSES,
    SignableDocument,
    Signature,
    SignatureRequest,
    SigningAttempt,
    TrustAnchor,
)

CATEGORY = _l("Signatures")
INTERNAL_ONLY_DETAILS = ("ip_address", "user_agent")


def _label(choices):
    return lambda _view, _context, model, name: choices.get(getattr(model, name), getattr(model, name))


def _document_link(_view, _context, model, _name):
    document = model if isinstance(model, SignableDocument) else model.document
    return escaped_link(url_for("files.download", upload_id=document.upload_id), document.title)


def _sign_link(_view, _context, model, _name):
    return escaped_link(url_for("signatures_desk.sign", request_id=model.id), _("Open"))


def local_url(url: str | None) -> str | None:
    """`url` if it is a path on this site (a safe `next`), else None."""
    if url and url.startswith("/") and not url.startswith("//") and "\\" not in url:
        return url
    return None


class _ReadOnly(SecureModelView):
    allow_create = allow_edit = allow_delete = False


class SignableDocumentAdmin(_ReadOnly):
    column_list = ["title", "owner_model", "owner_id", "sha256", "created_at"]
    column_labels = {"title": _l("Document"), "owner_model": _l("Owner"), "owner_id": _l("Owner number"),
                     "sha256": _l("SHA-256"), "created_at": _l("Stored at")}
    column_searchable_list = ["title", "sha256"]
    column_default_sort = ("id", True)
    column_formatters = {"title": _document_link}


class SignatureRequestAdmin(_ReadOnly):
    column_list = ["document", "organisation", "signatory", "status", "created_at", "closed_at", "id"]
    column_labels = {"document": _l("Document"), "organisation": _l("Organisation"), "signatory": _l("Signatory"),
                     "status": _l("Status"), "created_at": _l("Requested at"), "closed_at": _l("Closed at"),
                     "id": _l("Signing page")}
    column_filters = ["status"]
    column_default_sort = ("id", True)
    column_formatters = {"status": _label(REQUEST_STATUSES), "id": _sign_link}
    column_export_list = ["document", "organisation", "signatory", "status", "created_at", "closed_at"]


def _signed_file_link(_view, _context, model, _name):
    if model.signed_file_id is None:
        return ""
    return escaped_link(url_for("files.download", upload_id=model.signed_file_id), _("Download"))


class SignatureAdmin(_ReadOnly):
    column_list = ["document", "organisation", "user", "method", "status", "reason", "signer_name", "signed_at"]
    column_details_list = ["document", "organisation", "user", "method", "status", "reason", "document_sha256",
                           "signed_at", "signer_name", "signer_fiscal_code", "certificate_subject",
                           "certificate_issuer", "certificate_serial", "certificate_valid_from",
                           "certificate_valid_until", "signing_time", "signed_file_id", "confirmed_by",
                           "confirmed_at", "ip_address", "user_agent"]
    column_labels = {"document": _l("Document"), "organisation": _l("Organisation"), "user": _l("Signed by"),
                     "method": _l("Method"), "status": _l("Result"), "reason": _l("Reason"),
                     "signer_name": _l("Signer"), "signed_at": _l("Recorded at"),
                     "document_sha256": _l("SHA-256 of the document"), "signer_fiscal_code": _l("Signer's tax code"),
                     "certificate_subject": _l("Certificate subject"), "certificate_issuer": _l("Certificate issuer"),
                     "certificate_serial": _l("Certificate serial number"),
                     "certificate_valid_from": _l("Certificate valid from"),
                     "certificate_valid_until": _l("Certificate valid until"), "signing_time": _l("Signing time"),
                     "signed_file_id": _l("Signed file"), "confirmed_by": _l("Signer confirmed by"),
                     "confirmed_at": _l("Confirmed at"), "ip_address": _l("IP address"),
                     "user_agent": _l("Browser")}
    column_filters = ["status", "method"]
    column_default_sort = ("id", True)
    column_formatters = {"status": _label(SIGNATURE_STATUSES), "method": _label(METHODS),
                         "document": _document_link, "signed_file_id": _signed_file_link}
    column_export_list = ["document", "organisation", "method", "status", "reason", "signer_name",
                          "document_sha256", "signed_at"]

    @property
    def _details_columns(self):
        columns = self.__dict__.get("_all_details_columns", [])
        if has_request_context() and current_user.is_authenticated and current_user.is_external:
            return [(name, label) for name, label in columns if name not in INTERNAL_ONLY_DETAILS]
        return columns

    @_details_columns.setter
    def _details_columns(self, value):
        self.__dict__["_all_details_columns"] = value

    def is_action_allowed(self, name):
        if name == "confirm":
            return has_permission(current_user, services.PERMISSION_CONFIRM)
        return super().is_action_allowed(name)

    @action("confirm", _l("Confirm the signer (checked by hand)"),
            _l("Confirm that you checked who signed these files?"))
    def action_confirm(self, ids):
        for signature in self.get_query().filter(Signature.id.in_([int(i) for i in ids if str(i).isdigit()])):
            try:
                services.confirm_signer(signature, current_user._get_current_object())
            except services.SigningRefused as exc:
                db.session.rollback()
                flash(f"{signature.organisation}: {exc}", "danger")
            else:
                flash(_("Signature of %(organisation)s confirmed.", organisation=signature.organisation), "success")


class SigningAttemptAdmin(_ReadOnly):
    column_list = ["at", "request_id", "organisation", "user", "method", "outcome", "reason"]
    column_labels = {"at": _l("When"), "request_id": _l("Signing page"), "organisation": _l("Organisation"),
                     "user": _l("User"), "method": _l("Method"), "outcome": _l("Outcome"), "reason": _l("Reason")}
    column_filters = ["outcome", "method"]
    column_default_sort = ("id", True)
    column_formatters = {"outcome": _label(OUTCOMES), "method": _label(METHODS),
                         "request_id": lambda _v, _c, model, _n: escaped_link(
                             url_for("signatures_desk.sign", request_id=model.request_id), model.request_id)}


class TrustAnchorAdmin(SecureModelView):
    """The district's trusted certificate authorities, added by uploading their certificates."""

    allow_create = False  # certificates come from the upload page, never typed in
    can_export = False
    column_list = ["subject", "valid_from", "valid_until", "is_active", "fingerprint"]
    column_labels = {"subject": _l("Certificate authority"), "valid_from": _l("Valid from"),
                     "valid_until": _l("Valid until"), "is_active": _l("Active"),
                     "fingerprint": _l("SHA-256 fingerprint"), "added_at": _l("Added at")}
    column_details_list = ["subject", "fingerprint", "valid_from", "valid_until", "is_active", "added_at"]
    column_searchable_list = ["subject", "fingerprint"]
    form_columns = ["is_active"]
    list_template = "signatures/trust_anchors.html"

    @expose("/upload/", methods=("GET", "POST"))
    def upload(self):
        if not (self.can_edit and has_permission(current_user, services.PERMISSION_TRUST)):
            abort(403)
        form = TrustBundleForm()
        if form.validate_on_submit():
            try:
                added, known = services.add_trust_anchors(form.bundle.data.read(5 * services.MB),
                                                          current_user._get_current_object())
            except ValueError as exc:
                db.session.rollback()
                form.bundle.errors.append(str(exc))
            else:
                flash(_("%(added)d certificate authorities added, %(known)d were already there.", added=added,
                        known=known), "success")
                return redirect(url_for(".index_view"))
        return self.render("signatures/trust_upload.html", form=form)


class SigningDeskView(BaseView):
    """"To sign": the documents waiting for the user's signature, and the signing page of each."""

    def is_accessible(self):
        return current_user.is_authenticated and can(current_user, SignatureRequest, "read")

    def inaccessible_callback(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        abort(403)

    @expose("/")
    def index(self):
        return self.render("signatures/desk.html", pending=services.requests_to_sign(current_user))

    def _request(self, request_id: int) -> SignatureRequest:
        found = get_scoped(SignatureRequest, request_id, "read")
        if found is None:
            abort(404)
        return found

    @expose("/<int:request_id>/")
    def sign(self, request_id: int):
        found = self._request(request_id)
        user = current_user._get_current_object()
        return self.render("signatures/sign.html", signature_request=found, document=found.document,
                           refusal=services.refusal_for(user, found), fes_form=FesForm(prefix="fes"),
                           file_form=SignedFileForm(prefix="file"), next_url=local_url(request.args.get("next")),
                           fes_enabled=get_setting("signatures.fes_enabled"),
                           signatures=services.signatures_of([found.document]))

    def _back(self, request_id: int):
        return redirect(local_url(request.args.get("next")) or url_for(".sign", request_id=request_id))

    @expose("/<int:request_id>/fes", methods=("POST",))
    def fes(self, request_id: int):
        found, form = self._request(request_id), FesForm(prefix="fes")
        if not form.validate_on_submit():
            abort(400)
        try:
            services.sign_fes(found, current_user._get_current_object(), form.password.data,
                              bool(form.declaration.data))
        except services.SigningRefused as exc:
            flash(str(exc), "danger")
            return redirect(url_for(".sign", request_id=request_id, next=request.args.get("next")))
        flash(_("Signed. Your signature has been recorded."), "success")
        return self._back(request_id)

    @expose("/<int:request_id>/file", methods=("POST",))
    @accepts(services.SIGNED_FILE_USE)
    def upload(self, request_id: int):
        found, form = self._request(request_id), SignedFileForm(prefix="file")
        if not form.validate_on_submit():
            flash(" ".join(form.signed_file.errors) or _("Choose the signed file."), "danger")
            return redirect(url_for(".sign", request_id=request_id, next=request.args.get("next")))
        try:
            signature = services.sign_with_file(found, current_user._get_current_object(), form.signed_file.data)
        except services.SigningRefused as exc:
            flash(str(exc), "danger")
            return redirect(url_for(".sign", request_id=request_id, next=request.args.get("next")))
        _flash_result(signature)
        return self._back(request_id) if signature.is_valid else redirect(
            url_for(".sign", request_id=request_id, next=request.args.get("next")))


def _flash_result(signature: Signature) -> None:
    if signature.status == "valid":
        flash(_("Signed. The digital signature is valid and has been recorded."), "success")
    elif signature.status == "unverified":
        flash(Markup("{}<br>{}").format(_("Intact, signer not verified: the district will check it."),
                                         signature.reason), "warning")
    else:
        flash(Markup("{}<br>{}").format(_("The signed file was refused."), signature.reason), "danger")


def _to_sign(user):
    pending = services.requests_to_sign(user, limit=10)
    if not pending:
        return None
    items = [{"text": f"{found.document.title} – {found.organisation}",
              "url": url_for("signatures_desk.sign", request_id=found.id)} for found in pending]
    return {"items": items, "empty": ""}


def register(admin) -> None:
    admin.add_view(SigningDeskView(name=_l("To sign"), category=CATEGORY, endpoint="signatures_desk"))
    admin.add_view(SignatureRequestAdmin(SignatureRequest, name=_l("Signature requests"), category=CATEGORY,
                                         endpoint="signatures_request"))
    admin.add_view(SignatureAdmin(Signature, name=_l("Signatures"), category=CATEGORY,
                                  endpoint="signatures_signature"))
    admin.add_view(SignableDocumentAdmin(SignableDocument, name=_l("Signed documents"), category=CATEGORY,
                                         endpoint="signatures_document"))
    admin.add_view(SigningAttemptAdmin(SigningAttempt, name=_l("Signing attempts"), category=CATEGORY,
                                       endpoint="signatures_attempt"))
    admin.add_view(TrustAnchorAdmin(TrustAnchor, name=_l("Trusted certificate authorities"), category=CATEGORY,
                                    endpoint="signatures_trust"))
    admin.add_widget(Widget("signatures.to_sign", _l("Documents waiting for your signature"), _to_sign,
                            order=15))
