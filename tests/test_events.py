"""Notifications of events: whom each change tells (and whom it must not: the person who
acted, another city's decision-maker, another organisation's people, a deactivated account),
what the notification says, how it is e-mailed (one each, the daily digest, muted kinds, the
recipient's language) and how the notification centre shows it."""

import html
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from portal import clock
from portal.extensions import db
from portal.models import (
    CommitteeRole,
    OrganizationKind,
    OutboxMessage,
    OutboxStatus,
    ReminderKind,
    Role,
    SiteKind,
    TenderStage,
    User,
)
from portal.models import MilestoneStatus as M
from portal.models.reminders import EVENT_KINDS
from portal.services import (
    commitments,
    coverage,
    finance,
    mail,
    milestones,
    notifications,
    reminders,
    tenders,
)
from portal.services.coverage import AnswerInput
from portal.services.errors import InvalidInput, NotAllowed
from portal.services.tenders import CriterionInput
from tests.conftest import login

K = ReminderKind
S = TenderStage
# A Tuesday afternoon in May, outside Ramadan: Morocco is at UTC+1.
NOW = datetime(2026, 5, 12, 14, 0, tzinfo=UTC)  # 15:00 in Morocco
TODAY = date(2026, 5, 12)
NEXT_MORNING = datetime(2026, 5, 13, 6, 0, tzinfo=UTC)  # 07:00 in Morocco: the daily planning
DEADLINE = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)  # submission deadline of the tenders
ON_TIME = DEADLINE - timedelta(days=2)
AFTER = DEADLINE + timedelta(days=1)
RETURNED_BECAUSE = "Il manque le procès-verbal de réception <annexe 2>."


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: TODAY)


# --- The world: a city, its stakeholders, and people who must not be told ---------------------


@pytest.fixture
def world(app, make_city, make_org, make_user, make_plan, make_action):
    """Everyone, by name (the sentences name the actor). Detached objects unless the test
    holds an application context (`w`)."""
    city, elsewhere = make_city(name="Marrakech"), make_city(name="Agadir")
    utility = make_org(city=city, short_name="RADEEMA", kind=OrganizationKind.UTILITY)
    onee = make_org(city=city, short_name="ONEE", kind=OrganizationKind.UTILITY)
    operator = make_org(short_name="IAM", kind=OrganizationKind.TELECOM_OPERATOR)
    host = make_org(city=city, short_name="MEDINA", kind=OrganizationKind.COMMUNE)
    alpha = make_org(short_name="ALPHA", kind=OrganizationKind.CONSULTANT)
    beta = make_org(short_name="BETA", kind=OrganizationKind.CONSULTANT)
    gamma = make_org(city=city, short_name="GAMMA", kind=OrganizationKind.PROVIDER)
    far = make_org(city=elsewhere, short_name="SOUSS", kind=OrganizationKind.CONSULTANT)

    def person(name, role, *, city=None, organization=None, **kw):
        return make_user(full_name=name, role=role, city=city, organization=organization, **kw)

    C, L = Role.CONTRIBUTOR, Role.LOCAL_DECISION_MAKER
    return SimpleNamespace(
        city=city,
        # The action of Marrakech's plan that RADEEMA leads: its milestones are RADEEMA's.
        action=make_action(plan=make_plan(city=city), lead_organization=utility),
        utility=utility,
        operator=operator,
        host=host,
        # The responsible (and committed, and paying) organisation's people.
        hicham=person("Hicham Alaoui", C, organization=utility),
        salma=person("Salma Idrissi", C, organization=utility),
        former=person("Ancien Agent", C, organization=utility, active=False),
        # Another organisation of the same city.
        stranger=person("Youssef Tazi", C, organization=onee),
        # The city's decision-makers, and another city's.
        khadija=person("Khadija Ouazzani", L, city=city),
        former_local=person("Ancienne Décideuse", L, city=city, active=False),
        omar=person("Omar Fassi", L, city=elsewhere),
        central=person("Rachid Benali", Role.CENTRAL_DECISION_MAKER),
        leila=person("Leila Chraibi", Role.SECRETARIAT),
        amine=person("Amine Kettani", Role.SECRETARIAT),
        observer=person("Sara Observatrice", Role.OBSERVER, city=city),
        # The payee of the agreements.
        amina=person("Amina Bennani", C, organization=operator),
        # The host of the candidate sites.
        nadia=person("Nadia Berrada", C, organization=host),
        former_host=person("Ancien Hôte", C, organization=host, active=False),
        # Bidders: two national consultancies, a local provider, another city's consultancy.
        karim=person("Karim Alpha", C, organization=alpha),
        alpha_colleague=person("Ilham Alpha", C, organization=alpha),
        alpha_former=person("Ancien Alpha", C, organization=alpha, active=False),
        badr=person("Badr Beta", C, organization=beta),
        ghita=person("Ghita Gamma", C, organization=gamma),
        souad=person("Souad Souss", C, organization=far),
        # Evaluators: the committee, and one on no committee.
        president=person("Fatima Zahra Lahlou", Role.EVALUATOR),
        member=person("Mehdi Sqalli", Role.EVALUATOR),
        rapporteur=person("Rim Bennis", Role.EVALUATOR),
        witness=person("Walid Temoin", Role.EVALUATOR),
        outsider=person("Othmane Externe", Role.EVALUATOR),
    )


@pytest.fixture
def w(ctx, world):
    """The world for service tests: attached to the test's application context."""
    return world


def ids(*users) -> set[int]:
    return {user.id for user in users}


def notes(kind: ReminderKind, *, after: int = 0) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.kind == kind, OutboxMessage.id > after)
            .order_by(OutboxMessage.id)
        )
    )


def last_id() -> int:
    return db.session.scalar(sa.select(sa.func.max(OutboxMessage.id))) or 0


def outbox_size() -> int:
    return db.session.scalar(sa.select(sa.func.count(OutboxMessage.id)))


