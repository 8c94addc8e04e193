"""Forms of the WelfarePoints: the personal fields of a need (kept apart from its anonymous ones) and the
fringe-benefit check."""

from __future__ import annotations

from datetime import date

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, IntegerField, StringField, TextAreaField
from wtforms.validators import Email as EmailValidator
from wtforms.validators import InputRequired, Length, NumberRange, Optional


class MoneyField(StringField):
    """Euros typed as "1.234,56" or "1234.56", kept as an exact Decimal (never a float)."""

    def process_formdata(self, valuelist):
        from .services import parse_amount

        text = (valuelist[0] if valuelist else "").strip()
        self.data = parse_amount(text) if text else None

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else format_decimal(self.data, format="#,##0.00")


PERSONAL_FIELDS = {
    "full_name": StringField(_l("Name and surname"), validators=[Optional(), Length(max=200)],
                             description=_l("Only with a legal basis; leave empty to keep the case anonymous.")),
    "email": EmailField(_l("E-mail"), validators=[Optional(), EmailValidator(), Length(max=254)]),
    "phone": StringField(_l("Phone"), validators=[Optional(), Length(max=40)]),
    "note": TextAreaField(_l("Private note"), validators=[Optional(), Length(max=4000)],
                          description=_l("Seen only by the desk's operators and the coordinators; erased with the "
                                         "personal data.")),
}


class FringeCheckForm(FlaskForm):
    """A worker's fringe benefits of the year and the new one, checked against the year's limit."""

    year = IntegerField(_l("Year"), validators=[InputRequired(), NumberRange(2000, 2100)],
                        default=lambda: date.today().year)
    received = TextAreaField(_l("Amounts already received this year"), validators=[Optional()],
                             description=_l("One amount per line, e.g. 250,00 — leave empty if none."))
    new_amount = StringField(_l("New amount"), validators=[InputRequired()],
                             description=_l("In euros, e.g. 1.234,56."))
    has_children = BooleanField(_l("The worker has dependent children (figli fiscalmente a carico)"))
