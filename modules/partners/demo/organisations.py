# ruff: noqa: E501 - a table of demo data reads better one organisation per few lines
"""Demo organisations of the Oristano district (`flask district demo`); idempotent.

Names are those of the seed or fictitious; every tax code, IBAN, PEC and RUNTS number is made up but
passes its check digits. The kernel's demo already made five organisations for its users: they are
found by legal name and completed (with valid codes) rather than duplicated.
"""

from sqlalchemy import select

from app.extensions import db
from app.models import Organisation

from .. import services
from ..models import OrganisationContact

IBAN = [
    "IT30P0101517400000000012345", "IT27R0306917401100000004567", "IT05D0101585630000000067890",
    "IT93F0503417400000000011223", "IT74I0311117400000000033445", "IT47M0101517400000000055667",
    "IT25G0836285580000000077889", "IT54W0306901600100000099001", "IT81J0200817400000000044556",
    "IT08F0100503200000000066778",
]
ORISTANO, CABRAS, TERRALBA, SANTA_GIUSTA, SAN_VERO_MILIS = "095038", "095018", "095065", "095047", "095050"


def _social_partner(name: str, cf: str, street: str, pec_name: str, ateco: str = "94.20.00") -> dict:
    return {"legal_name": name, "type": "social_partner", "codice_fiscale": cf, "comune": ORISTANO,
            "cap": "09170", "street": street, "ateco_code": ateco, "pec": f"{pec_name}@pec.example.it"}


