"""catalog: offers of accredited local suppliers, their weekly slots, bookings and the public catalogue.

Public API for later modules (welfare_points): ``services.public_offers``, ``services.openings``,
``services.book``, ``services.cancel``, ``services.forget_citizen`` and ``services.BookingRefused``.

When the accreditation of an organisation under the local-supplier scheme is suspended, revoked or
expires, its offers leave the catalogue and the agenda at once; a reactivation or approval brings them
back. The queries also ask ``is_accredited`` on the day, so the catalogue never depends on the signal alone.
"""

from __future__ import annotations

from modules.accreditation import is_accredited, signals

SCHEME = "local_supplier"


def _hide(sender, organisation_id: int, scheme_key: str, on=None, **_kwargs) -> None:
    from .services import set_listed

    if scheme_key == SCHEME and (on is None or not is_accredited(organisation_id, SCHEME, on)):
        set_listed(organisation_id, False)


def _show(sender, organisation_id: int, scheme_key: str, **_kwargs) -> None:
    from .services import set_listed

    if scheme_key == SCHEME:
        set_listed(organisation_id, True)


for _signal in (signals.suspended, signals.revoked, signals.expired):
    _signal.connect(_hide)
for _signal in (signals.reactivated, signals.approved):
    _signal.connect(_show)