def said(app, message: OutboxMessage, language: str = "fr") -> str:
    """The notification's sentence, as the centre writes it."""
    with app.test_request_context(), force_locale(language):
        return notifications.describe(message)


def check(app, kind, item, *, actor, to, never, says, after=0, **details) -> list:
    """Exactly one notification of `kind` per person of `to`, none to `never`; each an event
    about `item` (type, object) by `actor`, quoting `details`, reading `says` in French."""
    found = notes(kind, after=after)
    recipients = [m.recipient_id for m in found]
    assert sorted(recipients) == sorted(ids(*to)), [db.session.get(User, r) for r in recipients]
    assert ids(*never).isdisjoint(recipients)
    item_type, obj = item
    for message in found:
        assert message.occurrence == "event"
        assert message.due_date is None
        assert (message.item_type, message.item_id) == (item_type, obj.id)
        assert message.actor_id == actor.id
        assert message.status is OutboxStatus.PENDING and message.next_attempt_at is None
        # Planned for the day it happened, in Morocco.
        assert message.planned_for == clock.local_date(message.created_at)
        assert message.read_at is None
        for key, value in details.items():
            assert message.details.get(key) == value, key
    assert said(app, found[0]) == says
    return found


# --- Writing one ------------------------------------------------------------------------------


def test_send_skips_the_actor_and_deactivated_accounts_whoever_the_caller_names(app, w):
    """The last guard, whatever list a service hands over: the actor and a deactivated
    account never get a notification; each other person gets one, even if named twice."""
    written = notifications.send(
        K.MILESTONE_SUBMITTED,
        "milestone",
        1,
        [w.khadija.id, w.khadija.id, w.former_local.id, w.hicham.id, w.salma.id],
        actor=w.hicham,
        now=NOW,
    )
    assert written == 2
    assert sorted(m.recipient_id for m in notes(K.MILESTONE_SUBMITTED)) == sorted(
        ids(w.khadija, w.salma)
    )
    assert (
        notifications.send(K.MILESTONE_SUBMITTED, "milestone", 1, [w.hicham.id], actor=w.hicham)
        == 0
    )


# --- Milestones -------------------------------------------------------------------------------


def new_milestone(w, make_milestone, status=M.IN_PROGRESS, **kw):
    return make_milestone(action=w.action, status=status, title="Fibre de la médina", **kw)


@pytest.fixture
def milestone(w, make_milestone):
    return new_milestone(w, make_milestone)


def transition(actor, milestone, name, comment="", *, now=NOW):
    milestones.apply_transition(actor, milestone, name, comment=comment, now=now)
    db.session.flush()


def replan(actor, milestone, due_date, reason="Retard de livraison du fournisseur"):
    request = milestones.update_milestone(
        actor,
        milestone,
        expected_version=milestone.version,
        title=milestone.title,
        description=milestone.description,
        deliverable=milestone.deliverable,
        responsible_organization_id=milestone.responsible_organization_id,
        due_date=due_date,
        planned_start=milestone.planned_start,
        predecessor_ids=[],
        change_reason=reason,
        now=NOW,
    )
    db.session.flush()
    return request


def test_starting_or_restarting_a_milestone_tells_nobody(app, w, make_milestone):
    """Only what asks someone to act, or answers them, is notified."""
    planned = new_milestone(w, make_milestone, M.PLANNED)
    returned = new_milestone(w, make_milestone, M.RETURNED)
    transition(w.hicham, planned, "start")
    transition(w.hicham, returned, "restart")
    assert outbox_size() == 0
    transition(w.hicham, planned, "submit", "Rapport de diagnostic remis.")
    assert outbox_size() == 1


def test_a_submitted_milestone_goes_to_the_citys_local_decision_makers(app, w, milestone):
    transition(w.hicham, milestone, "submit", "Rapport de diagnostic remis.")
    check(
        app,
        K.MILESTONE_SUBMITTED,
        ("milestone", milestone),
        actor=w.hicham,
        to=[w.khadija],
        never=[w.hicham, w.omar, w.former_local, w.salma, w.central, w.leila, w.observer],
        says="Hicham Alaoui a soumis ce jalon à votre approbation.",
    )


def test_a_local_approval_tells_the_ministry_and_the_deliverers(app, w, milestone):
    transition(w.hicham, milestone, "submit", "Rapport de diagnostic remis.")
    transition(w.khadija, milestone, "approve_local")
    check(
        app,
        K.MILESTONE_APPROVED_LOCALLY,
        ("milestone", milestone),
        actor=w.khadija,
        # The submitter is told as well: they are no longer the one acting.
        to=[w.central, w.hicham, w.salma],
        never=[w.khadija, w.omar, w.former, w.stranger, w.leila],
        says="Khadija Ouazzani a approuvé ce jalon au niveau local.",
    )


def test_a_central_approval_tells_the_deliverers_only(app, w, make_milestone):
    milestone = new_milestone(w, make_milestone, M.APPROVED_LOCALLY)
    transition(w.central, milestone, "approve_central", "Conforme.")
    check(
        app,
        K.MILESTONE_APPROVED,
        ("milestone", milestone),
        actor=w.central,
        to=[w.hicham, w.salma],
        never=[w.central, w.khadija, w.omar, w.former, w.stranger],
        says="Rachid Benali a approuvé ce jalon : il est validé.",
        comment="Conforme.",
    )


@pytest.mark.parametrize(
    ("status", "name", "who", "name_said"),
    [
        (M.SUBMITTED, "return_local", "khadija", "Khadija Ouazzani"),
        (M.APPROVED_LOCALLY, "return_central", "central", "Rachid Benali"),
    ],
)
def test_a_returned_milestone_tells_the_deliverers_with_the_reason(
    app, w, make_milestone, status, name, who, name_said
):
    milestone = new_milestone(w, make_milestone, status)
    actor = getattr(w, who)
    transition(actor, milestone, name, RETURNED_BECAUSE)
    check(
        app,
        K.MILESTONE_RETURNED,
        ("milestone", milestone),
        actor=actor,
        to=[w.hicham, w.salma],
        never=[actor, w.omar, w.former, w.stranger, w.leila],
        says=f"{name_said} a renvoyé ce jalon.",
        comment=RETURNED_BECAUSE,
    )


