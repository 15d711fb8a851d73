"""Flask commands: seeding, first account, backups, the scheduler and its jobs by hand.

What the commands say to people comes in the operator's language, read from the shell's
locale as gettext reads it (LANGUAGE, LC_ALL, LC_MESSAGES, LANG: `LANG=ar_MA.UTF-8 flask
seed accounts`), in French when it is none of the portal's. What they print for programs
(JSON, the dry run's rows) stays as it is."""

import functools
import os
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup, ScriptInfo
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_migrate.cli import db as migrate_cli

from portal import clock, config
from portal.extensions import db
from portal.models.organizations import Organization
from portal.services import accounts, backup, seeding
from portal.services.errors import DomainError
from seeds import demo


def operator_language(environ=os.environ) -> str:
    """The shell's language when the portal speaks it, else French. The first of LC_ALL,
    LC_MESSAGES and LANG that is set decides; LANGUAGE, a list, comes first unless that
    locale is C or POSIX (as GNU gettext does)."""
    locale = next((environ[n] for n in ("LC_ALL", "LC_MESSAGES", "LANG") if environ.get(n)), "")
    candidates = [locale]
    if locale.split(".")[0] not in ("", "C", "POSIX"):
        candidates = environ.get("LANGUAGE", "").split(":") + candidates
    for value in candidates:
        code = value.split(".")[0].split("@")[0].split("_")[0].lower()
        if code in config.LANGUAGES:
            return code
    return "fr"


def spoken(command):
    """A command's callback run in the operator's language."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        with force_locale(config.locale_of(operator_language())):
            return command(*args, **kwargs)

    return run


def refuse(message, status: int = 1):
    """Say why the command stops, on standard error in the operator's language, and stop."""
    click.echo(_("Erreur : %(message)s", message=message), err=True)
    raise SystemExit(status)


class SpokenGroup(AppGroup):
    """Commands that speak the operator's language, prompts included (those come before
    the callback runs, while the arguments are read)."""

    def invoke(self, ctx):
        app = ctx.ensure_object(ScriptInfo).load_app()
        with app.app_context(), force_locale(config.locale_of(operator_language())):
            return super().invoke(ctx)


seed_cli = SpokenGroup("seed", help="Load reference and demo data.")
users_cli = SpokenGroup("users", help="Manage accounts from the command line.")
tenders_cli = SpokenGroup("tenders", help="Provider selection.")
reminders_cli = SpokenGroup("reminders", help="Deadline reminders.")
mail_cli = SpokenGroup("mail", help="Outgoing mail.")
scheduler_cli = SpokenGroup("scheduler", help="The scheduled jobs (reminders, mail).")
tasks_cli = SpokenGroup("tasks", help="What waits on whom.")
scenarios_cli = SpokenGroup(
    "scenarios", help="Cities' involvement scenarios and the networks' business model."
)


@seed_cli.command("reference")
def seed_reference():
    """The pilot cities and the programme's organisations."""
    added = seeding.load_reference()
    db.session.commit()
    click.echo(_("Données de référence : %(added)s", added=_counted(added)))


@seed_cli.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when accounts already exist.")
def seed_demo(if_empty: bool):
    """Reference data and one demo account per role (idempotent)."""
    if current_app.config["PORTAL_ENV"] == "production":
        refuse(
            _(
                "Les comptes de démonstration ont un mot de passe publié : ils ne sont pas "
                "chargés quand PORTAL_ENV=production."
            )
        )
    if if_empty and not seeding.is_empty():
        click.echo(_("Démonstration : la base a déjà des comptes, rien n'est chargé."))
        return
    added = demo.load_demo(today=clock.today())
    db.session.commit()
    click.echo(_("Démonstration chargée : %(added)s", added=_counted(added)))


def _counted(added: dict) -> str:
    """What a load added, as "cities 3, users 19" (the tables' names, for the operator)."""
    return ", ".join(f"{table} {count}" for table, count in added.items()) or "0"


@seed_cli.command("accounts")
def seed_accounts():
    """Print the demo accounts and their password."""
    from types import SimpleNamespace

    from portal.labels import ROLE_LABELS
    from portal.names import local
    from seeds import demo, reference

    cities = {c["slug"]: local(SimpleNamespace(**c)) for c in reference.CITIES}
    click.echo("")
    click.echo(_("Portail SDTN : %(url)s", url="http://127.0.0.1:5000"))
    click.echo(
        _(
            "Comptes de démonstration (mot de passe commun : %(password)s) :",
            password=demo.DEMO_PASSWORD,
        )
    )
    for email, _name, organization, roles in demo.USERS:
        described = ", ".join(
            str(ROLE_LABELS[role]) + (f" ({cities[city]})" if city else "") for role, city in roles
        )
        click.echo(f"  {email:<28} {described} - {organization}")
    click.echo("")


