"""Admin screens of the shop network: contracts, imports and transactions, settlements and statements."""

from flask_babel import lazy_gettext as _l

CATEGORY = _l("Shop network")


def register(admin) -> None:
    from . import contracts, imports, settlements

    contracts.register(admin)
    imports.register(admin)
    settlements.register(admin)
    admin.add_page_link(_l("My contract"), "shop_network.portal", roles=("shop",), category=CATEGORY)
    admin.add_page_link(_l("My transactions"), "shop_network.portal_transactions", roles=("shop",), category=CATEGORY)
    admin.add_page_link(_l("My statements"), "shop_network.statements", roles=("shop", "provider"), category=CATEGORY)
