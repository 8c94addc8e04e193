"""The demo (`flask district demo`): the demo provider accredited, the demo cooperative asked for changes."""

from __future__ import annotations

from sqlalchemy import select

from app.demo import users as demo_users
from app.extensions import db
from modules.accreditation.demo import applications as demo
from modules.accreditation.models import Application
from modules.partners.demo import organisations as partner_demo


def test_the_demo_loads_two_applications_once(app, ctx, storage):
    demo_users.load()
    partner_demo.load()
    db.session.commit()
    demo.load()
    demo.load()  # idempotent
    rows = db.session.execute(select(Application.state, Application.scheme_id, Application.organisation_id)).all()
    states = sorted(state for state, _scheme, _organisation in rows)
    assert states == ["approved", "changes_requested"]
    provider = db.session.scalar(select(Application).where(Application.state == "approved"))
    assert provider.organisation.legal_name == "Welfare Platform Demo S.r.l."
    assert provider.scheme.key == "provider" and provider.shared_value_percent is not None
