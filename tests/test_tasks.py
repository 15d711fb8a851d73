"""What waits on whom: each kind of task goes to the people who must act and to no one else
(not another city's decision-maker, another organisation's people, an observer, a deactivated
account or a recused committee member), within its window, with its due date and lateness;
"who acts next" on an object names the same people; the "À faire" page, its filters and the
navigation's count; the command line's JSON; and a cost that does not grow with the data."""

import itertools
import json
import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
import time_machine
from flask import url_for

from portal.extensions import db
from portal.models import (
    Action,
    Agreement,
    AgreementPurpose,
    AgreementStatus,
    Assessment,
    Bid,
    ChangeRequest,
    ChangeRequestStatus,
    Commitment,
    CommitmentStatus,
    CommitmentUpdate,
    CommitteeMember,
    CommitteeRole,
    CriteriaSet,
    CriterionKind,
    Declaration,
    Domain,
    EventKind,
    FinancialMethod,
    Horizon,
    Indicator,
    IndicatorTarget,
    Installment,
    InstallmentStatus,
    Lot,
    Milestone,
    MilestoneEvent,
    MilestoneStatus,
    OrganizationKind,
    OutboxMessage,
    OutboxStatus,
    PlanStatus,
    Procedure,
    ReminderKind,
    ReminderRule,
    Role,
    Site,
    SiteCriterion,
    SiteKind,
    SiteStatus,
    Tender,
    TenderCategory,
    TenderStage,
    UpdateStatus,
    User,
)
from portal.services import tasks
from tests.conftest import statements

M = MilestoneStatus
I = InstallmentStatus  # noqa: E741
S = TenderStage
FM = FinancialMethod
C = CommitmentStatus
K = OrganizationKind

# A Monday of June: Morocco is at UTC+1, so 10:00 UTC is 11:00 there.
TODAY = date(2026, 6, 1)
NOW = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
AT = tasks.At(TODAY, NOW)
_serial = itertools.count(1)


def days(n: int) -> date:
    """The day `n` days after TODAY (before it when negative)."""
    return TODAY + timedelta(days=n)


def ago(n: int, hour: int = 9) -> datetime:
    """An instant `n` days before TODAY, at `hour` UTC (the same day in Morocco)."""
    return datetime.combine(days(-n), time(hour), tzinfo=UTC)


def add(obj):
    db.session.add(obj)
    db.session.commit()
    return obj


# --- Builders (they read only the ids of what they are given) ---------------------------------


def entered(milestone, status: MilestoneStatus, when: datetime) -> None:
    """A transition of the milestone's history into `status`, at `when`."""
    add(
        MilestoneEvent(
            milestone_id=milestone.id, kind=EventKind.TRANSITION, to_status=status, occurred_at=when
        )
    )


def change_request(milestone, by, *, status=ChangeRequestStatus.PENDING, when=None):
    return add(
        ChangeRequest(
            milestone_id=milestone.id,
            requested_by_id=by.id,
            requested_at=when or ago(4),
            current_due_date=milestone.due_date,
            proposed_due_date=milestone.due_date + timedelta(days=30),
            reason="Retard de livraison du fournisseur",
            status=status,
        )
    )


def new_action(plan, lead):
    domain = add(Domain(code=f"d-{next(_serial)}", name=f"Domaine {next(_serial)}"))
    return add(
        Action(
            plan_id=plan.id,
            code=f"B{next(_serial):03d}",
            title="Action à Fès",
            domain_id=domain.id,
            horizon=Horizon.SHORT,
            lead_organization_id=lead.id,
            budget=Decimal("1000.00"),
            planned_start=date(2026, 1, 1),
            planned_end=date(2026, 12, 31),
        )
    )


def commitment(organization, city, *, status=C.ACCEPTED, due=None, title="Raccorder 500 foyers"):
    return add(
        Commitment(
            organization_id=organization.id,
            city_id=city.id,
            title=title,
            indicator="Foyers raccordés",
            unit="foyers",
            baseline_value=Decimal("0"),
            target_value=Decimal("500"),
            due_date=due or days(60),
            status=status,
            created_at=ago(8),
        )
    )


def declared(commitment_, by, *, status=UpdateStatus.DECLARED, when=None):
    return add(
        CommitmentUpdate(
            commitment_id=commitment_.id,
            value=Decimal("120"),
            measured_on=days(-3),
            status=status,
            declared_by_id=by.id,
            declared_at=when or ago(3),
        )
    )


def agreement(city, payer, payee, *, status=AgreementStatus.SIGNED, title="Droit de passage"):
    return add(
        Agreement(
            city_id=city.id,
            payer_id=payer.id,
            payee_id=payee.id,
            purpose=AgreementPurpose.USAGE_FEE,
            title=title,
            total_amount=Decimal("1200.00"),
            start_date=date(2026, 1, 1),
            status=status,
            created_at=ago(6),
        )
    )


def installment(agreement_, due: date, status=I.PLANNED, *, paid_on=None):
    return add(
        Installment(
            agreement_id=agreement_.id,
            due_date=due,
            amount=Decimal("100.00"),
            status=status,
            paid_on=paid_on,
        )
    )


CITY = object()  # a tender of the world's city (None is a programme-wide one)


def tender(
    city,
    stage: TenderStage,
    *,
    method=FM.WEIGHTED,
    deadline=None,
    opening=None,
    evaluation_due=None,
    lots: int = 1,
):
    n = next(_serial)
    found = add(
        Tender(
            reference=f"AO-2026-{n:03d}",
            title="Plateforme de services en ligne",
            city_id=None if city is None else city.id,
            category=TenderCategory.SERVICES,
            procedure=Procedure.OPEN_CALL,
            estimate=Decimal("900000.00"),
            stage=stage,
            method=method,
            submission_deadline=deadline or NOW + timedelta(days=10),
            opening_session=opening,
            evaluation_due=evaluation_due or days(20),
            created_at=ago(9),
        )
    )
    for number in range(1, lots + 1):
        add(
            Lot(
                tender_id=found.id,
                number=number,
                title=f"Lot {number}",
                estimate=Decimal("450000.00"),
            )
        )
    return found


def lots_of(tender_) -> list[Lot]:
    return list(db.session.scalars(sa.select(Lot).where(Lot.tender_id == tender_.id)))


def sit(tender_, user, role=CommitteeRole.MEMBER, declaration=None, *, scored=False):
    """Put `user` on the tender's committee."""
    return add(
        CommitteeMember(
            tender_id=tender_.id,
            user_id=user.id,
            role=role,
            declaration=declaration,
            declared_at=ago(5) if declaration else None,
            scores_submitted_at=ago(1) if scored else None,
        )
    )


def committee(w, tender_, *, scored=True):
    """The world's committee, every declaration signed: the chair, a member, a recused
    member and a witness who sits without scoring."""
    clear, conflict = Declaration.NO_CONFLICT, Declaration.CONFLICT
    sit(tender_, w.chair, CommitteeRole.PRESIDENT, clear, scored=scored)
    sit(tender_, w.member, CommitteeRole.MEMBER, clear, scored=scored)
    sit(tender_, w.recused, CommitteeRole.RAPPORTEUR, conflict)
    sit(tender_, w.witness, CommitteeRole.OBSERVER, clear)


def bid(lot, organization):
    return add(
        Bid(
            lot_id=lot.id,
            bidder_id=organization.id,
            received_at=ago(1),
            sealed_price=Decimal("400000.00"),
        )
    )


def criteria(city, kind=SiteKind.DIGITAL_SPACE) -> None:
    """Published criteria for the city's sites of that kind."""
    published = add(CriteriaSet(city_id=city.id, kind=kind))
    add(
        SiteCriterion(
            criteria_set_id=published.id,
            kind=CriterionKind.TECHNICAL,
            label="Population desservie",
            weight=Decimal("100"),
        )
    )


def site(city, host, status=SiteStatus.PROPOSED, *, kind=SiteKind.DIGITAL_SPACE, since=None):
    n = next(_serial)
    return add(
        Site(
            city_id=city.id,
            district="Médina",
            kind=kind,
            name=f"Espace numérique {n}",
            address="Derb Dabachi",
            latitude=Decimal("31.629500"),
            longitude=Decimal("-7.981100"),
            host_organization_id=host.id,
            estimated_cost=Decimal("250000.00"),
            status=status,
            status_since=since or days(-6),
        )
    )


