"""Keeping the accreditation periods in step with the workflow, and answering "accredited on day D?"."""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, or_, select

from app.extensions import db

from .dates import ONE_DAY
from .models import AccreditationPeriod, Application, Scheme

# The period each transition opens (approve and reactivate run up to the end of the scheme's period).
OPENS = {
    "approve": "accredited",
    "reactivate": "accredited",
    "suspend": "suspended",
    "suspend_expired_document": "suspended",
    "revoke": "revoked",
    "expire": "expired",
}


def periods_of(application: Application) -> list[AccreditationPeriod]:
    stmt = select(AccreditationPeriod).where(AccreditationPeriod.application_id == application.id)
    return list(db.session.scalars(stmt.order_by(AccreditationPeriod.starts_on, AccreditationPeriod.id)))


def _close_current(application: Application, on: date) -> None:
    """End the latest period the day before `on`; one that would not have begun is removed."""
    periods = periods_of(application)
    if not periods:
        return
    current, last_day = periods[-1], on - ONE_DAY
    if current.starts_on > last_day:
        db.session.delete(current)
    elif current.ends_on is None or current.ends_on > last_day:
        current.ends_on = last_day


def record_transition(application: Application, name: str, on: date) -> None:
    """Update the periods for transition `name`, taking effect on `on`."""
    status = OPENS.get(name)
    if status is None:
        return
    if name == "approve":
        start, end = application.starts_on, application.valid_until
    else:
        _close_current(application, on)
        start, end = on, (application.valid_until if status == "accredited" else None)
    db.session.add(AccreditationPeriod(organisation_id=application.organisation_id,
                                       scheme_id=application.scheme_id, application_id=application.id,
                                       status=status, starts_on=start, ends_on=end))
    db.session.flush()


def _accredited_on(day: date):
    return and_(AccreditationPeriod.status == "accredited", AccreditationPeriod.starts_on <= day,
                or_(AccreditationPeriod.ends_on.is_(None), AccreditationPeriod.ends_on >= day))


def is_accredited(organisation_id: int, scheme_key: str, day: date) -> bool:
    """Whether the organisation was (or is planned to be) accredited under the scheme on `day`."""
    stmt = (select(AccreditationPeriod.id).join(Scheme, Scheme.id == AccreditationPeriod.scheme_id)
            .where(AccreditationPeriod.organisation_id == organisation_id, Scheme.key == scheme_key,
                   _accredited_on(day)).limit(1))
    return db.session.scalar(stmt) is not None


def accredited_organisation_ids(scheme_key: str, day: date) -> set[int]:
    """Every organisation accredited under the scheme on `day`."""
    stmt = (select(AccreditationPeriod.organisation_id).join(Scheme, Scheme.id == AccreditationPeriod.scheme_id)
            .where(Scheme.key == scheme_key, _accredited_on(day)))
    return set(db.session.scalars(stmt))


def shared_value_percent(organisation_id: int, day: date):
    """The shared-value percentage of the provider's approved application whose accredited period covers `day`
    under the scheme ``provider`` (None when it was not accredited that day)."""
    stmt = (select(Application.shared_value_percent)
            .join(AccreditationPeriod, AccreditationPeriod.application_id == Application.id)
            .join(Scheme, Scheme.id == AccreditationPeriod.scheme_id)
            .where(AccreditationPeriod.organisation_id == organisation_id, Scheme.key == "provider",
                   _accredited_on(day))
            .order_by(AccreditationPeriod.starts_on.desc(), AccreditationPeriod.id.desc()).limit(1))
    return db.session.scalar(stmt)
