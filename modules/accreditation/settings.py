"""What administrators tune in the accreditation module."""

from decimal import Decimal

from flask_babel import lazy_gettext as _l

from app.settings import Setting

SETTINGS = [
    Setting("accreditation.contract_value_threshold", "decimal", default=Decimal("150000.00"), places=2,
            min_value=Decimal("0"), required=True, label=_l("Contract value threshold (€)"),
            help=_l("Document types marked “only above the contract value threshold” (the informazione "
                    "antimafia) are required when an application's expected contract value is above it.")),
    Setting("accreditation.reminder_days", "int", default=30, min_value=1, max_value=180, required=True,
            label=_l("Reminder before a document expires (days)"),
            help=_l("How many days before a mandatory document expires the organisation and the "
                    "coordinators are reminded.")),
]