def target(city, *, measured: date, target_date=date(2027, 12, 31), district=""):
    n = next(_serial)
    domain = add(Domain(code=f"inclusion-{n}", name=f"Inclusion {n}"))
    indicator = add(
        Indicator(code=f"fibre-{n}", name=f"Foyers fibrés {n}", unit="%", domain_id=domain.id)
    )
    return add(
        IndicatorTarget(
            indicator_id=indicator.id,
            city_id=city.id,
            district=district,
            baseline_value=Decimal("12"),
            baseline_date=date(2025, 1, 1),
            target_value=Decimal("60"),
            target_date=target_date,
            current_value=Decimal("20"),
            current_date=measured,
        )
    )


def message(recipient, status=OutboxStatus.PENDING, *, created=None, next_attempt=None, read=False):
    n = next(_serial)
    return add(
        OutboxMessage(
            key=f"test-{n}",
            recipient_id=recipient.id,
            kind=ReminderKind.MILESTONE_DUE,
            item_type="milestone",
            item_id=n,
            occurrence="lead-7",
            planned_for=TODAY,
            created_at=created or NOW - timedelta(hours=3),
            status=status,
            next_attempt_at=next_attempt,
            read_at=NOW if read else None,
        )
    )


# --- Reading what waits -----------------------------------------------------------------------


def listed(user) -> dict[tuple[str, int | None], tasks.Task]:
    """This person's whole list, by (kind, item)."""
    return {(task.kind.name, task.item_id): task for task in tasks.everything(user, AT)}


def task_of(user, kind: str, item_id) -> tasks.Task:
    found = listed(user)
    assert (kind, item_id) in found, sorted(found)
    return found[kind, item_id]


def holders(w, kind: str, item_id) -> set[str]:
    """The names (in the world) of the people whose own list of that kind holds this task."""
    return {
        name
        for name, user in w.people.items()
        if item_id in {t.item_id for t in tasks.listing(user, AT, kinds={kind}, per_page=500).items}
    }


def acting_next(page: str, link_id: int, kind: str) -> set[str] | None:
    """The full names "who acts next" gives for that kind on the object; None when the
    object does not wait for it."""
    for waiting in tasks.waiting_on(page, link_id, AT):
        if waiting.kind.name == kind:
            return {name for name, _organization in waiting.people}
    return None


def full_names(w, names) -> set[str]:
    return {w.people[name].full_name for name in names}


def check_holders(w, kind, item_id, expected: set[str], *, page: str, link_id=None):
    """Exactly `expected` hold the task in their list, and the object's page names the same
    people as the ones who act next."""
    assert holders(w, kind, item_id) == expected
    assert acting_next(page, link_id or item_id, kind) == full_names(w, expected)


# --- The world: a city, its stakeholders, and people who must not be given the task -----------


@pytest.fixture
def svc(app, ctx):
    """A request context (the tasks' links are built with url_for) on the test's session."""
    with app.test_request_context("/"):
        yield


@pytest.fixture
def w(svc, make_city, make_org, make_user, make_plan, make_action, make_milestone):
    city = make_city(name="Marrakech", slug="marrakech")
    elsewhere = make_city(name="Agadir", slug="agadir")
    ministry = make_org(name="Ministère", short_name="MTNRA", kind=K.MINISTRY)
    utility = make_org(name="Régie RADEEMA", short_name="RADEEMA", kind=K.UTILITY, city=city)
    onee = make_org(name="ONEE Marrakech", short_name="ONEE", kind=K.UTILITY, city=city)
    operator = make_org(name="Opérateur IAM", short_name="IAM", kind=K.TELECOM_OPERATOR)
    commune = make_org(name="Commune de Marrakech", short_name="CUM", kind=K.COMMUNE, city=city)
    alpha = make_org(name="Alpha Conseil", short_name="ALPHA", kind=K.CONSULTANT)
    gamma = make_org(name="Gamma Systèmes", short_name="GAMMA", kind=K.PROVIDER, city=city)
    souss = make_org(name="Souss Conseil", short_name="SOUSS", kind=K.CONSULTANT, city=elsewhere)

    def person(name, role, organization, *, city=None, active=True):
        return make_user(
            full_name=name, role=role, city=city, organization=organization, active=active
        )

    Co, L, E = Role.CONTRIBUTOR, Role.LOCAL_DECISION_MAKER, Role.EVALUATOR
    people = {
        # The responsible (and committed, and paying) organisation's people, and a former one.
        "deliverer": person("Hicham Alaoui", Co, utility),
        "colleague": person("Salma Idrissi", Co, utility),
        "former": person("Ancien Agent", Co, utility, active=False),
        # Another organisation of the same city.
        "stranger": person("Youssef Tazi", Co, onee),
        # The payee of the agreements.
        "payee": person("Amina Bennani", Co, operator),
        # The city's decision-makers, a former one, and another city's.
        "local": person("Khadija Ouazzani", L, commune, city=city),
        "former_local": person("Ancienne Décideuse", L, commune, city=city, active=False),
        "other_local": person("Omar Fassi", L, commune, city=elsewhere),
        "central": person("Rachid Benali", Role.CENTRAL_DECISION_MAKER, ministry),
        "secretariat": person("Leila Chraibi", Role.SECRETARIAT, ministry),
        "observer": person("Sara Observatrice", Role.OBSERVER, commune, city=city),
        "admin": person("Adam Admin", Role.ADMIN, ministry),
        # Evaluators: a committee (chair, member, recused, witness) and one on no committee.
        "chair": person("Fatima Zahra Lahlou", E, ministry),
        "member": person("Mehdi Sqalli", E, ministry),
        "recused": person("Rim Bennis", E, ministry),
        "witness": person("Walid Temoin", E, ministry),
        "outsider": person("Othmane Externe", E, ministry),
        # Bidders: a national consultancy, a provider of the city, another city's consultancy.
        "karim": person("Karim Alpha", Co, alpha),
        "ghita": person("Ghita Gamma", Co, gamma),
        "souad": person("Souad Souss", Co, souss),
    }
    plan = make_plan(city=city, status=PlanStatus.ADOPTED)
    action = make_action(plan=plan, lead_organization=utility)
    return SimpleNamespace(
        people=people,
        **people,
        city=city,
        elsewhere=elsewhere,
        ministry=ministry,
        utility=utility,
        onee=onee,
        operator=operator,
        commune=commune,
        alpha=alpha,
        gamma=gamma,
        souss=souss,
        plan=plan,
        action=action,
        milestone=lambda **kw: make_milestone(action=kw.pop("action", action), **kw),
    )


EVALUATORS = {"chair", "member", "recused", "witness", "outsider"}


# --- Milestones -------------------------------------------------------------------------------


def test_a_milestone_to_deliver_waits_on_the_responsible_organisations_contributors(w):
    """Its own organisation's contributors deliver it: not another organisation of the city,
    not the city's decision-maker, not an observer, not a deactivated colleague."""
    milestone = w.milestone(status=M.IN_PROGRESS, due_date=days(10), title="Livrer le SIG")
    check_holders(
        w, "milestone_deliver", milestone.id, {"deliverer", "colleague"}, page="milestone"
    )
    task = task_of(w.deliverer, "milestone_deliver", milestone.id)
    assert (task.title, task.city_id, task.due, task.late_days) == (
        "Livrer le SIG",
        w.city.id,
        days(10),
        0,
    )
    assert task.url == url_for("milestones.detail", milestone_id=milestone.id)
    assert str(task.action) == "Livrer et soumettre"


def test_the_secretariat_delivers_what_the_ministry_itself_is_responsible_for(w):
    """The ministry's own milestones are delivered by its secretariat, not by anyone else."""
    milestone = w.milestone(responsible_organization=w.ministry, due_date=days(5))
    check_holders(w, "milestone_deliver", milestone.id, {"secretariat"}, page="milestone")
    assert str(task_of(w.secretariat, "milestone_deliver", milestone.id).action) == (
        "Démarrer puis livrer"
    )


