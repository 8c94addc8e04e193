"""Admin screens of the fund and its home widgets."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.admin import Widget
from app.extensions import db
from app.security import AccessDenied, scoped
from app.templating import date_filter, money_filter
from modules.ledger import services as ledger

from .. import services
from ..models import Allocation, Fund, Payment, Project, Publication
from ..services.public import project_money, totals
from ..services.statement import KIND_LABELS
from . import money, projects
from .common import CATEGORY
from .desk import RoundDeskView
from .statement import StatementView


def _count(stmt, user) -> int:
    return db.session.scalar(select(func.count()).select_from(scoped(stmt, "read", user).subquery()))


def _readable_funds(user) -> list[Fund]:
    try:
        return list(db.session.scalars(scoped(select(Fund), "read", user).where(Fund.is_active.is_(True))
                                       .order_by(Fund.name)))
    except AccessDenied:
        return []


def fund_balances(user):
    """Each fund's money: available, received, allocated, paid."""
    funds = _readable_funds(user)
    if not funds:
        return None
    items = []
    for fund in funds:
        figures = totals(fund)
        items.append({"text": _("%(fund)s: %(available)s available (received %(received)s, allocated "
                                "%(allocated)s, paid %(paid)s)", fund=fund.name,
                                available=money_filter(figures.available), received=money_filter(figures.received),
                                allocated=money_filter(figures.allocated), paid=money_filter(figures.paid)),
                      "url": url_for("funds_statement.index")})
    return {"items": items, "empty": ""}


def fund_movements(user):
    """The latest movements of the funds' cash."""
    funds = _readable_funds(user)
    if not funds:
        return None
    cash = [services.accounts(fund).cash.id for fund in funds]
    items = [{"text": f"{date_filter(m.date)} · {KIND_LABELS.get(m.kind, m.kind)} · "
                      f"{money_filter(m.debit - m.credit)} · {m.description}"}
             for m in ledger.movements(cash, newest_first=True, limit=6)]
    return {"items": items, "empty": _("No movements yet.")}


def to_decide(user):
    waiting = _count(select(Allocation).where(Allocation.status == "proposed"), user)
    return {"value": waiting, "url": url_for("funds_desk.index"), "link_text": _("Open the round desk")}


def to_publish(user):
    waiting = _count(select(Publication).where(Publication.status == "draft"), user)
    return {"value": waiting, "url": url_for("funds_publication.index_view"),
            "link_text": _("Records to publish before paying")}


def to_pay(user):
    waiting = _count(select(Payment).where(Payment.status == "requested"), user)
    return {"value": waiting, "url": url_for("funds_payment.index_view"), "link_text": _("Payments to make")}


def my_projects(user):
    """A beneficiary's projects with the money allocated and paid."""
    own = list(db.session.scalars(scoped(select(Project), "read", user).order_by(Project.title).limit(10)))
    allocated, paid = project_money()
    items = [{"text": _("%(project)s — %(state)s — allocated %(allocated)s, paid %(paid)s", project=p.title,
                        state=p.state_label, allocated=money_filter(allocated.get(p.id, 0)),
                        paid=money_filter(paid.get(p.id, 0))),
              "url": url_for("funds_project.details_view", id=p.id)} for p in own]
    return {"items": items, "empty": _("No projects yet: propose one from Fund › Projects.")}


def register(admin) -> None:
    projects.register(admin, CATEGORY)
    money.register(admin, CATEGORY)
    admin.add_view(RoundDeskView(name=_l("Round desk"), category=CATEGORY, endpoint="funds_desk"))
    admin.add_view(StatementView(name=_l("Fund statement"), category=CATEGORY, endpoint="funds_statement"))
    internal = ("coordinator", "municipality", "auditor")
    admin.add_widget(Widget("funds.balances", _l("Fund balance"), fund_balances, roles=internal, order=30))
    admin.add_widget(Widget("funds.movements", _l("Latest fund movements"), fund_movements,
                            roles=("coordinator", "municipality"), order=31))
    admin.add_widget(Widget("funds.to_decide", _l("Allocations to decide"), to_decide, roles=("municipality",),
                            kind="count", order=32))
    admin.add_widget(Widget("funds.to_publish", _l("Transparency records to publish"), to_publish,
                            roles=("municipality",), kind="count", order=33))
    admin.add_widget(Widget("funds.to_pay", _l("Payments to make"), to_pay, roles=("coordinator",), kind="count",
                            order=34))
    admin.add_widget(Widget("funds.my_projects", _l("My projects"), my_projects, roles=("cooperative",), order=35))
