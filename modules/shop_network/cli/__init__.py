"""`flask shop-network …`: import providers' files, settle months."""

from flask.cli import AppGroup

commands = AppGroup("shop-network", help="Shop network: imports and settlements.")

from . import importing, settlement  # noqa: E402,F401 - they add their commands to the group
