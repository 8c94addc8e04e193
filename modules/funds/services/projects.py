"""Social projects: the rules of a valid project (CUP, beneficiary, budget, dates) and milestone progress."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.models import Organisation
from modules.partners.models import OrganisationType

from ..models import Milestone, Project
from .common import FundsError

# Codice Unico di Progetto (CIPE, L. 3/2003 art. 11): 15 characters, e.g. "J51B20000010005" — a letter, two
# digits, a letter, then eleven digits (the 5th and 6th are the year of the decision). The CUP has no public
# check digit: the format is what can be verified here; the code itself comes from the CUP system.
CUP_PATTERN = re.compile(r"[A-Z][0-9]{2}[A-Z][0-9]{11}")


def clean_cup(value: str | None) -> str | None:
    """The CUP in upper case without spaces, or None when empty; FundsError when the format is wrong."""
    text = re.sub(r"[\s.-]", "", value or "").upper()
    if not text:
        return None
    if len(text) != 15:
        raise FundsError(_("A CUP has 15 characters; this one has %(n)d.", n=len(text)))
    if not CUP_PATTERN.fullmatch(text):
        raise FundsError(_("This is not a valid CUP: it is a letter, two digits, a letter and eleven digits "
                           "(e.g. J51B20000010005)."))
    return text


def is_third_sector(organisation: Organisation | None) -> bool:
    if organisation is None:
        return False
    kind = db.session.scalar(select(OrganisationType).where(OrganisationType.key == organisation.type))
    return bool(kind and kind.is_third_sector)


def check_project(project: Project) -> dict[str, str]:
    """What is wrong with `project`, by field (empty when it is valid); normalises its CUP."""
    errors: dict[str, str] = {}
    try:
        project.cup = clean_cup(project.cup)
    except FundsError as exc:
        errors["cup"] = str(exc)
    if project.is_public_investment and not project.cup and "cup" not in errors:
        errors["cup"] = _("A public investment project needs its CUP.")
    if project.cup and _cup_taken(project):
        errors["cup"] = _("Another project already has this CUP.")
    beneficiary = project.beneficiary or db.session.get(Organisation, project.beneficiary_id)
    if not is_third_sector(beneficiary):
        errors["beneficiary"] = _("The beneficiary must be a third-sector organisation (social cooperative, "
                                  "APS, ODV).")
    if project.budget is None or project.budget <= 0:
        errors["budget"] = _("The budget must be more than zero.")
    if project.start_date and project.end_date and project.end_date < project.start_date:
        errors["end_date"] = _("The project cannot end before it starts.")
    return errors


def _cup_taken(project: Project) -> bool:
    stmt = select(Project.id).where(Project.cup == project.cup)
    if project.id is not None:
        stmt = stmt.where(Project.id != project.id)
    with db.session.no_autoflush:  # a project being created must not find itself
        return db.session.scalar(stmt) is not None


def validate_project(project: Project) -> None:
    """Raise FundsError with every problem of `project` in one message."""
    errors = check_project(project)
    if errors:
        raise FundsError(" ".join(errors.values()))


def create_project(user=None, commit: bool = True, **fields) -> Project:
    """A proposed project (a cooperative's own, or one the coordinator enters for a beneficiary)."""
    project = Project(proposed_by_id=getattr(user, "id", None), **fields)
    if getattr(user, "is_external", False):
        project.beneficiary_id = user.organisation_id  # a cooperative proposes for itself only
    validate_project(project)
    db.session.add(project)
    if commit:
        db.session.commit()
    return project


def set_progress(milestone: Milestone, progress: int, note: str | None = None, commit: bool = True) -> Milestone:
    if not 0 <= int(progress) <= 100:
        raise FundsError(_("Progress is a percentage from 0 to 100."))
    milestone.progress = int(progress)
    if note is not None:
        milestone.note = note
    if commit:
        db.session.commit()
    return milestone
