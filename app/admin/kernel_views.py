"""The kernel's own admin screens: users, organisations, jobs, audit, modules, profile, colleagues."""

from __future__ import annotations

from flask import abort, flash, g, jsonify, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_admin.actions import action
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import func, select
from wtforms.validators import ValidationError

from ..api.tokens import ApiToken, create_token, revoke_token, tokens_of
from ..audit import AuditLog
from ..audit_labels import action_label, field_label, model_label, user_names
from ..extensions import db
from ..jobs import Job
from ..models import Organisation, Role, User
from ..registry import discover, installed_versions, loaded_modules
from ..security import get_scoped, has_permission, scoped
from ..security import services as user_services
from ..security.forms import ApiTokenForm, ChangePasswordForm, InviteColleagueForm, LanguageForm
from .home import Widget
from .notifications import NotificationsView
from .settings import SettingsView
from .views import SecureModelView, escaped_link

ADMINISTRATION = _l("Administration")
ACCOUNT = _l("My account")
LANGUAGES = [("it", "Italiano"), ("en", "English")]


class UserAdmin(SecureModelView):
    allow_delete = False  # people are disabled, never deleted: history points at them
    column_list = ["email", "full_name", "organisation", "roles", "is_active", "is_org_manager", "last_login_at"]
    column_searchable_list = ["email", "full_name"]
    column_filters = ["is_active", "is_org_manager", "language"]
    column_labels = {"email": _l("E-mail"), "full_name": _l("Full name"), "organisation": _l("Organisation"),
                     "roles": _l("Roles"), "is_active": _l("Active"), "is_org_manager": _l("Organisation manager"),
                     "last_login_at": _l("Last sign-in"), "language": _l("Language")}
    form_columns = ["email", "full_name", "organisation", "roles", "language", "is_active", "is_org_manager"]
    form_choices = {"language": LANGUAGES}
    column_export_list = ["email", "full_name", "organisation", "is_active", "last_login_at"]

    def on_model_change(self, form, model, is_created):
        try:
            model.email = user_services.valid_email(model.email)
        except user_services.UserError as exc:
            raise ValidationError(str(exc)) from exc
        if any(role.is_external for role in model.roles) and model.organisation is None:
            raise ValidationError(_("External users must belong to an organisation."))
        if not is_created and (form.roles.object_data != form.roles.data or not model.is_active):
            model.end_sessions()  # new roles or a disabled account take effect at once
        super().on_model_change(form, model, is_created)

    def after_model_change(self, form, model, is_created):
        if is_created:
            user_services.send_invitation(model)
            flash(_("An invitation has been sent to %(email)s.", email=model.email), "info")

    @action("invite", _l("Send the invitation again"))
    def action_invite(self, ids):
        for user in self.get_query().filter(User.id.in_([int(i) for i in ids if i.isdigit()])):
            user_services.send_invitation(user)
        flash(_("Invitations sent."), "info")


class RoleAdmin(SecureModelView):
    allow_create = allow_edit = allow_delete = False
    can_export = False
    column_list = ["key", "name", "is_external"]
    column_labels = {"key": _l("Key"), "name": _l("Name"), "is_external": _l("External")}


class OrganisationAdmin(SecureModelView):
    """The kernel's plain organisation screen; the `partners` module replaces it."""

    allow_delete = False
    column_list = ["legal_name", "type", "partita_iva", "codice_fiscale", "status"]
    column_searchable_list = ["legal_name", "partita_iva", "codice_fiscale"]
    column_filters = ["type", "status"]
    form_columns = ["legal_name", "type", "codice_fiscale", "partita_iva", "status"]
    column_labels = {"legal_name": _l("Legal name"), "type": _l("Type"), "partita_iva": _l("VAT number"),
                     "codice_fiscale": _l("Tax code"), "status": _l("Status")}


def _progress_bar(view, context, model, name):
    """A bar that job-progress.js refreshes from `progress_url` until the job's status is final."""
    css = {"failed": "bg-danger", "finished": "bg-success", "retrying": "bg-warning"}.get(model.status, "")
    return Markup(
        '<div class="progress" data-job-id="{id}" data-status="{status}" data-progress-url="{url}" '
        'role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow="{p}" aria-label="{label}">'
        '<div class="progress-bar {css}" style="width: {p}%">{p}%</div></div>'
    ).format(id=model.id, status=model.status, url=url_for(f"{view.endpoint}.progress"), p=model.progress,
             css=css, label=_("Progress"))


