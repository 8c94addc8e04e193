"""Forms of the catalogue: prices typed the Italian way, and the booking form operators fill in."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField
from wtforms.validators import Email as EmailValidator
from wtforms.validators import InputRequired, Length, Optional


class BookingForm(FlaskForm):
    """Book a place for a citizen: a name with consent (and contacts), or an anonymous code."""

    opening = SelectField(_l("Day and time"), validators=[InputRequired()])
    citizen_name = StringField(_l("Citizen's name"), validators=[Optional(), Length(max=200)])
    citizen_email = EmailField(_l("E-mail"), validators=[Optional(), EmailValidator(), Length(max=254)])
    citizen_phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    has_consent = BooleanField(_l("The citizen consents to the processing of these data for the booking"))
    anonymous_code = StringField(_l("Anonymous code"), validators=[Optional(), Length(max=40)])
