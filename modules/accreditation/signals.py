"""Signals other modules listen to (the catalogue, the shop network).

Each is sent with the Application as sender and keyword arguments ``organisation_id``,
``scheme_key``, ``on`` (the date the change takes effect) and ``reason``. They are sent inside the
transaction that makes the change, before it commits, so a receiver's own changes commit with it.
A signal tells about one application: an organisation may still be accredited through another (a
renewal that has already started), so receivers ask `is_accredited()` rather than assume.
"""

from blinker import Namespace

_signals = Namespace()

approved = _signals.signal("accreditation-approved")
suspended = _signals.signal("accreditation-suspended")
reactivated = _signals.signal("accreditation-reactivated")
revoked = _signals.signal("accreditation-revoked")
expired = _signals.signal("accreditation-expired")
