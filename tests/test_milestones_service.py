"""The milestone workflow rules, checked directly on the service, by role and city."""

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import (
    AuditEvent,
    ChangeRequestStatus,
    EventKind,
    MilestoneEvent,
    MilestoneStatus,
    PlanStatus,
    Role,
)
from portal.services import milestones as service
from portal.services.errors import InvalidInput, NotAllowed, StaleObject

S = MilestoneStatus
COMMENT = "Livrable remis : rapport de diagnostic v1."

# Who may fire each transition (an independent statement of the rules in the issue).
ALLOWED_ACTORS = {
    "start": {"contributor_own", "secretariat"},
    "submit": {"contributor_own", "secretariat"},
    "restart": {"contributor_own", "secretariat"},
    "approve_local": {"local_same"},
    "return_local": {"local_same"},
    "approve_central": {"central"},
    "return_central": {"central"},
    "cancel": {"secretariat", "central"},
}
SOURCES = {
    "start": {S.PLANNED},
    "submit": {S.IN_PROGRESS},
    "restart": {S.RETURNED},
    "approve_local": {S.SUBMITTED},
    "return_local": {S.SUBMITTED},
    "approve_central": {S.APPROVED_LOCALLY},
    "return_central": {S.APPROVED_LOCALLY},
    "cancel": {S.PLANNED, S.IN_PROGRESS, S.SUBMITTED, S.APPROVED_LOCALLY, S.RETURNED},
}
TARGETS = {
    "start": S.IN_PROGRESS,
    "submit": S.SUBMITTED,
    "restart": S.IN_PROGRESS,
    "approve_local": S.APPROVED_LOCALLY,
    "return_local": S.RETURNED,
    "approve_central": S.APPROVED,
    "return_central": S.RETURNED,
    "cancel": S.CANCELLED,
}
ACTORS = [
    "contributor_own",
    "contributor_other",
    "secretariat",
    "local_same",
    "local_other",
    "central",
    "observer",
    "evaluator",
    "admin",
]


@pytest.fixture
def world(ctx, make_city, make_org, make_user, make_action, make_plan):
    city, other_city = make_city(), make_city()
    own, other = make_org(city=city), make_org(city=city)
    action = make_action(plan=make_plan(city=city), lead_organization=own)
    actors = {
        "contributor_own": make_user(role=Role.CONTRIBUTOR, organization=own),
        "contributor_other": make_user(role=Role.CONTRIBUTOR, organization=other),
        "secretariat": make_user(role=Role.SECRETARIAT),
        "local_same": make_user(role=Role.LOCAL_DECISION_MAKER, city=city),
        "local_other": make_user(role=Role.LOCAL_DECISION_MAKER, city=other_city),
        "central": make_user(role=Role.CENTRAL_DECISION_MAKER),
        "observer": make_user(role=Role.OBSERVER),
        "evaluator": make_user(role=Role.EVALUATOR),
        "admin": make_user(role=Role.ADMIN),
    }
    return {"city": city, "own": own, "other": other, "action": action, "actors": actors}


@pytest.mark.parametrize("transition", sorted(ALLOWED_ACTORS))
@pytest.mark.parametrize("actor_name", ACTORS)
def test_each_transition_by_each_actor_from_each_status(
    world, make_milestone, transition, actor_name
):
    actor = world["actors"][actor_name]
    for status in S:
        milestone = make_milestone(
            action=world["action"], responsible_organization=world["own"], status=status
        )
        allowed = status in SOURCES[transition] and actor_name in ALLOWED_ACTORS[transition]
        if allowed:
            service.apply_transition(actor, milestone, transition, comment=COMMENT)
            assert milestone.status is TARGETS[transition], (transition, status)
        else:
            with pytest.raises((NotAllowed, service.TransitionNotAllowed)) as refused:
                service.apply_transition(actor, milestone, transition, comment=COMMENT)
            assert str(refused.value.message), "a refusal always says why"
            db.session.rollback()
            assert db.session.get(type(milestone), milestone.id).status is status


