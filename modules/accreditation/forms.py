"""Forms of the accreditation: exact decimal fields for the admin form, the document upload form."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, SelectField, StringField
from wtforms.validators import InputRequired, ValidationError

from app.money import to_decimal


class DecimalTextField(StringField):
    """A number typed the Italian way ("1.234,56") or plainly ("1234.56"), kept as an exact Decimal."""

    places = 2
    min_value: Decimal | None = Decimal("0")
    max_value: Decimal | None = None

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "decimal"})
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip()
        self.raw_text = text
        if not text:
            self.data = None
            return
        try:
            self.data = to_decimal(text)
        except (ValueError, InvalidOperation):
            self.data = None
            raise ValueError(_("Enter a number such as 12,50.")) from None

    def pre_validate(self, form):
        if self.data is None:
            return
        try:
            exact = self.data == self.data.quantize(Decimal(1).scaleb(-self.places))
        except InvalidOperation:
            exact = False
        if not exact:
            raise ValidationError(_("At most %(n)d decimal places.", n=self.places))
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
    places = 2


class PercentField(DecimalTextField):
    places = 4
    max_value = Decimal("100")


class DocumentUploadForm(FlaskForm):
    """Upload a document of one of the types the application's scheme asks for."""

    document_type = SelectField(_l("Document type"), coerce=int, validators=[InputRequired()])
    issue_date = DateField(_l("Issue date"), validators=[InputRequired()])
    file = FileField(_l("File (PDF, JPEG or PNG)"), validators=[FileRequired(_l("Choose the file."))])