@pytest.fixture
def adopted(w, make_milestone):
    """A milestone of an adopted plan: a new due date is a request to the ministry."""
    return new_milestone(
        w,
        make_milestone,
        due_date=date(2026, 6, 30),
        baseline_due_date=date(2026, 6, 30),
    )


def test_a_change_request_goes_to_the_ministry(app, w, adopted):
    replan(w.hicham, adopted, date(2026, 9, 30))
    check(
        app,
        K.CHANGE_REQUESTED,
        ("milestone", adopted),
        actor=w.hicham,
        to=[w.central],
        never=[w.hicham, w.salma, w.khadija, w.omar, w.leila],
        says="Hicham Alaoui demande de reporter l'échéance au 30 sept. 2026.",
        comment="Retard de livraison du fournisseur",
        day="2026-09-30",
    )


@pytest.mark.parametrize(
    ("accept", "comment", "verb"), [(True, "", "accepté"), (False, "Délai non justifié", "refusé")]
)
def test_a_decided_change_tells_the_deliverers_and_who_asked(
    app, w, adopted, accept, comment, verb
):
    """The secretariat asked, though it does not deliver: it hears the answer too."""
    request = replan(w.leila, adopted, date(2026, 9, 30))
    milestones.decide_change_request(w.central, request, accept=accept, comment=comment, now=NOW)
    db.session.flush()
    check(
        app,
        K.CHANGE_DECIDED,
        ("milestone", adopted),
        actor=w.central,
        to=[w.hicham, w.salma, w.leila],
        never=[w.central, w.amine, w.khadija, w.former, w.stranger],
        says=f"Rachid Benali a {verb} le report de l'échéance au 30 sept. 2026.",
        accepted=accept,
    )


# --- A refused change writes nothing ----------------------------------------------------------


def test_an_approval_by_another_citys_decision_maker_writes_no_notification(app, w, make_milestone):
    milestone = new_milestone(w, make_milestone, M.SUBMITTED)
    with pytest.raises(NotAllowed):
        milestones.apply_transition(w.omar, milestone, "approve_local", now=NOW)
    db.session.rollback()
    assert outbox_size() == 0
    assert db.session.get(type(milestone), milestone.id).status is M.SUBMITTED


def test_a_refused_change_request_decision_or_foreign_submission_writes_nothing(
    app, w, milestone, adopted
):
    """Refusals of every kind: wrong organisation, missing reason; nothing is left behind."""
    with pytest.raises(NotAllowed):
        milestones.apply_transition(w.stranger, milestone, "submit", comment="Fait.", now=NOW)
    db.session.rollback()
    request = replan(w.hicham, adopted, date(2026, 9, 30))
    db.session.commit()
    assert outbox_size() == 1  # the request itself, to the ministry
    with pytest.raises(InvalidInput):
        milestones.decide_change_request(w.central, request, accept=False, now=NOW)
    with pytest.raises(NotAllowed):
        milestones.decide_change_request(w.khadija, request, accept=True, now=NOW)
    db.session.rollback()
    assert outbox_size() == 1
    assert notes(K.CHANGE_DECIDED) == []


def test_an_edit_refused_for_its_dependencies_asks_the_ministry_nothing(app, w, adopted):
    """The dependencies are checked before the change request is made: an edit refused for
    an unknown predecessor writes no request and tells nobody."""
    with pytest.raises(InvalidInput) as refused:
        milestones.update_milestone(
            w.hicham,
            adopted,
            expected_version=adopted.version,
            title=adopted.title,
            description="",
            deliverable="",
            responsible_organization_id=adopted.responsible_organization_id,
            due_date=date(2026, 9, 30),
            planned_start=None,
            predecessor_ids=[987654],
            change_reason="Retard de livraison du fournisseur",
            now=NOW,
        )
    assert refused.value.field == "predecessors"
    assert notes(K.CHANGE_REQUESTED) == []
    db.session.rollback()
    assert outbox_size() == 0


# --- Commitments ------------------------------------------------------------------------------


def propose(w):
    commitment = commitments.create_commitment(
        w.hicham,
        organization_id=w.utility.id,
        city_id=w.city.id,
        action_id=None,
        title="40 km de fibre dans la médina",
        indicator="Fibre posée",
        unit="km",
        baseline="0",
        target="40",
        due_date=date(2026, 9, 30),
        now=NOW,
    )
    db.session.flush()
    return commitment


def accepted(w):
    commitment = propose(w)
    commitments.change_status(w.khadija, commitment, "accept", today=TODAY, now=NOW)
    db.session.flush()
    return commitment


def declared(w, value="12,5"):
    commitment = accepted(w)
    update = commitments.declare_update(
        w.salma,
        commitment,
        value=value,
        measured_on=date(2026, 5, 10),
        note="Tronçon nord",
        today=TODAY,
        now=NOW,
    )
    db.session.flush()
    return commitment, update


def test_a_proposed_commitment_goes_to_the_citys_local_decision_makers(app, w):
    commitment = propose(w)
    check(
        app,
        K.COMMITMENT_PROPOSED,
        ("commitment", commitment),
        actor=w.hicham,
        to=[w.khadija],
        never=[w.hicham, w.salma, w.omar, w.former_local, w.central],
        says="Hicham Alaoui propose cet engagement à la ville.",
    )


def test_an_accepted_commitment_tells_the_committed_organisation(app, w):
    commitment = accepted(w)
    check(
        app,
        K.COMMITMENT_ACCEPTED,
        ("commitment", commitment),
        actor=w.khadija,
        to=[w.hicham, w.salma],
        never=[w.khadija, w.former, w.stranger, w.omar],
        says="Khadija Ouazzani a accepté cet engagement pour la ville.",
    )


