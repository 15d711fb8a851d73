"""Flask commands: seeding, first account."""

from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_migrate.cli import db as migrate_cli

from portal import clock
from portal.extensions import db
from portal.models.organizations import Organization
from portal.services import accounts, backup, seeding
from portal.services.errors import DomainError
from seeds import demo

seed_cli = AppGroup("seed", help="Load reference and demo data.")
users_cli = AppGroup("users", help="Manage accounts from the command line.")
tenders_cli = AppGroup("tenders", help="Provider selection.")
reminders_cli = AppGroup("reminders", help="Deadline reminders.")
mail_cli = AppGroup("mail", help="Outgoing mail.")
scheduler_cli = AppGroup("scheduler", help="The scheduled jobs (reminders, mail).")
tasks_cli = AppGroup("tasks", help="What waits on whom.")


@seed_cli.command("reference")
def seed_reference():
    """The pilot cities and the programme's organisations."""
    added = seeding.load_reference()
    db.session.commit()
    click.echo(f"reference data: {added}")


@seed_cli.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when accounts already exist.")
def seed_demo(if_empty: bool):
    """Reference data and one demo account per role (idempotent)."""
    if current_app.config["PORTAL_ENV"] == "production":
        raise click.ClickException(
            "demo accounts have a published password: not loaded when PORTAL_ENV=production"
        )
    if if_empty and not seeding.is_empty():
        click.echo("demo data: the database already has accounts, nothing loaded")
        return
    added = demo.load_demo(today=clock.today())
    db.session.commit()
    click.echo(f"demo data: {added}")


@seed_cli.command("accounts")
def seed_accounts():
    """Print the demo accounts and their password."""
    from portal.labels import ROLE_LABELS
    from seeds import demo, reference

    city_names = {c["slug"]: c["name"] for c in reference.CITIES}
    click.echo("")
    click.echo("SDTN Portal: http://127.0.0.1:5000")
    click.echo(f"Demo accounts (password for all: {demo.DEMO_PASSWORD}):")
    for email, _name, organization, roles in demo.USERS:
        described = ", ".join(
            str(ROLE_LABELS[role]) + (f" ({city_names[city]})" if city else "")
            for role, city in roles
        )
        click.echo(f"  {email:<28} {described} - {organization}")
    click.echo("")


@users_cli.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", "full_name", prompt="Full name")
@click.option(
    "--organization",
    default="DUAT",
    show_default=True,
    help="Short name of the administrator's organisation (from `flask seed reference`).",
)
@click.password_option()
def create_admin(email: str, full_name: str, organization: str, password: str):
    """Create the first administrator account."""
    org_id = db.session.scalar(
        sa.select(Organization.id).where(Organization.short_name == organization)
    )
    if org_id is None:
        raise click.ClickException(
            f"no organisation '{organization}': run `flask seed reference` first"
        )
    try:
        user = accounts.create_user(
            None,
            email=email,
            full_name=full_name,
            organization_id=org_id,
            password=password,
            grants=[accounts.RoleGrant(accounts.Role.ADMIN)],
        )
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from error
    db.session.commit()
    click.echo(f"administrator {user.email} created")


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(tenders_cli)
    app.cli.add_command(reminders_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(scheduler_cli)
    app.cli.add_command(tasks_cli)
    # Beside Flask-Migrate's own: flask db upgrade, flask db backup, flask db restore.
    migrate_cli.add_command(db_backup)
    migrate_cli.add_command(db_restore)


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
def db_backup(target: Path):
    """Copy the whole database to TARGET (SQLite: a database file; PostgreSQL: a pg_dump
    archive). Safe while the portal runs."""
    try:
        backup.create(target)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"backup written to {target}")


@click.command("restore")
@click.argument("source", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def db_restore(source: Path, yes: bool):
    """Replace the whole database by the copy in SOURCE. Stop the portal and the scheduler
    first."""
    if not yes:
        click.confirm("Every row of the database will be replaced. Go on?", abort=True)
    try:
        backup.restore(source)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"database restored from {source}")


