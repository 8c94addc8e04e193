# ruff: noqa: E501 - the demo text reads better one paragraph per line
"""Demo: the "Accordo territoriale welfare aziendale" of Oristano, open for signature (`flask district demo`).

Parties are the Comune, the Ordine dei Consulenti del Lavoro and the social partners of the partners demo;
the demo coordinator opens version 1, so the demo social partner (CISL Oristano) finds it to sign.
Idempotent: an agreement with the same code is left as it is.
"""

from datetime import date

from sqlalchemy import select

from app.extensions import db
from app.models import Organisation, Role, User

from .. import services
from ..models import Agreement, AgreementTemplate

CODE = "ATWA-OR-2026"
TITLE = "Accordo territoriale welfare aziendale"
PROMOTERS = [("Comune di Oristano", "Il Sindaco pro tempore"),
             ("Ordine dei Consulenti del Lavoro di Oristano", "Il Presidente, Marco Dessì")]
SOCIAL_PARTNERS = ["CGIL Oristano", "CISL Oristano", "UIL Oristano", "Confcommercio Oristano",
                   "Confindustria Oristano", "Confapi Oristano", "Confartigianato Oristano", "Coldiretti Oristano"]

RECITALS = """L'articolo 51 del TUIR consente alle imprese di riconoscere ai lavoratori beni e servizi di welfare aziendale esenti da imposte e contributi entro i limiti di legge.

Il Comune di Oristano intende favorire la spesa dei crediti welfare presso gli esercizi del territorio e destinarne una parte a progetti sociali.

Le parti sociali firmatarie rappresentano i lavoratori e le imprese della provincia e condividono l'obiettivo di un distretto del welfare territoriale."""

SECTIONS = """## Oggetto
Il presente accordo istituisce il Distretto del welfare territoriale di Oristano e ne definisce il funzionamento.

Il Distretto riunisce imprese, piattaforme di welfare, esercizi commerciali, artigiani e organizzazioni del terzo settore.

## Impegni delle parti
Le parti sociali promuovono l'adozione di piani di welfare aziendale presso le imprese associate e ne favoriscono la spesa nella rete del Distretto.

Il Comune coordina la rete degli esercizi aderenti e pubblica l'elenco dei fornitori accreditati.

L'Ordine dei Consulenti del Lavoro assiste le imprese nella predisposizione dei regolamenti di welfare.

## Valore condiviso e fondo sociale
Le piattaforme accreditate riconoscono al Distretto una percentuale del valore delle transazioni svolte nella rete, secondo i contratti di accreditamento.

Le somme sono destinate al fondo del Distretto e ripartite tra progetti sociali secondo le priorità fissate dal Comune.

## Durata e adesioni
L'accordo ha durata triennale ed entra in vigore con la firma di tutte le parti necessarie.

Altre organizzazioni possono aderire all'accordo in vigore con richiesta al coordinamento e sottoscrizione dell'atto di adesione."""

APPENDICES = """## Categorie di spesa ammesse
Beni e servizi di cui all'articolo 51, commi 2 e 3, del TUIR: istruzione, assistenza a familiari anziani o non autosufficienti, cultura, sport, salute, beni in natura nei limiti annuali."""


def _organisation(name: str) -> Organisation | None:
    return db.session.scalar(select(Organisation).where(Organisation.legal_name == name))


def _coordinator() -> User | None:
    return db.session.scalar(select(User).where(User.roles.any(Role.key == "coordinator")).order_by(User.id))


def _add_parties(agreement: Agreement, coordinator: User) -> None:
    for name, signatory in PROMOTERS:
        organisation = _organisation(name)
        if organisation is not None:
            services.add_party(agreement, coordinator, organisation.id, "promoter", True, None, signatory)
    for name in SOCIAL_PARTNERS:
        organisation = _organisation(name)
        if organisation is not None:
            services.add_party(agreement, coordinator, organisation.id, "signatory", True, None,
                               "Il Segretario / Presidente provinciale")


def load() -> None:
    coordinator = _coordinator()
    if coordinator is None or db.session.scalar(select(Agreement.id).where(Agreement.code == CODE)):
        return
    from .. import text

    content = text.parse(RECITALS, SECTIONS, APPENDICES)
    if not db.session.scalar(select(AgreementTemplate.id).where(AgreementTemplate.name == "Accordo territoriale")):
        db.session.add(AgreementTemplate(name="Accordo territoriale", type="territorial", content=content))
    agreement = services.create_agreement(coordinator, CODE, TITLE, "territorial", date(2026, 1, 1),
                                          date(2028, 12, 31), 90)
    services.set_text(agreement, content, coordinator)
    _add_parties(agreement, coordinator)
    services.transition(agreement, "negotiate", coordinator)
    services.open_for_signature(agreement, coordinator)
