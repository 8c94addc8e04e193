"""What administrators tune in the agreements module."""

from flask_babel import lazy_gettext as _l

from app.settings import Setting

SETTINGS = [
    Setting("agreements.expiry_notice_days", "int", default=60, required=True, min_value=1, max_value=365,
            label=_l("Days before the end date to remind the parties"),
            help=_l("The parties and the coordinators are told once, this many days before an agreement in force "
                    "expires.")),
]
