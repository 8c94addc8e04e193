"""The memo module's settings: one of each type the kernel's settings service knows."""

from decimal import Decimal

from app.settings import Setting

SETTINGS = [
    Setting("memo.page_size", "int", default=20, label="Page size", min_value=1, max_value=100),
    Setting("memo.is_enabled", "bool", default=True, label="Enabled"),
    Setting("memo.rate", "decimal", default=Decimal("3.00"), label="Rate (%)", places=4,
            min_value=Decimal("0"), max_value=Decimal("100")),
    Setting("memo.colour", "choice", default="red", label="Colour", required=True,
            choices=(("red", "Red"), ("green", "Green"))),
    Setting("memo.notice", "text", label="Notice"),
]
