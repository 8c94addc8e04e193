"""Admin screens of the shop network: contracts, imports and transactions, settlements and statements."""

from flask_babel import lazy_gettext as _l

CATEGORY = _l("Shop network")


def register(admin) -> None:
    from . import contracts, imports, settlements

    contracts.register(admin)
    imports.register(admin)
    settlements.register(admin)
