"""Social projects, their categories and milestones."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, CheckConstraint, Date, DateTime, ForeignKey, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.audit import Audited
from app.extensions import db
from app.i18n import BilingualName
from app.models import Organisation, User
from app.money import Money
from app.workflow import Transition, Workflow, WorkflowMixin

PROJECT_STATES = {
    "proposed": _l("Proposed"),
    "admitted": _l("Admitted"),
    "prioritised": _l("Prioritised"),
    "funded": _l("Funded"),
    "in_progress": _l("In progress"),
    "completed": _l("Completed"),
    "closed": _l("Closed (not completed)"),
}
RANKABLE_STATES = ("admitted", "prioritised", "funded", "in_progress")
FUNDABLE_STATES = ("prioritised", "funded", "in_progress")
PUBLIC_STATES = ("prioritised", "funded", "in_progress", "completed")


def _own_project_only(project: Project, user) -> str | None:
    """External users act only on their own organisation's projects."""
    if getattr(user, "is_external", False) and user.organisation_id != project.beneficiary_id:
        return _("Only the beneficiary's own users can do this.")
    return None


class ProjectCategory(BilingualName, db.Model):
    """A field of social intervention (data: administrators may add and rename them; keys are stable)."""

    __tablename__ = "funds_categories"
    __reference_data__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name_it: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    sort_order: Mapped[int] = mapped_column(Integer, default=100)

    def __repr__(self) -> str:
        return f"<ProjectCategory {self.key}>"


class Project(Audited, WorkflowMixin, db.Model):
    """A social project of a third-sector organisation that the fund may finance."""

    __tablename__ = "funds_projects"
    __table_args__ = (
        CheckConstraint("budget > 0", name="budget"),
        CheckConstraint("end_date IS NULL OR start_date IS NULL OR end_date >= start_date", name="dates"),
    )
    __workflow__ = Workflow(
        "status", PROJECT_STATES,
        [
            Transition("admit", ("proposed",), "admitted", _l("Admit"), roles=("municipality",)),
            Transition("prioritise", ("admitted",), "prioritised", _l("Prioritise"), permission="funds.rank"),
            Transition("fund", ("prioritised",), "funded", _l("Mark as funded"),
                       permission="funds.approve_allocation"),
            Transition("start", ("funded",), "in_progress", _l("Start the project"),
                       roles=("coordinator", "cooperative"), guard=_own_project_only),
            Transition("complete", ("in_progress",), "completed", _l("Mark completed"),
                       roles=("coordinator", "municipality")),
            Transition("close", ("proposed", "admitted", "prioritised", "funded", "in_progress"), "closed",
                       _l("Close"), roles=("coordinator", "municipality"), reason_required=True),
        ],
        initial="proposed", final=("completed", "closed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200), info={"label": _l("Title")})
    description: Mapped[str] = mapped_column(Text, default="", info={"label": _l("Description")})
    category_id: Mapped[int] = mapped_column(ForeignKey("funds_categories.id", ondelete="RESTRICT"), index=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("base_organisations.id", ondelete="RESTRICT"),
                                                index=True)
    is_public_investment: Mapped[bool] = mapped_column(Boolean, default=False,
                                                       info={"label": _l("Public investment project")})
    cup: Mapped[str | None] = mapped_column(String(15), unique=True, info={"label": _l("CUP")})
    budget: Mapped[Decimal] = mapped_column(Money, info={"label": _l("Budget")})
    start_date: Mapped[date | None] = mapped_column(Date, info={"label": _l("Starts on")})
    end_date: Mapped[date | None] = mapped_column(Date, info={"label": _l("Ends on")})
    status: Mapped[str] = mapped_column(String(20), default="proposed", index=True, info={"label": _l("Status")})
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("base_users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    category: Mapped[ProjectCategory] = relationship(lazy="joined")
    beneficiary: Mapped[Organisation] = relationship(lazy="joined")
    proposed_by: Mapped[User | None] = relationship()
    milestones: Mapped[list[Milestone]] = relationship(back_populates="project", order_by="Milestone.due_on",
                                                       lazy="selectin")

    def __repr__(self) -> str:
        return f"<Project {self.id} {self.title!r} {self.status}>"

    def __str__(self) -> str:
        return self.title

    @property
    def progress(self) -> int:
        """The mean progress of the milestones, 0–100 (0 without milestones)."""
        if not self.milestones:
            return 0
        return round(sum(m.progress for m in self.milestones) / len(self.milestones))


class Milestone(Audited, db.Model):
    """A step of a project with its progress, kept up to date by the beneficiary."""

    __tablename__ = "funds_milestones"
    __table_args__ = (CheckConstraint("progress >= 0 AND progress <= 100", name="progress"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("funds_projects.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200), info={"label": _l("Title")})
    due_on: Mapped[date | None] = mapped_column(Date, info={"label": _l("Due on")})
    progress: Mapped[int] = mapped_column(Integer, default=0, info={"label": _l("Progress (%)")})
    note: Mapped[str | None] = mapped_column(Text, info={"label": _l("Note")})
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), onupdate=func.now())

    project: Mapped[Project] = relationship(back_populates="milestones", lazy="joined")

    def __repr__(self) -> str:
        return f"<Milestone {self.id} project={self.project_id} {self.progress}%>"

    def __str__(self) -> str:
        return self.title
