"""What administrators tune in the WelfarePoints."""

from flask_babel import lazy_gettext as _l

from app.settings import Setting

SETTINGS = [
    Setting("welfare_points.retention_months", "int", default=24, min_value=1, max_value=120, required=True,
            label=_l("Retention of personal data (months)"),
            help=_l("How long after a case is closed the citizen's name, contacts and note are kept; "
                    "then a daily job erases them and keeps the anonymous fields.")),
]