def test_only_what_is_due_within_the_horizon_late_or_returned_is_to_deliver(w):
    """A milestone due in 60 days does not press yet; the 30-day horizon is inclusive; a
    late one is listed with its days late, a returned one whatever its date."""
    far = w.milestone(status=M.PLANNED, due_date=days(60))
    edge = w.milestone(status=M.PLANNED, due_date=days(30))
    beyond = w.milestone(status=M.IN_PROGRESS, due_date=days(31))
    late = w.milestone(status=M.IN_PROGRESS, due_date=days(-5))
    returned = w.milestone(status=M.RETURNED, due_date=days(60))
    submitted = w.milestone(status=M.SUBMITTED, due_date=days(-5))
    cancelled = w.milestone(status=M.CANCELLED, due_date=days(-5))
    mine = {
        item: task
        for (kind, item), task in listed(w.deliverer).items()
        if kind == "milestone_deliver"
    }
    assert set(mine) == {edge.id, late.id, returned.id}
    assert {far.id, beyond.id, submitted.id, cancelled.id}.isdisjoint(mine)
    assert (mine[late.id].due, mine[late.id].late_days) == (days(-5), 5)
    assert mine[edge.id].late_days == 0
    assert str(mine[returned.id].action) == "Renvoyé : reprendre et soumettre à nouveau"
    # Its page still says who delivers it, even when it is not pressing yet.
    assert acting_next("milestone", far.id, "milestone_deliver") == full_names(
        w, {"deliverer", "colleague"}
    )


def test_a_submitted_milestone_waits_on_its_citys_local_decision_maker_ten_days(w):
    """Due 10 days (the reminder rule's default) after it was submitted: submitted 12 days
    ago, it is 2 days late."""
    milestone = w.milestone(status=M.SUBMITTED, due_date=days(20))
    entered(milestone, M.SUBMITTED, ago(12))
    check_holders(w, "milestone_approve_local", milestone.id, {"local"}, page="milestone")
    task = task_of(w.local, "milestone_approve_local", milestone.id)
    assert (task.since, task.due, task.late_days) == (days(-12), days(-2), 2)
    assert str(task.action) == "Approuver ou renvoyer"
    # The deliverers no longer have it to deliver.
    assert ("milestone_deliver", milestone.id) not in listed(w.deliverer)


def test_the_days_to_approve_follow_the_reminder_rule(w):
    """An administrator who gives 3 days to approve moves every approval's due date."""
    add(ReminderRule(kind=ReminderKind.APPROVAL_WAITING, respond_within_days=3))
    milestone = w.milestone(status=M.SUBMITTED)
    entered(milestone, M.SUBMITTED, ago(12))
    task = task_of(w.local, "milestone_approve_local", milestone.id)
    assert (task.since, task.due, task.late_days) == (days(-12), days(-9), 9)


def test_a_resubmission_restarts_the_approval_clock(w):
    """Returned, then submitted again 4 days ago: the clock counts from the latest submission."""
    milestone = w.milestone(status=M.SUBMITTED)
    entered(milestone, M.SUBMITTED, ago(30))
    entered(milestone, M.RETURNED, ago(25))
    entered(milestone, M.SUBMITTED, ago(4))
    task = task_of(w.local, "milestone_approve_local", milestone.id)
    assert (task.since, task.due, task.late_days) == (days(-4), days(6), 0)


def test_the_approval_clock_counts_days_in_morocco(w):
    """Submitted at 23:30 UTC, it was already the next day in Morocco (UTC+1)."""
    milestone = w.milestone(status=M.SUBMITTED)
    entered(milestone, M.SUBMITTED, datetime.combine(days(-8), time(23, 30), tzinfo=UTC))
    assert task_of(w.local, "milestone_approve_local", milestone.id).since == days(-7)


def test_without_history_a_milestone_waits_since_its_last_change(w):
    """A milestone with no recorded transition (imported data) waits since its last update."""
    milestone = w.milestone(status=M.SUBMITTED, updated_at=ago(3))
    task = task_of(w.local, "milestone_approve_local", milestone.id)
    assert (task.since, task.due) == (days(-3), days(7))


def test_a_milestone_approved_locally_waits_on_the_ministry(w):
    """Since its local approval, the ministry's central decision-maker has 10 days."""
    milestone = w.milestone(status=M.APPROVED_LOCALLY)
    entered(milestone, M.SUBMITTED, ago(20))
    entered(milestone, M.APPROVED_LOCALLY, ago(2))
    check_holders(w, "milestone_approve_central", milestone.id, {"central"}, page="milestone")
    task = task_of(w.central, "milestone_approve_central", milestone.id)
    assert (task.since, task.due, task.late_days) == (days(-2), days(8), 0)
    assert ("milestone_approve_local", milestone.id) not in listed(w.local)


def test_a_pending_change_request_waits_on_the_ministry_while_the_milestone_is_delivered(w):
    """Once the milestone is submitted its date no longer moves: the request stops waiting;
    a decided request never waits."""
    open_ = w.milestone(status=M.IN_PROGRESS, due_date=days(5))
    request = change_request(open_, w.deliverer, when=ago(12))
    check_holders(
        w, "change_request_decide", request.id, {"central"}, page="milestone", link_id=open_.id
    )
    task = task_of(w.central, "change_request_decide", request.id)
    assert (task.link_id, task.since, task.due, task.late_days) == (
        open_.id,
        days(-12),
        days(-2),
        2,
    )
    assert task.url == url_for("milestones.detail", milestone_id=open_.id) + "#change-requests"

    submitted = w.milestone(status=M.SUBMITTED)
    stale = change_request(submitted, w.deliverer)
    refused = change_request(
        w.milestone(status=M.IN_PROGRESS), w.deliverer, status=ChangeRequestStatus.REFUSED
    )
    for request_ in (stale, refused):
        assert holders(w, "change_request_decide", request_.id) == set()


def test_the_change_request_deadline_has_its_own_rule(w):
    """A change request reads its own reminder rule, not the approvals'."""
    add(ReminderRule(kind=ReminderKind.CHANGE_REQUEST_WAITING, respond_within_days=2))
    add(ReminderRule(kind=ReminderKind.APPROVAL_WAITING, respond_within_days=20))
    request = change_request(w.milestone(status=M.PLANNED), w.deliverer, when=ago(5))
    assert task_of(w.central, "change_request_decide", request.id).due == days(-3)


def test_a_draft_plan_waits_on_the_secretariat_to_adopt_it(w, make_plan):
    """The secretariat adopts a city's draft plan; an adopted plan waits on no one."""
    draft = make_plan(city=w.elsewhere)
    check_holders(w, "plan_adopt", draft.id, {"secretariat"}, page="plan", link_id=w.elsewhere.id)
    task = task_of(w.secretariat, "plan_adopt", draft.id)
    assert task.url == url_for("plans.city", slug="agadir")
    # The world's own plan is adopted: nothing waits on it.
    assert holders(w, "plan_adopt", w.plan.id) == set()
    assert tasks.waiting_on("plan", w.city.id, AT) == []


# --- Commitments ------------------------------------------------------------------------------


def test_a_proposed_commitment_waits_on_the_citys_local_decision_maker(w):
    """Due on the commitment's date, waiting since it was proposed."""
    proposed = commitment(w.utility, w.city, status=C.PROPOSED, due=days(90))
    check_holders(w, "commitment_accept", proposed.id, {"local"}, page="commitment")
    task = task_of(w.local, "commitment_accept", proposed.id)
    assert (task.due, task.since, task.late_days) == (days(90), days(-8), 0)
    assert task.url == url_for("commitments.detail", commitment_id=proposed.id)


def test_declared_progress_waits_on_the_local_decision_maker_while_the_commitment_is_open(w):
    """A decided declaration, or one on a withdrawn commitment, waits on no one."""
    accepted = commitment(w.utility, w.city, status=C.IN_PROGRESS)
    update = declared(accepted, w.deliverer, when=ago(3))
    check_holders(
        w, "commitment_validate", update.id, {"local"}, page="commitment", link_id=accepted.id
    )
    task = task_of(w.local, "commitment_validate", update.id)
    assert (task.link_id, task.since) == (accepted.id, days(-3))
    assert task.url.endswith("#updates")

    validated = declared(accepted, w.deliverer, status=UpdateStatus.VALIDATED)
    withdrawn = commitment(w.utility, w.city, status=C.WITHDRAWN)
    orphan = declared(withdrawn, w.deliverer)
    assert holders(w, "commitment_validate", validated.id) == set()
    assert holders(w, "commitment_validate", orphan.id) == set()


def test_a_late_commitment_waits_on_the_committed_organisations_people(w):
    """Not the city, not another organisation: the committed organisation declares progress."""
    late = commitment(w.utility, w.city, status=C.ACCEPTED, due=days(-3))
    check_holders(w, "commitment_late", late.id, {"deliverer", "colleague"}, page="commitment")
    task = task_of(w.deliverer, "commitment_late", late.id)
    assert (task.due, task.late_days) == (days(-3), 3)
    # Due today is not late yet; a closed or proposed one is never late.
    for quiet in (
        commitment(w.utility, w.city, due=TODAY),
        commitment(w.utility, w.city, status=C.MET, due=days(-3)),
        commitment(w.utility, w.city, status=C.PROPOSED, due=days(-3)),
    ):
        assert holders(w, "commitment_late", quiet.id) == set()


