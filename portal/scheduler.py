"""The scheduler: plans the reminders daily (and catches up at start) and sends the outbox
every minute. A lease in the database makes a second scheduler, started by mistake, stay
idle; and sending claims each message, so even two active ones never send twice."""

import logging
import os
import socket
import uuid
from datetime import timedelta

import sqlalchemy as sa
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask, current_app
from sqlalchemy.dialects import postgresql, sqlite

from portal import clock
from portal.extensions import db
from portal.models.reminders import Lease
from portal.models.types import utcnow

log = logging.getLogger(__name__)
HOLDER = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def acquire(name: str, holder: str = HOLDER, seconds: int | None = None) -> bool:
    """Take or renew the lease `name`; False when another live holder has it. The lease
    outlasts a job's run and is renewed at each one."""
    seconds = seconds or current_app.config["SCHEDULER_LEASE_SECONDS"]
    now = utcnow()
    expires = now + timedelta(seconds=seconds)
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(
        insert(Lease)
        .values(name=name, holder=holder, expires_at=expires)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    # Renew our own lease, or take one whose holder stopped renewing it.
    db.session.execute(
        sa.update(Lease)
        .where(Lease.name == name, sa.or_(Lease.holder == holder, Lease.expires_at < now))
        .values(holder=holder, expires_at=expires)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return db.session.scalar(sa.select(Lease.holder).where(Lease.name == name)) == holder


def plan_reminders(app: Flask, holder: str = HOLDER) -> int | None:
    """The daily planning (which also catches up on missed days); None when idle."""
    from portal.services import reminders

    with app.app_context():
        if not acquire("planner", holder):
            return None
        report = reminders.run(clock.today())
        db.session.commit()
        log.info("reminders planned: %s new over %s day(s)", report.written, len(report.days))
        return report.written


def send_mail(app: Flask, holder: str = HOLDER):
    from portal.services import mail
    from portal.services.diagnostic import outcomes

    with app.app_context():
        if not acquire("sender", holder):
            return None
        # A long pass (a slow mail server) renews the lease as it goes, and stops if another
        # sender took it meanwhile.
        result = mail.send_pending(still_mine=lambda: acquire("sender", holder))
        if not result.stopped and acquire("sender", holder):
            outcomes.send_outcomes()
        return result


def build(app: Flask, *, blocking: bool):
    """The jobs on a scheduler; missed runs are coalesced and run late rather than dropped."""
    timezone = app.config["DISPLAY_TIMEZONE"]
    scheduler = (BlockingScheduler if blocking else BackgroundScheduler)(
        timezone=timezone,
        job_defaults={"coalesce": True, "misfire_grace_time": 24 * 3600, "max_instances": 1},
    )
    scheduler.add_job(
        plan_reminders,
        CronTrigger(hour=app.config["REMINDER_HOUR"], minute=0, timezone=timezone),
        args=[app],
        id="plan-reminders",
    )
    # At start: catch up on the days missed while nothing ran.
    scheduler.add_job(plan_reminders, args=[app], id="catch-up")
    scheduler.add_job(
        send_mail,
        IntervalTrigger(seconds=app.config["MAIL_SEND_INTERVAL_SECONDS"]),
        args=[app],
        id="send-mail",
    )
    return scheduler


def embed(app: Flask) -> None:
    """One scheduler inside the demo server (`make run`), in the serving process only: with
    the reloader, the watching parent process does not start one."""
    if os.environ.get("WERKZEUG_RUN_MAIN") != "true" and app.debug:
        return
    build(app, blocking=False).start()
