"""d.lgs. 33/2013 art. 26–27: a beneficiary whose allocations approved in a calendar year total more than
€1,000.00 (strictly) gets a publication record, and no payment on those allocations is made before it is
published. Public figures of the fund for the transparency pages and their open data.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import extract, func, select

from app.extensions import db
from app.models import Organisation
from app.settings import get_setting
from app.workflow import fire

from ..models import Allocation, Publication
from .common import ZERO, money, refusals_roll_back


def threshold() -> Decimal:
    return get_setting("funds.transparency_threshold")


def year_total(beneficiary_id: int, year: int) -> Decimal:
    """Allocations approved (not revoked) for the beneficiary in the calendar year."""
    stmt = select(func.sum(Allocation.amount)).where(
        Allocation.beneficiary_id == beneficiary_id, Allocation.status == "approved",
        extract("year", Allocation.approved_on) == year)
    return db.session.scalar(stmt) or ZERO


def _lock_beneficiary(beneficiary_id: int) -> Organisation:
    """Allocations from different funds may reach one beneficiary at once: one draft record per year."""
    stmt = select(Organisation).where(Organisation.id == beneficiary_id).with_for_update()
    return db.session.scalars(stmt).one()


def _draft(beneficiary: Organisation, year: int) -> Publication:
    found = db.session.scalar(select(Publication).where(
        Publication.beneficiary_id == beneficiary.id, Publication.year == year, Publication.status == "draft"))
    if found is not None:
        return found
    draft = Publication(beneficiary_id=beneficiary.id, year=year, beneficiary_name=beneficiary.legal_name,
                        beneficiary_tax_code=beneficiary.codice_fiscale or beneficiary.partita_iva or "",
                        office=get_setting("funds.responsible_office") or "",
                        official=get_setting("funds.responsible_official") or "",
                        amount=ZERO, year_total=ZERO)
    db.session.add(draft)
    db.session.flush()
    return draft


def _refresh(publication: Publication, year_amount: Decimal) -> None:
    covered = list(db.session.scalars(select(Allocation).where(Allocation.publication_id == publication.id)))
    publication.amount = sum((a.amount for a in covered), ZERO)
    publication.year_total = year_amount
    rounds = {a.round for a in covered}
    publication.legal_basis = "; ".join(sorted({r.legal_basis for r in rounds if r.legal_basis})) \
        or publication.legal_basis
    publication.selection_method = "; ".join(sorted({r.selection_method for r in rounds if r.selection_method})) \
        or publication.selection_method


def note_allocation(allocation: Allocation) -> Publication | None:
    """After an approval: when the beneficiary's year total passes the threshold, every approved allocation of
    that year not yet covered goes into the year's draft record (made if needed). Same transaction."""
    db.session.flush()
    year = allocation.approved_on.year
    beneficiary = _lock_beneficiary(allocation.beneficiary_id)
    total = year_total(beneficiary.id, year)
    if total <= threshold():
        return None
    uncovered = list(db.session.scalars(select(Allocation).where(
        Allocation.beneficiary_id == beneficiary.id, Allocation.status == "approved",
        Allocation.publication_id.is_(None), extract("year", Allocation.approved_on) == year)))
    draft = _draft(beneficiary, year)
    for covered in uncovered:
        covered.publication_id = draft.id
    db.session.flush()
    _refresh(draft, total)
    return draft


def forget_allocation(allocation: Allocation) -> None:
    """A revoked allocation leaves its draft record (a published record stays as it was published)."""
    publication = db.session.get(Publication, allocation.publication_id) if allocation.publication_id else None
    if publication is None or publication.status != "draft":
        return
    allocation.publication_id = None
    db.session.flush()
    if not db.session.scalar(select(Allocation.id).where(Allocation.publication_id == publication.id)):
        db.session.delete(publication)
        return
    _refresh(publication, year_total(publication.beneficiary_id, publication.year) - allocation.amount)


def waiting_publication(allocation: Allocation) -> Publication | None:
    """The record that must be published before money is paid on `allocation`, if any."""
    if allocation.publication_id is None:
        return None
    publication = db.session.get(Publication, allocation.publication_id)
    return publication if publication.status != "published" else None


@refusals_roll_back
def publish(publication: Publication, user) -> Publication:
    """Publish the record (municipality, ``funds.publish``): it appears on the public page and is frozen."""
    publication.published_at, publication.published_by_id = datetime.now(UTC), user.id
    fire(publication, "publish", user, commit=False)
    db.session.commit()
    return publication


def refusal_for_payment(allocation: Allocation) -> str | None:
    pending = waiting_publication(allocation)
    if pending is None:
        return None
    return _("The allocations of %(name)s in %(year)d total more than %(limit)s: publish their record "
             "(d.lgs. 33/2013 art. 26–27) before paying.", name=pending.beneficiary_name, year=pending.year,
             limit=money(threshold()))
