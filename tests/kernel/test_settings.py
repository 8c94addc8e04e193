"""Settings: declared keys only, values validated and converted by type, cached per context, audited."""

from __future__ import annotations

import contextlib
import html
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import event, select

from app.audit import AuditLog, acting_as
from app.extensions import db
from app.settings import (
    InvalidSetting,
    Setting,
    SettingValue,
    UnknownSetting,
    declare,
    get_setting,
    set_setting,
)
from tests.factories import csrf_token, login, make_user


def test_kernel_settings_start_at_their_declared_defaults(app, ctx):
    assert get_setting("base.district_name") == "Distretto di welfare territoriale"
    assert get_setting("base.district_province") == "OR"
    assert get_setting("base.district_logo_upload_id") is None
    assert get_setting("base.contact_email") is None


def test_a_modules_settings_py_is_collected_at_start_up(app, ctx):
    assert get_setting("memo.page_size") == 20
    assert get_setting("memo.rate") == Decimal("3.00")
    assert get_setting("memo.is_enabled") is True


@pytest.mark.parametrize("key", ["base.no_such_key", "nomodule.district_name", "district_name"])
def test_reading_or_writing_an_undeclared_key_raises(app, ctx, key):
    with pytest.raises(UnknownSetting):
        get_setting(key)
    with pytest.raises(UnknownSetting):
        set_setting(key, "x")
    assert db.session.scalar(select(SettingValue)) is None


@pytest.mark.parametrize(("key", "raw", "expected"), [
    ("memo.page_size", " 42 ", 42),
    ("memo.is_enabled", "no", False),
    ("memo.is_enabled", "", False),
    ("memo.rate", "3,25", Decimal("3.25")),
    ("memo.rate", Decimal("0.1234"), Decimal("0.1234")),
    ("memo.colour", "green", "green"),
    ("base.contact_email", "Segreteria@Distretto.example.IT", "Segreteria@distretto.example.it"),
    ("base.website", "https://www.distretto.example.it/", "https://www.distretto.example.it/"),
    ("base.district_province", "CA", "CA"),
    ("base.contact_phone", "", None),
])
def test_values_are_converted_by_their_type(app, ctx, key, raw, expected):
    assert set_setting(key, raw) == expected
    assert get_setting(key) == expected
    assert type(get_setting(key)) is type(expected)


@pytest.mark.parametrize(("key", "raw"), [
    ("memo.page_size", "dodici"),
    ("memo.page_size", "0"),
    ("memo.page_size", 2.0),
    ("memo.rate", 0.1),  # a float is never exact enough for money or rates
    ("memo.rate", "1.23456"),
    ("memo.rate", "NaN"),
    ("memo.is_enabled", "forse"),
    ("memo.colour", "blue"),
    ("memo.colour", ""),
    ("base.contact_email", "not-an-address"),
    ("base.website", "javascript:alert(1)"),
    ("base.district_name", "   "),
    ("base.district_province", "Oristano"),
])
def test_invalid_values_are_refused_and_nothing_is_stored(app, ctx, key, raw):
    with pytest.raises(InvalidSetting) as refused:
        set_setting(key, raw)
    assert str(refused.value)
    assert db.session.scalar(select(SettingValue)) is None


def test_decimals_are_stored_as_exact_text(app, ctx):
    set_setting("memo.rate", "0,10")
    assert db.session.scalar(select(SettingValue.value).where(SettingValue.key == "rate")) == "0.10"
    assert get_setting("memo.rate") == Decimal("0.10")


def test_declarations_stay_inside_their_modules_prefix():
    with pytest.raises(ValueError, match="outside its prefix"):
        declare({}, "memo", [Setting("base.hijack", "str")])
    with pytest.raises(ValueError, match="never floats"):
        Setting("memo.ratio", "decimal", default=0.5)
    with pytest.raises(ValueError, match="unknown type"):
        Setting("memo.size", "float")


@contextlib.contextmanager
def setting_reads():
    """The SELECTs on base_settings issued inside the block."""
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        if "FROM base_settings" in statement and statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def test_reads_are_cached_per_context_and_a_write_refreshes_them(app, ctx):
    with setting_reads() as statements:
        for _i in range(5):
            get_setting("base.district_name")
            get_setting("memo.page_size")
        assert len(statements) == 1
        set_setting("memo.page_size", 50)
        assert get_setting("memo.page_size") == 50


def test_every_change_is_audited_with_who_and_what(app, ctx):
    admin = make_user("admin")
    with acting_as(admin.id):
        set_setting("base.district_name", "Distretto di Oristano")
        set_setting("base.district_name", "Distretto Welfare Oristano")
    stmt = select(AuditLog).where(AuditLog.model == "SettingValue", AuditLog.field == "value")
    rows = db.session.scalars(stmt.order_by(AuditLog.id)).all()
    assert [(r.action, r.old, r.new, r.user_id) for r in rows] == [
        ("create", None, "Distretto di Oristano", admin.id),
        ("update", "Distretto di Oristano", "Distretto Welfare Oristano", admin.id),
    ]


