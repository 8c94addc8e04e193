"""Pages of the shop network: the shop portal, imports for providers, statements, the public network page.

One blueprint; each submodule adds its routes to it.
"""

from flask import Blueprint

bp = Blueprint("shop_network", __name__, url_prefix="/rete-negozi")

from . import imports, portal, public, statements  # noqa: E402,F401 - they add their routes to bp
