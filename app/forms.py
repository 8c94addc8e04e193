"""Form fields every module needs: amounts and percentages typed the Italian way, kept as exact Decimals.

"1.234,56", "1234,56" and "1234.56" are all accepted; the value is a `Decimal`, never a float. A field says how
many decimals it takes and its bounds; the errors are translated and say what to type.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import ValidationError

from .money import to_decimal


class DecimalTextField(StringField):
    """A number typed the Italian way ("1.234,56") or plainly ("1234.56"), kept as an exact Decimal."""

    places = 2
    min_value: Decimal | None = Decimal("0")
    max_value: Decimal | None = None
    positive = False  # True: zero is refused too
    invalid_message = _l("Enter a number such as 12,50.")

    def __init__(self, label=None, validators=None, *, min_value=None, max_value=None, positive=None, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(label, validators, **kwargs)
        if min_value is not None:
            self.min_value = Decimal(min_value)
        if max_value is not None:
            self.max_value = Decimal(max_value)
        if positive is not None:
            self.positive = positive

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip()
        if not text:
            self.data = None
            return
        try:
            self.data = to_decimal(text)
        except (ValueError, InvalidOperation):
            self.data = None
            raise ValueError(str(self.invalid_message)) from None

    def pre_validate(self, form):
        if self.data is None:
            return
        try:
            exact = self.data == self.data.quantize(Decimal(1).scaleb(-self.places))
        except InvalidOperation:
            exact = False
        if not exact:
            raise ValidationError(_("At most %(n)d decimal places.", n=self.places))
        if self.positive and self.data <= 0:
            raise ValidationError(_("The value must be more than zero."))
        if self.min_value is not None and self.data < self.min_value:
            raise ValidationError(_("The value must be at least %(min)s.", min=self.min_value))
        if self.max_value is not None and self.data > self.max_value:
            raise ValidationError(_("The value must be at most %(max)s.", max=self.max_value))

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return format_decimal(self.data, format="#,##0.00##" if self.places > 2 else "#,##0.00")


class MoneyField(DecimalTextField):
    """Euros with at most two decimals."""

    places = 2
    invalid_message = _l("Write the amount in euros with at most two decimals, e.g. 1.234,56.")


class PercentField(DecimalTextField):
    """A percentage from 0 to 100 with at most four decimals (3,1234 %)."""

    places = 4
    max_value = Decimal("100")
    invalid_message = _l("Write the percentage as a number, e.g. 3 or 2,5.")


class PositiveMoneyField(MoneyField):
    """Euros more than zero: what is paid, received or allocated."""

    positive = True
