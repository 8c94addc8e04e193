"""What administrators tune in the signatures module."""

from flask_babel import lazy_gettext as _l

from app.settings import Setting

SETTINGS = [
    Setting("signatures.fes_enabled", "bool", default=True, label=_l("Accept simple electronic signatures (FES)"),
            help=_l("When off, documents can be signed only by uploading a digitally signed file "
                    "(PAdES or CAdES).")),
]
