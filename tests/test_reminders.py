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
    assert "lead-7" in result.output and "rien d'écrit" in result.output
    assert outbox(app) == set()
    result = runner.invoke(args=["reminders", "run", "--today", day])
    assert "nouveaux en attente d'envoi : 1" in result.output
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


def at(day: date, hour: int = 9):
    from datetime import UTC, datetime, time

    return datetime.combine(day, time(hour), tzinfo=UTC)


def entered(app, milestone_id: int, status: MilestoneStatus, day: date) -> None:
    """The milestone moved to `status` on `day`, as its history records it."""
    from portal.models import EventKind, Milestone, MilestoneEvent

    with app.app_context():
        db.session.get(Milestone, milestone_id).status = status
        db.session.add(
            MilestoneEvent(
                milestone_id=milestone_id,
                kind=EventKind.TRANSITION,
                to_status=status,
                occurred_at=at(day),
            )
        )
        db.session.commit()


def kind_rows(app, kind: str) -> set[tuple]:
    return {(row[3], row[4]) for row in outbox(app) if row[0] == kind}


def test_an_approval_waits_on_the_city_then_on_the_ministry(
    app, world, make_milestone, make_city, make_user
):

    other_local = make_user(role=Role.LOCAL_DECISION_MAKER, city=make_city(name="Fès"))
    submitted = date(2026, 6, 1)
    milestone = make_milestone(action=world["action"], status=MilestoneStatus.SUBMITTED)
    entered(app, milestone.id, MilestoneStatus.SUBMITTED, submitted)
    local, central = world["local"].id, world["central"].id
    # Ten days to decide by default: due on the 11th; reminded 7 days and 1 day before.
    run(app, submitted)
    run(app, date(2026, 6, 10))
    assert kind_rows(app, "approval_waiting") == {(local, "lead-7"), (local, "lead-1")}
    # Approved locally on the 12th: now the ministry has ten days, due on the 22nd.
    entered(app, milestone.id, MilestoneStatus.APPROVED_LOCALLY, date(2026, 6, 12))
    run(app, date(2026, 6, 29))
    assert kind_rows(app, "approval_waiting") == {
        (local, "lead-7"),
        (local, "lead-1"),
        (central, "lead-7"),
        (central, "lead-1"),
        (central, "overdue-7"),
        (local, "escalation-local"),  # a week late: the city hears of it too
    }
    assert other_local.id not in {row[3] for row in outbox(app)}


def test_a_change_request_waits_on_the_central_decision_makers(app, world):
    from portal.models import ChangeRequest, ChangeRequestStatus

    with app.app_context():
        request = ChangeRequest(
            milestone_id=world["milestone"].id,
            requested_by_id=world["deliverer"].id,
            requested_at=at(date(2026, 6, 1)),
            current_due_date=DUE,
            proposed_due_date=DUE + timedelta(days=30),
            reason="Retard de livraison du matériel",
        )
        db.session.add(request)
        db.session.commit()
        request_id = request.id
    run(app, date(2026, 6, 4))
    central = world["central"].id
    assert {r for r in outbox(app) if r[0] == "change_request_waiting"} == {
        ("change_request_waiting", "change_request", request_id, central, "lead-7")
    }
    with app.app_context():
        db.session.get(ChangeRequest, request_id).status = ChangeRequestStatus.ACCEPTED
        db.session.commit()
    run(app, date(2026, 6, 12))
    assert kind_rows(app, "change_request_waiting") == {(central, "lead-7")}


def test_a_moved_deadline_is_reminded_again(app, world):
    from portal.models import Milestone

    run(app, DUE - timedelta(days=7))
    with app.app_context():
        db.session.get(Milestone, world["milestone"].id).due_date = DUE + timedelta(days=7)
        db.session.commit()
    run(app, DUE)  # seven days before the new deadline
    leads = [row for row in outbox(app) if row[0] == "milestone_due"]
    assert len(leads) == 1  # the set collapses the two: check the rows themselves
    with app.app_context():
        due_dates = sorted(
            m.due_date
            for m in db.session.scalars(
                sa.select(OutboxMessage).where(OutboxMessage.occurrence == "lead-7")
            )
        )
    assert due_dates == [DUE, DUE + timedelta(days=7)]


