"""Database-backed settings per module, declared with a type and a default (strict keys).

A module declares its settings in `settings.py` as `SETTINGS = [Setting("<module>.<name>", ...)]`;
the registry collects them at start-up. `get_setting(key)` reads the stored value or the declared
default, `set_setting(key, value)` validates, converts and stores it (audited). Reading or writing a
key nobody declared raises `UnknownSetting`: a typo must fail loudly, not return a silent default.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from flask import current_app, g
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, String, Text, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, mapped_column

from .audit import Audited
from .extensions import db

TYPES = ("str", "text", "int", "bool", "decimal", "email", "url", "choice")
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
TRUE_WORDS = {"1", "true", "yes", "on", "y", "si", "sì"}
FALSE_WORDS = {"0", "false", "no", "off", "n", ""}
_CACHE = "_distretto_settings"


class UnknownSetting(KeyError):
    """A key that no loaded module declares."""


class InvalidSetting(ValueError):
    """A value refused by its setting's type; the message is translated and shown to the user."""


@dataclass(frozen=True)
class Setting:
    """The declaration of one setting: `key` is `<module>.<name>`, `type` one of TYPES."""

    key: str
    type: str = "str"
    default: Any = None
    label: Any = ""
    help: Any = ""
    required: bool = False
    choices: tuple[tuple[str, Any], ...] = ()
    max_length: int | None = None
    min_value: int | Decimal | None = None
    max_value: int | Decimal | None = None
    pattern: str | None = None
    pattern_message: Any = None
    places: int | None = None

    def __post_init__(self) -> None:
        if not KEY_PATTERN.match(self.key):
            raise ValueError(f"Setting key '{self.key}' must look like '<module>.<name>'")
        if self.type not in TYPES:
            raise ValueError(f"Setting '{self.key}': unknown type '{self.type}' (one of {', '.join(TYPES)})")
        if self.type == "choice" and not self.choices:
            raise ValueError(f"Setting '{self.key}': a choice needs choices")
        if isinstance(self.default, float):
            raise ValueError(f"Setting '{self.key}': defaults are never floats (use Decimal)")

    @property
    def module(self) -> str:
        return self.key.split(".", 1)[0]

    @property
    def name(self) -> str:
        return self.key.split(".", 1)[1]

    def convert(self, raw: Any) -> Any:
        """The typed value for `raw` (a form string or a Python value); raises InvalidSetting."""
        if isinstance(raw, str):
            raw = raw.strip()
        if raw is None or raw == "":
            return self._empty()
        return _CONVERTERS[self.type](self, raw)

    def default_value(self) -> Any:
        """The declared default, typed; an undeclared default is empty (False for a bool)."""
        if self.default is None:
            return False if self.type == "bool" else None
        return self.convert(self.default)

    def _empty(self) -> Any:
        if self.type == "bool":
            return False
        if self.required:
            raise InvalidSetting(_("This setting is required."))
        return None


# Conversion by type ----------------------------------------------------------------------------------
def _check_length(setting: Setting, text: str, default_max: int | None) -> str:
    limit = setting.max_length or default_max
    if limit and len(text) > limit:
        raise InvalidSetting(_("At most %(n)d characters.", n=limit))
    return text


def _to_str(setting: Setting, raw: Any) -> str:
    text = _check_length(setting, str(raw), 200)
    if setting.pattern and not re.fullmatch(setting.pattern, text):
        raise InvalidSetting(str(setting.pattern_message or _("The value has the wrong format.")))
    return text


def _to_text(setting: Setting, raw: Any) -> str:
    return _check_length(setting, str(raw), 5000)


def _check_range(setting: Setting, value: int | Decimal) -> None:
    if setting.min_value is not None and value < setting.min_value:
        raise InvalidSetting(_("The value must be at least %(min)s.", min=setting.min_value))
    if setting.max_value is not None and value > setting.max_value:
        raise InvalidSetting(_("The value must be at most %(max)s.", max=setting.max_value))


