"""accreditation: schemes, applications and their review, documents with expiry, the public register.

Public API for later modules (import these, nothing else of this package):

- ``is_accredited(organisation_id, scheme_key, day)``: was the organisation accredited under the
  scheme on that day? (exact: the status is kept as dated periods);
- ``accredited_organisation_ids(scheme_key, day)``: every organisation accredited on that day;
- ``shared_value_percent(organisation_id, day)``: a welfare-platform provider's shared-value percentage
  (Decimal) from its approved application under the scheme ``provider`` covering that day, or None;
- the signals ``signals.approved``, ``suspended``, ``reactivated``, ``revoked``, ``expired``, sent
  with the Application as sender and ``organisation_id``, ``scheme_key``, ``on``, ``reason``.

The default schemes' keys are ``provider`` (welfare-platform providers) and ``local_supplier``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from . import signals

__all__ = ["accredited_organisation_ids", "is_accredited", "shared_value_percent", "signals"]


def is_accredited(organisation_id: int, scheme_key: str, day: date) -> bool:
    from .periods import is_accredited as lookup

    return lookup(organisation_id, scheme_key, day)


def accredited_organisation_ids(scheme_key: str, day: date) -> set[int]:
    from .periods import accredited_organisation_ids as lookup

    return lookup(scheme_key, day)


def shared_value_percent(organisation_id: int, day: date) -> Decimal | None:
    from .periods import shared_value_percent as lookup

    return lookup(organisation_id, day)
