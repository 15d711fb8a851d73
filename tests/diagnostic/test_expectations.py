"""The territories' expectations: the qualification rules, the priority formula, merging,
rejecting, the actions that answer them, and the matrix with its gaps."""

from types import SimpleNamespace

import pytest

from portal.extensions import db
from portal.models import ExpectationStatus, OrganizationKind, Role
from portal.services import diagnostic
from portal.services.errors import InvalidInput, NotAllowed, TransitionNotAllowed

S = ExpectationStatus


@pytest.fixture
def w(ctx, make_city, make_org, make_user, make_domain, make_plan, make_action):
    city, other = make_city(name="Fès"), make_city(name="Agadir")
    health, jobs = make_domain(name="Santé"), make_domain(name="Emploi")
    plan, other_plan = make_plan(city=city), make_plan(city=other)

    def merge_(obj):
        return db.session.merge(obj)

    return SimpleNamespace(
        city=merge_(city),
        other=merge_(other),
        health=merge_(health),
        jobs=merge_(jobs),
        commune=merge_(make_org(city=city, short_name="CU Fès", kind=OrganizationKind.COMMUNE)),
        booking=merge_(
            make_action(plan=plan, domain=health, code="S1", title="Rendez-vous en ligne")
        ),
        kiosks=merge_(make_action(plan=plan, domain=jobs, code="E1", title="Bornes d'emploi")),
        portal=merge_(make_action(plan=plan, domain=jobs, code="E2", title="Portail de l'emploi")),
        elsewhere=merge_(make_action(plan=other_plan, domain=jobs, code="X1")),
        secretariat=merge_(make_user(role=Role.SECRETARIAT)),
        local=merge_(make_user(role=Role.LOCAL_DECISION_MAKER, city=city)),
        local_other=merge_(make_user(role=Role.LOCAL_DECISION_MAKER, city=other)),
        observer=merge_(make_user(role=Role.OBSERVER)),
    )


def new(w, text="Rendez-vous en ligne dans les centres de santé de la médina", **change):
    values = {
        "city_id": w.city.id,
        "domain_id": w.health.id,
        "district": "Médina",
        "text": text,
        "source": "organization",
        "organization_id": w.commune.id,
        "importance": 4,
        "population": "45 000",
        **change,
    }
    found = diagnostic.save_expectation(w.secretariat, None, **values)
    db.session.flush()
    return found


@pytest.mark.parametrize(
    ("population", "reach"),
    [
        (0, 1),
        (999, 1),
        (1000, 2),
        (4999, 2),
        (5000, 3),
        (19_999, 3),
        (20_000, 4),
        (99_999, 4),
        (100_000, 5),
    ],
)
def test_reach_grows_with_the_population_at_stated_bounds(population, reach):
    assert diagnostic.reach(population) == reach


def test_priority_is_importance_times_feasibility_times_reach(w):
    found = new(w)
    # 45,000 people: reach 4; importance 4, feasibility 3: 4 x 3 x 4 = 48.
    assert diagnostic.qualify(w.local, found, feasibility=3, expected_version=found.version) == 48
    assert found.status is S.QUALIFIED and found.priority == 48
    assert diagnostic.priority(5, 5, 2_000_000) == 125 and diagnostic.priority(1, 1, 10) == 1


def test_only_the_city_and_the_secretariat_qualify(w):
    found = new(w)
    for who in (w.local_other, w.observer):
        with pytest.raises(NotAllowed):
            diagnostic.qualify(who, found, feasibility=3, expected_version=found.version)
    with pytest.raises(InvalidInput) as refused:
        diagnostic.qualify(w.local, found, feasibility=6, expected_version=found.version)
    assert refused.value.field == "feasibility"


def test_bad_expectations_are_refused_on_their_field(w):
    cases = [
        ({"text": ""}, "text"),
        ({"importance": 0}, "importance"),
        ({"population": "-3"}, "population"),
        ({"population": "12,5"}, "population"),
        ({"source": "workshop", "workshop": ""}, "workshop"),
        ({"source": "rumour"}, "source"),
        ({"domain_id": None}, "domain_id"),
    ]
    for change, field in cases:
        with pytest.raises(InvalidInput) as refused:
            new(w, **change)
        assert refused.value.field == field, change


def test_a_rejected_expectation_says_why_and_no_longer_changes(w):
    found = new(w)
    with pytest.raises(InvalidInput):
        diagnostic.reject(w.local, found, reason=" ", expected_version=found.version)
    diagnostic.reject(
        w.local, found, reason="Hors du champ du plan", expected_version=found.version
    )
    db.session.flush()
    assert found.status is S.REJECTED and found.rejection_reason == "Hors du champ du plan"
    with pytest.raises(TransitionNotAllowed):
        diagnostic.qualify(w.local, found, feasibility=2, expected_version=found.version)


def test_a_duplicate_merges_into_the_one_that_stands_for_both(w):
    kept = new(w, population="8000")
    duplicate = new(
        w, text="Prendre rendez-vous au dispensaire sans se déplacer", population="45000"
    )
    diagnostic.answer(w.secretariat, duplicate, [w.booking.id], expected_version=duplicate.version)
    diagnostic.qualify(w.local, kept, feasibility=2, expected_version=kept.version)
    db.session.flush()
    diagnostic.merge(w.secretariat, duplicate, kept, expected_version=duplicate.version)
    db.session.flush()
    assert duplicate.status is S.MERGED and duplicate.merged_into is kept
    # The larger population and the actions go with it: reach 3 becomes 4.
    assert kept.population == 45000 and kept.priority == 4 * 2 * 4
    assert [a.code for a in kept.actions] == ["S1"] and duplicate.actions == []
    with pytest.raises(InvalidInput):
        diagnostic.merge(w.secretariat, kept, kept, expected_version=kept.version)


def test_an_expectation_is_answered_by_its_citys_actions_only(w):
    found = new(w)
    with pytest.raises(InvalidInput) as refused:
        diagnostic.answer(w.secretariat, found, [w.elsewhere.id], expected_version=found.version)
    assert refused.value.field == "action_ids"
    diagnostic.answer(w.local, found, [w.booking.id, w.portal.id], expected_version=found.version)
    db.session.flush()
    assert [a.code for a in found.actions] == ["E2", "S1"]


def test_the_matrix_shows_what_no_action_answers_and_what_answers_none(w):
    booking = new(w)
    jobs = new(w, text="Offres d'emploi sur téléphone", domain_id=w.jobs.id, district="")
    orphan = new(w, text="Wi-Fi dans les souks", domain_id=w.jobs.id)
    rejected = new(w, text="Un aéroport", domain_id=w.jobs.id)
    diagnostic.answer(w.secretariat, booking, [w.booking.id], expected_version=booking.version)
    diagnostic.answer(w.secretariat, jobs, [w.portal.id], expected_version=jobs.version)
    diagnostic.reject(w.local, rejected, reason="Hors SDTN", expected_version=rejected.version)
    db.session.flush()
    found = diagnostic.matrix(w.city.id)
    assert [a.code for a in found.actions] == ["E1", "E2", "S1"]
    assert {d.name: [e.text for e in rows] for d, rows in found.rows.items()} == {
        "Santé": [booking.text],
        "Emploi": [jobs.text, orphan.text],
    }
    assert (booking.id, w.booking.id) in found.links and (jobs.id, w.portal.id) in found.links
    assert [e.text for e in found.unanswered] == [orphan.text]
    # The kiosks answer no expectation; a rejected one is not counted either way.
    assert [a.code for a in found.idle_actions] == ["E1"]
