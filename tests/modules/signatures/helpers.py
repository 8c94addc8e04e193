"""Helpers of the signatures module's tests: a stored document with a request for a party."""

from __future__ import annotations

from app.extensions import db
from modules.signatures import services
from tests.factories import OrganisationFactory, make_user
from tests.modules.signatures import pki


def document_for_party(title: str = "Accordo territoriale welfare aziendale", signatory=None):
    """(document, request, party organisation, pdf bytes): a PDF stored to be signed by one party."""
    owner = OrganisationFactory(legal_name="Comune di prova", type="comune")
    party = OrganisationFactory(legal_name="CGIL Oristano", type="social_partner")
    pdf = pki.simple_pdf(title)
    document = services.create_document(owner, title, pdf, "accordo-v1.pdf")
    signature_request = services.request_signature(document, party.id, getattr(signatory, "id", None))
    db.session.commit()
    return document, signature_request, party, pdf


def partner_user(party, **kwargs):
    return make_user("social_partner", organisation=party, **kwargs)


def trust(authority) -> None:
    services.add_trust_anchors(authority.pem)
