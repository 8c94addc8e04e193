"""The district's identity (name, province, contacts, logo) as the public site and documents show it.

It comes from settings (``base.district_name`` …), never from code: the demo is Oristano, another
district runs the same code with its own settings. Until the settings service (``app/settings.py``)
is there, or while a key is unknown to it, neutral defaults stand in.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from flask_babel import gettext as _

SETTING_KEYS = {
    "name": "base.district_name",
    "province": "base.district_province",
    "contact_email": "base.contact_email",
    "contact_phone": "base.contact_phone",
    "contact_address": "base.contact_address",
    "website": "base.website",
    "logo_upload_id": "base.district_logo_upload_id",
}


@dataclass(frozen=True)
class DistrictIdentity:
    name: str
    province: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    contact_address: str = ""
    website: str = ""
    logo_upload_id: int | None = None

    @property
    def has_contacts(self) -> bool:
        return any((self.contact_email, self.contact_phone, self.contact_address, self.website))

    @property
    def logo_url(self) -> str | None:
        """Public URL of the logo, once the uploads service can serve one."""
        if not self.logo_upload_id:
            return None
        try:
            from .uploads import public_url  # type: ignore[attr-defined]
        except ImportError:
            return None
        return public_url(self.logo_upload_id)


def _setting(key: str, default: Any) -> Any:
    try:
        from .settings import get_setting  # type: ignore[attr-defined]
    except ImportError:
        return default
    try:
        value = get_setting(key)
    except LookupError:
        return default
    return default if value in (None, "") else value


def _defaults() -> dict[str, Any]:
    values: dict[str, Any] = {f.name: f.default for f in fields(DistrictIdentity) if f.name != "name"}
    values["name"] = _("Welfare district")
    return values


def district_identity() -> DistrictIdentity:
    """The identity from settings (which the settings service reads once per app context)."""
    defaults = _defaults()
    return DistrictIdentity(**{name: _setting(key, defaults[name]) for name, key in SETTING_KEYS.items()})
