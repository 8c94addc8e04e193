"""What administrators tune in the shop network."""

from flask_babel import lazy_gettext as _l

from app.settings import Setting

SETTINGS = [
    Setting("shop_network.fund_iban", "str", default="", max_length=34, label=_l("IBAN of the fund"),
            help=_l("Printed on the statements: shops and providers pay here.")),
    Setting("shop_network.payment_reminder_days", "int", default=30, min_value=1, max_value=365, required=True,
            label=_l("Reminder after (days)"),
            help=_l("Days after confirmation before an unpaid statement gets a reminder.")),
]
