"""The module's public API for other modules: "accredited under scheme S on day D?" and the signals."""

from __future__ import annotations

from datetime import date

from modules.accreditation import accredited_organisation_ids, is_accredited, services, signals
from tests.modules.accreditation.helpers import approved, coordinator, draft


def test_accredited_on_a_day_is_exact_to_the_day(app, ctx, storage):
    reviewer = coordinator()
    application, _user = approved(reviewer, on=date(2026, 1, 20))
    organisation = application.organisation_id
    assert not is_accredited(organisation, "local_supplier", date(2026, 1, 19))
    assert is_accredited(organisation, "local_supplier", date(2026, 1, 20))
    assert is_accredited(organisation, "local_supplier", date(2027, 1, 19))
    assert not is_accredited(organisation, "local_supplier", date(2027, 1, 20))  # the period has ended
    assert not is_accredited(organisation, "provider", date(2026, 6, 1))  # another scheme


def test_a_revoked_accreditation_stays_in_the_past_and_is_announced(app, ctx, storage):
    reviewer = coordinator()
    application, _user = approved(reviewer, on=date(2026, 1, 20))
    heard = []

    def listener(sender, **kwargs):
        heard.append((sender.id, kwargs))

    signals.revoked.connect(listener)
    try:
        services.transition(application, "revoke", reviewer, reason="Gravi inadempienze", on=date(2026, 3, 1))
    finally:
        signals.revoked.disconnect(listener)
    assert heard == [(application.id, {"organisation_id": application.organisation_id, "scheme_key": "local_supplier",
                                       "on": date(2026, 3, 1), "reason": "Gravi inadempienze"})]
    assert is_accredited(application.organisation_id, "local_supplier", date(2026, 2, 28))
    assert not is_accredited(application.organisation_id, "local_supplier", date(2026, 3, 1))


def test_the_list_of_accredited_organisations_on_a_day(app, ctx, storage):
    reviewer = coordinator()
    first, _user = approved(reviewer, on=date(2026, 1, 20))
    second, _user = approved(reviewer, on=date(2026, 2, 1))
    draft()
    assert accredited_organisation_ids("local_supplier", date(2026, 1, 25)) == {first.organisation_id}
    assert accredited_organisation_ids("local_supplier", date(2026, 2, 2)) == {first.organisation_id,
                                                                              second.organisation_id}
