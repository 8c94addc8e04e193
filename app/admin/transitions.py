"""Workflow transitions as buttons on a record's details page (template macro
`admin/distretto/_transitions.html`), fired through one POST endpoint per view."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..workflow import Transition, WorkflowError, fire


class TransitionsMixin:
    """For a SecureModelView whose model has a workflow: the transitions named in `manual_transitions` become
    buttons; `fire_transition` may be overridden to go through the module's services (money, documents)."""

    manual_transitions: tuple[str, ...] = ()
    transition_refusals: tuple[type[Exception], ...] = (WorkflowError,)

    def transitions_for(self, record) -> list[Transition]:
        if not (current_user.is_authenticated and self.manual_transitions):
            return []
        workflow = type(record).__workflow__
        return [t for t in workflow.available(record, current_user) if t.name in self.manual_transitions]

    def fire_transition(self, record, name: str, reason: str | None) -> None:
        fire(record, name, current_user._get_current_object(), reason=reason)

    @expose("/transition/", methods=("POST",))
    def transition(self):
        record = self.get_one(request.form.get("id", ""))
        name = request.form.get("transition", "")
        if name not in self.manual_transitions:
            abort(400)
        try:
            self.fire_transition(record, name, (request.form.get("reason") or "").strip() or None)
        except self.transition_refusals as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            flash(_("Done: %(state)s.", state=record.state_label), "success")
        return redirect(url_for(".details_view", id=record.id))