def test_declared_progress_goes_to_the_city_with_its_value_in_french(app, w):
    """The value reads as French writes numbers (12,50), as on the commitment's page."""
    commitment, _update = declared(w)
    check(
        app,
        K.PROGRESS_DECLARED,
        ("commitment", commitment),
        actor=w.salma,
        to=[w.khadija],
        never=[w.salma, w.hicham, w.omar, w.former_local],
        says="Salma Idrissi a déclaré un avancement de 12,50.",
        value="12.50",
    )


@pytest.mark.parametrize(
    ("accept", "reason", "verb"), [(True, "", "validé"), (False, "Aucune preuve jointe", "rejeté")]
)
def test_decided_progress_tells_the_committed_organisation(app, w, accept, reason, verb):
    commitment, update = declared(w, value="12")
    commitments.decide_update(w.khadija, update, accept=accept, reason=reason, now=NOW)
    db.session.flush()
    check(
        app,
        K.PROGRESS_DECIDED,
        ("commitment", commitment),
        actor=w.khadija,
        to=[w.hicham, w.salma],
        never=[w.khadija, w.former, w.stranger, w.omar],
        says=f"Khadija Ouazzani a {verb} l'avancement déclaré (12,00).",
        accepted=accept,
    )


# --- Financial counterparts -------------------------------------------------------------------


def signed(w):
    """RADEEMA pays IAM 1 200 MAD in two installments, signed by the secretariat."""
    agreement, _dropped = finance.save_agreement(
        w.leila,
        None,
        city_id=w.city.id,
        payer_id=w.utility.id,
        payee_id=w.operator.id,
        purpose="cofinancing",
        title="Cofinancement de la fibre de la médina",
        action_id=None,
        asset_id=None,
        total="1200.00",
        start_date=date(2026, 1, 1),
    )
    db.session.flush()
    rows = [(date(2026, 2, 1), "600.00"), (date(2026, 8, 1), "600.00")]
    finance.set_schedule(w.leila, agreement, rows, expected_version=agreement.version)
    db.session.flush()
    finance.sign(
        w.leila,
        agreement,
        signed_on=date(2026, 1, 10),
        convention_reference="CONV-2026-001",
        today=TODAY,
        expected_version=agreement.version,
        now=NOW,
    )
    db.session.flush()
    return agreement


def step(actor, installment, name, reason=""):
    finance.act_on_installment(
        actor,
        installment,
        name,
        today=TODAY,
        reference=f"{name.upper()}-1",
        day=date(2026, 2, 3),
        reason=reason,
        expected_version=installment.version,
        now=NOW,
    )
    db.session.flush()


def first_installment(w):
    return signed(w).installments[0]


def test_a_signed_agreement_tells_both_parties(app, w):
    agreement = signed(w)
    check(
        app,
        K.AGREEMENT_SIGNED,
        ("agreement", agreement),
        actor=w.leila,
        to=[w.hicham, w.salma, w.amina],
        never=[w.leila, w.former, w.stranger, w.khadija, w.central, w.omar],
        says="Leila Chraibi a enregistré la signature de cette convention.",
    )


def test_an_invoice_goes_to_the_payer(app, w):
    installment = first_installment(w)
    step(w.amina, installment, "invoice")
    check(
        app,
        K.INSTALLMENT_INVOICED,
        ("installment", installment),
        actor=w.amina,
        to=[w.hicham, w.salma],
        never=[w.amina, w.former, w.leila, w.khadija],
        says="Amina Bennani a facturé l'échéance du 1 févr. 2026 (600,00 MAD).",
        amount="600.00",
        due="2026-02-01",
    )


def test_a_payment_goes_to_the_payee_to_confirm(app, w):
    installment = first_installment(w)
    step(w.hicham, installment, "pay")
    check(
        app,
        K.PAYMENT_RECORDED,
        ("installment", installment),
        actor=w.hicham,
        to=[w.amina],
        never=[w.hicham, w.salma, w.leila, w.stranger],
        says=(
            "Hicham Alaoui a enregistré le paiement de l'échéance du 1 févr. 2026 "
            "(600,00 MAD) : confirmez sa réception."
        ),
    )


def test_a_confirmed_receipt_goes_to_the_payer(app, w):
    installment = first_installment(w)
    step(w.hicham, installment, "pay")
    step(w.amina, installment, "confirm")
    check(
        app,
        K.RECEIPT_CONFIRMED,
        ("installment", installment),
        actor=w.amina,
        to=[w.hicham, w.salma],
        never=[w.amina, w.former, w.leila],
        says="Amina Bennani a confirmé la réception de l'échéance du 1 févr. 2026.",
    )


def test_a_dispute_goes_to_both_parties_and_the_secretariat(app, w):
    installment = first_installment(w)
    step(w.amina, installment, "invoice")
    step(w.salma, installment, "dispute", "Montant non conforme à la convention")
    check(
        app,
        K.DISPUTE_OPENED,
        ("installment", installment),
        actor=w.salma,
        to=[w.hicham, w.amina, w.leila, w.amine],
        never=[w.salma, w.former, w.khadija, w.central, w.stranger],
        says="Salma Idrissi conteste l'échéance du 1 févr. 2026 (600,00 MAD).",
        comment="Montant non conforme à la convention",
    )


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("resolve", "Leila Chraibi a levé la contestation de l'échéance du 1 févr. 2026."),
        (
            "uphold",
            "Leila Chraibi a donné raison à la contestation de l'échéance du 1 févr. 2026.",
        ),
    ],
)
def test_a_settled_dispute_tells_both_parties(app, w, name, says):
    installment = first_installment(w)
    step(w.amina, installment, "invoice")
    step(w.salma, installment, "dispute", "Montant non conforme à la convention")
    step(w.leila, installment, name, "Vérifié avec les deux parties")
    check(
        app,
        K.DISPUTE_SETTLED,
        ("installment", installment),
        actor=w.leila,
        to=[w.hicham, w.salma, w.amina],
        never=[w.leila, w.amine, w.former, w.khadija],
        says=says,
        comment="Vérifié avec les deux parties",
    )