# --- Money ------------------------------------------------------------------------------------


def test_a_draft_agreement_waits_on_the_secretariat_to_sign_it(w):
    """The secretariat signs; a draft's installments wait on no party yet."""
    draft = agreement(w.city, w.utility, w.operator, status=AgreementStatus.DRAFT)
    check_holders(w, "agreement_sign", draft.id, {"secretariat"}, page="agreement")
    assert task_of(w.secretariat, "agreement_sign", draft.id).since == days(-6)
    # Its installments are no one's business before it is signed.
    early = installment(draft, days(5))
    assert holders(w, "installment_invoice", early.id) == set()
    assert holders(w, "installment_pay", early.id) == set()


def test_a_planned_installment_is_invoiced_by_the_payee_and_paid_by_the_payer(w):
    """Each side's own people: not the city's decision-maker (who may settle, but is no
    party), not another organisation."""
    signed = agreement(w.city, w.utility, w.operator)
    due = installment(signed, days(10))
    check_holders(w, "installment_invoice", due.id, {"payee"}, page="agreement", link_id=signed.id)
    check_holders(
        w,
        "installment_pay",
        due.id,
        {"deliverer", "colleague"},
        page="agreement",
        link_id=signed.id,
    )
    task = task_of(w.payee, "installment_invoice", due.id)
    assert (task.title, task.due, task.link_id) == ("Droit de passage", days(10), signed.id)
    assert task.url == url_for("finance.agreement", agreement_id=signed.id)


def test_installments_due_beyond_the_horizon_are_not_listed_yet(w):
    """Due within 30 days (inclusive) or overdue: listed; due in 45 days: not yet."""
    signed = agreement(w.city, w.utility, w.operator)
    edge = installment(signed, days(30))
    later = installment(signed, days(45))
    overdue = installment(signed, days(-4), I.INVOICED)
    pays = {item for kind, item in listed(w.deliverer) if kind == "installment_pay"}
    invoices = {item for kind, item in listed(w.payee) if kind == "installment_invoice"}
    assert pays == {edge.id, overdue.id}
    assert invoices == {edge.id}
    late = task_of(w.deliverer, "installment_pay", overdue.id)
    assert (late.late_days, str(late.action)) == (4, "Facturée : à payer")
    # The agreement's page waits on every installment to pay, whatever its date.
    waiting = {x.kind.name: x for x in tasks.waiting_on("agreement", signed.id, AT)}
    assert waiting["installment_pay"].items == {edge.id, later.id, overdue.id}


def test_a_payment_waits_on_the_payee_to_confirm_it(w):
    """Waiting since the day it was paid, with no due date of its own."""
    signed = agreement(w.city, w.utility, w.operator)
    paid = installment(signed, days(-10), I.PAID, paid_on=days(-2))
    check_holders(w, "installment_confirm", paid.id, {"payee"}, page="agreement", link_id=signed.id)
    task = task_of(w.payee, "installment_confirm", paid.id)
    assert (task.since, task.due, task.late_days) == (days(-2), None, 0)


def test_a_dispute_waits_on_the_secretariat_since_it_was_opened(w):
    """The installment's old due date says nothing of how long the dispute has waited: the
    line says since when it is disputed, with no due date or lateness of its own."""
    signed = agreement(w.city, w.utility, w.operator)
    disputed = installment(signed, days(-40), I.DISPUTED)
    disputed.disputed_at = ago(5)
    db.session.commit()
    check_holders(
        w, "installment_dispute", disputed.id, {"secretariat"}, page="agreement", link_id=signed.id
    )
    task = task_of(w.secretariat, "installment_dispute", disputed.id)
    assert (task.due, task.since, task.late_days) == (None, days(-5), 0)


def test_when_the_ministry_pays_its_central_decision_maker_acts_for_it(w):
    """The ministry's side is taken by its central decision-maker (not the secretariat)."""
    signed = agreement(w.city, w.ministry, w.operator)
    due = installment(signed, days(3))
    check_holders(w, "installment_pay", due.id, {"central"}, page="agreement", link_id=signed.id)


# --- Tenders ----------------------------------------------------------------------------------


@pytest.fixture(
    params=[
        (S.DRAFT, FM.WEIGHTED, "tender_publish", {"secretariat"}),
        (S.SUBMISSIONS_CLOSED, FM.WEIGHTED, "tender_check", {"secretariat"}),
        (S.ADMINISTRATIVE_CHECK, FM.WEIGHTED, "tender_check", {"secretariat"}),
        (S.TECHNICAL_LOCKED, FM.WEIGHTED, "tender_opening", {"chair"}),
        (S.FINANCIAL_OPENING, FM.WEIGHTED, "tender_ranking", {"chair"}),
        (S.FINANCIAL_EVALUATION, FM.REFERENCE_PRICE, "tender_justification", {"chair"}),
        (S.FINANCIAL_EVALUATION, FM.LOWEST_PRICE, "tender_ranking", {"chair"}),
        (S.RANKING, FM.WEIGHTED, "tender_ranking", {"chair"}),
        (S.AWARD_PROPOSED, FM.WEIGHTED, "tender_award", {"central"}),
    ],
    ids=lambda p: f"{p[0].value}-{p[1].value}",
)
def staged(request, w):
    """A tender of the city at one stage, its committee's declarations signed and every
    score in: (tender, the one kind it waits for, who holds it)."""
    stage, method, kind, expected = request.param
    found = tender(w.city, stage, method=method, opening=NOW + timedelta(days=2))
    committee(w, found)
    return found, kind, expected


def steps(w, tender_id) -> dict[str, set[str]]:
    """Each tender kind with the people (in the world) whose list holds it for this tender."""
    found: dict[str, set[str]] = {}
    for name, user in w.people.items():
        for kind, item in listed(user):
            if kind.startswith("tender_") and item == tender_id:
                found.setdefault(kind, set()).add(name)
    return found


def test_each_stage_of_a_tender_waits_on_one_step_held_by_the_right_people(w, staged):
    """The secretariat runs it, the committee's chair conducts the evaluation (never a
    member, the recused one or the witness), the ministry awards; the city's decision-maker
    and an observer never hold a step."""
    found, kind, expected = staged
    assert steps(w, found.id) == {kind: expected}
    assert acting_next("tender", found.id, kind) == full_names(w, expected)
    task = task_of(w.people[min(expected)], kind, found.id)
    assert task.title == f"{found.reference} — Plateforme de services en ligne"
    assert task.url == url_for("tenders.detail", tender_id=found.id)
    # A draft waits since it was created; the opening is due on the day of its session, every
    # other step at the end of the evaluation.
    expected_due = {"tender_publish": None, "tender_opening": days(2)}.get(kind, days(20))
    assert task.due == expected_due
    assert task.since == (days(-9) if kind == "tender_publish" else None)


def test_a_tender_whose_committee_has_all_declared_does_not_wait_for_a_declaration(w):
    """Once every member has declared, "who acts next" no longer lists "Déclaration de
    conflit d'intérêts attendue" held by nobody ("personne n'a ce rôle pour l'instant")."""
    found = tender(w.city, S.DRAFT)
    committee(w, found)
    assert [x.kind.name for x in tasks.waiting_on("tender", found.id, AT)] == ["tender_publish"]


def test_a_recused_chair_leaves_the_step_to_nobody(w):
    """A chair who declared a conflict may not conduct the opening: no one holds it."""
    found = tender(w.city, S.TECHNICAL_LOCKED, opening=NOW + timedelta(days=2))
    sit(found, w.chair, CommitteeRole.PRESIDENT, Declaration.CONFLICT)
    sit(found, w.member, CommitteeRole.MEMBER, Declaration.NO_CONFLICT, scored=True)
    assert steps(w, found.id) == {}
    assert acting_next("tender", found.id, "tender_opening") == set()


def test_the_opening_is_due_on_the_day_of_its_session(w):
    """The opening's due date is the session's day, not the evaluation's end."""
    session = datetime(2026, 6, 3, 9, 0, tzinfo=UTC)
    found = tender(w.city, S.TECHNICAL_LOCKED, opening=session)
    committee(w, found)
    assert task_of(w.chair, "tender_opening", found.id).due == days(2)


