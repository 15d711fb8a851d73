"""Planning deadline reminders: who gets what on which day, exactly once."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import (
    Agreement,
    AgreementPurpose,
    AgreementStatus,
    Commitment,
    CommitmentStatus,
    Installment,
    MilestoneStatus,
    OutboxMessage,
    PlannedDay,
    RaciAssignment,
    RaciRole,
    Role,
)
from portal.services import reminders

DUE = date(2026, 6, 30)


@pytest.fixture
def world(app, make_city, make_org, make_user, make_plan, make_action, make_milestone):
    city = make_city(name="Marrakech")
    utility = make_org(city=city, short_name="RADEEMA")
    operator = make_org(short_name="IAM")
    action = make_action(plan=make_plan(city=city), lead_organization=utility)
    return {
        "city": city,
        "utility": utility,
        "operator": operator,
        "action": action,
        "milestone": make_milestone(action=action, due_date=DUE),
        "deliverer": make_user(role=Role.CONTRIBUTOR, organization=utility),
        "gone": make_user(role=Role.CONTRIBUTOR, organization=utility, active=False),
        "operator_contributor": make_user(role=Role.CONTRIBUTOR, organization=operator),
        "local": make_user(role=Role.LOCAL_DECISION_MAKER, city=city),
        "central": make_user(role=Role.CENTRAL_DECISION_MAKER),
        "observer": make_user(role=Role.OBSERVER),
    }


def outbox(app) -> set[tuple]:
    with app.app_context():
        return {
            (m.kind.value, m.item_type, m.item_id, m.recipient_id, m.occurrence)
            for m in db.session.scalars(sa.select(OutboxMessage))
        }


def run(app, day: date, **kw):
    with app.app_context():
        report = reminders.run(day, **kw)
        db.session.commit()
        return report


def test_a_milestone_reminds_its_deliverers_30_7_and_1_days_before(app, world):
    milestone, deliverer = world["milestone"], world["deliverer"]
    for days_before in (30, 7, 1):
        run(app, DUE - timedelta(days=days_before))
    assert outbox(app) == {
        ("milestone_due", "milestone", milestone.id, deliverer.id, f"lead-{n}") for n in (30, 7, 1)
    }
    # Other days: nothing. The deactivated contributor and the observer never.
    run(app, DUE - timedelta(days=6))
    assert len(outbox(app)) == 3


def test_the_raci_responsible_and_accountable_organisations_are_reminded_too(app, world):
    with app.app_context():
        db.session.add(
            RaciAssignment(
                action_id=world["action"].id,
                organization_id=world["operator"].id,
                role=RaciRole.ACCOUNTABLE,
            )
        )
        db.session.commit()
    run(app, DUE - timedelta(days=7))
    recipients = {row[3] for row in outbox(app)}
    assert recipients == {world["deliverer"].id, world["operator_contributor"].id}


def test_a_late_item_is_repeated_weekly_and_climbs_the_hierarchy(app, world):
    milestone = world["milestone"]
    for late in range(1, 22):
        run(app, DUE + timedelta(days=late))
    sent = outbox(app)
    overdue = sorted(row[4] for row in sent if row[4].startswith("overdue"))
    assert overdue == ["overdue-14", "overdue-21", "overdue-7"]
    assert (
        "milestone_due",
        "milestone",
        milestone.id,
        world["local"].id,
        "escalation-local",
    ) in sent
    assert (
        "milestone_due",
        "milestone",
        milestone.id,
        world["central"].id,
        "escalation-central",
    ) in sent
    assert all(row[3] != world["observer"].id for row in sent)


def test_planning_twice_writes_nothing_more_and_a_dry_run_writes_nothing(app, world):
    day = DUE - timedelta(days=7)
    dry = run(app, day, dry_run=True)
    assert dry.planned == 1 and dry.written == 0 and outbox(app) == set()
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PlannedDay)) == 0
    assert run(app, day).written == 1
    again = run(app, day)
    assert (again.planned, again.written) == (1, 0)
    assert len(outbox(app)) == 1


def test_a_gap_of_several_days_is_caught_up_not_dropped(app, world):
    run(app, DUE - timedelta(days=10))
    # The planner was down from the 9th to the 2nd day before: the 7-day reminder is not lost.
    report = run(app, DUE - timedelta(days=1))
    assert report.days[0] == DUE - timedelta(days=9) and len(report.days) == 9
    assert {row[4] for row in outbox(app)} == {"lead-7", "lead-1"}


def test_a_done_milestone_reminds_nobody(app, world, make_milestone):
    make_milestone(action=world["action"], due_date=DUE, status=MilestoneStatus.APPROVED)
    make_milestone(action=world["action"], due_date=DUE, status=MilestoneStatus.SUBMITTED)
    run(app, DUE - timedelta(days=7))
    assert {row[2] for row in outbox(app)} == {world["milestone"].id}


def test_commitments_and_installments_remind_the_committed_and_the_paying(app, world):
    with app.app_context():
        commitment = Commitment(
            organization_id=world["operator"].id,
            city_id=world["city"].id,
            title="Fibre",
            indicator="km",
            unit="km",
            baseline_value=Decimal("0"),
            target_value=Decimal("40"),
            due_date=DUE,
            status=CommitmentStatus.IN_PROGRESS,
        )
        agreement = Agreement(
            city_id=world["city"].id,
            payer_id=world["operator"].id,
            payee_id=world["utility"].id,
            purpose=AgreementPurpose.USAGE_FEE,
            title="Redevance",
            total_amount=Decimal("100.00"),
            start_date=date(2026, 1, 1),
            status=AgreementStatus.SIGNED,
            installments=[Installment(due_date=DUE, amount=Decimal("100.00"))],
        )
        db.session.add_all([commitment, agreement])
        db.session.commit()
        commitment_id, installment_id = commitment.id, agreement.installments[0].id
    run(app, DUE - timedelta(days=30))
    operator = world["operator_contributor"].id
    assert {
        ("commitment_due", "commitment", commitment_id, operator, "lead-30"),
        ("installment_due", "installment", installment_id, operator, "lead-30"),
    } <= outbox(app)


def test_the_command_plans_for_a_given_day(app, world):
    runner = app.test_cli_runner()
    day = (DUE - timedelta(days=7)).isoformat()
    result = runner.invoke(args=["reminders", "run", "--today", day, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "lead-7" in result.output and "nothing written" in result.output
    assert outbox(app) == set()
    result = runner.invoke(args=["reminders", "run", "--today", day])
    assert "1 new in the outbox" in result.output
    assert len(outbox(app)) == 1


def test_two_planners_at_once_write_each_reminder_once(app, world, make_milestone):
    import threading

    for n in range(20):
        make_milestone(action=world["action"], due_date=DUE, title=f"Jalon parallèle {n}")
    day = DUE - timedelta(days=7)
    errors = []

    def plan():
        try:
            run(app, day)
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=plan) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(outbox(app)) == 21  # one reminder per milestone, whoever planned it