# --- Provider selection -----------------------------------------------------------------------

WHY = "Conforme aux termes de référence"


def drafted(w, reference="AO-2026-001"):
    """A tender of Marrakech, one lot, a weighted method, and its committee."""
    tender = tenders.save_tender(
        w.leila,
        None,
        reference=reference,
        title="Étude du schéma directeur",
        city_id=w.city.id,
        action_id=None,
        category="services",
        procedure="open_call",
        estimate="1000000.00",
        publication_date=NOW.date(),
        submission_deadline=DEADLINE,
        opening_session=None,
        evaluation_due=None,
    )
    db.session.flush()
    tenders.save_lots(
        w.leila, tender, [("Lot unique", "1000000.00")], expected_version=tender.version
    )
    db.session.flush()
    tenders.save_specification(
        w.leila,
        tender,
        criteria=[
            CriterionInput("Attestation fiscale", "eliminatory"),
            CriterionInput("Méthodologie", "technical", "40"),
            CriterionInput("Équipe", "technical", "60"),
        ],
        method="weighted",
        technical_weight="0.7",
        financial_weight="0.3",
        technical_threshold="70",
        normalization="raw",
        decimals=2,
        expected_version=tender.version,
    )
    db.session.flush()
    committee(w, tender, [(w.president, "president"), (w.member, "member")])
    return tender


def committee(w, tender, members):
    tenders.set_committee(
        w.leila,
        tender,
        [(user.id, role) for user, role in members],
        expected_version=tender.version,
        now=NOW,
    )
    db.session.flush()


def move(actor, tender, stage, *, now=AFTER, **kw):
    tenders.advance(actor, tender, stage, now=now, expected_version=tender.version, **kw)
    db.session.flush()


def bid(user, tender, price, *, now=ON_TIME):
    offer = tenders.submit_bid(
        user, tender.lots[0], bidder_id=user.organization_id, price=price, now=now
    )
    db.session.flush()
    return offer


def published(w):
    """Published with the committee completed (a rapporteur who will recuse, an observer),
    and two bids in."""
    tender = drafted(w)
    committee(
        w,
        tender,
        [
            (w.president, "president"),
            (w.member, "member"),
            (w.rapporteur, "rapporteur"),
            (w.witness, "observer"),
        ],
    )
    move(w.leila, tender, S.PUBLISHED, now=NOW)
    bid(w.karim, tender, "900000.00")
    bid(w.badr, tender, "950000.00")
    tenders.declare(w.rapporteur, tender, conflict=True, note="Ancien associé d'ALPHA", now=NOW)
    db.session.flush()
    return tender


def score_and_submit(user, tender):
    tenders.declare(user, tender, conflict=False, now=AFTER)
    for offer in tenders.admitted_bids(tender):
        for leaf in tenders.leaf_criteria(tender):
            tenders.record_score(
                user, offer, leaf, points=f"{leaf.max_points * 8 / 10:f}", justification=WHY
            )
    tenders.submit_scores(user, tender, now=AFTER)
    db.session.flush()


def prepare(w, tender, stage):
    """What the procedure does before moving on to `stage`."""
    if stage is S.TECHNICAL_EVALUATION:
        for offer in tender.lots[0].bids:
            results = {c.id: (True, "") for c in tenders.eliminatory_criteria(tender)}
            tenders.check_bid(w.leila, offer, results=results, expected_version=offer.version)
        db.session.flush()
    elif stage is S.TECHNICAL_LOCKED:
        score_and_submit(w.president, tender)
        score_and_submit(w.member, tender)


def mover(w, stage):
    if stage in (S.SUBMISSIONS_CLOSED, S.ADMINISTRATIVE_CHECK, S.TECHNICAL_EVALUATION):
        return w.leila
    return w.central if stage is S.AWARDED else w.president


def forward(w, tender) -> int:
    """One stage on; returns the last outbox id before the move itself."""
    stage = tenders.NEXT[tender.stage]
    prepare(w, tender, stage)
    before = last_id()
    present = None
    if stage is S.FINANCIAL_OPENING:
        present = [
            m.id for m in tender.members if m.cleared and m.role is not CommitteeRole.OBSERVER
        ]
    move(mover(w, stage), tender, stage, present=present)
    return before


def forward_to(w, tender, stage) -> int:
    """Up to `stage`; returns the last outbox id before the move into it."""
    before = last_id()
    while tender.stage is not stage:
        before = forward(w, tender)
    return before


def test_a_published_tender_goes_to_the_providers_who_may_bid(app, w):
    tender = drafted(w)
    move(w.leila, tender, S.PUBLISHED, now=NOW)
    check(
        app,
        K.TENDER_PUBLISHED,
        ("tender", tender),
        actor=w.leila,
        # National consultancies and the city's own provider; not another city's, not a
        # utility, not the committee.
        to=[w.karim, w.alpha_colleague, w.badr, w.ghita],
        never=[w.leila, w.souad, w.alpha_former, w.hicham, w.president, w.khadija],
        says="Leila Chraibi a publié cet appel d'offres : remettez votre offre.",
        deadline=DEADLINE.isoformat(),
    )


def test_the_committee_appointment_tells_each_new_member_once(app, w):
    tender = drafted(w)
    check(
        app,
        K.TENDER_COMMITTEE,
        ("tender", tender),
        actor=w.leila,
        to=[w.president, w.member],
        never=[w.leila, w.outsider, w.witness],
        says=(
            "Leila Chraibi vous a nommé(e) à la commission d'évaluation : déclarez d'abord "
            "l'absence ou l'existence d'un conflit d'intérêts."
        ),
    )
    before = last_id()
    committee(
        w, tender, [(w.president, "president"), (w.member, "member"), (w.witness, "observer")]
    )
    assert [m.recipient_id for m in notes(K.TENDER_COMMITTEE, after=before)] == [w.witness.id]