def test_a_finished_tender_waits_on_nobody_not_even_for_a_declaration(w):
    """Awarded, unsuccessful or cancelled: a missing declaration no longer matters."""
    for stage in (S.AWARDED, S.UNSUCCESSFUL, S.CANCELLED):
        found = tender(w.city, stage)
        sit(found, w.outsider, CommitteeRole.MEMBER)
        assert tasks.waiting_on("tender", found.id, AT) == []
        assert holders(w, "tender_declaration", found.id) == set()


def test_an_award_of_a_programme_wide_tender_waits_on_the_ministry_only(w):
    """A tender of no city is the ministry's to award; no city's decision-maker holds it."""
    found = tender(None, S.AWARD_PROPOSED)
    committee(w, found)
    check_holders(w, "tender_award", found.id, {"central"}, page="tender")
    assert task_of(w.central, "tender_award", found.id).city_id is None


def test_a_committee_member_who_has_not_declared_is_asked_to_first(w):
    """Due on the opening session, or else at the submission deadline (in Morocco)."""
    deadline = datetime(2026, 6, 10, 23, 30, tzinfo=UTC)  # 00:30 on 11 June in Morocco
    found = tender(w.city, S.PUBLISHED, deadline=deadline)
    sit(found, w.chair, CommitteeRole.PRESIDENT, Declaration.NO_CONFLICT)
    sit(found, w.member, CommitteeRole.MEMBER)
    sit(found, w.witness, CommitteeRole.OBSERVER)
    check_holders(w, "tender_declaration", found.id, {"member", "witness"}, page="tender")
    task = task_of(w.member, "tender_declaration", found.id)
    assert task.due == date(2026, 6, 11)
    assert task.url == url_for("tenders.detail", tender_id=found.id) + "#declaration"

    with_session = tender(w.city, S.ADMINISTRATIVE_CHECK, opening=ago(-4))
    sit(with_session, w.member, CommitteeRole.MEMBER)
    assert task_of(w.member, "tender_declaration", with_session.id).due == days(4)


def test_scores_wait_on_each_cleared_scoring_member_then_the_chair_concludes(w):
    """The member who has not submitted scores; not the recused one, not the witness who
    does not score, not the one who already submitted. Once every score is in, the chair
    sets the consensus; a member who never declared holds it back."""
    found = tender(w.city, S.TECHNICAL_EVALUATION)
    sit(found, w.chair, CommitteeRole.PRESIDENT, Declaration.NO_CONFLICT, scored=True)
    member = sit(found, w.member, CommitteeRole.MEMBER, Declaration.NO_CONFLICT)
    sit(found, w.recused, CommitteeRole.RAPPORTEUR, Declaration.CONFLICT)
    sit(found, w.witness, CommitteeRole.OBSERVER, Declaration.NO_CONFLICT)
    check_holders(w, "tender_scores", found.id, {"member"}, page="tender")
    assert acting_next("tender", found.id, "tender_consensus") is None
    assert task_of(w.member, "tender_scores", found.id).url == url_for(
        "tenders.scoring", tender_id=found.id
    )

    member.scores_submitted_at = ago(0)
    db.session.commit()
    assert holders(w, "tender_scores", found.id) == set()
    check_holders(w, "tender_consensus", found.id, {"chair"}, page="tender")

    sit(found, w.outsider, CommitteeRole.MEMBER)
    assert holders(w, "tender_consensus", found.id) == set()
    assert holders(w, "tender_declaration", found.id) == {"outsider"}
    assert holders(w, "tender_scores", found.id) == set()


def test_once_every_score_is_in_the_tender_no_longer_waits_for_scores(w):
    """With every score submitted, "who acts next" shows the chair's consensus only, not
    "Évaluation technique : notes attendues" held by nobody."""
    found = tender(w.city, S.TECHNICAL_EVALUATION)
    committee(w, found, scored=True)
    assert [x.kind.name for x in tasks.waiting_on("tender", found.id, AT)] == ["tender_consensus"]


def test_an_open_tender_waits_on_the_providers_that_may_bid_and_have_not(w):
    """National consultancies and the city's providers; not another city's, not a utility,
    not one that bid on every lot. Who they are is not shown on the tender's page."""
    found = tender(w.city, S.PUBLISHED, lots=2)
    first, second = lots_of(found)
    bid(first, w.gamma)
    assert holders(w, "tender_bid", found.id) == {"karim", "ghita"}
    task = task_of(w.karim, "tender_bid", found.id)
    assert task.due == days(10)
    bid(second, w.gamma)
    assert holders(w, "tender_bid", found.id) == {"karim"}
    assert tasks.BY_NAME["tender_bid"].public_holders is False
    # Nothing for the secretariat before the deadline's day.
    assert holders(w, "tender_close", found.id) == set()


def test_a_programme_wide_tender_is_open_to_every_citys_providers(w):
    """A tender of no city is open to the providers of every city."""
    found = tender(None, S.PUBLISHED)
    assert holders(w, "tender_bid", found.id) == {"karim", "ghita", "souad"}


def test_on_the_deadlines_day_the_secretariat_is_asked_to_close(w):
    """The deadline passed yesterday: the secretariat closes, one day late; no one bids."""
    found = tender(w.city, S.PUBLISHED, deadline=ago(1, hour=12))
    check_holders(w, "tender_close", found.id, {"secretariat"}, page="tender")
    task = task_of(w.secretariat, "tender_close", found.id)
    assert (task.due, task.late_days) == (days(-1), 1)
    assert holders(w, "tender_bid", found.id) == set()


def test_before_the_deadlines_hour_the_secretariat_is_not_asked_to_close_yet(w):
    """The deadline is at 18:00 UTC today (it is 10:00 UTC): closing now would be refused
    ("La date limite de remise des offres n'est pas passée"), so providers may still bid and
    the secretariat is not asked to close yet."""
    found = tender(w.city, S.PUBLISHED, deadline=NOW + timedelta(hours=8))
    assert holders(w, "tender_bid", found.id) == {"karim", "ghita"}
    assert holders(w, "tender_close", found.id) == set()


def test_once_the_deadline_has_passed_no_one_is_asked_to_bid(w):
    """The deadline passed at 08:00 UTC this morning (it is now 10:00 UTC): an offer sent now
    would be recorded late and not admitted (services.tenders.submit_bid), so no provider
    should be told to "Déposer une offre"; the secretariat is asked to close."""
    found = tender(w.city, S.PUBLISHED, deadline=NOW - timedelta(hours=2))
    assert holders(w, "tender_close", found.id) == {"secretariat"}
    assert holders(w, "tender_bid", found.id) == set()


# --- Coverage ---------------------------------------------------------------------------------


def test_a_candidate_site_waits_on_each_evaluator_until_their_own_assessment(w):
    """Each evaluator scores on their own: the task leaves only the one who assessed."""
    criteria(w.city)
    proposed = site(w.city, w.commune, since=days(-6))
    check_holders(w, "site_assess", proposed.id, EVALUATORS, page="site")
    task = task_of(w.member, "site_assess", proposed.id)
    assert (task.since, task.url) == (days(-6), url_for("coverage.assess", site_id=proposed.id))
    add(Assessment(site_id=proposed.id, assessor_id=w.member.id))
    assert holders(w, "site_assess", proposed.id) == EVALUATORS - {"member"}


def test_a_site_every_evaluator_has_assessed_waits_on_the_decision_only(w):
    """Once each evaluator has assessed it, the site's page no longer shows "En attente de
    l'évaluation des évaluateurs" with "personne n'a ce rôle pour l'instant"."""
    criteria(w.city)
    assessed = site(w.city, w.commune, SiteStatus.ASSESSED)
    for name in EVALUATORS:
        add(Assessment(site_id=assessed.id, assessor_id=w.people[name].id))
    assert holders(w, "site_assess", assessed.id) == set()
    assert [x.kind.name for x in tasks.waiting_on("site", assessed.id, AT)] == ["site_decide"]


def test_a_site_without_published_criteria_for_its_kind_waits_on_no_assessor(w):
    """Criteria of another kind or of another city do not let a site be assessed."""
    criteria(w.city, SiteKind.CONNECTED_ZONE)
    criteria(w.elsewhere, SiteKind.DIGITAL_SPACE)
    unscored = site(w.city, w.commune, kind=SiteKind.DIGITAL_SPACE)
    assert holders(w, "site_assess", unscored.id) == set()
    assert tasks.waiting_on("site", unscored.id, AT) == []


