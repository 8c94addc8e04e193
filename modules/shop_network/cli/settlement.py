"""`flask shop-network settle --month 2026-03 [--confirm]`: compute (and confirm) a month's settlements."""

from __future__ import annotations

import click
from sqlalchemy import select

from app.extensions import db
from app.models import Role, User, user_roles
from app.workflow import WorkflowError
from modules.funds.services import FundsError

from . import commands


def _coordinator(email: str | None) -> User:
    stmt = (select(User).join(user_roles, user_roles.c.user_id == User.id).join(Role, Role.id == user_roles.c.role_id)
            .where(Role.key == "coordinator", User.is_active.is_(True)))
    if email:
        stmt = stmt.where(User.email == email)
    user = db.session.scalars(stmt.order_by(User.id).limit(1)).first()
    if user is None:
        raise click.ClickException("No active coordinator" + (f" with e-mail {email}" if email else ""))
    return user


@commands.command("settle")
@click.option("--month", required=True, help="The month to settle, YYYY-MM.")
@click.option("--confirm", "confirm_all", is_flag=True, help="Also confirm every draft of the month.")
@click.option("--as-user", "email", default=None, help="The coordinator who confirms (default: the first).")
def settle(month: str, confirm_all: bool, email: str | None) -> None:
    """Compute the draft settlements of MONTH for shops and providers; with --confirm, confirm them too."""
    from ..models import Settlement
    from ..services import settlement as settling

    try:
        first = settling.parse_month(month)
    except settling.SettlementError as exc:
        raise click.BadParameter(str(exc), param_hint="--month") from exc
    result = settling.compute_drafts(first)
    click.echo(f"{first:%Y-%m}: {result.created} created, {result.updated} recomputed, {result.removed} removed, "
               f"{result.kept} disputed left as they are")
    if not confirm_all:
        return
    user = _coordinator(email)
    drafts = db.session.scalars(select(Settlement).where(Settlement.month == first, Settlement.state == "draft")
                                .order_by(Settlement.kind, Settlement.organisation_id)).all()
    confirmed, refused = 0, 0
    for draft in drafts:
        try:
            settling.confirm(draft, user)
            confirmed += 1
        except (settling.SettlementError, WorkflowError, FundsError) as exc:
            db.session.rollback()
            refused += 1
            click.echo(f"  {draft.payment_reference}: not confirmed: {exc}", err=True)
    click.echo(f"{confirmed} confirmed, {refused} refused")
