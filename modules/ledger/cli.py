"""`flask ledger …`: the reconciliation of cached balances with the lines they come from."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from . import services

commands = AppGroup("ledger", help="Check the double-entry ledger.")


@commands.command("check")
@click.option("--fix", is_flag=True, help="Rewrite cached balances that differ from the sum of their lines.")
def check(fix: bool) -> None:
    """Recompute every account balance from its lines and re-check that every entry balances.

    Exits with status 1 when something differs (after --fix, only if unbalanced entries remain).
    """
    problems = services.check(fix=fix)
    for problem in problems:
        click.echo(str(problem))
    fixed = [p for p in problems if p.kind == "cached_balance"] if fix else []
    remaining = [p for p in problems if p not in fixed]
    if fixed:
        click.echo(f"{len(fixed)} cached balance(s) rewritten from the lines.")
    if remaining:
        click.secho(f"{len(remaining)} problem(s) found.", fg="red", err=True)
        sys.exit(1)
    click.echo("Ledger consistent: every entry balances and every balance equals the sum of its lines.")