def test_a_bid_goes_to_the_secretariat_and_a_late_one_says_so(app, w):
    tender = drafted(w)
    move(w.leila, tender, S.PUBLISHED, now=NOW)
    bid(w.karim, tender, "900000.00")
    check(
        app,
        K.BID_RECEIVED,
        ("tender", tender),
        actor=w.karim,
        to=[w.leila, w.amine],
        never=[w.karim, w.alpha_colleague, w.badr, w.president, w.central],
        says="Offre de ALPHA reçue (lot 1).",
        lot=1,
        bidder="ALPHA",
    )
    before = last_id()
    bid(w.ghita, tender, "800000.00", now=DEADLINE + timedelta(minutes=1))
    check(
        app,
        K.BID_RECEIVED,
        ("tender", tender),
        actor=w.ghita,
        to=[w.leila, w.amine],
        never=[w.ghita],
        says="Offre de GAMMA reçue hors délai (lot 1).",
        after=before,
        late=True,
    )
    assert "late" not in notes(K.BID_RECEIVED)[0].details  # the first one was on time


@pytest.mark.parametrize(
    ("stage", "label"),
    [
        (S.SUBMISSIONS_CLOSED, "Remise des offres close"),
        (S.ADMINISTRATIVE_CHECK, "Vérification administrative"),
    ],
)
def test_closing_and_checking_ask_the_rest_of_the_secretariat(app, w, stage, label):
    tender = published(w)
    before = forward_to(w, tender, stage)
    check(
        app,
        K.TENDER_STAGE,
        ("tender", tender),
        actor=w.leila,
        to=[w.amine],
        never=[w.leila, w.president, w.karim, w.central],
        says=f"Leila Chraibi a fait passer la procédure à l'étape « {label} » : à vous d'agir.",
        after=before,
        stage=stage.value,
    )


def test_the_technical_evaluation_asks_the_committee_to_declare_and_score(app, w):
    """The president and the member score (and first declare), the observer declares; the
    rapporteur who recused has nothing left to do."""
    tender = published(w)
    before = forward_to(w, tender, S.TECHNICAL_EVALUATION)
    check(
        app,
        K.TENDER_STAGE,
        ("tender", tender),
        actor=w.leila,
        to=[w.president, w.member, w.witness],
        never=[w.leila, w.rapporteur, w.outsider, w.amine],
        says=(
            "Leila Chraibi a fait passer la procédure à l'étape « Évaluation technique » : "
            "à vous d'agir."
        ),
        after=before,
    )


def test_the_last_scores_in_tell_the_chair(app, w):
    tender = published(w)
    forward_to(w, tender, S.TECHNICAL_EVALUATION)
    before = last_id()
    score_and_submit(w.president, tender)
    assert notes(K.TENDER_STAGE, after=before) == []  # the member has not handed in yet
    before = last_id()
    score_and_submit(w.member, tender)
    check(
        app,
        K.TENDER_STAGE,
        ("tender", tender),
        actor=w.member,
        to=[w.president],
        never=[w.member, w.rapporteur, w.witness, w.leila],
        says="Toutes les notes sont remises : fixez les consensus et verrouillez.",
        after=before,
        scores_in=True,
    )


def test_the_chairs_own_stages_tell_nobody_and_the_proposal_goes_to_the_ministry(app, w):
    """From the lock to the ranking the chair acts alone: no notification to themself. The
    proposed award asks the ministry."""
    tender = published(w)
    forward_to(w, tender, S.TECHNICAL_EVALUATION)
    quiet = [S.TECHNICAL_LOCKED, S.FINANCIAL_OPENING, S.FINANCIAL_EVALUATION, S.RANKING]
    for stage in quiet:
        before = forward(w, tender)
        assert tender.stage is stage
        assert notes(K.TENDER_STAGE, after=before) == [], stage
    before = forward(w, tender)
    assert tender.stage is S.AWARD_PROPOSED
    check(
        app,
        K.TENDER_STAGE,
        ("tender", tender),
        actor=w.president,
        to=[w.central],
        never=[w.president, w.khadija, w.leila, w.karim],
        says=(
            "Fatima Zahra Lahlou a fait passer la procédure à l'étape « Attribution "
            "proposée » : à vous d'agir."
        ),
        after=before,
    )


def test_the_award_tells_every_bidder(app, w):
    tender = published(w)
    before = forward_to(w, tender, S.AWARDED)
    check(
        app,
        K.TENDER_DECIDED,
        ("tender", tender),
        actor=w.central,
        # Both bidders' people; not a provider that did not bid, not the committee.
        to=[w.karim, w.alpha_colleague, w.badr],
        never=[w.central, w.ghita, w.alpha_former, w.souad, w.president, w.leila],
        says="Rachid Benali a clos la procédure : « Attribué ».",
        after=before,
        stage="awarded",
    )


def test_a_cancellation_tells_the_bidders_and_the_providers_invited_to_bid_why(app, w):
    """Cancelled while open: those who bid and those who were told to bid (GAMMA, which had
    not yet) learn it."""
    tender = published(w)
    move(w.leila, tender, S.CANCELLED, note="Besoin redéfini par la ville", now=ON_TIME)
    check(
        app,
        K.TENDER_DECIDED,
        ("tender", tender),
        actor=w.leila,
        to=[w.karim, w.alpha_colleague, w.badr, w.ghita],
        never=[w.leila, w.alpha_former],
        says="Leila Chraibi a clos la procédure : « Annulé ».",
        comment="Besoin redéfini par la ville",
    )


# --- Digital coverage -------------------------------------------------------------------------

GRID = "! Local disponible\nPopulation | 60\nAccès | 40"


