"""What the fund's screens share: labels of states, eager loading for exports, and the buttons that fire a
record's workflow transitions from its details page (Money columns are formatted by the kernel)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from app.admin import SecureModelView, TransitionsMixin
from app.workflow import WorkflowError

from ..services import FundsError

CATEGORY = _l("Fund")


def state_column(name: str = "status") -> dict:
    return {name: lambda _v, _c, model, _n: model.state_label}


class FundsModelView(TransitionsMixin, SecureModelView):
    """A fund screen: money shown in euros, transitions as buttons on the details page."""

    details_template = "funds/details.html"
    column_formatters_export: dict = {}
    transition_refusals = (WorkflowError, FundsError)
    eager: tuple[str, ...] = ()  # relationships the list and its export show

    def get_query(self):
        # The CSV export streams after the request's session is gone: load what its columns read now.
        return super().get_query().options(*(joinedload(getattr(self.model, name)) for name in self.eager))

    def extra_details(self, record) -> dict:
        """Context for the details page's extra section (template funds/details.html)."""
        return {}
