"""Pages of the shop network: the shop portal, statements, the public network page (imports are admin screens).

One blueprint; each submodule adds its routes to it.
"""

from flask import Blueprint

bp = Blueprint("shop_network", __name__, url_prefix="/rete-negozi")

from . import portal, public, statements  # noqa: E402,F401 - they add their routes to bp
