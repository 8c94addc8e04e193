"""Forms of the agreement desk."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from .models import ROLES, TYPES


class NewAgreementForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    type = SelectField(_l("Type"), choices=[(key, label) for key, label in TYPES.items()])
    template = SelectField(_l("Start from the template"), coerce=int, choices=[(0, "—")])
    start_date = DateField(_l("Start date"), validators=[Optional()])
    end_date = DateField(_l("End date"), validators=[Optional()])
    renewal_notice_days = IntegerField(_l("Renewal notice (days)"), validators=[Optional(), NumberRange(0, 3650)])


class TextForm(FlaskForm):
    recitals = TextAreaField(_l("Recitals"), description=_l("One recital per paragraph (leave an empty line "
                                                            "between them)."))
    sections = TextAreaField(_l("Sections and clauses"), description=_l(
        "Start each section with a line “## Title”; each paragraph below it is a clause."))
    appendices = TextAreaField(_l("Appendices"), description=_l("Start each appendix with a line “## Title”."))


class PartyForm(FlaskForm):
    organisation = SelectField(_l("Organisation"), coerce=int, validators=[DataRequired()])
    role = SelectField(_l("Role"), choices=[(key, label) for key, label in ROLES.items()])
    is_required = BooleanField(_l("Signature required"), default=True)
    signatory_name = StringField(_l("Signatory (as printed)"), validators=[Length(max=200)])
    signatory_email = StringField(_l("E-mail of the signatory's user (optional)"), validators=[Length(max=254)])


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[Length(max=2000)])


class AdhesionForm(FlaskForm):
    message = TextAreaField(_l("Message to the coordinators (optional)"), validators=[Length(max=2000)])


class TemplateForm(FlaskForm):
    name = StringField(_l("Template name"), validators=[DataRequired(), Length(max=200)])