def test_the_full_two_level_approval(world, make_milestone):
    a = world["actors"]
    milestone = make_milestone(action=world["action"], responsible_organization=world["own"])
    when = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)
    service.apply_transition(a["contributor_own"], milestone, "start", now=when)
    service.apply_transition(a["contributor_own"], milestone, "submit", comment=COMMENT, now=when)
    service.apply_transition(a["local_same"], milestone, "approve_local", now=when)
    service.apply_transition(a["central"], milestone, "approve_central", comment="OK", now=when)
    db.session.commit()
    assert milestone.status is S.APPROVED
    assert milestone.completion_note == COMMENT
    events = db.session.scalars(
        sa.select(MilestoneEvent)
        .where(MilestoneEvent.milestone_id == milestone.id)
        .order_by(MilestoneEvent.id)
    ).all()
    assert [(e.from_status, e.to_status, e.actor_id) for e in events] == [
        (S.PLANNED, S.IN_PROGRESS, a["contributor_own"].id),
        (S.IN_PROGRESS, S.SUBMITTED, a["contributor_own"].id),
        (S.SUBMITTED, S.APPROVED_LOCALLY, a["local_same"].id),
        (S.APPROVED_LOCALLY, S.APPROVED, a["central"].id),
    ]
    assert events[-1].comment == "OK" and events[0].occurred_at == when
    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"milestone.submit", "milestone.approve_local", "milestone.approve_central"} <= actions


def test_return_needs_a_reason_and_goes_back_to_work(world, make_milestone):
    a = world["actors"]
    milestone = make_milestone(
        action=world["action"], responsible_organization=world["own"], status=S.SUBMITTED
    )
    with pytest.raises(InvalidInput) as missing:
        service.apply_transition(a["local_same"], milestone, "return_local", comment="  ")
    assert "motif" in str(missing.value.message)
    assert milestone.status is S.SUBMITTED
    service.apply_transition(
        a["local_same"], milestone, "return_local", comment="Il manque l'annexe."
    )
    assert milestone.status is S.RETURNED
    service.apply_transition(a["contributor_own"], milestone, "restart")
    assert milestone.status is S.IN_PROGRESS


def test_submit_needs_a_completion_note(world, make_milestone):
    milestone = make_milestone(
        action=world["action"], responsible_organization=world["own"], status=S.IN_PROGRESS
    )
    with pytest.raises(InvalidInput):
        service.apply_transition(world["actors"]["contributor_own"], milestone, "submit")
    assert milestone.status is S.IN_PROGRESS


def test_a_forbidden_transition_says_why(world, make_milestone):
    milestone = make_milestone(action=world["action"], responsible_organization=world["own"])
    with pytest.raises(service.TransitionNotAllowed) as refused:
        service.apply_transition(world["actors"]["local_same"], milestone, "approve_local")
    assert "n'est pas possible" in str(refused.value.message)
    with pytest.raises(service.TransitionNotAllowed):
        service.apply_transition(world["actors"]["central"], milestone, "no_such_action")


def test_a_stale_transition_is_refused(world, make_milestone):
    milestone = make_milestone(action=world["action"], responsible_organization=world["own"])
    with pytest.raises(StaleObject):
        service.apply_transition(
            world["actors"]["contributor_own"],
            milestone,
            "start",
            expected_version=milestone.version + 1,
        )
    assert milestone.status is S.PLANNED


def test_available_transitions_match_the_rules(world, make_milestone):
    a = world["actors"]
    submitted = make_milestone(
        action=world["action"], responsible_organization=world["own"], status=S.SUBMITTED
    )
    names = lambda who: {t.name for t in service.available_transitions(a[who], submitted)}  # noqa: E731
    assert names("local_same") == {"approve_local", "return_local"}
    assert names("local_other") == set()
    assert names("central") == {"cancel"}
    assert names("contributor_own") == set()
    assert names("observer") == set()


