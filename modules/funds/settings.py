"""What administrators tune in the fund: the transparency threshold and who answers for the publications."""

from decimal import Decimal

from flask_babel import lazy_gettext as _l

from app.settings import Setting

SETTINGS = [
    Setting("funds.transparency_threshold", "decimal", default=Decimal("1000.00"), places=2,
            min_value=Decimal("0"), label=_l("Transparency threshold (€ per beneficiary and year)"),
            help=_l("d.lgs. 33/2013 art. 26: allocations to one beneficiary in a calendar year above this amount "
                    "are published before any payment.")),
    Setting("funds.responsible_office", "str", default="", max_length=200,
            label=_l("Office responsible for the allocations"),
            help=_l("Printed on the art. 26–27 publications (e.g. Ufficio Politiche Sociali).")),
    Setting("funds.responsible_official", "str", default="", max_length=160,
            label=_l("Official responsible for the allocations"),
            help=_l("Name of the official or manager responsible for the procedure.")),
]