@pytest.fixture
def tender_world(app, world, make_org, make_user, make_city):
    from portal.models import (
        Bid,
        CommitteeMember,
        CommitteeRole,
        Declaration,
        Lot,
        OrganizationKind,
        Procedure,
        Tender,
        TenderCategory,
        TenderStage,
    )

    city = world["city"]
    elsewhere = make_city(name="Agadir")
    market = {
        "waiting": make_org(city=city, kind=OrganizationKind.PROVIDER),
        "done": make_org(city=city, kind=OrganizationKind.PROVIDER),
        "national": make_org(kind=OrganizationKind.CONSULTANT),
        "elsewhere": make_org(city=elsewhere, kind=OrganizationKind.PROVIDER),
    }
    people = {
        name: make_user(role=Role.CONTRIBUTOR, organization=org) for name, org in market.items()
    }
    committee = {
        name: make_user(role=Role.EVALUATOR)
        for name in ("chair", "scored", "scoring", "recused", "observer", "undeclared")
    }
    with app.app_context():
        tender = Tender(
            reference="AO-2026-01",
            title="Wi-Fi public",
            city_id=city.id,
            category=TenderCategory.SUPPLIES,
            procedure=Procedure.OPEN_CALL,
            estimate=Decimal("1000000.00"),
            submission_deadline=at(DUE, 12),
            opening_session=at(DUE + timedelta(days=1), 10),
            evaluation_due=DUE + timedelta(days=30),
            stage=TenderStage.PUBLISHED,
        )
        tender.lots = [
            Lot(number=1, title="Bornes", estimate=Decimal("600000.00")),
            Lot(number=2, title="Pose", estimate=Decimal("400000.00")),
        ]
        db.session.add(tender)
        db.session.flush()
        for lot in tender.lots:
            db.session.add(
                Bid(
                    lot_id=lot.id,
                    bidder_id=market["done"].id,
                    received_at=at(DUE - timedelta(days=10)),
                    sealed_price=Decimal("1.00"),
                )
            )
        db.session.add(
            Bid(
                lot_id=tender.lots[0].id,
                bidder_id=market["waiting"].id,
                received_at=at(DUE - timedelta(days=10)),
                sealed_price=Decimal("1.00"),
            )
        )
        roles = {
            "chair": (CommitteeRole.PRESIDENT, Declaration.NO_CONFLICT, False),
            "scored": (CommitteeRole.MEMBER, Declaration.NO_CONFLICT, True),
            "scoring": (CommitteeRole.RAPPORTEUR, Declaration.NO_CONFLICT, False),
            "recused": (CommitteeRole.MEMBER, Declaration.CONFLICT, False),
            "observer": (CommitteeRole.OBSERVER, Declaration.NO_CONFLICT, False),
            "undeclared": (CommitteeRole.MEMBER, None, False),
        }
        for name, (role, declaration, submitted) in roles.items():
            db.session.add(
                CommitteeMember(
                    tender_id=tender.id,
                    user_id=committee[name].id,
                    role=role,
                    declaration=declaration,
                    scores_submitted_at=at(DUE) if submitted else None,
                )
            )
        db.session.commit()
        tender_id = tender.id
    return {"tender_id": tender_id, "people": people, "committee": committee}


def set_stage(app, tender_id, stage):
    from portal.models import Tender, TenderStage

    with app.app_context():
        db.session.get(Tender, tender_id).stage = TenderStage(stage)
        db.session.commit()