def _message_or_download(view, context, model, name):
    """A finished export links to its file (served only to the job's user)."""
    url = (model.result or {}).get("download_url") if model.status == "finished" else None
    if url:
        return escaped_link(url, _("Download the file"))
    return model.message


class JobAdmin(SecureModelView):
    allow_create = allow_edit = allow_delete = False
    column_list = ["id", "name", "status", "progress", "message", "created_at", "finished_at"]
    column_details_list = ["id", "name", "args", "status", "progress", "message", "result", "error",
                           "attempts", "created_at", "started_at", "finished_at"]
    column_filters = ["status", "name"]
    column_default_sort = ("id", True)
    column_formatters = {"progress": _progress_bar, "message": _message_or_download}
    column_labels = {"name": _l("Job"), "status": _l("Status"), "progress": _l("Progress"),
                     "message": _l("Message"), "created_at": _l("Created"), "finished_at": _l("Finished"),
                     "args": _l("Arguments"), "result": _l("Result"), "error": _l("Error"),
                     "attempts": _l("Attempts"), "started_at": _l("Started")}
    extra_js = ["/static/js/job-progress.js"]

    @expose("/progress/")
    def progress(self):
        """JSON progress of the listed jobs, read from their rows (same for RQ and in-process)."""
        ids = [int(i) for i in request.args.getlist("id") if i.isdigit()][:100]
        rows = db.session.scalars(scoped(Job).where(Job.id.in_(ids))) if ids else []
        return jsonify([{"id": j.id, "status": j.status, "progress": j.progress, "message": j.message}
                        for j in rows])


class AuditLogAdmin(SecureModelView):
    allow_create = allow_edit = allow_delete = False
    column_list = ["at", "user_id", "model", "record_id", "action", "field", "old", "new"]
    column_filters = ["model", "record_id", "action", "user_id", "at"]
    column_default_sort = ("id", True)
    column_labels = {"at": _l("When"), "user_id": _l("User"), "model": _l("Model"), "record_id": _l("Record"),
                     "action": _l("Action"), "field": _l("Field"), "old": _l("Old value"), "new": _l("New value")}
    column_formatters = {"old": lambda v, c, m, n: _l("(personal data)") if m.is_redacted else m.old,
                         "new": lambda v, c, m, n: _l("(personal data)") if m.is_redacted else m.new,
                         "model": lambda v, c, m, n: model_label(m.model),
                         "field": lambda v, c, m, n: field_label(m.model, m.field),
                         "action": lambda v, c, m, n: action_label(m.action),
                         "user_id": lambda v, c, m, n: v.user_name(m.user_id)}

    def get_list(self, *args, **kwargs):
        count, rows = super().get_list(*args, **kwargs)
        rows = list(rows)
        g.audit_user_names = user_names(row.user_id for row in rows)  # one query for the page
        return count, rows

    @staticmethod
    def user_name(user_id: int | None) -> str:
        if not user_id:
            return _("system")
        return getattr(g, "audit_user_names", {}).get(user_id) or str(user_id)


class ModulesView(BaseView):
    def is_accessible(self):
        return current_user.is_authenticated and has_permission(current_user, "base.manage_modules")

    @expose("/")
    def index(self):
        from flask import current_app

        installed = installed_versions()
        loaded = {m.name for m in loaded_modules(current_app)}
        available = discover(current_app.config["DISTRETTO_MODULES_PATH"])
        rows = []
        for module in sorted(available.values(), key=lambda m: m.name):
            version = installed.get(module.name)
            if version is None:
                state = _("not installed")
            elif version != module.version:
                state = _("to upgrade (installed %(version)s)", version=version)
            else:
                state = _("installed")
            rows.append({"module": module, "state": state, "loaded": module.name in loaded})
        return self.render("admin/distretto/modules.html", rows=rows)


class ProfileView(BaseView):
    """Every signed-in user's own page: language, password, API tokens."""

    def is_accessible(self):
        return current_user.is_authenticated

    @expose("/", methods=["GET", "POST"])
    def index(self):
        language = LanguageForm(prefix="lang", language=current_user.language)
        password = ChangePasswordForm(prefix="pwd")
        token_form = ApiTokenForm(prefix="token")
        new_secret = None
        user = current_user._get_current_object()
        if request.method == "POST" and "lang-language" in request.form:
            if language.validate():
                user.language = language.language.data
                db.session.commit()
                flash(_("Language saved."), "success")
                return redirect(url_for(".index"))
        elif request.method == "POST" and "pwd-current" in request.form and password.validate():
            try:
                user_services.change_password(user, password.current.data, password.password.data)
            except user_services.UserError as exc:
                password.password.errors.append(str(exc))
            else:
                from flask_login import login_user

                login_user(user)  # the change ended every session, this one included
                flash(_("Password changed. Other sessions have been signed out."), "success")
                return redirect(url_for(".index"))
        elif request.method == "POST" and "token-name" in request.form and token_form.validate():
            token, new_secret = create_token(user, token_form.name.data)
            flash(_("Copy the token now: it will not be shown again."), "warning")
        return self.render("admin/distretto/profile.html", language_form=language, password_form=password,
                           token_form=token_form, tokens=tokens_of(user), new_secret=new_secret)

    @expose("/tokens/<int:token_id>/revoke", methods=["POST"])
    def revoke(self, token_id: int):
        token = get_scoped(ApiToken, token_id, "delete")
        if token is None:
            abort(404)
        revoke_token(token)
        flash(_("Token revoked."), "success")
        return redirect(url_for(".index"))


