"""The round desk: one page per round where the municipality ranks the projects, the coordinator proposes
allocations following the ranking and another municipality official approves or rejects them."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_login import current_user

from app.extensions import db
from app.security import can, get_scoped, has_permission, scoped
from app.workflow import WorkflowError, fire

from .. import services
from ..forms import DecisionForm, ProposalForm
from ..models import RANKABLE_STATES, Allocation, Project, Round
from ..services.common import money

REFUSALS = (services.FundsError, WorkflowError)


def _user():
    return current_user._get_current_object()


def _positions(form) -> list[int]:
    """Project ids in ranking order from the inputs `position-<project id>` (empty = not ranked)."""
    ranked = []
    for key, value in form.items():
        if key.startswith("position-") and value.strip():
            if not value.strip().isdigit() or not key[9:].isdigit():
                raise services.FundsError(_("Positions are whole numbers: 1 for the first project."))
            ranked.append((int(value), int(key[9:])))
    positions = [position for position, _project in ranked]
    if len(set(positions)) != len(positions):
        raise services.FundsError(_("Two projects have the same position."))
    return [project_id for _position, project_id in sorted(ranked)]


class RoundDeskView(BaseView):
    def is_accessible(self):
        return current_user.is_authenticated and can(current_user, Round, "read")

    def inaccessible_callback(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        abort(403)

    def _round(self, round_id: int) -> Round:
        found = get_scoped(Round, round_id)
        if found is None:
            abort(404)
        return found

    def _back(self, round_: Round):
        return redirect(url_for(".round_desk", round_id=round_.id))

    @expose("/")
    def index(self):
        rounds = db.session.scalars(scoped(Round).order_by(Round.period_start.desc(), Round.id.desc()))
        return self.render("funds/desk_index.html", rounds=list(rounds))

    @expose("/<int:round_id>/")
    def round_desk(self, round_id: int):
        round_ = self._round(round_id)
        proposal = ProposalForm()
        proposal.project_id.choices = [(p.project_id, f"{p.rank}. {p.project.title}") for p in round_.priorities]
        return self.render("funds/desk.html", round=round_, proposal=proposal, decision=DecisionForm(),
                           **self._context(round_))

    def _context(self, round_: Round) -> dict:
        allocations = list(db.session.scalars(scoped(Allocation).where(Allocation.round_id == round_.id)
                                              .order_by(Allocation.id)))
        ranked_ids = {p.project_id for p in round_.priorities}
        candidates = db.session.scalars(scoped(Project).where(Project.status.in_(RANKABLE_STATES))
                                        .order_by(Project.title))
        return {"allocations": allocations, "available": services.available(round_.fund),
                "committed": services.round_committed(round_),
                "pending": services.round_committed(round_, include_proposed=True) - services.round_committed(round_),
                "positions": {p.project_id: p.rank for p in round_.priorities},
                "candidates": sorted(candidates, key=lambda p: (p.id not in ranked_ids, p.title)),
                "may_rank": round_.status == "open" and has_permission(current_user, "funds.rank"),
                "may_propose": round_.status == "ranked" and has_permission(current_user, "funds.propose_allocation"),
                "may_decide": has_permission(current_user, "funds.approve_allocation"),
                "transitions": [t for t in Round.__workflow__.available(round_, current_user)
                                if t.name in ("confirm_ranking", "reopen_ranking")]}

    @expose("/<int:round_id>/rank", methods=["POST"])
    def rank(self, round_id: int):
        round_ = self._round(round_id)
        try:
            services.rank_projects(round_, _positions(request.form), _user())
            flash(_("Ranking saved."), "success")
        except REFUSALS as exc:
            flash(str(exc), "danger")
        return self._back(round_)

    @expose("/<int:round_id>/transition", methods=["POST"])
    def transition(self, round_id: int):
        round_ = self._round(round_id)
        name = request.form.get("transition", "")
        if name not in ("confirm_ranking", "reopen_ranking"):
            abort(400)
        try:
            fire(round_, name, _user())
            flash(_("Done: %(state)s.", state=round_.state_label), "success")
        except WorkflowError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        return self._back(round_)

    @expose("/<int:round_id>/propose", methods=["POST"])
    def propose(self, round_id: int):
        round_ = self._round(round_id)
        form = ProposalForm()
        form.project_id.choices = [(p.project_id, p.project.title) for p in round_.priorities]
        if not form.validate():
            flash(" ".join(e for errors in form.errors.values() for e in errors), "danger")
            return self._back(round_)
        project = get_scoped(Project, form.project_id.data)
        try:
            services.propose_allocation(round_, project, form.amount.data, _user(), note=form.note.data or None)
            flash(_("Allocation proposed: a municipality official will decide on it."), "success")
        except REFUSALS as exc:
            flash(str(exc), "danger")
        return self._back(round_)

    @expose("/<int:round_id>/allocations/<int:allocation_id>/<decision>", methods=["POST"])
    def decide(self, round_id: int, allocation_id: int, decision: str):
        round_ = self._round(round_id)
        allocation = get_scoped(Allocation, allocation_id)
        form = DecisionForm()
        if allocation is None or allocation.round_id != round_.id or decision not in ("approve", "reject"):
            abort(404)
        if not form.validate():
            abort(400)
        try:
            if decision == "approve":
                services.approve_allocation(allocation.id, _user())
                flash(_("Allocation approved: %(amount)s committed to “%(project)s”.",
                        amount=money(allocation.amount), project=allocation.project.title), "success")
            else:
                services.reject_allocation(allocation.id, _user(), form.reason.data or "")
                flash(_("Allocation rejected."), "success")
        except REFUSALS as exc:
            flash(str(exc), "danger")
        return self._back(round_)