def test_an_assessed_site_waits_on_the_citys_decision_makers(w):
    """The city's local decision-maker and the ministry select or reject it."""
    criteria(w.city)
    assessed = site(w.city, w.commune, SiteStatus.ASSESSED, since=days(-2))
    check_holders(w, "site_decide", assessed.id, {"local", "central"}, page="site")
    assert task_of(w.local, "site_decide", assessed.id).since == days(-2)
    selected = site(w.city, w.commune, SiteStatus.SELECTED)
    assert tasks.waiting_on("site", selected.id, AT) == []


def test_a_measurement_is_due_ninety_days_after_the_latest_one(w):
    """Measured 100 days ago: due 10 days ago, for the secretariat. Measured 30 days ago, or
    once its target date is reached, nothing is due."""
    stale = target(w.city, measured=days(-100), district="Guéliz")
    check_holders(
        w, "measurement_due", stale.id, {"secretariat"}, page="coverage_city", link_id=w.city.id
    )
    task = task_of(w.secretariat, "measurement_due", stale.id)
    assert task.title.endswith(" — Guéliz")
    assert (task.since, task.due, task.late_days) == (days(-100), days(-10), 10)
    assert task.url == url_for("coverage.city", slug="marrakech") + f"#target-{stale.id}"
    fresh = target(w.city, measured=days(-30))
    reached = target(w.city, measured=date(2026, 1, 1), target_date=date(2026, 1, 1))
    exactly = target(w.city, measured=days(-90))
    mine = {item for kind, item in listed(w.secretariat) if kind == "measurement_due"}
    assert mine == {stale.id, exactly.id}
    assert {fresh.id, reached.id}.isdisjoint(mine)


# --- The outbox -------------------------------------------------------------------------------


def test_stuck_mail_is_one_line_for_the_administrator(w):
    """Refused for good to an active account, or pending for over an hour; not a refusal to a
    deactivated account, a fresh message, or one whose retry is planned later."""
    message(w.deliverer, OutboxStatus.FAILED, created=ago(2))
    message(w.former, OutboxStatus.FAILED, created=ago(9))
    message(w.local, created=NOW - timedelta(hours=2))
    message(w.local, created=NOW - timedelta(minutes=10))
    message(w.local, created=NOW - timedelta(hours=5), next_attempt=NOW + timedelta(minutes=5))
    message(w.local, OutboxStatus.SENT, created=ago(20))
    assert holders(w, "outbox_stuck", None) == {"admin"}
    task = task_of(w.admin, "outbox_stuck", None)
    assert task.title == "2 messages ne sont pas partis"
    assert task.since == days(-2)
    assert task.url == url_for("notifications.outbox", stuck="y")


def test_an_empty_outbox_gives_the_administrator_nothing(w):
    """No stuck message: no line at all (not a line saying 0)."""
    message(w.local, OutboxStatus.SENT, created=ago(20))
    assert listed(w.admin) == {}


# --- Counts, summary, who acts next, who is concerned -----------------------------------------


def test_the_summary_counts_each_kind_and_filters_by_city(w, make_action):
    """The summary follows the list's order of kinds; the count may stop at a cap."""
    elsewhere_action = make_action(lead_organization=w.utility)
    w.milestone(status=M.APPROVED_LOCALLY)
    w.milestone(status=M.APPROVED_LOCALLY)
    other = w.milestone(status=M.APPROVED_LOCALLY, action=elsewhere_action)
    change_request(w.milestone(status=M.PLANNED), w.deliverer)
    summary = [(kind.name, n) for kind, n in tasks.summary(w.central, AT)]
    assert summary == [("milestone_approve_central", 3), ("change_request_decide", 1)]
    assert [(k.name, n) for k, n in tasks.summary(w.central, AT, city_id=other.city_id)] == [
        ("milestone_approve_central", 1)
    ]
    assert tasks.count(w.central, AT) == 4
    assert tasks.count(w.central, AT, cap=3) == 3


def test_the_listing_pages_by_kind_then_by_due_date(w):
    """Within a kind, the latest first; pages follow on across kinds."""
    late = w.milestone(status=M.IN_PROGRESS, due_date=days(-3))
    soon = w.milestone(status=M.IN_PROGRESS, due_date=days(2))
    sooner = w.milestone(status=M.IN_PROGRESS, due_date=days(1))
    overdue = commitment(w.utility, w.city, due=days(-20))
    first = tasks.listing(w.deliverer, AT, page=1, per_page=3)
    second = tasks.listing(w.deliverer, AT, page=2, per_page=3)
    assert [(t.kind.name, t.item_id) for t in first.items] == [
        ("milestone_deliver", late.id),
        ("milestone_deliver", sooner.id),
        ("milestone_deliver", soon.id),
    ]
    assert [(t.kind.name, t.item_id) for t in second.items] == [("commitment_late", overdue.id)]
    assert (first.total, first.pages, first.has_next, second.has_prev) == (4, 2, True, True)
    only = tasks.listing(w.deliverer, AT, kinds={"commitment_late"})
    assert [t.item_id for t in only.items] == [overdue.id]
    assert tasks.listing(w.deliverer, AT, kinds={"nonsense"}).total == 0


def test_an_observer_or_a_deactivated_account_holds_nothing(w):
    """Reading rights hold no task; a deactivated account holds none of its roles' tasks."""
    w.milestone(status=M.SUBMITTED)
    w.milestone(status=M.IN_PROGRESS, due_date=days(-1))
    for name in ("observer", "former_local", "former"):
        user = w.people[name]
        assert tasks.held_kinds(user) == []
        assert tasks.count(user, AT) == 0
        assert tasks.everything(user, AT) == []
        assert tasks.summary(user, AT) == []


def test_who_acts_next_on_a_submitted_milestone_is_its_citys_decision_maker(w):
    """Named with their organisation; not another city's, not a deactivated one."""
    milestone = w.milestone(status=M.SUBMITTED)
    entered(milestone, M.SUBMITTED, ago(1))
    [waiting] = tasks.waiting_on("milestone", milestone.id, AT)
    assert waiting.kind.name == "milestone_approve_local"
    assert (waiting.states, waiting.items) == ({"submitted"}, {milestone.id})
    assert waiting.people == [("Khadija Ouazzani", "Commune de Marrakech")]
    assert str(waiting.action) == "En attente de l'approbation locale"


def test_when_nobody_holds_the_role_who_acts_next_names_nobody(w, make_city, make_plan):
    """Fès has no local decision-maker yet: the page says so rather than naming anyone."""
    plan = make_plan(city=make_city(name="Fès", slug="fes"))
    milestone = w.milestone(status=M.SUBMITTED, action=new_action(plan, w.utility))
    [waiting] = tasks.waiting_on("milestone", milestone.id, AT)
    assert (waiting.kind.name, waiting.people) == ("milestone_approve_local", [])


def test_people_concerned_by_an_object_whatever_its_state(w):
    """The deliverers of a milestone already approved are still the ones an event about it
    concerns; deactivated accounts never are."""
    approved = w.milestone(status=M.APPROVED)
    assert tasks.waiting_on("milestone", approved.id, AT) == []
    assert tasks.people("milestone_deliver", Milestone, approved.id) == {
        w.deliverer.id,
        w.colleague.id,
    }
    assert tasks.people("milestone_approve_local", Milestone, approved.id) == {w.local.id}
    found = tender(w.city, S.AWARDED)
    committee(w, found)
    assert tasks.people("tender_consensus", Tender, found.id) == {w.chair.id}
    assert tasks.people("tender_scores", Tender, found.id) == set()
    signed = agreement(w.city, w.utility, w.operator)
    assert tasks.people("installment_invoice", Agreement, signed.id) == {w.payee.id}


# --- The "À faire" page and the navigation's count --------------------------------------------


@pytest.fixture
def frozen():
    """The pages read the clock: pin it on NOW."""
    with time_machine.travel(NOW, tick=False):
        yield


def groups(html: str) -> list[tuple[str, list[str]]]:
    """Each group of the list, in order: its kind and its lines' data-task."""
    return [
        (kind, re.findall(r'data-task="([a-z_]+-\d+)"', body))
        for kind, body in re.findall(
            r'<ul class="task-list" data-kind="([a-z_]+)">(.*?)</ul>', html, re.DOTALL
        )
    ]


def lines(html: str) -> list[str]:
    return re.findall(r'data-task="([a-z_]+-[^"]+)"', html)


