"""Forms of the catalogue: prices typed the Italian way, and the booking form operators fill in."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField
from wtforms.validators import Email as EmailValidator
from wtforms.validators import InputRequired, Length, Optional

from app.money import to_decimal


class PriceField(StringField):
    """Euros typed as "1.234,56" or "1234.56", kept as an exact Decimal with at most two decimals."""

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if text:
            try:
                self.data = to_decimal(text)
            except (ValueError, InvalidOperation):
                raise ValueError(_("Enter an amount such as 12,50.")) from None
            if self.data < 0 or self.data != self.data.quantize(Decimal("0.01")):
                raise ValueError(_("Enter an amount such as 12,50."))

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else format_decimal(self.data, format="#,##0.00")


class BookingForm(FlaskForm):
    """Book a place for a citizen: a name with consent (and contacts), or an anonymous code."""

    opening = SelectField(_l("Day and time"), validators=[InputRequired()])
    citizen_name = StringField(_l("Citizen's name"), validators=[Optional(), Length(max=200)])
    citizen_email = EmailField(_l("E-mail"), validators=[Optional(), EmailValidator(), Length(max=254)])
    citizen_phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    has_consent = BooleanField(_l("The citizen consents to the processing of these data for the booking"))
    anonymous_code = StringField(_l("Anonymous code"), validators=[Optional(), Length(max=40)])
