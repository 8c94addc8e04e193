"""Factories of the signatures module's models (registered in tests/factories.py `factories()`).

Each default row belongs to a fresh organisation that no test user is part of: the authorization matrix
needs "someone else's" document, request, signature and attempt.
"""

from __future__ import annotations

from datetime import UTC, datetime

import factory

from modules.signatures.models import SignableDocument, Signature, SignatureRequest, SigningAttempt, TrustAnchor
from tests.factories import BaseFactory, OrganisationFactory, UploadFactory


class SignableDocumentFactory(BaseFactory):
    class Meta:
        model = SignableDocument

    owner_model = "Test"
    owner_id = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Documento {n}")
    upload = factory.SubFactory(UploadFactory, use="signatures.document", content_type="application/pdf",
                                original_name="documento.pdf")
    sha256 = factory.Sequence(lambda n: f"{n:064x}")


class SignatureRequestFactory(BaseFactory):
    class Meta:
        model = SignatureRequest

    document = factory.SubFactory(SignableDocumentFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    status = "pending"


class SignatureFactory(BaseFactory):
    class Meta:
        model = Signature

    request = factory.SubFactory(SignatureRequestFactory)
    document = factory.SelfAttribute("request.document")
    organisation = factory.SelfAttribute("request.organisation")
    method = "fes"
    status = "valid"
    document_sha256 = factory.SelfAttribute("request.document.sha256")
    signed_at = factory.LazyFunction(lambda: datetime.now(UTC))
    signer_name = "Firmatario di prova"


class SigningAttemptFactory(BaseFactory):
    class Meta:
        model = SigningAttempt

    request = factory.SubFactory(SignatureRequestFactory)
    organisation = factory.SelfAttribute("request.organisation")
    method = "fes"
    outcome = "refused"
    reason = "Password errata"
    at = factory.LazyFunction(lambda: datetime.now(UTC))


class TrustAnchorFactory(BaseFactory):
    class Meta:
        model = TrustAnchor

    subject = factory.Sequence(lambda n: f"CN=Autorità {n}")
    fingerprint = factory.Sequence(lambda n: f"{n:064x}")
    valid_from = datetime(2020, 1, 1, tzinfo=UTC)
    valid_until = datetime(2040, 1, 1, tzinfo=UTC)
    pem = "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"
    is_active = False  # a placeholder, never used to check a signature


def signatures_factories() -> dict:
    return {SignableDocument: SignableDocumentFactory, SignatureRequest: SignatureRequestFactory,
            Signature: SignatureFactory, SigningAttempt: SigningAttemptFactory, TrustAnchor: TrustAnchorFactory}
