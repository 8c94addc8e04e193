"""`flask district …`, `flask users …`, `flask modules …`, `flask jobs …`."""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from .extensions import db
from .registry import ModuleError, discover, installed_versions, loaded_modules

district = AppGroup("district", help="Set up the district's database.")
users = AppGroup("users", help="Manage users.")
modules = AppGroup("modules", help="List, install and upgrade modules (effective at the next start).")
jobs = AppGroup("jobs", help="Run background jobs and the scheduler.")


def _fail(message: str) -> None:
    click.secho(message, fg="red", err=True)
    sys.exit(1)


@district.command("init")
def district_init():
    """Run the migrations and load the reference data of the kernel and every loaded module."""
    from .installer import init_all

    names = init_all()
    click.echo(f"Database ready. Modules installed: {', '.join(names) or '(none)'}")


@district.command("demo")
def district_demo():
    """Load demo data for every role (after `flask district init`)."""
    from .installer import load_demo

    load_demo()
    from .demo.users import DEMO_PASSWORD, demo_logins

    click.echo(f"Demo data loaded. Every demo user's password: {DEMO_PASSWORD}")
    for role, email in demo_logins():
        click.echo(f"  {role:<15} {email}")


@users.command("create")
@click.argument("email")
@click.option("--name", default="", help="Full name.")
@click.option("--role", "roles", multiple=True, required=True, help="Role key (repeatable).")
@click.option("--organisation-id", type=int, default=None)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def users_create(email, name, roles, organisation_id, password_stdin):
    """Create a user; the password is prompted for (or read from stdin), never an argument."""
    from .models import Organisation
    from .security.services import UserError, create_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    organisation = db.session.get(Organisation, organisation_id) if organisation_id else None
    try:
        user = create_user(email, name, roles, organisation, password=password)
    except UserError as exc:
        _fail(str(exc))
    db.session.commit()
    click.echo(f"User {user.email} created with roles {', '.join(sorted(user.role_keys))}")


@modules.command("list")
def modules_list():
    """Every available module with its version, state and dependencies."""
    installed = installed_versions()
    loaded = {m.name for m in loaded_modules(current_app)}
    available = discover(current_app.config["DISTRETTO_MODULES_PATH"])
    click.echo(f"{'name':<18}{'version':<10}{'installed':<12}{'loaded':<8}depends")
    for module in sorted(available.values(), key=lambda m: m.name):
        click.echo(f"{module.name:<18}{module.version:<10}{installed.get(module.name, '-'):<12}"
                   f"{'yes' if module.name in loaded else 'no':<8}{', '.join(module.depends)}")


@modules.command("install")
@click.argument("names", nargs=-1, required=True)
def modules_install(names):
    """Install modules (with their dependencies): migrations, access rules, data. Restart afterwards."""
    from .installer import install

    try:
        for name in names:
            done = install(name)
            click.echo(f"Installed: {', '.join(done)}")
    except ModuleError as exc:
        _fail(str(exc))
    click.echo("Restart the application for the change to take effect.")


@modules.command("upgrade")
@click.argument("names", nargs=-1, required=True)
def modules_upgrade(names):
    """Upgrade installed modules to the loaded code's version. Restart afterwards."""
    from .installer import upgrade

    try:
        for name in names:
            upgrade(name)
            click.echo(f"Upgraded: {name}")
    except ModuleError as exc:
        _fail(str(exc))
    click.echo("Restart the application for the change to take effect.")


@jobs.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@click.option("--queue", "queue", default=None, help="Queue to work on (default: JOB_QUEUE or 'distretto').")
def jobs_worker(burst, queue):
    """Start an RQ worker for Distretto's queue (needs REDIS_URL).

    The worker also runs RQ's scheduler, which re-enqueues jobs whose `Retry` interval has passed;
    in burst mode it does so once, at start.
    """
    from rq import Queue, Worker

    from .jobs import queue_name, redis_connection
    from .registry import check_installed

    if not current_app.config["REDIS_URL"]:
        _fail("REDIS_URL is not set: without Redis, jobs run in-process and need no worker.")
    try:
        check_installed(current_app)
    except ModuleError as exc:
        _fail(str(exc))
    connection = redis_connection()
    worker = Worker([Queue(queue or queue_name(), connection=connection)], connection=connection)
    worker.work(burst=burst, with_scheduler=True)


@jobs.command("run-due")
@click.option("--now", "now_text", default=None,
              help="Pretend it is this ISO date-time (UTC unless it carries an offset).")
def jobs_run_due(now_text):
    """Enqueue the periodic jobs that are due (each catches up to its as_of date)."""
    from .jobs import run_due

    try:
        now = datetime.fromisoformat(now_text) if now_text else None  # run_due reads a naive time as UTC
    except ValueError:
        _fail(f"--now: '{now_text}' is not an ISO date-time (e.g. 2025-03-10T05:30)")
    for row in run_due(now):
        click.echo(f"Enqueued {row.name} {row.args}")


@jobs.command("scheduler")
@click.option("--interval", default=60, show_default=True, help="Seconds between checks.")
def jobs_scheduler(interval):
    """Run forever, enqueueing periodic jobs when due (run exactly one scheduler)."""
    from .jobs import run_due

    while True:
        for row in run_due():
            click.echo(f"{datetime.now(UTC):%Y-%m-%d %H:%M} enqueued {row.name} {row.args}")
        db.session.remove()
        time.sleep(interval)


def register_cli(app: Flask) -> None:
    for group in (district, users, modules, jobs):
        app.cli.add_command(group)