def nav_count(html: str) -> str | None:
    found = re.search(r'<span [^>]*id="task-count"[^>]*>([^<]+)</span>', html)
    return found.group(1) if found else None


@pytest.fixture
def desk(frozen, make_city, make_plan, make_action, make_milestone, make_user):
    """One person who is both the first city's local decision-maker and the ministry's central
    one: two milestones to approve locally in the first city, three centrally (one in the
    first city, two in the second)."""
    first, second = make_city(), make_city()
    here = make_action(plan=make_plan(city=first))
    there = make_action(plan=make_plan(city=second))
    local = [make_milestone(action=here, status=M.SUBMITTED) for _ in range(2)]
    central = [make_milestone(action=here, status=M.APPROVED_LOCALLY)] + [
        make_milestone(action=there, status=M.APPROVED_LOCALLY) for _ in range(2)
    ]
    user = make_user(
        roles=[(Role.LOCAL_DECISION_MAKER, first), (Role.CENTRAL_DECISION_MAKER, None)]
    )
    return SimpleNamespace(
        user=user,
        first=first,
        second=second,
        local=[f"milestone_approve_local-{m.id}" for m in local],
        central=[f"milestone_approve_central-{m.id}" for m in central],
    )


def test_the_list_groups_each_kind_in_the_order_of_the_domains(client, login_as, desk):
    """One group per kind with its count, the local approvals before the central ones."""
    login_as(desk.user)
    html = client.get("/tasks").get_data(as_text=True)
    assert groups(html) == [
        ("milestone_approve_local", desk.local),
        ("milestone_approve_central", desk.central),
    ]
    assert "Jalons à approuver (niveau local) <small>(2)</small>" in html
    assert "Jalons à approuver (niveau central) <small>(3)</small>" in html
    assert '<p class="result-count">5 tâches</p>' in html
    assert nav_count(html) == "5"


def test_a_late_line_says_by_how_many_days(
    app, client, login_as, frozen, make_user, make_milestone
):
    """Submitted 12 days ago (20 May): due 10 days later (30 May), 2 days late."""
    milestone = make_milestone(status=M.SUBMITTED, updated_at=NOW - timedelta(days=12))
    with app.app_context():
        city = db.session.get(Milestone, milestone.id).city
    login_as(make_user(role=Role.LOCAL_DECISION_MAKER, city=city))
    html = client.get("/tasks").get_data(as_text=True)
    assert f'<li class="task task-late" data-task="milestone_approve_local-{milestone.id}">' in html
    assert "en retard de 2 jours" in html
    meta = re.search(r"task-meta\">(.*?)</small>", html, re.DOTALL).group(1)
    assert "échéance le 30 mai 2026" in meta
    assert "en attente depuis le 20 mai 2026" in meta


def test_the_kind_filter_lists_one_kind_and_the_navigation_still_counts_all(client, login_as, desk):
    """The filter narrows the list, not what the navigation says waits."""
    login_as(desk.user)
    html = client.get("/tasks?kind=milestone_approve_central").get_data(as_text=True)
    assert groups(html) == [("milestone_approve_central", desk.central)]
    assert '<p class="result-count">3 tâches</p>' in html
    assert nav_count(html) == "5"


def test_the_city_filter_lists_one_citys_tasks_and_the_navigation_still_counts_all(
    client, login_as, desk
):
    """The filter narrows the list, not what the navigation says waits."""
    login_as(desk.user)
    html = client.get(f"/tasks?city={desk.second.id}").get_data(as_text=True)
    assert groups(html) == [("milestone_approve_central", desk.central[1:])]
    assert nav_count(html) == "5"
    both = client.get(f"/tasks?city={desk.second.id}&kind=milestone_approve_local")
    assert lines(both.get_data(as_text=True)) == []


@pytest.mark.parametrize(
    "query",
    ["kind=nonsense", "city=abc", "city=999999", "city=-1", "kind=plan_adopt"],
)
def test_a_bad_filter_value_lists_nothing_rather_than_failing(client, login_as, desk, query):
    """A value that is not among the choices (a kind this person never holds included)
    selects nothing, not everything, and never answers 500."""
    login_as(desk.user)
    response = client.get(f"/tasks?{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert lines(html) == []
    assert "Rien ne vous attend pour l'instant." in html
    assert nav_count(html) == "5"


def test_a_blank_filter_means_all(client, login_as, desk):
    """An empty or blank value is no filter."""
    login_as(desk.user)
    html = client.get("/tasks?kind=&city=+").get_data(as_text=True)
    assert lines(html) == desk.local + desk.central


def test_the_list_is_paginated_by_page_size(
    client, login_as, frozen, make_city, make_plan, make_action, make_milestone, make_user
):
    """27 tasks: 25 on the first page, 2 on the second, none lost or repeated."""
    city = make_city()
    action = make_action(plan=make_plan(city=city))
    ids = {
        f"milestone_approve_local-{make_milestone(action=action, status=M.SUBMITTED).id}"
        for _ in range(27)
    }
    login_as(make_user(role=Role.LOCAL_DECISION_MAKER, city=city))
    first = client.get("/tasks").get_data(as_text=True)
    second = client.get("/tasks?page=2").get_data(as_text=True)
    assert (len(lines(first)), len(lines(second))) == (25, 2)
    assert set(lines(first)) | set(lines(second)) == ids
    assert "Page 1 sur 2" in first and 'href="/tasks?page=2"' in first
    assert "Page 2 sur 2" in second and 'rel="prev"' in second
    assert nav_count(first) == nav_count(second) == "27"
    # Beyond the last page, the last page.
    assert lines(client.get("/tasks?page=9").get_data(as_text=True)) == lines(second)


@pytest.mark.parametrize("path", ["/", "/milestones", "/account/", "/tasks"])
def test_every_full_page_counts_the_tasks_in_the_navigation(client, login_as, desk, path):
    """The count is on every full page, not only on the list."""
    login_as(desk.user)
    response = client.get(path)
    assert response.status_code == 200
    assert nav_count(response.get_data(as_text=True)) == "5"


def test_the_navigation_caps_its_count(app, client, login_as, frozen, make_city, make_user):
    """Beyond 99 the navigation says "99+" (its count stops reading at 100)."""
    city = make_city()
    user = make_user(role=Role.LOCAL_DECISION_MAKER, city=city)
    with app.app_context():
        for n in range(101):
            db.session.add(
                Commitment(
                    organization_id=user.organization_id,
                    city_id=city.id,
                    title=f"Engagement {n}",
                    indicator="Foyers",
                    unit="foyers",
                    baseline_value=Decimal("0"),
                    target_value=Decimal("1"),
                    due_date=days(90),
                    status=C.PROPOSED,
                )
            )
        db.session.commit()
    login_as(user)
    html = client.get("/tasks?kind=commitment_accept").get_data(as_text=True)
    assert nav_count(html) == "99+"
    assert '<p class="result-count">101 tâches</p>' in html
    assert nav_count(client.get("/").get_data(as_text=True)) == "99+"


def test_an_observer_has_no_task_list_link(client, login_as, make_user, desk):
    """Nothing can wait on an observer: no "À faire" entry, no count."""
    login_as(make_user(role=Role.OBSERVER, city=desk.first))
    home = client.get("/").get_data(as_text=True)
    assert 'href="/tasks"' not in home
    assert nav_count(home) is None
    # The address itself answers, with nothing in it.
    listed_ = client.get("/tasks")
    assert listed_.status_code == 200
    assert "Rien ne vous attend pour l'instant." in listed_.get_data(as_text=True)


def test_the_former_decisions_address_leads_to_the_task_list(client, login_as, make_user):
    """Bookmarks of the former "Mes décisions" keep working, redirected for good."""
    login_as(make_user(role=Role.CENTRAL_DECISION_MAKER))
    response = client.get("/decisions")
    assert response.status_code == 301
    assert response.headers["Location"] == "/tasks"


# --- The command line -------------------------------------------------------------------------


def tasks_cli(app, *args):
    return app.test_cli_runner().invoke(args=["tasks", "list", *args])


@pytest.fixture
def hicham(app, make_city, make_org, make_plan, make_action, make_milestone, make_user):
    """A contributor of RADEEMA with a late milestone, a late commitment and an installment to
    pay; a milestone and an installment beyond the horizon; two unread notifications."""
    city = make_city(name="Marrakech", slug="marrakech")
    utility = make_org(city=city, short_name="RADEEMA", kind=K.UTILITY)
    operator = make_org(short_name="IAM", kind=K.TELECOM_OPERATOR)
    action = make_action(plan=make_plan(city=city), lead_organization=utility)
    late = make_milestone(
        action=action, status=M.IN_PROGRESS, due_date=date(2026, 5, 20), title="Livrer le SIG"
    )
    make_milestone(action=action, due_date=date(2026, 9, 1))
    user = make_user(email="hicham@radeema.ma", role=Role.CONTRIBUTOR, organization=utility)
    someone = make_user(role=Role.CONTRIBUTOR, organization=utility)
    with app.app_context():
        overdue = commitment(utility, city, due=date(2026, 5, 25))
        signed = agreement(city, utility, operator)
        installment(signed, date(2026, 6, 15))
        installment(signed, date(2026, 8, 1))
        for read in (False, False, True):
            message(user, OutboxStatus.SENT, read=read)
        message(someone, OutboxStatus.SENT)
        ids = SimpleNamespace(commitment=overdue.id, agreement=signed.id)
    return SimpleNamespace(user=user, late=late, ids=ids)


def test_the_command_prints_a_persons_tasks_as_json(app, hicham):
    """Kinds in the list's order, beyond-the-horizon ones left out; the address is read
    case-insensitively; read notifications and other people's do not count."""
    result = tasks_cli(app, "HICHAM@radeema.ma", "--today", "2026-06-01")
    assert result.exit_code == 0, result.output
    with app.test_request_context():
        milestone_url = url_for("milestones.detail", milestone_id=hicham.late.id)
        commitment_url = url_for("commitments.detail", commitment_id=hicham.ids.commitment)
        agreement_url = url_for("finance.agreement", agreement_id=hicham.ids.agreement)
    assert json.loads(result.stdout) == {
        "tasks": [
            {
                "kind": "milestone_deliver",
                "title": "Livrer le SIG",
                "city": "marrakech",
                "url": milestone_url,
                "due": "2026-05-20",
                "waiting_since": None,
            },
            {
                "kind": "commitment_late",
                "title": "Raccorder 500 foyers",
                "city": "marrakech",
                "url": commitment_url,
                "due": "2026-05-25",
                "waiting_since": None,
            },
            {
                "kind": "installment_pay",
                "title": "Droit de passage",
                "city": "marrakech",
                "url": agreement_url,
                "due": "2026-06-15",
                "waiting_since": None,
            },
        ],
        "unread_notifications": 2,
    }


def test_the_command_reads_the_day_it_is_given(app, hicham):
    """On 20 July, the installment of 1 August is within the horizon and the first one is
    still unpaid."""
    result = tasks_cli(app, "hicham@radeema.ma", "--today", "2026-07-20")
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)["tasks"]
    assert [(t["kind"], t["due"]) for t in found if t["kind"] == "installment_pay"] == [
        ("installment_pay", "2026-06-15"),
        ("installment_pay", "2026-08-01"),
    ]