# --- Dependencies ---------------------------------------------------------------------------


def test_dependencies_refuse_a_cycle(world, make_milestone):
    sec = world["actors"]["secretariat"]
    first = make_milestone(action=world["action"], title="Étude")
    second = make_milestone(action=world["action"], title="Appel d'offres")
    third = make_milestone(action=world["action"], title="Déploiement")
    service.set_predecessors(second, [first.id])
    service.set_predecessors(third, [second.id])
    db.session.flush()
    with pytest.raises(InvalidInput) as cycle:
        service.set_predecessors(first, [third.id])
    assert "cycle" in str(cycle.value.message)
    with pytest.raises(InvalidInput):
        service.set_predecessors(first, [first.id])
    assert [p.id for p in third.predecessors] == [second.id]
    assert sec


def _chain(world, make_milestone, predecessor_status):
    """A predecessor in the given status, and its successor in progress, both delivered by
    the same organisation."""
    before = make_milestone(
        action=world["action"],
        responsible_organization=world["own"],
        title="Diagnostic",
        status=predecessor_status,
    )
    after = make_milestone(
        action=world["action"],
        responsible_organization=world["own"],
        title="Cahier des charges",
        status=S.IN_PROGRESS,
    )
    service.set_predecessors(after, [before.id])
    db.session.commit()
    return before, after


@pytest.mark.parametrize("status", [S.IN_PROGRESS, S.SUBMITTED, S.APPROVED_LOCALLY, S.RETURNED])
def test_a_milestone_is_not_submitted_before_what_it_depends_on_is_approved(
    world, make_milestone, status
):
    before, after = _chain(world, make_milestone, status)
    with pytest.raises(service.TransitionNotAllowed) as refused:
        service.apply_transition(
            world["actors"]["contributor_own"], after, "submit", comment=COMMENT
        )
    assert "« Diagnostic »" in refused.value.message
    assert "pas encore approuvé" in refused.value.message
    db.session.rollback()
    assert db.session.get(type(after), after.id).status is S.IN_PROGRESS
    assert service.blocking(after) == [before]


@pytest.mark.parametrize("status", [S.APPROVED, S.CANCELLED])
def test_an_approved_or_cancelled_predecessor_no_longer_holds_up(world, make_milestone, status):
    _before, after = _chain(world, make_milestone, status)
    service.apply_transition(world["actors"]["contributor_own"], after, "submit", comment=COMMENT)
    assert after.status is S.SUBMITTED
    assert service.blocking(after) == []


def test_the_secretariat_overrides_a_dependency_with_a_reason_kept_in_the_history(
    world, make_milestone
):
    before, after = _chain(world, make_milestone, S.SUBMITTED)
    secretariat = world["actors"]["secretariat"]
    assert service.may_override(secretariat, after)
    service.apply_transition(
        secretariat,
        after,
        "submit",
        comment=COMMENT,
        override_reason="Décision du comité de pilotage du 12 mai.",
    )
    db.session.commit()
    assert after.status is S.SUBMITTED
    event = db.session.scalars(
        sa.select(MilestoneEvent)
        .where(MilestoneEvent.milestone_id == after.id)
        .order_by(MilestoneEvent.id.desc())
    ).first()
    assert event.details["override"] == "Décision du comité de pilotage du 12 mai."
    assert event.details["blocked_by"] == [before.id]
    audited = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "milestone.submit")
    ).one()
    assert audited.details["override"] == "Décision du comité de pilotage du 12 mai."


def test_only_the_secretariat_overrides_a_dependency(world, make_milestone):
    _before, after = _chain(world, make_milestone, S.SUBMITTED)
    contributor = world["actors"]["contributor_own"]
    assert not service.may_override(contributor, after)
    with pytest.raises(NotAllowed) as refused:
        service.apply_transition(
            contributor, after, "submit", comment=COMMENT, override_reason="Urgent."
        )
    assert refused.value.field == "override_reason"
    db.session.rollback()
    assert db.session.get(type(after), after.id).status is S.IN_PROGRESS