def test_a_tender_deadline_reminds_its_committee_and_secretariat(
    app, world, tender_world, make_user
):
    committee = tender_world["committee"]
    secretariat = make_user(role=Role.SECRETARIAT)
    run(app, DUE - timedelta(days=7))
    # Every member but the recused one, and the secretariat that runs it; not the bidders.
    assert kind_rows(app, "tender_submission") == {
        (committee[name].id, "lead-7")
        for name in ("chair", "scored", "scoring", "observer", "undeclared")
    } | {(secretariat.id, "lead-7")}
    # The member who has not declared is reminded before the opening session (the next day).
    assert kind_rows(app, "tender_declaration") == set()
    run(app, DUE - timedelta(days=6))
    assert kind_rows(app, "tender_declaration") == {(committee["undeclared"].id, "lead-7")}
    # Still open a week after the deadline: reminded again, and the city is alerted.
    run(app, DUE + timedelta(days=7))
    late = {
        row for row in kind_rows(app, "tender_submission") if row[1].startswith(("over", "esc"))
    }
    assert (secretariat.id, "overdue-7") in late
    assert (world["local"].id, "escalation-local") in late
    # Closed: nothing more.
    set_stage(app, tender_world["tender_id"], "submissions_closed")
    before = kind_rows(app, "tender_submission")
    run(app, DUE + timedelta(days=14))
    assert kind_rows(app, "tender_submission") == before


def test_an_evaluation_reminds_who_has_not_scored_then_the_chair(app, world, tender_world):
    committee, tender_id = tender_world["committee"], tender_world["tender_id"]
    set_stage(app, tender_id, "technical_evaluation")
    due = DUE + timedelta(days=30)
    run(app, due - timedelta(days=7))
    # Not the member who handed in, the recused one or the observer.
    assert kind_rows(app, "tender_evaluation") == {
        (committee["chair"].id, "lead-7"),
        (committee["scoring"].id, "lead-7"),
        (committee["undeclared"].id, "lead-7"),
    }
    set_stage(app, tender_id, "ranking")
    run(app, due + timedelta(days=7))
    late = {row for row in kind_rows(app, "tender_evaluation") if row[1] != "lead-7"}
    assert late == {
        (committee["chair"].id, "lead-1"),
        (committee["chair"].id, "overdue-7"),
        (world["local"].id, "escalation-local"),
    }


def test_each_reminder_names_its_item_and_links_to_its_page(app, world, tender_world):
    from portal.models import ChangeRequest
    from portal.services import mail

    with app.app_context():
        db.session.add(
            ChangeRequest(
                milestone_id=world["milestone"].id,
                requested_by_id=world["deliverer"].id,
                requested_at=at(DUE - timedelta(days=10)),  # to decide by DUE
                current_due_date=DUE,
                proposed_due_date=DUE + timedelta(days=30),
                reason="Retard",
            )
        )
        db.session.commit()
    run(app, DUE - timedelta(days=7))
    with app.app_context():
        messages = db.session.scalars(sa.select(OutboxMessage)).all()
        described = mail.describe_many(messages)
        pages = {(m.kind.value, described[m.id].title, described[m.id].path) for m in messages}
    tender, milestone = tender_world["tender_id"], world["milestone"]
    assert {
        ("tender_submission", "AO-2026-01 — Wi-Fi public", f"/tenders/{tender}"),
        ("milestone_due", milestone.title, f"/milestones/{milestone.id}"),
        ("change_request_waiting", milestone.title, f"/milestones/{milestone.id}"),
    } <= pages


def test_an_escalation_replaces_the_plain_repeat_for_the_same_person(app, world, make_milestone):

    milestone = make_milestone(action=world["action"], status=MilestoneStatus.SUBMITTED)
    entered(app, milestone.id, MilestoneStatus.SUBMITTED, date(2026, 6, 1))
    # Due on the 11th; a week late on the 18th, the repeat and the city's escalation fall on
    # the same day, and the city's decision-maker is the one awaited: one reminder, not two.
    run(app, date(2026, 6, 18))
    local = world["local"].id
    assert {occ for user, occ in kind_rows(app, "approval_waiting") if user == local} == {
        "escalation-local"
    }