def test_the_command_refuses_an_unknown_or_deactivated_account(app, make_user):
    """Exit status 2 and nothing on standard output, for a script to rely on."""
    gone = make_user(email="parti@example.org", role=Role.CONTRIBUTOR, active=False)
    for email in ("personne@example.org", gone.email):
        result = tasks_cli(app, email, "--today", "2026-06-01")
        assert result.exit_code == 2
        assert result.stdout == ""
        assert "Aucun compte actif" in result.stderr


# --- The cost does not grow with the data -----------------------------------------------------


def populate(city, utility, operator, commune, by, n: int) -> None:
    """`n` waiting objects of each of a dozen kinds."""
    domain = add(Domain(code=f"cost-{next(_serial)}", name=f"Coût {next(_serial)}"))
    action_id = db.session.scalar(sa.select(Action.id).order_by(Action.id).limit(1))
    for i in range(n):
        submitted = add(
            Milestone(
                city_id=city.id,
                action_id=action_id,
                horizon=Horizon.SHORT,
                title=f"Soumis {i}",
                responsible_organization_id=utility.id,
                due_date=days(20),
                status=M.SUBMITTED,
            )
        )
        entered(submitted, M.SUBMITTED, ago(3))
        for status in (M.APPROVED_LOCALLY, M.IN_PROGRESS):
            add(
                Milestone(
                    city_id=city.id,
                    action_id=action_id,
                    horizon=Horizon.SHORT,
                    title=f"{status.value} {i}",
                    responsible_organization_id=utility.id,
                    due_date=days(5),
                    status=status,
                )
            )
        commitment(utility, city, status=C.PROPOSED)
        commitment(utility, city, due=days(-2))
        declared(commitment(utility, city), by)
        agreement(city, utility, operator, status=AgreementStatus.DRAFT)
        installment(agreement(city, utility, operator), days(10))
        tender(city, S.DRAFT)
        site(city, commune, SiteStatus.ASSESSED)
        k = next(_serial)
        indicator = add(Indicator(code=f"c-{k}", name=f"C {k}", unit="%", domain_id=domain.id))
        add(
            IndicatorTarget(
                indicator_id=indicator.id,
                city_id=city.id,
                baseline_value=Decimal("1"),
                baseline_date=date(2025, 1, 1),
                target_value=Decimal("2"),
                target_date=date(2027, 1, 1),
            )
        )


@pytest.fixture
def busy(app, make_city, make_org, make_plan, make_action, make_user):
    """One person holding many kinds (every role but the observer's), and a way to give the
    city `n` more waiting objects of each kind."""
    city = make_city()
    utility = make_org(city=city, kind=K.UTILITY)
    operator = make_org(kind=K.TELECOM_OPERATOR)
    commune = make_org(city=city, kind=K.COMMUNE)
    make_action(plan=make_plan(city=city, status=PlanStatus.ADOPTED), lead_organization=utility)
    roles = [
        (Role.LOCAL_DECISION_MAKER, city),
        (Role.CENTRAL_DECISION_MAKER, None),
        (Role.SECRETARIAT, None),
        (Role.EVALUATOR, None),
        (Role.ADMIN, None),
        (Role.CONTRIBUTOR, None),
    ]
    user = make_user(roles=roles, organization=utility)
    with app.app_context():
        criteria(city)

    def grow(n):
        with app.app_context():
            populate(city, utility, operator, commune, user, n)

    return SimpleNamespace(user=user, city=city, grow=grow)


BUSY_KINDS = [
    "milestone_deliver",
    "milestone_approve_local",
    "milestone_approve_central",
    "commitment_accept",
    "commitment_validate",
    "commitment_late",
    "agreement_sign",
    "installment_pay",
    "tender_publish",
    "site_assess",
    "site_decide",
    "measurement_due",
]


def test_the_list_and_the_count_cost_the_same_queries_whatever_the_data(app, busy):
    """N then 3N objects of a dozen kinds: the count, the summary and a page of the list send
    the same statements."""

    def cost() -> tuple[int, int, list]:
        with app.test_request_context("/"):
            db.session.expire_all()
            user = db.session.get(User, busy.user.id)
            _ = user.role_assignments
            found = {}

            def read():
                found["count"] = tasks.count(user, AT)
                found["summary"] = tasks.summary(user, AT)
                found["page"] = tasks.listing(user, AT, per_page=25)

            sent = statements(read)
            return sent, found["count"], [(k.name, n) for k, n in found["summary"]]

    busy.grow(2)
    few, few_count, few_summary = cost()
    busy.grow(4)
    many, many_count, many_summary = cost()
    assert [kind for kind, _n in few_summary] == BUSY_KINDS
    assert {n for _kind, n in few_summary} == {2}
    assert {n for _kind, n in many_summary} == {6}
    assert (few_count, many_count) == (24, 72)
    assert many == few, (few, many)
    assert few > 0


@pytest.mark.parametrize("query", ["", "?city=CITY"])
def test_the_page_costs_the_same_queries_whatever_the_data(
    app, client, login_as, frozen, busy, query
):
    """With and without the city filter (the navigation then counts on its own)."""
    url = "/tasks" + query.replace("CITY", str(busy.city.id))
    login_as(busy.user)

    def cost() -> int:
        with app.app_context():
            return statements(lambda: client.get(url))

    busy.grow(2)
    client.get(url)
    few = cost()
    busy.grow(4)
    html = client.get(url).get_data(as_text=True)
    assert len(lines(html)) == 25
    assert nav_count(html) == "72"
    many = cost()
    assert many == few, (few, many)
    assert few > 0
