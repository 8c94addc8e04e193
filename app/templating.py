"""Jinja setup: module template folders and locale-aware filters for money, dates and numbers."""

from __future__ import annotations

from datetime import date, datetime

import jinja2
from flask import Flask
from flask_babel import format_date, format_datetime, format_number, get_locale

from .audit_labels import action_label, field_label, user_names
from .money import format_money, format_percent
from .registry import loaded_modules


def _locale() -> str:
    return str(get_locale() or "it")


def money_filter(value) -> str:
    return format_money(value, _locale())


def percent_filter(value) -> str:
    return format_percent(value, _locale())


def date_filter(value) -> str:
    if value is None:
        return ""
    return format_datetime(value, "short") if isinstance(value, datetime) else format_date(value, "medium")


def thousands_filter(value) -> str:
    """An integer with the locale's grouping: 12.345 in Italian, 12,345 in English."""
    return "" if value is None else format_number(value)


def init_templating(app: Flask) -> None:
    folders = [str(m.path / "templates") for m in loaded_modules(app) if (m.path / "templates").is_dir()]
    if folders:
        app.jinja_loader = jinja2.ChoiceLoader([app.jinja_loader, jinja2.FileSystemLoader(folders)])
    app.jinja_env.filters.update(money=money_filter, percent=percent_filter, when=date_filter,
                               thousands=thousands_filter)
    app.jinja_env.globals.update(today=date.today, audit_field=field_label, audit_action=action_label,
                                 audit_user_names=user_names)
