"""Factories of the agreements module's models (registered in tests/factories.py `factories()`).

Defaults are drafts with parties from fresh organisations: no test user's organisation is party to them,
so the authorization matrix sees "someone else's" agreement (external users see drafts only as parties).
"""

from __future__ import annotations

import factory

from modules.agreements.models import Adhesion, Agreement, AgreementParty, AgreementTemplate, AgreementVersion
from tests.factories import BaseFactory, OrganisationFactory


class AgreementFactory(BaseFactory):
    class Meta:
        model = Agreement

    code = factory.Sequence(lambda n: f"ACC-{n:04d}")
    title = factory.Sequence(lambda n: f"Accordo di prova {n}")
    type = "territorial"
    state = "draft"
    content = factory.LazyFunction(lambda: {"recitals": ["Premessa."], "sections": [
        {"title": "Oggetto", "clauses": ["Clausola."]}], "appendices": []})


class AgreementPartyFactory(BaseFactory):
    class Meta:
        model = AgreementParty

    agreement = factory.SubFactory(AgreementFactory)
    organisation = factory.SubFactory(OrganisationFactory, type="social_partner")
    role = "signatory"
    is_required = True


class AgreementVersionFactory(BaseFactory):
    class Meta:
        model = AgreementVersion

    agreement = factory.SubFactory(AgreementFactory)
    number = 1
    title = factory.SelfAttribute("agreement.title")
    content = factory.SelfAttribute("agreement.content")
    parties = factory.LazyFunction(list)
    text_sha256 = factory.Sequence(lambda n: f"{n:064x}")


class AgreementTemplateFactory(BaseFactory):
    class Meta:
        model = AgreementTemplate

    name = factory.Sequence(lambda n: f"Modello {n}")
    type = "territorial"
    content = factory.LazyFunction(lambda: {"recitals": [], "sections": [], "appendices": []})


class AdhesionFactory(BaseFactory):
    class Meta:
        model = Adhesion

    agreement = factory.SubFactory(AgreementFactory)
    organisation = factory.SubFactory(OrganisationFactory, type="cooperative")
    state = "requested"


def agreements_factories() -> dict:
    return {Agreement: AgreementFactory, AgreementParty: AgreementPartyFactory,
            AgreementVersion: AgreementVersionFactory, AgreementTemplate: AgreementTemplateFactory,
            Adhesion: AdhesionFactory}
