"""The "Settings" screen: one form per module, each field validated by its declared type."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import abort, current_app, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, Field, SelectField, StringField, TextAreaField, URLField
from wtforms.validators import ValidationError

from ..registry import KERNEL_NAME, loaded_modules
from ..security import has_permission
from ..settings import InvalidSetting, Setting, get_setting, set_settings, settings_by_module

PERMISSION = "base.manage_settings"
_FIELDS = {"bool": BooleanField, "text": TextAreaField, "email": EmailField, "url": URLField,
           "choice": SelectField}


class _Declared:
    """A WTForms validator that applies the setting's own conversion (one source of truth)."""

    def __init__(self, setting: Setting):
        self.setting = setting

    def __call__(self, form, field) -> None:
        try:
            self.setting.convert(field.data)
        except InvalidSetting as exc:
            raise ValidationError(str(exc)) from exc


def _field(setting: Setting) -> Field:
    kwargs: dict[str, Any] = {"description": setting.help, "validators": [_Declared(setting)]}
    if setting.type == "choice":
        empty = [] if setting.required else [("", "—")]
        kwargs["choices"] = empty + list(setting.choices)
    if setting.type in ("int", "decimal"):
        kwargs["render_kw"] = {"inputmode": "numeric" if setting.type == "int" else "decimal"}
    return _FIELDS.get(setting.type, StringField)(setting.label or setting.name, **kwargs)


def _shown(value: Any) -> Any:
    """A value as the form shows it: Italian readers see a decimal comma (both are accepted back)."""
    if isinstance(value, Decimal):
        return str(value).replace(".", ",") if str(get_locale() or "it").startswith("it") else str(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def settings_form(module: str, settings: list[Setting], formdata=None) -> FlaskForm:
    """The form of one module's settings, filled with their current values."""
    form_class = type(f"{module.title()}SettingsForm", (FlaskForm,), {s.name: _field(s) for s in settings})
    data = {s.name: _shown(get_setting(s.key)) for s in settings}
    return form_class(formdata=formdata, prefix=module, data=data)


def group_titles() -> dict[str, str]:
    titles = {module.name: module.title for module in loaded_modules(current_app)}
    titles[KERNEL_NAME] = str(_l("District"))
    return titles


class SettingsView(BaseView):
    def is_accessible(self):
        return current_user.is_authenticated and has_permission(current_user, PERMISSION)

    def inaccessible_callback(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        abort(403)

    @expose("/", methods=["GET", "POST"])
    def index(self):
        groups = settings_by_module()
        posted = request.form.get("group") if request.method == "POST" else None
        if request.method == "POST" and posted not in groups:
            abort(400)
        forms = {module: settings_form(module, settings, request.form if module == posted else None)
                 for module, settings in groups.items()}
        if posted and forms[posted].validate():
            form = forms[posted]
            changed = set_settings({s.key: form[s.name].data for s in groups[posted]})
            if changed:
                flash(_("Settings saved."), "success")
            else:
                flash(_("Nothing to change."), "info")
            return redirect(url_for(".index") + f"#settings-{posted}")
        return self.render("admin/distretto/settings.html", forms=forms, titles=group_titles())
