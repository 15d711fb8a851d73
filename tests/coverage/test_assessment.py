"""Criteria sets a city publishes, assessments, and the ranking against hand-computed scores."""

from decimal import Decimal as D

import pytest

from portal.extensions import db
from portal.models import SiteKind
from portal.services import coverage, selection
from portal.services.errors import InvalidInput, NotAllowed, TransitionNotAllowed
from tests.coverage.helpers import GRID, MET, S, assess, assessed_site, criteria, new_site, refused

# --- Criteria ---------------------------------------------------------------------------------


def grid(text):
    return selection.check_grid(
        selection.parse_grid(text),
        label_limit=300,
        scored_name="critère pondéré",
        allow_children=False,
    )


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("! Local\nPopulation | 60\nAccès | 30", "90"),  # the total is named
        ("Population | 60,5\nAccès | 40", "100.5"),
        ("! Local disponible\n! Bail signé", "critère pondéré"),
        ("Population | 60\n- Jeunes | 30\n- Femmes | 30\nAccès | 40", "sous-critères"),
        ("Population | 50\nPopulation | 50", "même libellé"),
        ("! Accès\nAccès | 100", "même libellé"),
        ("Population | 100\nAccès | 0", "Accès"),
        ("Population | 110\nAccès | -10", "Accès"),
    ],
)
def test_a_criteria_set_that_cannot_rank_sites_is_refused(w, text, says):
    # The engine and the service refuse it alike, and nothing is stored.
    assert says in refused(InvalidInput, grid, text).message
    error = refused(
        InvalidInput, coverage.save_criteria, w.secretariat, w.city, SiteKind.DIGITAL_SPACE, text
    )
    assert (error.field, says in error.message) == ("criteria", True)
    assert coverage.criteria_set(w.city.id, SiteKind.DIGITAL_SPACE) is None


def test_a_valid_set_is_stored_in_order_eliminatory_lines_first(w):
    saved = criteria(w, "Population | 33,33\n! Local disponible\nAccès | 66.67\n! Bail signé")
    db.session.expire_all()
    stored = coverage.criteria_set(w.city.id, SiteKind.DIGITAL_SPACE).criteria
    assert [(c.label, c.eliminatory, c.weight, c.position) for c in stored] == [
        ("Local disponible", True, None, 0),
        ("Bail signé", True, None, 1),
        ("Population", False, D("33.33"), 2),
        ("Accès", False, D("66.67"), 3),
    ]
    assert coverage.criteria_text(saved) == (
        "! Local disponible\n! Bail signé\nPopulation | 33.33\nAccès | 66.67"
    )


def test_criteria_are_frozen_once_a_site_of_that_city_and_kind_is_assessed(w):
    criteria(w)
    criteria(w, "! Local disponible\nPopulation | 50\nAccès | 50")  # still free: replaced
    assessed_site(w)
    existing = coverage.criteria_set(w.city.id, SiteKind.DIGITAL_SPACE)
    refused(
        TransitionNotAllowed,
        coverage.save_criteria,
        w.secretariat,
        w.city,
        SiteKind.DIGITAL_SPACE,
        GRID,
        expected_version=existing.version,
    )
    assert [c.weight for c in existing.criteria] == [None, D("50"), D("50")]
    # Connected zones of the same city, and the other city, are not frozen.
    criteria(w, "Couverture | 100", kind=SiteKind.CONNECTED_ZONE)
    coverage.save_criteria(w.secretariat, w.other, SiteKind.DIGITAL_SPACE, GRID)


def test_only_the_secretariat_saves_criteria(w):
    for actor in (w.local, w.assessor, w.host_contributor):
        refused(NotAllowed, coverage.save_criteria, actor, w.city, SiteKind.DIGITAL_SPACE, GRID)
    assert coverage.criteria_set(w.city.id, SiteKind.DIGITAL_SPACE) is None


