"""What the fund's screens share: labels of states, eager loading for exports, and the buttons that fire a
record's workflow transitions from its details page (Money columns are formatted by the kernel)."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import joinedload

from app.admin import SecureModelView
from app.extensions import db
from app.workflow import Transition, WorkflowError, fire

from ..services import FundsError

CATEGORY = _l("Fund")


def state_column(name: str = "status") -> dict:
    return {name: lambda _v, _c, model, _n: model.state_label}


class FundsModelView(SecureModelView):
    """A fund screen: money shown in euros, transitions as buttons on the details page."""

    details_template = "funds/details.html"
    column_formatters_export: dict = {}
    manual_transitions: tuple[str, ...] = ()
    eager: tuple[str, ...] = ()  # relationships the list and its export show

    def get_query(self):
        # The CSV export streams after the request's session is gone: load what its columns read now.
        return super().get_query().options(*(joinedload(getattr(self.model, name)) for name in self.eager))

    def transitions_for(self, record) -> list[Transition]:
        if not (current_user.is_authenticated and self.manual_transitions):
            return []
        workflow = type(record).__workflow__
        return [t for t in workflow.available(record, current_user) if t.name in self.manual_transitions]

    def fire_transition(self, record, name: str, reason: str | None) -> None:
        """Fire `name` on `record` (views with money to move override this to call their service)."""
        fire(record, name, current_user._get_current_object(), reason=reason)

    @expose("/transition/", methods=["POST"])
    def transition(self):
        record = self.get_one(request.form.get("id", ""))
        name = request.form.get("transition", "")
        if name not in self.manual_transitions:
            abort(400)
        try:
            self.fire_transition(record, name, (request.form.get("reason") or "").strip() or None)
        except (WorkflowError, FundsError) as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            flash(_("Done: %(state)s.", state=record.state_label), "success")
        return redirect(url_for(".details_view", id=record.id))

    def extra_details(self, record) -> dict:
        """Context for the details page's extra section (template funds/details.html)."""
        return {}
