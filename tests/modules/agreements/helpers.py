"""Helpers of the agreements module's tests: organisations with a signing user each, and an agreement."""

from __future__ import annotations

from dataclasses import dataclass

from app.models import Organisation, User
from modules.agreements import services, text
from modules.signatures import services as signing
from tests.factories import PASSWORD, OrganisationFactory, make_user

TEXT = text.parse(
    "Le parti intendono promuovere il welfare aziendale nel territorio.",
    "## Oggetto\nIl presente accordo istituisce il Distretto.\n\nLe parti collaborano.\n\n"
    "## Durata\nL'accordo dura tre anni.",
    "## Categorie di spesa\nIstruzione, cultura, sport, salute.",
)


@dataclass
class Party:
    organisation: Organisation
    signer: User


def party(name: str, kind: str = "social_partner", role: str = "social_partner") -> Party:
    organisation = OrganisationFactory(legal_name=name, type=kind)
    return Party(organisation, make_user(role, organisation=organisation, full_name=f"Firmatario {name}"))


def three_parties() -> list[Party]:
    return [party("Comune di Oristano", "comune", "municipality"), party("CGIL Oristano"), party("CISL Oristano")]


def agreement_with(parties: list[Party], coordinator: User, code: str = "ATWA-2026", **kwargs):
    agreement = services.create_agreement(coordinator, code, "Accordo territoriale welfare aziendale", **kwargs)
    services.set_text(agreement, TEXT, coordinator)
    for index, member in enumerate(parties):
        services.add_party(agreement, coordinator, member.organisation.id,
                           "promoter" if index == 0 else "signatory", True)
    return agreement


def sign(agreement, member: Party):
    """The party signs the current version with a simple electronic signature."""
    found = services.my_request(agreement, member.signer)
    assert found is not None, f"{member.organisation} has nothing to sign"
    return signing.sign_fes(found, member.signer, PASSWORD, True, signing.Client("192.0.2.1", "test"))


def amend(agreement, coordinator: User, clause: str):
    content = text.normalise(agreement.content)
    content["sections"][0]["clauses"].append(clause)
    return services.set_text(agreement, content, coordinator)