class ColleaguesView(BaseView):
    """An external organisation's people; its manager invites colleagues here."""

    def is_accessible(self):
        return (current_user.is_authenticated and current_user.organisation_id is not None
                and has_permission(current_user, "base.invite_colleagues"))

    @expose("/", methods=["GET", "POST"])
    def index(self):
        form = InviteColleagueForm()
        manager = current_user._get_current_object()
        if manager.is_org_manager and form.validate_on_submit():
            try:
                user_services.invite_colleague(manager, form.email.data, form.full_name.data)
            except user_services.UserError as exc:
                form.email.errors.append(str(exc))
            else:
                flash(_("An invitation has been sent to %(email)s.", email=form.email.data), "success")
                return redirect(url_for(".index"))
        people = db.session.scalars(
            select(User).where(User.organisation_id == manager.organisation_id).order_by(User.full_name)
        )
        return self.render("admin/distretto/colleagues.html", form=form, people=list(people),
                           can_invite=manager.is_org_manager)


def _attention_admin(user):
    pending = db.session.scalar(select(func.count()).select_from(User).where(User.password_hash.is_(None),
                                                                             User.is_active.is_(True)))
    failed = db.session.scalar(select(func.count()).select_from(Job).where(Job.status == "failed"))
    items = []
    if pending:
        items.append({"text": ngettext("%(num)d invited user has not set a password yet",
                                          "%(num)d invited users have not set a password yet", pending),
                      "url": url_for("user.index_view", flt1_0=0)})
    if failed:
        items.append({"text": ngettext("%(num)d job failed", "%(num)d jobs failed", failed),
                      "url": url_for("job.index_view")})
    return {"items": items, "empty": _("Nothing needs your attention.")}


def _my_jobs(user):
    rows = db.session.scalars(scoped(Job).where(Job.user_id == user.id).order_by(Job.id.desc()).limit(5))
    items = [{"text": f"{job.name} — {job.status} ({job.progress}%)",
              "url": url_for("job.details_view", id=job.id)} for job in rows]
    return {"items": items, "empty": _("No recent jobs.")} if items else None


def register(admin) -> None:
    admin.add_view(UserAdmin(User, name=_l("Users"), category=ADMINISTRATION, endpoint="user"))
    admin.add_view(RoleAdmin(Role, name=_l("Roles"), category=ADMINISTRATION, endpoint="role"))
    admin.add_view(ModulesView(name=_l("Modules"), category=ADMINISTRATION, endpoint="modules"))
    admin.add_view(SettingsView(name=_l("Settings"), category=ADMINISTRATION, endpoint="settings"))
    admin.add_view(AuditLogAdmin(AuditLog, name=_l("Audit log"), category=ADMINISTRATION, endpoint="auditlog"))
    admin.add_view(JobAdmin(Job, name=_l("Jobs"), category=ACCOUNT, endpoint="job"))
    admin.add_view(ProfileView(name=_l("Profile"), category=ACCOUNT, endpoint="profile"))
    admin.add_view(NotificationsView(name=_l("Notifications"), category=ACCOUNT, endpoint="notifications"))
    admin.add_view(ColleaguesView(name=_l("My organisation"), category=ACCOUNT, endpoint="colleagues"))
    admin.add_widget(Widget("base.attention", _l("Needs your attention"), _attention_admin, roles=("admin",),
                            order=10))
    admin.add_widget(Widget("base.my_jobs", _l("My recent jobs"), _my_jobs, order=90))


def register_fallbacks(admin) -> None:
    """Screens a module may provide instead (e.g. `partners` replaces the organisations screen)."""
    if not admin.has_endpoint("organisation"):
        admin.add_view(OrganisationAdmin(Organisation, name=_l("Organisations"), endpoint="organisation"))
