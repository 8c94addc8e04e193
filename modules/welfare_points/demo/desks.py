"""Demo WelfarePoints (`flask district demo`): the Sportello Lavoro Oristano with the demo operator, a union
desk without them (the record rules show the difference) and two needs to follow up. Idempotent."""

from __future__ import annotations

from sqlalchemy import select

from app.demo.users import demo_email
from app.extensions import db
from app.models import User
from modules.catalog.models import Category
from modules.partners.models import Comune, PartnerOrganisation

from .. import services
from ..models import Desk, Need

ORISTANO = "095038"
DESKS = [  # name, host organisation, address, opening hours, phone, with the demo operator
    ("Sportello Lavoro Oristano", "Comune di Oristano", "Piazza Eleonora d'Arborea 44",
     "Lunedì–venerdì 9:00–13:00; martedì e giovedì anche 15:30–17:30", "0783 791 200", True),
    ("WelfarePoint CISL Oristano", "CISL Oristano", "Via Sebastiano Satta 12",
     "Lunedì, mercoledì e venerdì 9:00–12:30", "0783 000 111", False),
]
NEEDS = [  # category, age band, household, work status, channel, legal basis, consent, personal data
    ("elderly_care", "45_64", "with_elderly", "employee", "walk_in", "consent", True,
     {"full_name": "Giovanna Demo", "phone": "333 0000000",
      "note": "Cerca assistenza domiciliare per la madre due mattine a settimana."}),
    ("childcare", "30_44", "couple_children", "employee", "employer", "public_task", False, {}),
]


def _organisation(name: str) -> PartnerOrganisation | None:
    return db.session.scalar(select(PartnerOrganisation).where(PartnerOrganisation.legal_name == name))


def _desk(row: tuple, operator: User | None) -> Desk | None:
    name, host, address, hours, phone, with_operator = row
    desk = db.session.scalar(select(Desk).where(Desk.name == name))
    organisation = _organisation(host)
    if desk is None and organisation is not None and db.session.get(Comune, ORISTANO) is not None:
        desk = Desk(name=name, host_organisation=organisation, address=address, comune_id=ORISTANO,
                    opening_hours=hours, phone=phone,
                    operators=[operator] if with_operator and operator else [])
        db.session.add(desk)
        db.session.commit()
    return desk


def _needs(desk: Desk, operator: User) -> None:
    if desk.id is None or db.session.scalar(select(Need.id).where(Need.desk_id == desk.id)):
        return
    for key, age, household, work, channel, basis, consent, personal in NEEDS:
        category = db.session.scalar(select(Category).where(Category.key == key))
        if category is None:
            continue
        services.record_need(operator, {"desk": desk, "category": category, "age_band": age,
                                        "household_type": household, "work_status": work, "channel": channel,
                                        "legal_basis": basis, "has_consent": consent}, personal)


def load() -> None:
    operator = db.session.scalar(select(User).where(User.email == demo_email("operator")))
    desks = [_desk(row, operator) for row in DESKS]
    if operator is not None and desks[0] is not None:
        _needs(desks[0], operator)
