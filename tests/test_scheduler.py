"""The scheduler's lease: one active scheduler; a second one stays idle until the first
stops renewing; the jobs themselves plan and send."""

import threading
from datetime import date, timedelta

import sqlalchemy as sa

from portal import clock, scheduler
from portal.extensions import db
from portal.models import Lease, OutboxMessage, Role


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
