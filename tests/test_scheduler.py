"""The scheduler's lease: one active scheduler; a second one stays idle until the first
stops renewing; the jobs themselves plan and send."""

import threading
from datetime import date, timedelta

import sqlalchemy as sa

from portal import clock, scheduler
from portal.extensions import db
from portal.models import Lease, OutboxMessage, OutboxStatus, Role


def test_a_second_scheduler_stays_idle_while_the_first_renews(app):
    with app.app_context():
        assert scheduler.acquire("planner", "first")
        assert not scheduler.acquire("planner", "second")
        assert scheduler.acquire("planner", "first")  # renewed
        # The first one stops: once its lease expires, the second takes over.
        lease = db.session.get(Lease, "planner")
        lease.expires_at = lease.expires_at - timedelta(hours=1)
        db.session.commit()
        assert scheduler.acquire("planner", "second")
        assert not scheduler.acquire("planner", "first")


def test_three_schedulers_at_once_one_plans(
    app, monkeypatch, make_org, make_user, make_action, make_milestone
):
    day = date(2026, 6, 23)
    monkeypatch.setattr(clock, "today", lambda: day)
    utility = make_org()
    make_milestone(action=make_action(lead_organization=utility), due_date=day + timedelta(7))
    make_user(role=Role.CONTRIBUTOR, organization=utility)
    results = []
    threads = [
        threading.Thread(target=lambda n=n: results.append(scheduler.plan_reminders(app, f"s{n}")))
        for n in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Exactly one held the lease and planned the reminder; the others stayed idle.
    assert sorted(results, key=str) == [1, None, None]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 1


def test_the_jobs_are_scheduled_in_morocco_time_with_a_catch_up_at_start(app):
    built = scheduler.build(app, blocking=False)
    jobs = {job.id: job for job in built.get_jobs()}
    assert set(jobs) == {"plan-reminders", "catch-up", "send-mail"}
    assert str(built.timezone) == "Africa/Casablanca"
    assert "hour='7'" in str(jobs["plan-reminders"].trigger)


# The processes read the clock the tests see: moved ahead as much as theirs when CI moves it.
_FLASK_ON_THE_TESTS_CLOCK = """
import os, sys
from datetime import UTC, datetime, timedelta
days = int(os.environ.get("CLOCK_SHIFT_DAYS") or 0)
if days:
    import time_machine
    time_machine.travel(datetime.now(UTC) + timedelta(days=days), tick=True).start()
from flask.cli import main
sys.exit(main())
"""


def _processes(app, smtp_port: int, tmp_path, *args: str, count: int = 3):
    """`count` portal processes against the test database and the loopback SMTP server."""
    import os
    import subprocess
    import sys

    env = dict(
        os.environ,
        FLASK_APP="wsgi",
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        SECRET_KEY="test-secret-key",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(smtp_port),
        MAIL_SEND_INTERVAL_SECONDS="1",
        SCHEDULER_LEASE_SECONDS="5",
    )
    env.pop("EMBED_SCHEDULER", None)
    return [
        subprocess.Popen(
            [sys.executable, "-c", _FLASK_ON_THE_TESTS_CLOCK, *args],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(tmp_path / f"process-{n}.log").open("w"),
        )
        for n in range(count)
    ]


def _stop(processes) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=10)
        except Exception:
            process.kill()


def _due_in_a_week(app, make_org, make_user, make_action, make_milestone, count: int):
    with app.app_context():
        today = clock.today()
    utility = make_org()
    action = make_action(lead_organization=utility)
    for n in range(count):
        make_milestone(action=action, due_date=today + timedelta(days=7), title=f"Jalon {n}")
    make_user(role=Role.CONTRIBUTOR, organization=utility)
    return today


def _wait_for(condition, seconds: float) -> bool:
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.25)
    return condition()


def test_three_scheduler_processes_plan_and_deliver_each_reminder_once(
    app, smtp, tmp_path, make_org, make_user, make_action, make_milestone
):
    import time

    from portal.models import OutboxStatus

    _due_in_a_week(app, make_org, make_user, make_action, make_milestone, 12)
    processes = _processes(app, app.config["SMTP_PORT"], tmp_path, "scheduler", "run")
    try:
        # Each process catches up at start; the one holding the lease plans and sends.
        delivered = _wait_for(lambda: len(smtp.messages) >= 12, 90)
        time.sleep(3)  # a few more sending rounds: nothing more may arrive
    finally:
        _stop(processes)
    logs = "\n".join(p.read_text() for p in tmp_path.glob("process-*.log"))
    assert delivered, logs[-3000:]
    assert len(smtp.messages) == 12
    assert len({m["Message-ID"] for m in smtp.messages}) == 12
    with app.app_context():
        statuses = db.session.scalars(sa.select(OutboxMessage.status)).all()
        assert statuses == [OutboxStatus.SENT] * 12


def test_three_sender_processes_at_once_send_each_message_once(
    app, smtp, tmp_path, make_org, make_user, make_action, make_milestone
):
    from portal.services import reminders

    today = _due_in_a_week(app, make_org, make_user, make_action, make_milestone, 40)
    with app.app_context():
        assert reminders.run(today).written == 40
        db.session.commit()
    # No lease here: `flask mail send` claims each message, and only one process wins each.
    processes = _processes(app, app.config["SMTP_PORT"], tmp_path, "mail", "send")
    for process in processes:
        assert process.wait(timeout=120) == 0
    assert len(smtp.messages) == 40
    assert len({m["Message-ID"] for m in smtp.messages}) == 40


def test_a_sender_that_loses_its_lease_midway_stops(
    app, smtp, make_org, make_user, make_action, make_milestone
):
    """A pass renews the sender's lease before each message; one that outlasted it (a slow
    mail server) and finds another sender holding it stops at once, so that two senders
    never run side by side for long."""
    from portal.services import mail, reminders

    today = _due_in_a_week(app, make_org, make_user, make_action, make_milestone, 3)
    with app.app_context():
        assert reminders.run(today).written == 3
        db.session.commit()
        assert scheduler.acquire("sender", "first")
        asked = []

        def still_mine() -> bool:
            asked.append(True)
            if len(asked) == 2:
                # The first message took longer than the lease: a second sender took over.
                lease = db.session.get(Lease, "sender")
                lease.expires_at = lease.expires_at - timedelta(hours=1)
                db.session.commit()
                assert scheduler.acquire("sender", "second")
            return scheduler.acquire("sender", "first")

        result = mail.send_pending(still_mine=still_mine)
    assert (result.sent, result.stopped) == (1, True)
    assert len(smtp.messages) == 1
    with app.app_context():
        assert db.session.get(Lease, "sender").holder == "second"
        # The rest waits, unclaimed, for the sender that holds the lease.
        waiting = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.claim.is_(None))
        )
    assert waiting == 2
