"""The demo, on whatever day it is loaded: every account has something to do and something
that happened to read, told from the demo's own history, and the day plans reminders."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
import time_machine

from portal.extensions import db
from portal.models import OutboxMessage, User
from portal.models.reminders import EVENT_KINDS, ReminderKind
from portal.services import reminders, tasks
from seeds import demo

CASABLANCA = ZoneInfo("Africa/Casablanca")
K = ReminderKind

# What each demo account is given to do on the day the demo is loaded, at least.
EXPECTED_TASKS = {
    "admin@sdtn.demo": {"outbox_stuck"},
    "central@sdtn.demo": {
        "milestone_approve_central",
        "change_request_decide",
        "installment_pay",
        "site_decide",
        "scenario_approve",  # Fès's concession, endorsed by the city
    },
    "local.marrakech@sdtn.demo": {
        "milestone_approve_local",
        "commitment_validate",
        "installment_confirm",
        "site_decide",
    },
    "local.fes@sdtn.demo": {"milestone_approve_local", "commitment_validate", "site_decide"},
    "local.agadir@sdtn.demo": {
        "milestone_approve_local",
        "commitment_accept",
        "commitment_validate",
        "site_decide",
    },
    "contributeur@sdtn.demo": {"commitment_late", "installment_confirm"},
    "radeef@sdtn.demo": {"commitment_late", "installment_confirm"},
    "ramsa@sdtn.demo": {"milestone_deliver", "commitment_late", "installment_confirm"},
    "iam@sdtn.demo": {"milestone_deliver", "installment_pay"},
    "orange@sdtn.demo": {"installment_pay"},
    "inwi@sdtn.demo": {"installment_pay"},
    "secretariat@sdtn.demo": {"plan_adopt", "agreement_sign", "installment_dispute"},
    "evaluateur@sdtn.demo": {"tender_declaration", "tender_scores", "site_assess"},
    "evaluatrice@sdtn.demo": {"tender_declaration", "site_assess"},
    "adc@sdtn.demo": {"tender_bid"},
    "rsn@sdtn.demo": {"tender_bid"},
    "mcs@sdtn.demo": {"tender_bid"},
    "mul@sdtn.demo": {"tender_bid"},
    # Reads only: nothing waits on the observer.
    "observateur@sdtn.demo": set(),
}

# A few of the events each account was told about, as the demo's history left them.
EXPECTED_EVENTS = {
    "central@sdtn.demo": {
        K.MILESTONE_APPROVED_LOCALLY,
        K.CHANGE_REQUESTED,
        K.SITE_TO_DECIDE,
        K.SCENARIO_ENDORSED,
    },
    "local.marrakech@sdtn.demo": {
        K.MILESTONE_SUBMITTED,
        K.PROGRESS_DECLARED,
        K.SCENARIO_SUBMITTED,
        K.SCENARIO_APPROVED,
    },
    "local.agadir@sdtn.demo": {K.COMMITMENT_PROPOSED},
    "contributeur@sdtn.demo": {K.PROGRESS_DECIDED, K.PAYMENT_RECORDED, K.COMMITMENT_ACCEPTED},
    "iam@sdtn.demo": {K.INSTALLMENT_INVOICED, K.AGREEMENT_SIGNED},
    "secretariat@sdtn.demo": {K.DISPUTE_OPENED, K.BID_RECEIVED},
    "evaluatrice@sdtn.demo": {K.TENDER_COMMITTEE},
    "evaluateur@sdtn.demo": {K.TENDER_COMMITTEE, K.TENDER_STAGE},
    "adc@sdtn.demo": {K.TENDER_PUBLISHED, K.TENDER_DECIDED},
    "mul@sdtn.demo": {K.TENDER_PUBLISHED},
}


def _load(app, day: date):
    with app.test_request_context():
        demo.load_demo(today=day)
        db.session.commit()


# A Monday, a Sunday at a month's end and the first of a month (the demo's schedules are
# quarterly from the 15th, its other dates relative to the day).
@pytest.mark.parametrize("day", [date(2027, 3, 1), date(2027, 5, 31), date(2027, 9, 6)])
def test_every_demo_account_has_work_and_news_the_day_the_demo_is_loaded(app, day):
    noon = datetime.combine(day, time(12), tzinfo=CASABLANCA)
    with time_machine.travel(noon, tick=False):
        _load(app, day)
        with app.test_request_context():
            at = tasks.At(day, noon)
            users = {u.email: u for u in db.session.scalars(sa.select(User))}
            for email, expected in EXPECTED_TASKS.items():
                held = {kind.name for kind, _n in tasks.summary(users[email], at)}
                assert expected <= held, (email, expected - held)
                if not expected:
                    assert held == set(), email
            events = db.session.execute(
                sa.select(OutboxMessage.recipient_id, OutboxMessage.kind).where(
                    OutboxMessage.kind.in_(EVENT_KINDS)
                )
            ).all()
            told: dict[int, set] = {}
            for recipient, kind in events:
                told.setdefault(recipient, set()).add(kind)
            for email, expected in EXPECTED_EVENTS.items():
                assert expected <= told.get(users[email].id, set()), email
            # Everyone who holds a role that acts has something in the centre.
            for email in EXPECTED_TASKS:
                if email not in ("admin@sdtn.demo", "observateur@sdtn.demo"):
                    assert told.get(users[email].id), email
            # Never an event dated after the day, nor told to the person who acted.
            latest = db.session.scalar(sa.select(sa.func.max(OutboxMessage.created_at)))
            assert latest <= noon
            assert not db.session.scalar(
                sa.select(sa.func.count()).where(
                    OutboxMessage.actor_id == OutboxMessage.recipient_id
                )
            )
            # What is more than two weeks old has been read; what is recent has not.
            unread_old = db.session.scalar(
                sa.select(sa.func.count()).where(
                    OutboxMessage.read_at.is_(None),
                    OutboxMessage.created_at < noon - timedelta(days=15),
                )
            )
            assert unread_old == 0
            # The day of loading plans reminders (a commitment three weeks late, a tender
            # whose offers close in a week).
            report = reminders.run(day)
            db.session.commit()
            assert report.written > 0
            planned = db.session.execute(
                sa.select(OutboxMessage.kind, OutboxMessage.occurrence).where(
                    OutboxMessage.planned_for == day
                )
            ).all()
            assert (K.COMMITMENT_DUE, "escalation-central") in planned
            assert (K.TENDER_SUBMISSION, "lead-7") in planned


def test_the_demo_scenarios_stand_where_the_story_says(app):
    from portal.models import City, Scenario, ScenarioStatus

    day = date(2027, 3, 1)
    with time_machine.travel(datetime.combine(day, time(12), tzinfo=CASABLANCA), tick=False):
        _load(app, day)
    with app.app_context():
        found = {}
        for slug, status in db.session.execute(
            sa.select(City.slug, Scenario.status).join(City, Scenario.city_id == City.id)
        ):
            found.setdefault(slug, []).append(status)
    S = ScenarioStatus
    assert sorted(found["marrakech"], key=str) == sorted([S.APPROVED, S.DRAFT, S.DRAFT], key=str)
    assert sorted(found["fes"], key=str) == sorted([S.ENDORSED, S.DRAFT, S.DRAFT], key=str)
    assert found["agadir"] == [S.DRAFT] * 3