ORGANISATIONS = [
    {"legal_name": "Comune di Oristano", "type": "comune", "codice_fiscale": "00052090958",
     "partita_iva": "00052090958", "comune": ORISTANO, "street": "Piazza Eleonora d'Arborea 44", "cap": "09170",
     "pec": "protocollo@pec.comune-oristano.example.it", "ateco_code": "84.11.10", "phone": "0783 7911",
     "contacts": [("Ufficio Politiche Sociali", "Servizi sociali", "sociale@comune-oristano.example.it", True)]},
    _social_partner("CGIL Oristano", "80003120955", "Via Canepa 3", "cgil-oristano"),
    _social_partner("CISL Oristano", "90007550958", "Via Sebastiano Satta 12", "cisl-oristano"),
    _social_partner("UIL Oristano", "80014230959", "Via Cagliari 240", "uil-oristano"),
    _social_partner("Confcommercio Oristano", "80027180951", "Via Sardegna 30", "confcommercio-oristano",
                    "94.11.00"),
    _social_partner("Confindustria Oristano", "80031440953", "Via Tirso 70", "confindustria-oristano",
                    "94.11.00"),
    _social_partner("Confapi Oristano", "90028610955", "Via Mazzini 15", "confapi-oristano", "94.11.00"),
    _social_partner("Confartigianato Oristano", "80043270950", "Via Ciutadella de Menorca 8",
                    "confartigianato-oristano", "94.11.00"),
    _social_partner("Coldiretti Oristano", "80055360954", "Via Cagliari 158", "coldiretti-oristano",
                    "94.11.00"),
    {"legal_name": "Ordine dei Consulenti del Lavoro di Oristano", "type": "other",
     "codice_fiscale": "80062110954", "comune": ORISTANO, "cap": "09170", "street": "Via Busachi 21",
     "pec": "ordine.oristano@pec.example.it", "ateco_code": "94.12.10", "legal_rep_name": "Marco Dessì",
     "legal_rep_codice_fiscale": "DSSMRC66H09G113C",
     "contacts": [("Marco Dessì", "Presidente", "presidenza@cdl-oristano.example.it", True)]},
    {"legal_name": "Welfare Platform Demo S.r.l.", "type": "provider", "partita_iva": "01234560157",
     "comune": "015146", "cap": "20121", "street": "Via Dante 7", "pec": "welfareplatformdemo@pec.example.it",
     "ateco_code": "82.99.99", "rea": "MI-1234567", "iban": IBAN[0], "website": "https://welfare-demo.example.it",
     "contacts": [("Paolo Bianchi", "Account manager", "paolo.bianchi@welfare-demo.example.it", True)]},
    {"legal_name": "Welfaria Italia S.r.l.", "type": "provider", "partita_iva": "09876540155", "comune": "015146",
     "cap": "20124", "street": "Viale Monza 120", "pec": "welfaria@pec.example.it", "ateco_code": "82.99.99",
     "rea": "MI-2345678", "iban": IBAN[1], "legal_rep_name": "Anna Lisai", "legal_rep_codice_fiscale":
     "LSINNA72S50G113V"},
    {"legal_name": "Sportabene Welfare S.p.A.", "type": "provider", "partita_iva": "08765430585",
     "comune": "058091", "cap": "00184", "street": "Via Nazionale 200", "pec": "sportabene@pec.example.it",
     "ateco_code": "82.99.99", "rea": "RM-1456789", "iban": IBAN[2]},
    {"legal_name": "Sa Butega di Maria Pinna", "type": "shop", "codice_fiscale": "PNNMRA70A41G113O",
     "partita_iva": "02345670950", "comune": CABRAS, "cap": "09072", "street": "Via Tharros 25",
     "pec": "sabutega@pec.example.it", "ateco_code": "47.24.10", "rea": "OR-112233", "iban": IBAN[3],
     "legal_rep_name": "Maria Pinna", "legal_rep_codice_fiscale": "PNNMRA70A41G113O", "phone": "0783 290011",
     "contacts": [("Maria Pinna", "Titolare", "maria@sabutega.example.it", True)]},
    {"legal_name": "Panificio Su Civraxiu di Efisio Serra", "type": "artisan", "codice_fiscale": "SRRFSI68C12L122K",
     "partita_iva": "01456780954", "comune": TERRALBA, "cap": "09098", "street": "Via Roma 88",
     "pec": "sucivraxiu@pec.example.it", "ateco_code": "10.71.10", "rea": "OR-98765", "iban": IBAN[4]},
    {"legal_name": "Ceramiche Tharros di Luca Atzori", "type": "artisan", "codice_fiscale": "TZRLCU75D05B314N",
     "partita_iva": "01678900950", "comune": CABRAS, "cap": "09072", "street": "Via Cagliari 5",
     "pec": "ceramichetharros@pec.example.it", "ateco_code": "23.41.00", "rea": "OR-104455", "iban": IBAN[5]},
    {"legal_name": "Libreria Il Nuraghe S.n.c.", "type": "shop", "partita_iva": "01789010954",
     "comune": ORISTANO, "cap": "09170", "street": "Corso Umberto I 40", "pec": "librerianuraghe@pec.example.it",
     "ateco_code": "47.61.00", "rea": "OR-120304", "iban": IBAN[6]},
    {"legal_name": "Farmacia Santa Giusta S.n.c.", "type": "shop", "partita_iva": "01567890957",
     "comune": SANTA_GIUSTA, "cap": "09096", "street": "Via Giovanni XXIII 2", "pec": "farmaciasg@pec.example.it",
     "ateco_code": "47.73.10", "rea": "OR-118899", "iban": IBAN[7]},
    {"legal_name": "Cooperativa Sociale Su Nuraghe", "type": "cooperative", "partita_iva": "01087690952",
     "comune": ORISTANO, "cap": "09170", "street": "Via Lepanto 11", "pec": "sunuraghe@pec.example.it",
     "ateco_code": "88.10.00", "rea": "OR-130507", "runts_section": "d", "runts_number": "104523",
     "iban": IBAN[8], "legal_rep_name": "Giovanni Meloni", "legal_rep_codice_fiscale": "MLNGNN62E20G113B",
     "contacts": [("Anna Porcu", "Coordinatrice servizi", "anna.porcu@sunuraghe.example.it", True),
                  ("Giovanni Meloni", "Presidente", "presidenza@sunuraghe.example.it", False)]},
    {"legal_name": "APS Sa Domo de Totus", "type": "aps", "codice_fiscale": "90034120957", "comune": ORISTANO,
     "cap": "09170", "street": "Via Solferino 9", "pec": "sadomodetotus@pec.example.it", "ateco_code": "94.99.20",
     "runts_section": "b", "runts_number": "87231", "iban": IBAN[9], "legal_rep_name": "Sara Murru",
     "legal_rep_codice_fiscale": "MRRSRA84M61A357P"},
    {"legal_name": "ODV Volontari del Sinis", "type": "odv", "codice_fiscale": "90045230951",
     "comune": SAN_VERO_MILIS, "cap": "09070", "street": "Piazza della Chiesa 1", "ateco_code": "94.99.50",
     "pec": "volontarisinis@pec.example.it", "runts_section": "a", "runts_number": "66120",
     "legal_rep_name": "Giuseppe Corrias", "legal_rep_codice_fiscale": "CRRGPP59B14B314A"},
]


def _organisation(spec: dict):
    data = {key: value for key, value in spec.items() if key != "contacts"}
    data.setdefault("codice_fiscale", data.get("partita_iva"))  # a company's codice fiscale is its P.IVA
    found = db.session.scalar(select(Organisation.id).where(Organisation.legal_name == data["legal_name"]))
    if found is None:
        return services.create_organisation(data, commit=False)
    organisation = services.ensure_partner(found)
    services.update_organisation(organisation, data, user=None, commit=False)
    return organisation


def _contacts(organisation, contacts) -> None:
    existing = set(db.session.scalars(select(OrganisationContact.name)
                                      .where(OrganisationContact.organisation_id == organisation.id)))
    for name, role, email, is_primary in contacts:
        if name not in existing:
            db.session.add(OrganisationContact(organisation_id=organisation.id, name=name, role=role,
                                               email=email, is_primary=is_primary))


def load() -> None:
    for spec in ORGANISATIONS:
        organisation = _organisation(spec)
        _contacts(organisation, spec.get("contacts", []))
    db.session.flush()