def test_changing_only_the_dependencies_makes_a_form_loaded_before_stale(world, make_milestone):
    """Two people edit the same milestone: the first changes only its dependencies; the
    second, who loaded the form before, is told it changed instead of dropping them."""
    contributor = world["actors"]["contributor_own"]
    before = make_milestone(action=world["action"], responsible_organization=world["own"])
    milestone = make_milestone(action=world["action"], responsible_organization=world["own"])
    loaded = milestone.version
    service.update_milestone(
        contributor, milestone, **_edit(milestone, predecessor_ids=[before.id])
    )
    db.session.commit()
    assert milestone.version == loaded + 1
    with pytest.raises(StaleObject):
        service.update_milestone(
            contributor,
            milestone,
            **_edit(milestone, expected_version=loaded, title="Titre changé"),
        )
    db.session.rollback()
    stored = db.session.get(type(milestone), milestone.id)
    assert [p.id for p in stored.predecessors] == [before.id]


def test_dependencies_stay_within_the_city(world, make_milestone, make_action, make_city):
    other_city_action = make_action()
    here = make_milestone(action=world["action"])
    elsewhere = make_milestone(action=other_city_action)
    with pytest.raises(InvalidInput) as refused:
        service.set_predecessors(here, [elsewhere.id])
    assert "même ville" in str(refused.value.message)


# --- Editing and re-planning ----------------------------------------------------------------


def _edit(milestone, **change):
    values = {
        "expected_version": milestone.version,
        "title": milestone.title,
        "description": milestone.description,
        "deliverable": milestone.deliverable,
        "responsible_organization_id": milestone.responsible_organization_id,
        "due_date": milestone.due_date,
        "planned_start": milestone.planned_start,
        "predecessor_ids": [],
    }
    values.update(change)
    return values


def test_before_adoption_the_due_date_moves_directly(world, make_milestone):
    milestone = make_milestone(action=world["action"], responsible_organization=world["own"])
    request = service.update_milestone(
        world["actors"]["contributor_own"], milestone, **_edit(milestone, due_date=date(2026, 9, 1))
    )
    assert request is None
    assert milestone.due_date == date(2026, 9, 1)


def test_after_adoption_a_new_date_is_a_change_request_for_the_ministry(world, make_milestone):
    a = world["actors"]
    milestone = make_milestone(
        action=world["action"],
        responsible_organization=world["own"],
        due_date=date(2026, 6, 30),
        baseline_due_date=date(2026, 6, 30),
    )
    with pytest.raises(InvalidInput) as no_reason:
        service.update_milestone(
            a["contributor_own"], milestone, **_edit(milestone, due_date=date(2026, 9, 30))
        )
    assert no_reason.value.field == "change_reason"
    request = service.update_milestone(
        a["contributor_own"],
        milestone,
        **_edit(milestone, due_date=date(2026, 9, 30), change_reason="Retard du fournisseur"),
    )
    assert milestone.due_date == date(2026, 6, 30)
    assert request.status is ChangeRequestStatus.PENDING

    with pytest.raises(NotAllowed):
        service.decide_change_request(a["local_same"], request, accept=True)
    with pytest.raises(InvalidInput):
        service.decide_change_request(a["central"], request, accept=False)
    service.decide_change_request(a["central"], request, accept=True, comment="Accordé")
    assert milestone.due_date == date(2026, 9, 30)
    assert milestone.baseline_due_date == date(2026, 6, 30)
    assert milestone.slip_days == 92
    with pytest.raises(service.TransitionNotAllowed):
        service.decide_change_request(a["central"], request, accept=False, comment="Non")
    kinds = [
        e.kind
        for e in db.session.scalars(
            sa.select(MilestoneEvent).where(MilestoneEvent.milestone_id == milestone.id)
        )
    ]
    assert EventKind.CHANGE_REQUESTED in kinds and EventKind.CHANGE_ACCEPTED in kinds


