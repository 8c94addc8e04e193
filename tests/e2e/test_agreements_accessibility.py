"""axe-core finds nothing serious or critical on the agreement screens, and the CSP blocks nothing there."""

from __future__ import annotations

from modules.agreements import services
from tests.factories import make_user
from tests.modules.agreements.helpers import agreement_with, sign, three_parties


def open_agreement(app):
    with app.app_context():
        coordinator = make_user("coordinator")
        comune, cgil, cisl = three_parties()
        agreement = agreement_with([comune, cgil, cisl], coordinator)
        services.open_for_signature(agreement, coordinator)
        sign(agreement, cisl)
        return agreement.id, coordinator.email, cgil.signer.email


def test_the_sheet_of_the_coordinator(app, page, sign_in, assert_accessible):
    agreement_id, coordinator, _partner = open_agreement(app)
    sign_in(coordinator)
    page.goto(f"/admin/agreements_desk/{agreement_id}/")
    assert_accessible()
    page.goto(f"/admin/agreements_desk/{agreement_id}/text")
    assert_accessible()


def test_the_portal_and_the_signing_page_of_a_social_partner(app, page, sign_in, assert_accessible):
    agreement_id, _coordinator, partner = open_agreement(app)
    sign_in(partner)
    page.goto("/admin/agreements_desk/")
    assert_accessible()
    page.goto(f"/admin/agreements_desk/{agreement_id}/sign")
    page.wait_for_url("**/admin/signatures_desk/**")
    assert_accessible()


def test_the_public_page_of_agreements_in_force(app, page, assert_accessible):
    with app.app_context():
        coordinator = make_user("coordinator")
        parties = three_parties()
        agreement = agreement_with(parties, coordinator)
        services.open_for_signature(agreement, coordinator)
        for member in parties:
            sign(agreement, member)
    page.goto("/accordi/")
    assert_accessible()
