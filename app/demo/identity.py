"""The demo district is Oristano: its identity is settings, as it would be for any other district."""

from app.settings import set_setting

OR_IDENTITY = {
    "base.district_name": "Welfare Oristano District",
    "base.district_province": "OR",
    "base.contact_email": "welfare@comune.oristano.example.com",
    "base.contact_phone": "+39 0783 0000000",
    "base.contact_address": "Piazza Eleonora d'Arborea 44, 09170 Oristano (OR)",
}


def load() -> None:
    for key, value in OR_IDENTITY.items():
        set_setting(key, value)