def test_a_refused_change_keeps_the_date(world, make_milestone):
    a = world["actors"]
    milestone = make_milestone(
        action=world["action"],
        responsible_organization=world["own"],
        baseline_due_date=date(2026, 6, 30),
    )
    request = service.update_milestone(
        a["secretariat"],
        milestone,
        **_edit(milestone, due_date=date(2026, 12, 1), change_reason="Replanification"),
    )
    service.decide_change_request(a["central"], request, accept=False, comment="Délai non justifié")
    assert milestone.due_date == date(2026, 6, 30)
    assert request.status is ChangeRequestStatus.REFUSED


def test_contributor_of_another_organisation_cannot_edit(world, make_milestone):
    milestone = make_milestone(action=world["action"], responsible_organization=world["own"])
    with pytest.raises(NotAllowed):
        service.update_milestone(
            world["actors"]["contributor_other"], milestone, **_edit(milestone, title="Piraté")
        )


def test_only_the_secretariat_creates_milestones(world):
    a = world["actors"]
    values = {
        "title": "Nouveau jalon",
        "responsible_organization_id": world["own"].id,
        "due_date": date(2026, 10, 1),
    }
    with pytest.raises(NotAllowed):
        service.create_milestone(a["contributor_own"], world["action"], **values)
    milestone = service.create_milestone(a["secretariat"], world["action"], **values)
    assert milestone.city_id == world["city"].id
    assert milestone.baseline_due_date is None


def test_adopting_the_plan_sets_every_baseline(world, make_milestone):
    from portal.services import plans

    milestone = make_milestone(action=world["action"], due_date=date(2026, 7, 15))
    plan = world["action"].plan
    assert plans.adopt_plan(world["actors"]["secretariat"], plan, today=date(2026, 2, 1)) == 1
    db.session.refresh(milestone)
    assert milestone.baseline_due_date == date(2026, 7, 15)
    assert plan.status is PlanStatus.ADOPTED
    values = {
        "title": "Ajouté après adoption",
        "responsible_organization_id": world["own"].id,
        "due_date": date(2026, 11, 1),
    }
    added = service.create_milestone(world["actors"]["secretariat"], world["action"], **values)
    assert added.baseline_due_date == date(2026, 11, 1)


def test_late_means_due_date_passed_while_still_with_the_deliverer(world, make_milestone):
    today = date(2026, 7, 1)
    due = date(2026, 6, 30)
    for status, late in [
        (S.PLANNED, True),
        (S.IN_PROGRESS, True),
        (S.RETURNED, True),
        (S.SUBMITTED, False),
        (S.APPROVED, False),
        (S.CANCELLED, False),
    ]:
        milestone = make_milestone(action=world["action"], status=status, due_date=due)
        assert milestone.is_late(today) is late, status
    assert not make_milestone(action=world["action"], due_date=today).is_late(today)


def test_who_may_comment_is_one_rule_for_the_page_and_the_service(world, make_milestone):
    """A contributor comments on its own organisation's milestones only, whether it goes
    through the page or calls the service; the city's decision-makers comment on all."""
    milestone = make_milestone(action=world["action"], responsible_organization=world["own"])
    actors = world["actors"]
    for name, allowed in (
        ("contributor_own", True),
        ("contributor_other", False),
        ("local_same", True),
        ("local_other", False),
        ("observer", False),
    ):
        actor = actors[name]
        assert service.may_comment(actor, milestone) is allowed, name
        if allowed:
            service.add_comment(actor, milestone, "Point d'avancement")
        else:
            with pytest.raises(NotAllowed):
                service.add_comment(actor, milestone, "Point d'avancement")