def candidate(w, name="Maison de quartier Dabachi"):
    if coverage.criteria_set(w.city.id, SiteKind.DIGITAL_SPACE) is None:
        coverage.save_criteria(w.leila, w.city, SiteKind.DIGITAL_SPACE, GRID)
    site = coverage.save_site(
        w.leila,
        None,
        city_id=w.city.id,
        district="Médina",
        kind=SiteKind.DIGITAL_SPACE.value,
        name=name,
        address="Derb Dabachi",
        latitude="31.6295",
        longitude="-7.9811",
        host_organization_id=w.host.id,
        estimated_cost="250000.00",
        today=TODAY,
    )
    db.session.flush()
    return site


def assess(user, site):
    answers = {}
    for criterion in coverage.criteria_set(site.city_id, site.kind).criteria:
        answers[criterion.id] = (
            AnswerInput(passed=True) if criterion.eliminatory else AnswerInput(points="30")
        )
    coverage.save_assessment(user, site, answers, today=TODAY, now=NOW)
    db.session.flush()


def test_an_assessed_site_goes_to_those_who_decide_once(app, w):
    site = candidate(w)
    assess(w.president, site)
    check(
        app,
        K.SITE_TO_DECIDE,
        ("site", site),
        actor=w.president,
        to=[w.khadija, w.central],
        never=[w.president, w.omar, w.former_local, w.leila, w.nadia],
        says="Fatima Zahra Lahlou a évalué ce site : il attend votre décision.",
    )
    # A second assessor's sheet changes the ranking, not the site's status: no new notice.
    assess(w.member, site)
    assert len(notes(K.SITE_TO_DECIDE)) == 2


@pytest.mark.parametrize(("status", "verb"), [("selected", "retenu"), ("rejected", "écarté")])
def test_a_decided_site_tells_its_host(app, w, status, verb):
    site = candidate(w)
    assess(w.president, site)
    coverage.move(
        w.khadija,
        site,
        status,
        note="Quartier sans accès public à Internet",
        on_date=None,
        today=TODAY,
        expected_version=site.version,
        now=NOW,
    )
    db.session.flush()
    check(
        app,
        K.SITE_DECIDED,
        ("site", site),
        actor=w.khadija,
        to=[w.nadia],
        never=[w.khadija, w.former_host, w.stranger, w.central, w.leila],
        says=f"Khadija Ouazzani a {verb} ce site.",
        selected=status == "selected",
        comment="Quartier sans accès public à Internet",
    )


# --- Every kind reads as a sentence -----------------------------------------------------------

SAMPLE = {
    "day": "2026-09-30",
    "due": "2026-02-01",
    "amount": "1234567.50",
    "value": "12.50",
    "bidder": "ALPHA",
    "lot": 1,
    "stage": "technical_evaluation",
}


@pytest.mark.parametrize("kind", EVENT_KINDS, ids=lambda k: k.value)
def test_every_event_kind_reads_as_a_sentence_in_french_and_english(app, kind):
    message = OutboxMessage(kind=kind, actor=User(full_name="Khadija Ouazzani"), details=SAMPLE)
    with app.app_context():
        french, english = said(app, message), said(app, message, "en")
    assert french and english and french != english
    assert "%(" not in french + english


# --- Delivery by e-mail -----------------------------------------------------------------------


@contextmanager
def acting(app):
    """An application context for a few service calls, committed at the end (the sender
    and the pages then read from the database)."""
    with app.app_context():
        yield
        db.session.commit()


def get(obj):
    return db.session.get(type(obj), obj.id)


def send(app, now):
    with app.app_context():
        return mail.send_pending(now=now)


def addressee(email) -> str:
    return email["To"].addresses[0].addr_spec


def text_of(email) -> str:
    return email.get_body(preferencelist=("plain",)).get_content()


def statuses(app) -> dict[tuple[int, ReminderKind], OutboxStatus]:
    with app.app_context():
        return {
            (m.recipient_id, m.kind): m.status for m in db.session.scalars(sa.select(OutboxMessage))
        }


@pytest.fixture
def submitted(app, world, make_milestone):
    """A milestone in progress, for tests that then send or open pages."""
    return new_milestone(world, make_milestone)


def test_one_email_per_event_in_french_and_in_english_for_who_chose_english(
    app, smtp, world, make_user, submitted
):
    english = make_user(
        full_name="John Smith",
        role=Role.LOCAL_DECISION_MAKER,
        city=world.city,
        preferred_language="en",
        email="john@marrakech.example",
    )
    with acting(app):
        transition(get(world.hicham), get(submitted), "submit", "Rapport remis.")
        transition(get(world.khadija), get(submitted), "return_local", RETURNED_BECAUSE)
    result = send(app, NOW)
    assert (result.sent, result.failed, result.retried) == (4, 0, 0)
    by_address = {addressee(m): m for m in smtp.messages}
    assert sorted(by_address) == sorted(
        [world.khadija.email, english.email, world.hicham.email, world.salma.email]
    )
    link = f"http://127.0.0.1:5000/milestones/{submitted.id}"

    french = by_address[world.khadija.email]
    assert french["Subject"] == "Jalon soumis pour approbation : Fibre de la médina"
    assert "Hicham Alaoui a soumis ce jalon à votre approbation." in text_of(french)
    assert link in text_of(french)

    translated = by_address[english.email]
    assert translated["Subject"] == "Milestone submitted for approval: Fibre de la médina"
    body = text_of(translated)
    assert "Hicham Alaoui submitted this milestone for your approval." in body
    assert "soumis" not in body and link in body

    returned = by_address[world.hicham.email]
    assert returned["Subject"] == "Jalon renvoyé : Fibre de la médina"
    assert "Khadija Ouazzani a renvoyé ce jalon." in text_of(returned)
    assert f"« {RETURNED_BECAUSE} »" in text_of(returned)
    returned_html = returned.get_body(preferencelist=("html",)).get_content()
    assert "<q>Il manque le procès-verbal de réception &lt;annexe 2&gt;.</q>" in returned_html
    assert set(statuses(app).values()) == {OutboxStatus.SENT}
    # Sent once: a second pass finds nothing.
    assert send(app, NOW + timedelta(hours=1)).sent == 0 and len(smtp.messages) == 4


