"""Forms of the signing page and of the trusted CA upload."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, PasswordField


class FesForm(FlaskForm):
    """Simple electronic signature: the password again, and the declaration ticked."""

    password = PasswordField(_l("Your password"))
    declaration = BooleanField(_l("I have read the document and I sign it for my organisation with a simple "
                                  "electronic signature."))


class SignedFileForm(FlaskForm):
    signed_file = FileField(_l("Digitally signed file (PAdES .pdf or CAdES .p7m)"),
                            validators=[FileRequired(_l("Choose the signed file."))])


class TrustBundleForm(FlaskForm):
    bundle = FileField(_l("Certificates of certificate authorities (PEM bundle, or one .cer/.crt)"),
                       validators=[FileRequired(_l("Choose the file."))])