def test_setting_a_value_equal_to_the_default_stores_nothing(app, ctx):
    assert set_setting("base.district_province", "OR") == "OR"
    assert db.session.scalar(select(SettingValue)) is None


# The "Settings" admin screen ---------------------------------------------------------------------
def _attributes(tag: str) -> dict[str, str]:
    flags = {name: "" for name in re.findall(r" (checked|selected)[ >]", tag)}
    return dict(re.findall(r'([a-z-]+)="([^"]*)"', tag)) | flags


def _form_data(page: str, group: str) -> dict:
    """What a browser would post for one group's form, as rendered (unticked boxes are not sent)."""
    section = page.split(f'id="settings-{group}"', 1)[1].split("</form>", 1)[0]
    data = {}
    for tag in re.findall(r"<input[^>]*>", section):
        attrs = _attributes(tag)
        if attrs.get("type") != "checkbox" or "checked" in attrs:
            data[attrs["name"]] = html.unescape(attrs.get("value", ""))
    for name, text in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>([^<]*)</textarea>', section):
        data[name] = html.unescape(text.lstrip("\r\n"))
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', section, re.S):
        chosen = [_attributes(o) for o in re.findall(r"<option[^>]*>", options)]
        data[name] = next((o["value"] for o in chosen if "selected" in o), chosen[0]["value"])
    return data


def _sign_in(app, client, role: str) -> int:
    """A new user with `role`, signed in on `client` (no app context stays open across requests)."""
    with app.app_context():
        user = make_user(role)
        user_id, email = user.id, user.email
    login(client, SimpleNamespace(email=email))
    return user_id


def test_admin_changes_a_group_with_the_token_from_the_page(app, client):
    admin_id = _sign_in(app, client, "admin")
    page = client.get("/admin/settings/").get_data(as_text=True)
    data = _form_data(page, "base")
    assert data["base-district_name"] == "Distretto di welfare territoriale"
    data.update({"base-district_name": "Distretto di Oristano",
                 "base-contact_email": "info@distretto.example.it"})
    response = client.post("/admin/settings/", data=data)
    assert response.status_code == 302
    with app.app_context():
        assert get_setting("base.district_name") == "Distretto di Oristano"
        assert get_setting("base.contact_email") == "info@distretto.example.it"
        audited = db.session.scalars(select(AuditLog.user_id).where(AuditLog.model == "SettingValue")).all()
        assert audited and set(audited) == {admin_id}


def test_an_invalid_value_is_shown_next_to_its_field_in_the_users_language(app, client):
    _sign_in(app, client, "admin")
    with app.app_context(), force_locale("it"):
        expected = _("Enter a valid e-mail address.")
    data = _form_data(client.get("/admin/settings/").get_data(as_text=True), "base")
    data["base-contact_email"] = "scrivimi"
    page = client.post("/admin/settings/", data=data)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'<div id="base-contact_email-error" class="invalid-feedback d-block">{expected}</div>' in html
    assert 'aria-describedby="base-contact_email-error"' in html
    with app.app_context():
        assert get_setting("base.contact_email") is None


def test_a_module_group_is_saved_on_its_own(app, client):
    _sign_in(app, client, "admin")
    data = _form_data(client.get("/admin/settings/").get_data(as_text=True), "memo")
    data.update({"memo-rate": "4,5", "memo-page_size": "30"})
    data.pop("memo-is_enabled", None)  # an unticked box is not posted
    assert client.post("/admin/settings/", data=data).status_code == 302
    with app.app_context():
        assert get_setting("memo.rate") == Decimal("4.5")
        assert get_setting("memo.page_size") == 30
        assert get_setting("memo.is_enabled") is False
        assert get_setting("base.district_name") == "Distretto di welfare territoriale"


def test_a_post_without_the_csrf_token_is_refused(app, client):
    _sign_in(app, client, "admin")
    data = _form_data(client.get("/admin/settings/").get_data(as_text=True), "base")
    data = {k: v for k, v in data.items() if not k.endswith("csrf_token")}
    data["base-district_name"] = "Forged"
    assert client.post("/admin/settings/", data=data).status_code == 400
    with app.app_context():
        assert get_setting("base.district_name") == "Distretto di welfare territoriale"


@pytest.mark.parametrize("role", ["coordinator", "auditor", "shop"])
def test_only_holders_of_manage_settings_reach_the_screen(app, client, role):
    _sign_in(app, client, role)
    assert client.get("/admin/settings/").status_code == 403
    token = csrf_token(client, "/admin/")
    assert client.post("/admin/settings/", data={"group": "base", "csrf_token": token,
                                                 "base-district_name": "Forged"}).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/admin/settings/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