def test_who_chose_the_digest_gets_the_days_events_at_the_next_morning_planning(
    app, smtp, world, make_milestone
):
    milestone = new_milestone(world, make_milestone, M.SUBMITTED)
    with acting(app):
        reminders.set_preferences(get(world.salma), digest=True, muted=[])
    with acting(app):
        transition(get(world.khadija), get(milestone), "approve_local", now=NOW)
    with acting(app):
        later = NOW + timedelta(hours=2)
        transition(get(world.central), get(milestone), "return_central", "À compléter", now=later)
        waiting = notes(K.MILESTONE_RETURNED) + notes(K.MILESTONE_APPROVED_LOCALLY)
        assert {m.next_attempt_at for m in waiting if m.recipient_id == world.salma.id} == {
            NEXT_MORNING
        }

    # At once: Hicham (one e-mail per event) and the ministry; nothing for Salma.
    assert send(app, later).sent == 3
    assert sorted(addressee(m) for m in smtp.messages) == sorted(
        [world.hicham.email, world.hicham.email, world.central.email]
    )
    assert send(app, NEXT_MORNING - timedelta(minutes=1)).sent == 0
    # The next morning's planning: one digest with both events.
    assert send(app, NEXT_MORNING).sent == 2
    assert len(smtp.messages) == 4
    digest = smtp.messages[-1]
    assert addressee(digest) == world.salma.email
    assert digest["Subject"] == "Vos notifications SDTN : 2 éléments"
    body = text_of(digest)
    assert "Voici vos rappels d'échéance et ce qui s'est passé depuis hier." in body
    assert "Khadija Ouazzani a approuvé ce jalon au niveau local." in body
    assert "Rachid Benali a renvoyé ce jalon." in body and "« À compléter »" in body
    assert set(statuses(app).values()) == {OutboxStatus.SENT}


def test_the_digest_hour_is_the_next_reminder_hour_in_morocco(app):
    """07:00 in Morocco is 06:00 UTC in May; an event just after midnight in Morocco (still
    the day before in UTC) waits for that same morning."""
    with app.app_context():
        assert notifications.next_digest(NEXT_MORNING - timedelta(minutes=1)) == NEXT_MORNING
        assert notifications.next_digest(NEXT_MORNING) == NEXT_MORNING + timedelta(days=1)
        just_after_midnight = datetime(2026, 5, 12, 23, 30, tzinfo=UTC)
        assert notifications.next_digest(just_after_midnight) == NEXT_MORNING


def test_a_muted_kind_is_not_emailed_but_stays_in_the_centre(app, smtp, world, make_milestone):
    milestone = new_milestone(world, make_milestone, M.SUBMITTED)
    with acting(app):
        reminders.set_preferences(get(world.hicham), digest=False, muted=["milestone_returned"])
    with acting(app):
        transition(get(world.khadija), get(milestone), "return_local", RETURNED_BECAUSE)
    result = send(app, NOW)
    assert result.sent == 1
    assert [addressee(m) for m in smtp.messages] == [world.salma.email]
    assert statuses(app) == {
        (world.hicham.id, K.MILESTONE_RETURNED): OutboxStatus.MUTED,
        (world.salma.id, K.MILESTONE_RETURNED): OutboxStatus.SENT,
    }
    client = app.test_client()
    assert login(client, world.hicham).status_code == 302
    page = html.unescape(client.get("/notifications").get_data(as_text=True))
    assert "Khadija Ouazzani a renvoyé ce jalon." in page
    assert "Fibre de la médina" in page


def test_an_account_deactivated_before_the_sending_is_not_emailed(app, smtp, world, make_milestone):
    """Written while the account was active, stopped when it no longer is."""
    milestone = new_milestone(world, make_milestone, M.SUBMITTED)
    with acting(app):
        transition(get(world.khadija), get(milestone), "return_local", RETURNED_BECAUSE)
        get(world.salma).active = False
    result = send(app, NOW)
    assert (result.sent, result.failed) == (1, 1)
    assert [addressee(m) for m in smtp.messages] == [world.hicham.email]
    assert statuses(app)[world.salma.id, K.MILESTONE_RETURNED] is OutboxStatus.FAILED


# --- The notification centre ------------------------------------------------------------------


def test_the_centre_shows_the_event_with_its_quoted_reason_and_opens_its_page(
    app, world, make_milestone
):
    milestone = new_milestone(world, make_milestone, M.SUBMITTED)
    with acting(app):
        transition(get(world.khadija), get(milestone), "return_local", RETURNED_BECAUSE)
        message_id = db.session.scalar(
            sa.select(OutboxMessage.id).where(OutboxMessage.recipient_id == world.hicham.id)
        )
    client = app.test_client()
    assert login(client, world.hicham).status_code == 302
    page = client.get("/notifications").get_data(as_text=True)
    assert 'data-kind="milestone_returned"' in page
    assert '<span class="event-text">Khadija Ouazzani a renvoyé ce jalon.</span>' in page
    # The reason is quoted, as text: what looks like markup in it is escaped.
    assert (
        '<blockquote class="prewrap">Il manque le procès-verbal de réception '
        "&lt;annexe 2&gt;.</blockquote>"
    ) in page
    assert f'href="/notifications/{message_id}/open"' in page

    # Someone else's notification does not exist for them, and stays unread.
    stranger = app.test_client()
    assert login(stranger, world.salma).status_code == 302
    assert stranger.get(f"/notifications/{message_id}/open").status_code == 404
    with app.app_context():
        assert db.session.get(OutboxMessage, message_id).read_at is None

    opened = client.get(f"/notifications/{message_id}/open")
    assert opened.status_code == 302
    assert opened.headers["Location"] == f"/milestones/{milestone.id}"
    with app.app_context():
        assert db.session.get(OutboxMessage, message_id).read_at is not None
    page = client.get("/notifications").get_data(as_text=True)
    assert f'<li class="read" data-notification="{message_id}"' in page