@users_cli.command("create-admin")
@click.option("--email", prompt=_l("Adresse e-mail"))
@click.option("--name", "full_name", prompt=_l("Nom complet"))
@click.option(
    "--organization",
    default="DUAT",
    show_default=True,
    help="Short name of the administrator's organisation (from `flask seed reference`).",
)
@click.option(
    "--password",
    prompt=_l("Mot de passe"),
    confirmation_prompt=_l("Confirmer le mot de passe"),
    hide_input=True,
)
def create_admin(email: str, full_name: str, organization: str, password: str):
    """Create the first administrator account."""
    org_id = db.session.scalar(
        sa.select(Organization.id).where(Organization.short_name == organization)
    )
    if org_id is None:
        refuse(
            _(
                "Pas d'organisme « %(name)s » : lancez d'abord `flask seed reference`.",
                name=organization,
            )
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
        refuse(error.message)
    db.session.commit()
    click.echo(_("Administrateur %(email)s créé.", email=user.email))


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(tenders_cli)
    app.cli.add_command(reminders_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(scheduler_cli)
    app.cli.add_command(tasks_cli)
    app.cli.add_command(scenarios_cli)
    # Beside Flask-Migrate's own: flask db upgrade, flask db backup, flask db restore.
    migrate_cli.add_command(db_backup)
    migrate_cli.add_command(db_restore)


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@spoken
def db_backup(target: Path):
    """Copy the whole database to TARGET (SQLite: a database file; PostgreSQL: a pg_dump
    archive). Safe while the portal runs."""
    try:
        backup.create(target)
    except backup.BackupError as error:
        refuse(error)
    click.echo(_("Sauvegarde écrite dans %(path)s.", path=target))


@click.command("restore")
# Whether it exists is the restore's own check: said in the operator's language.
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@spoken
def db_restore(source: Path, yes: bool):
    """Replace the whole database by the copy in SOURCE. Stop the portal and the scheduler
    first."""
    if not yes:
        click.confirm(_("Toutes les lignes de la base seront remplacées. Continuer ?"), abort=True)
    try:
        backup.restore(source)
    except backup.BackupError as error:
        refuse(error)
    click.echo(_("Base restaurée depuis %(path)s.", path=source))


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
        refuse(_("Aucun compte actif « %(email)s ».", email=email), status=2)
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
        _(
            "Planificateur %(holder)s : rappels planifiés chaque jour à %(hour)s h.",
            holder=scheduler.HOLDER,
            hour=current_app.config["REMINDER_HOUR"],
        )
    )
    scheduler.build(current_app._get_current_object(), blocking=True).start()


@mail_cli.command("send")
def mail_send():
    """One pass over the outbox: send what is due by SMTP (nothing without SMTP_HOST)."""
    from portal.services import mail

    if not mail.configured():
        click.echo(_("Courriel : SMTP_HOST n'est pas défini ; les messages restent en attente."))
        return
    result = mail.send_pending()
    click.echo(
        _(
            "Courriel — envoyés : %(sent)s ; à réessayer : %(retried)s ; en échec : %(failed)s.",
            sent=result.sent,
            retried=result.retried,
            failed=result.failed,
        )
    )


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
    if dry_run:
        said = _(
            "Rappels dus sur %(days)s : %(planned)s ; rien d'écrit (essai à blanc).",
            planned=report.planned,
            days=days,
        )
    else:
        said = _(
            "Rappels dus sur %(days)s : %(planned)s ; nouveaux en attente d'envoi : %(written)s.",
            planned=report.planned,
            days=days,
            written=report.written,
        )
    click.echo(said)


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
        refuse(_("Ce n'est pas un fichier JSON (%(error)s).", error=error), status=2)
    except DomainError as refused:
        refuse(refused.message, status=2)
    click.echo(json.dumps(selection.to_json(result), ensure_ascii=False, indent=2))


@scenarios_cli.command("evaluate")
@click.argument("file", type=click.File("rb"))
def scenarios_evaluate(file):
    """Evaluate a scenario's cash-flow lines (JSON) and print every party's figures as JSON:
    yearly nets, cumulative position, NPV, IRR, payback years and peak funding.

    The same engine as the portal's pages; exit status 2 on input it cannot use.
    """
    import json

    from portal.services.scenarios import engine

    try:
        model = engine.from_json(json.loads(file.read().decode("utf-8")))
        evaluation = engine.evaluate(model)
    except (ValueError, UnicodeDecodeError) as error:
        refuse(_("Ce n'est pas un fichier JSON (%(error)s).", error=error), status=2)
    except DomainError as refused:
        refuse(refused.message, status=2)
    click.echo(json.dumps(engine.to_json(evaluation), ensure_ascii=False, indent=2))