def test_sub_criteria_may_share_a_label_under_different_parents_not_under_one():
    from portal.services import selection

    rows = selection.check_grid(
        selection.parse_grid("Offre | 50\n- Équipe | 50\nPlanning | 50\n- Équipe | 50"),
        label_limit=300,
    )
    assert [r.children for r in rows] == [
        (("Équipe", D(50)),),
        (("Équipe", D(50)),),
    ]
    with pytest.raises(InvalidInput, match="même libellé"):
        selection.check_grid(
            selection.parse_grid("Offre | 100\n- Équipe | 50\n- Équipe | 50"), label_limit=300
        )


# --- Ranking ----------------------------------------------------------------------------------


def test_the_ranking_matches_the_hand_computation(w):
    criteria(w)
    ids = {c.label: c.id for c in coverage.criteria_set(w.city.id, SiteKind.DIGITAL_SPACE).criteria}
    unscored = new_site(w, "Annexe Azli")  # first by name, listed last
    eliminated = new_site(w, "Atelier Massira")
    tie_a, tie_b = new_site(w, "Bibliothèque Mhamid"), new_site(w, "Centre Sidi Youssef")
    third = new_site(w, "Dar Chabab Daoudiate")
    sheets = {  # site: (first assessor, second assessor), each (local, population, access)
        eliminated: ((MET, "60", "40"), ((False, "Bail non signé"), "58", "40")),
        tie_a: ((MET, "41.25", "30"), (MET, "41.48", "35.50")),
        tie_b: ((MET, "55", "20"), (MET, "45", "28.24")),
        third: ((MET, "30", "10.01"), (MET, "30.00", "10")),
    }
    for site, pair in sheets.items():
        for user, (local, population, access) in zip((w.assessor, w.assessor2), pair, strict=True):
            sheet = {"Local disponible": local, "Population": population, "Accès": access}
            assess(user, site, sheet)
    db.session.expire_all()
    rows = coverage.ranking(w.city, SiteKind.DIGITAL_SPACE).rows
    assert [s.name for s, _ in rows] == [
        "Bibliothèque Mhamid",
        "Centre Sidi Youssef",
        "Dar Chabab Daoudiate",
        "Atelier Massira",
        "Annexe Azli",
    ]
    result = {s.id: r for s, r in rows}
    pop, acc = ids["Population"], ids["Accès"]
    # (41.25 + 41.48) / 2 = 41.365 -> 41.37 (half up); (30 + 35.50) / 2 = 32.75
    assert result[tie_a.id].breakdown == {pop: D("41.37"), acc: D("32.75")}
    # (55 + 45) / 2 = 50; (20 + 28.24) / 2 = 24.12
    assert result[tie_b.id].breakdown == {pop: D("50.00"), acc: D("24.12")}
    # (10.01 + 10) / 2 = 10.005 -> 10.01 (half up, where half even gives 10.00)
    assert result[third.id].breakdown == {pop: D("30.00"), acc: D("10.01")}
    assert [
        (result[s.id].total, result[s.id].rank, result[s.id].status) for s in (tie_a, tie_b, third)
    ] == [
        (D("74.12"), 1, selection.RANKED),
        (D("74.12"), 1, selection.RANKED),
        (D("40.01"), 3, selection.RANKED),  # two sites share rank 1: the next is 3rd
    ]
    # The best points of all, but one assessor found no premises: out of the ranking.
    out = result[eliminated.id]
    assert (out.status, out.rank, out.total) == (selection.ELIMINATED, None, D("99.00"))
    assert out.failed == [("Local disponible", "Bail non signé")]
    nobody = result[unscored.id]
    assert (nobody.status, nobody.scorers, nobody.total, nobody.rank) == (
        "unscored",
        0,
        None,
        None,
    )
    assert (result[tie_a.id].scorers, result[third.id].scorers) == (2, 2)


def test_an_assessment_must_answer_every_criterion_within_its_weight(w):
    criteria(w)
    site = new_site(w)
    bad = {"Local disponible": MET, "Population": "60.01", "Accès": "30"}
    assert "Population" in refused(InvalidInput, assess, w.assessor, site, bad).message
    no_reason = {"Local disponible": (False, " "), "Population": "60", "Accès": "30"}
    refused(InvalidInput, assess, w.assessor, site, no_reason)
    refused(NotAllowed, assess, w.local, site, bad | {"Population": "60"})
    assert site.status is S.PROPOSED