def _to_int(setting: Setting, raw: Any) -> int:
    if isinstance(raw, bool | float):
        raise InvalidSetting(_("Enter a whole number."))
    if isinstance(raw, str) and not re.fullmatch(r"[+-]?\d{1,18}", raw):
        raise InvalidSetting(_("Enter a whole number."))
    try:
        value = int(raw)
    except (TypeError, ValueError) as exc:
        raise InvalidSetting(_("Enter a whole number.")) from exc
    _check_range(setting, value)
    return value


def _to_bool(_setting: Setting, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    word = str(raw).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise InvalidSetting(_("Choose yes or no."))


def _decimal_text(text: str) -> str:
    """Accept `12.5` and the Italian `12,5` / `1.234,5`; anything else stays as typed."""
    if re.fullmatch(r"[+-]?\d{1,3}(\.\d{3})+,\d+|[+-]?\d+,\d+", text):
        return text.replace(".", "").replace(",", ".")
    return text


def _to_decimal(setting: Setting, raw: Any) -> Decimal:
    if isinstance(raw, float | bool):
        raise InvalidSetting(_("Enter a number such as 12,50."))  # floats are never exact enough
    try:
        value = raw if isinstance(raw, Decimal) else Decimal(_decimal_text(str(raw)))
    except InvalidOperation as exc:
        raise InvalidSetting(_("Enter a number such as 12,50.")) from exc
    if not value.is_finite():
        raise InvalidSetting(_("Enter a number such as 12,50."))
    exponent = value.as_tuple().exponent
    if setting.places is not None and isinstance(exponent, int) and -exponent > setting.places:
        raise InvalidSetting(_("At most %(n)d decimal places.", n=setting.places))
    _check_range(setting, value)
    return value


def _to_email(setting: Setting, raw: Any) -> str:
    text = _check_length(setting, str(raw), 254)
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise InvalidSetting(_("Enter a valid e-mail address.")) from exc


def _to_url(setting: Setting, raw: Any) -> str:
    text = _check_length(setting, str(raw), 300)
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or re.search(r"\s", text):
        raise InvalidSetting(_("Enter a web address starting with https:// or http://."))
    return text


def _to_choice(setting: Setting, raw: Any) -> str:
    text = str(raw)
    if text not in {value for value, _label in setting.choices}:
        raise InvalidSetting(_("Choose one of the listed values."))
    return text


_CONVERTERS = {
    "str": _to_str, "text": _to_text, "int": _to_int, "bool": _to_bool, "decimal": _to_decimal,
    "email": _to_email, "url": _to_url, "choice": _to_choice,
}


def to_text(value: Any) -> str | None:
    """How a converted value is stored (and audited): plain, readable text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def from_text(setting: Setting, text: str | None) -> Any:
    if text is None:
        return False if setting.type == "bool" else None
    if setting.type == "int":
        return int(text)
    if setting.type == "bool":
        return text == "true"
    if setting.type == "decimal":
        return Decimal(text)
    return text


# Storage ---------------------------------------------------------------------------------------------
class SettingValue(Audited, db.Model):
    """A setting's stored value; absent rows mean "the declared default"."""

    __tablename__ = "base_settings"
    __table_args__ = (UniqueConstraint("module", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module: Mapped[str] = mapped_column(String(60))
    key: Mapped[str] = mapped_column(String(80))
    value: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), onupdate=func.now())

    def __repr__(self) -> str:
        return f"<SettingValue {self.module}.{self.key}={self.value!r}>"

    def __str__(self) -> str:
        return f"{self.module}.{self.key}"


# Declarations ----------------------------------------------------------------------------------------
KERNEL_SETTINGS = [
    Setting("base.district_name", "str", default="Distretto di welfare territoriale", required=True,
            label=_l("District name"), help=_l("Shown on the public site and in documents."), max_length=160),
    Setting("base.district_province", "str", default="OR", required=True, label=_l("Province"),
            help=_l("The two-letter code of the province, e.g. OR."), pattern=r"[A-Z]{2}",
            pattern_message=_l("Enter the two capital letters of the province code, e.g. OR.")),
    Setting("base.district_logo_upload_id", "int", label=_l("Logo (upload number)"), min_value=1,
            help=_l("The number of an uploaded PNG or JPEG image; empty for no logo.")),
    Setting("base.contact_email", "email", label=_l("Contact e-mail")),
    Setting("base.contact_phone", "str", label=_l("Contact phone"), max_length=40,
            pattern=r"[0-9+()./ -]{4,40}", pattern_message=_l("Enter a phone number (digits, spaces, +).")),
    Setting("base.contact_address", "text", label=_l("Contact address"), max_length=500),
    Setting("base.website", "url", label=_l("Website")),
]


def declare(declared: dict[str, Setting], module_name: str, settings: Iterable[Setting]) -> None:
    """Add a module's declarations to `declared`; a key outside the module's prefix is refused."""
    for setting in settings:
        if setting.module != module_name:
            raise ValueError(f"Module '{module_name}' declares setting '{setting.key}' outside its prefix")
        if setting.key in declared:
            raise ValueError(f"Setting '{setting.key}' is declared twice")
        setting.default_value()  # a bad default fails at start-up, not at first read
        declared[setting.key] = setting


def declared_settings() -> dict[str, Setting]:
    return current_app.extensions["distretto"].settings


def setting_for(key: str) -> Setting:
    try:
        return declared_settings()[key]
    except KeyError:
        raise UnknownSetting(f"No module declares the setting '{key}'") from None


def _stored() -> dict[str, str | None]:
    """Every stored value, read once per app context (a request, a job, a command)."""
    if _CACHE not in g:
        rows = db.session.execute(select(SettingValue.module, SettingValue.key, SettingValue.value))
        setattr(g, _CACHE, {f"{module}.{key}": value for module, key, value in rows})
    return getattr(g, _CACHE)


def forget_cached_settings() -> None:
    g.pop(_CACHE, None)


def get_setting(key: str) -> Any:
    """The value of `key`: the stored one, else the declared default."""
    setting = setting_for(key)
    stored = _stored()
    if key not in stored:
        return setting.default_value()
    return from_text(setting, stored[key])


def _row(setting: Setting) -> SettingValue | None:
    return db.session.scalar(
        select(SettingValue).where(SettingValue.module == setting.module, SettingValue.key == setting.name)
    )


def set_settings(values: Mapping[str, Any], commit: bool = True) -> list[str]:
    """Validate every value first, then store the changed ones. Returns the keys that changed."""
    converted = {key: setting_for(key).convert(raw) for key, raw in values.items()}
    changed = [key for key, value in converted.items() if to_text(value) != to_text(get_setting(key))]
    for key in changed:
        setting = setting_for(key)
        row = _row(setting)
        if row is None:
            db.session.add(SettingValue(module=setting.module, key=setting.name,
                                        value=to_text(converted[key])))
        else:
            row.value = to_text(converted[key])
    db.session.flush()
    forget_cached_settings()
    if commit:
        db.session.commit()
    return changed


def set_setting(key: str, value: Any, commit: bool = True) -> Any:
    """Validate, convert and store one value; returns the converted value."""
    set_settings({key: value}, commit=commit)
    return get_setting(key)


def settings_by_module() -> dict[str, list[Setting]]:
    """Declarations grouped by module, kernel first, then in module load order."""
    groups: dict[str, list[Setting]] = {}
    for setting in declared_settings().values():
        groups.setdefault(setting.module, []).append(setting)
    return groups


__all__ = [
    "KERNEL_SETTINGS",
    "InvalidSetting",
    "Setting",
    "SettingValue",
    "UnknownSetting",
    "declare",
    "forget_cached_settings",
    "get_setting",
    "set_setting",
    "set_settings",
    "settings_by_module",
]
