"""What administrators tune in the catalogue."""

from flask_babel import lazy_gettext as _l

from app.settings import Setting

SETTINGS = [
    Setting("catalog.booking_horizon_days", "int", default=28, min_value=1, max_value=365, required=True,
            label=_l("Booking horizon (days)"),
            help=_l("How many days ahead the free slots are shown and can be booked.")),
]
