"""Forms of the accreditation: exact decimal fields for the admin form, the document upload form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, SelectField
from wtforms.validators import InputRequired


class DocumentUploadForm(FlaskForm):
    """Upload a document of one of the types the application's scheme asks for."""

    document_type = SelectField(_l("Document type"), coerce=int, validators=[InputRequired()])
    issue_date = DateField(_l("Issue date"), validators=[InputRequired()])
    file = FileField(_l("File (PDF, JPEG or PNG)"), validators=[FileRequired(_l("Choose the file."))])