@tasks_cli.command("list")
@click.argument("email")
@click.option("--today", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None)
def tasks_list(email: str, day):
    """Print, as JSON, what waits on one person (their "À faire" list) and how many of their
    notifications are unread. Exit status 2 for an unknown or deactivated account."""
    import json
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    from flask import current_app

    from portal.models.reminders import OutboxMessage
    from portal.models.types import utcnow
    from portal.models.users import User
    from portal.services import tasks

    user = db.session.scalar(sa.select(User).where(User.email == accounts.normalise_email(email)))
    if user is None or not user.active:
        click.echo(f"error: no active account {email!r}", err=True)
        raise SystemExit(2)
    if day is None:
        at = tasks.At(clock.today(), utcnow())
    else:
        # A day asked for is read at its noon in Morocco: the same answer every time.
        zone = ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])
        at = tasks.At(day.date(), datetime.combine(day.date(), time(12), tzinfo=zone))
    cities = tasks.cities_by_id()
    with current_app.test_request_context("/"):
        found = tasks.everything(user, at)
    unread = db.session.scalar(
        sa.select(sa.func.count(OutboxMessage.id)).where(
            OutboxMessage.recipient_id == user.id, OutboxMessage.read_at.is_(None)
        )
    )
    listed = [
        {
            "kind": task.kind.name,
            "title": task.title,
            "city": cities[task.city_id].slug if task.city_id in cities else None,
            "url": task.url,
            "due": task.due.isoformat() if task.due else None,
            "waiting_since": task.since.isoformat() if task.since else None,
        }
        for task in found
    ]
    click.echo(
        json.dumps({"tasks": listed, "unread_notifications": unread}, ensure_ascii=False, indent=2)
    )


@scheduler_cli.command("run")
def scheduler_run():
    """The production scheduler: reminders planned daily (and caught up at start), mail sent
    every minute. Run one; a second one stays idle."""
    from flask import current_app

    from portal import scheduler

    click.echo(
        f"scheduler: {scheduler.HOLDER}, planning daily at {current_app.config['REMINDER_HOUR']}:00"
    )
    scheduler.build(current_app._get_current_object(), blocking=True).start()


@mail_cli.command("send")
def mail_send():
    """One pass over the outbox: send what is due by SMTP (nothing without SMTP_HOST)."""
    from portal.services import mail

    if not mail.configured():
        click.echo("mail: SMTP_HOST is not set; messages stay in the outbox")
        return
    result = mail.send_pending()
    click.echo(f"mail: {result.sent} sent, {result.retried} to retry, {result.failed} failed")


@reminders_cli.command("run")
@click.option("--today", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None)
@click.option("--dry-run", is_flag=True, help="Print what would be planned; write nothing.")
def reminders_run(day, dry_run: bool):
    """Plan the reminders due up to today (catching up on missed days) into the outbox."""
    from portal.services import reminders

    today = day.date() if day else clock.today()
    report = reminders.run(today, dry_run=dry_run)
    if dry_run:
        for row in report.rows:
            click.echo(
                f"{row['planned_for']}  {row['kind'].value:<16} {row['item_type']} "
                f"#{row['item_id']} -> user #{row['recipient_id']} ({row['occurrence']}, "
                f"due {row['due_date']})"
            )
    else:
        db.session.commit()
    days = f"{report.days[0]}..{report.days[-1]}" if len(report.days) > 1 else report.days[0]
    click.echo(
        f"reminders: {report.planned} due over {days}, "
        + ("nothing written (dry run)" if dry_run else f"{report.written} new in the outbox")
    )


@tenders_cli.command("simulate")
@click.argument("file", type=click.File("rb"))
def tenders_simulate(file):
    """Apply a selection method to sample bids (JSON) and print the result as JSON.

    The same formulas as the portal's; exit status 2 on input no method can use.
    """
    import json

    from portal.services import selection

    try:
        data = json.loads(file.read().decode("utf-8"))
        method, bids = selection.from_json(data)
        result = selection.evaluate(method, bids)
    except (ValueError, UnicodeDecodeError) as error:  # json.JSONDecodeError is a ValueError
        click.echo(f"error: not a JSON file ({error})", err=True)
        raise SystemExit(2) from None
    except DomainError as refused:
        click.echo(f"error: {refused.message}", err=True)
        raise SystemExit(2) from None
    click.echo(json.dumps(selection.to_json(result), ensure_ascii=False, indent=2))
