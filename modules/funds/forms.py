"""Forms of the fund's screens: amounts typed the Italian way, receipts, proposals, the statement's period."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from app.forms import PositiveMoneyField


class CupField(StringField):
    """A CUP as people paste it ("j51b 2000 0010 005"): kept in upper case without spaces, checked here so the
    error shows next to the field (the service checks it again)."""

    def process_formdata(self, valuelist):
        self.data = re.sub(r"[\s.-]", "", valuelist[0] if valuelist else "").upper() or None

    def pre_validate(self, form):
        from .services import FundsError, clean_cup

        try:
            clean_cup(self.data)
        except FundsError as exc:
            raise ValidationError(str(exc)) from exc


class ReceiptForm(FlaskForm):
    amount = PositiveMoneyField(_l("Amount received"), validators=[Optional()],
                        description=_l("Leave empty to record everything still due."))
    received_on = DateField(_l("Received on"), validators=[InputRequired()])
    reference = StringField(_l("Receipt reference"), validators=[InputRequired(), Length(max=120)],
                            description=_l("The bank transfer's reference (CRO/TRN): the same one twice records "
                                           "nothing new."))


class ProposalForm(FlaskForm):
    project_id = SelectField(_l("Project"), coerce=int, validators=[InputRequired()])
    amount = PositiveMoneyField(_l("Amount"), validators=[InputRequired()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


class DecisionForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=2000)])


class StatementForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    fund_id = SelectField(_l("Fund"), coerce=int, validators=[InputRequired()])
    start = DateField(_l("From"), validators=[InputRequired()])
    end = DateField(_l("To"), validators=[InputRequired()])

    def validate_end(self, field):
        if self.start.data and field.data and field.data < self.start.data:
            raise ValidationError(_("The period cannot end before it starts."))
