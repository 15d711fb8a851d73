"""Digital coverage, checked on the service: the criteria a city publishes, the ranking of its
candidate sites against scores computed by hand, who moves a site and when, coordinates, and
indicators against their targets."""

from datetime import date
from decimal import Decimal as D
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEvent, OrganizationKind, Role, SiteKind, SiteStatus
from portal.services import coverage, selection
from portal.services.coverage import AnswerInput
from portal.services.errors import InvalidInput, NotAllowed, TransitionNotAllowed

S = SiteStatus
DAY = date(2026, 3, 2)  # sites proposed and assessed
LATER = date(2026, 4, 15)  # decisions and deployment
GRID = "! Local disponible\nPopulation | 60\nAccès | 40"
WHY = "Quartier sans aucun accès public à Internet"


@pytest.fixture
def w(ctx, make_city, make_org, make_user, make_domain):
    city, other = make_city(name="Marrakech"), make_city(name="Agadir")
    host = make_org(city=city, short_name="ARRONDISSEMENT", kind=OrganizationKind.COMMUNE)
    return SimpleNamespace(
        city=city,
        other=other,
        host=host,
        domain=make_domain(),
        secretariat=make_user(role=Role.SECRETARIAT),
        local=make_user(role=Role.LOCAL_DECISION_MAKER, city=city),
        local_other=make_user(role=Role.LOCAL_DECISION_MAKER, city=other),
        assessor=make_user(role=Role.EVALUATOR),
        assessor2=make_user(role=Role.EVALUATOR),
        host_contributor=make_user(role=Role.CONTRIBUTOR, organization=host),
    )


def refused(error, call, *args, **kw):
    with pytest.raises(error) as caught:
        call(*args, **kw)
    assert caught.value.message, "a refusal always says why"
    return caught.value


def criteria(w, text=GRID, kind=SiteKind.DIGITAL_SPACE, actor=None):
    existing = coverage.criteria_set(w.city.id, kind)
    saved = coverage.save_criteria(
        actor or w.secretariat,
        w.city,
        kind,
        text,
        expected_version=existing.version if existing else None,
    )
    db.session.flush()
    return saved


def site_fields(w, **change):
    fields = {
        "city_id": w.city.id,
        "district": "Médina",
        "kind": SiteKind.DIGITAL_SPACE.value,
        "name": "Maison de quartier",
        "address": "Derb Dabachi",
        "latitude": "31.6295",
        "longitude": "-7.9811",
        "host_organization_id": w.host.id,
        "estimated_cost": "250000.00",
        "today": DAY,
    }
    return fields | change


def new_site(w, name="Maison de quartier", **change):
    site = coverage.save_site(w.secretariat, None, **site_fields(w, name=name, **change))
    db.session.flush()
    return site


def assess(user, site, sheet: dict, today=DAY):
    """sheet: criterion label -> points, or (passed, reason) for an eliminatory one."""
    answers = {}
    for c in coverage.criteria_set(site.city_id, site.kind).criteria:
        value = sheet[c.label]
        answers[c.id] = (
            AnswerInput(passed=value[0], reason=value[1])
            if c.eliminatory
            else AnswerInput(points=value)
        )
    done = coverage.save_assessment(user, site, answers, today=today)
    db.session.flush()
    return done


def move(actor, site, to, *, note="", on_date=None, today=LATER):
    coverage.move(
        actor, site, to, note=note, on_date=on_date, today=today, expected_version=site.version
    )
    db.session.flush()


def figures(actor, site, *, seats=None, weekly_users=None, today=LATER):
    coverage.record_figures(
        actor,
        site,
        seats=seats,
        wifi_capacity=None,
        weekly_users=weekly_users,
        figures_on=None,
        today=today,
        expected_version=site.version,
    )
    db.session.flush()


MET = (True, "")


def assessed_site(w, name="Maison de quartier", local=MET):
    site = new_site(w, name)
    assess(w.assessor, site, {"Local disponible": local, "Population": "40", "Accès": "30"})
    return site


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


# --- Status -----------------------------------------------------------------------------------


def test_the_first_assessment_turns_a_proposed_site_into_an_assessed_one(w):
    criteria(w)
    site = new_site(w)
    assert (site.status, site.status_since) == (S.PROPOSED, DAY)
    assess(
        w.assessor,
        site,
        {"Local disponible": MET, "Population": "40", "Accès": "30"},
        today=date(2026, 3, 9),
    )
    assert (site.status, site.status_since) == (S.ASSESSED, date(2026, 3, 9))
    assert [(e.from_status, e.to_status) for e in site.events] == [
        (None, S.PROPOSED),
        (S.PROPOSED, S.ASSESSED),
    ]


def test_selecting_needs_a_justification_and_an_assessed_site_that_passes(w):
    criteria(w)
    proposed = new_site(w, "Jamais évalué")
    refused(TransitionNotAllowed, move, w.local, proposed, S.SELECTED, note=WHY)
    site = assessed_site(w)
    error = refused(InvalidInput, move, w.local, site, S.SELECTED, note="  ")
    assert error.field == "note"
    out = assessed_site(w, "Sans local", local=(False, "Aucun local libre"))
    error = refused(TransitionNotAllowed, move, w.local, out, S.SELECTED, note=WHY)
    assert "Local disponible" in error.message
    assert (site.status, out.status) == (S.ASSESSED, S.ASSESSED)
    move(w.local, site, S.SELECTED, note=WHY)
    assert (site.status, site.status_since, site.decision_note) == (S.SELECTED, LATER, WHY)


def test_a_decision_maker_decides_for_their_own_city_only(w):
    criteria(w)
    site = assessed_site(w)
    refused(NotAllowed, move, w.local_other, site, S.SELECTED, note=WHY)
    refused(NotAllowed, move, w.assessor, site, S.REJECTED, note=WHY)
    assert site.status is S.ASSESSED
    move(w.local, site, S.SELECTED, note=WHY)
    # Fitting out is the programme's, not the decision-maker's.
    refused(NotAllowed, move, w.local, site, S.IN_DEPLOYMENT)


def test_a_move_is_dated_no_earlier_than_the_current_status(w):
    criteria(w)
    site = assessed_site(w)  # assessed on DAY
    error = refused(
        InvalidInput, move, w.local, site, S.SELECTED, note=WHY, on_date=date(2026, 3, 1)
    )
    assert (error.field, DAY.isoformat() in error.message) == ("on_date", True)
    refused(InvalidInput, move, w.local, site, S.SELECTED, note=WHY, on_date=date(2026, 4, 16))
    move(w.local, site, S.SELECTED, note=WHY, on_date=DAY)  # the same day is fine
    assert site.status_since == DAY


def test_a_site_opens_once_its_capacity_is_recorded_and_counts_users_once_open(w):
    criteria(w)
    site = assessed_site(w)
    refused(TransitionNotAllowed, move, w.secretariat, site, S.OPEN)  # proposed/assessed -> open
    move(w.local, site, S.SELECTED, note=WHY)
    refused(TransitionNotAllowed, move, w.secretariat, site, S.OPEN)  # not fitted out yet
    move(w.secretariat, site, S.IN_DEPLOYMENT)
    error = refused(TransitionNotAllowed, move, w.secretariat, site, S.OPEN)
    assert "capacité" in error.message
    error = refused(InvalidInput, figures, w.host_contributor, site, seats="12", weekly_users="90")
    assert error.field == "weekly_users"
    figures(w.host_contributor, site, seats="12")
    move(w.secretariat, site, S.OPEN)
    figures(w.host_contributor, site, seats="12", weekly_users="150")
    assert (site.status, site.seats, site.weekly_users) == (S.OPEN, 12, 150)


def test_proposed_sites_cannot_jump_to_open(w):
    site = new_site(w)
    refused(TransitionNotAllowed, move, w.secretariat, site, S.OPEN)
    refused(TransitionNotAllowed, move, w.secretariat, site, S.IN_DEPLOYMENT)
    assert site.status is S.PROPOSED and len(site.events) == 1


def test_a_move_is_recorded_as_an_event_and_in_the_audit_trail(w):
    criteria(w)
    site = assessed_site(w)
    move(w.local, site, S.REJECTED, note="Trop loin des écoles", on_date=date(2026, 4, 1))
    event = site.events[-1]
    assert (event.from_status, event.to_status, event.on_date, event.actor, event.note) == (
        S.ASSESSED,
        S.REJECTED,
        date(2026, 4, 1),
        w.local,
        "Trop loin des écoles",
    )
    audit = db.session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.action == "coverage.site_moved", AuditEvent.object_id == site.id
        )
    ).one()
    assert (audit.actor_id, audit.object_type) == (w.local.id, "coverage_sites")
    assert audit.details == {"from": "assessed", "to": "rejected", "on": "2026-04-01"}


def test_a_rejected_site_can_no_longer_be_edited(w):
    site = new_site(w)
    move(w.local, site, S.REJECTED, note="Bâtiment à démolir", today=DAY)
    refused(
        TransitionNotAllowed,
        coverage.save_site,
        w.secretariat,
        site,
        expected_version=site.version,
        **site_fields(w, name="Autre nom"),
    )
    assert site.name == "Maison de quartier"


# --- Coordinates ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("latitude", "48.85"),  # Paris
        ("latitude", "20.49"),
        ("latitude", "36.01"),
        ("longitude", "2.35"),  # Paris
        ("longitude", "-0.89"),
        ("longitude", "-17.51"),
        ("latitude", "trente-et-un"),
        ("longitude", ""),
        ("latitude", "NaN"),
    ],
)
def test_coordinates_outside_morocco_or_not_numbers_are_refused(w, field, value):
    assert refused(InvalidInput, coverage.parse_coordinate, value, field).field == field
    refused(
        InvalidInput, coverage.save_site, w.secretariat, None, **site_fields(w, **{field: value})
    )


@pytest.mark.parametrize(
    ("field", "value", "stored"),
    [
        ("latitude", "31,6295", D("31.6295")),
        ("latitude", "31.6295125", D("31.629513")),  # beyond 6 decimals: rounded half up
        ("longitude", "-7.98110049", D("-7.981100")),
        ("latitude", "20.5", D("20.5")),
        ("longitude", "-0.9", D("-0.9")),
    ],
)
def test_coordinates_accept_comma_decimals_and_are_rounded_to_six_places(w, field, value, stored):
    assert coverage.parse_coordinate(value, field) == stored
    site = new_site(w, **{field: value})
    db.session.expire_all()
    assert getattr(site, field) == stored


# --- Indicators -------------------------------------------------------------------------------


def indicator(w, code="epn", higher_is_better=True, position=0):
    made = coverage.save_indicator(
        w.secretariat,
        None,
        code=code,
        name=f"Indicateur {code}",
        unit="%",
        domain_id=w.domain.id,
        higher_is_better=higher_is_better,
        position=position,
    )
    db.session.flush()
    return made


def target(
    w,
    ind,
    baseline="20",
    goal="60",
    start=date(2024, 1, 1),
    end=date(2028, 1, 1),
    city=None,
    district="",
):
    made = coverage.save_target(
        w.secretariat,
        None,
        indicator_id=ind.id,
        city_id=(city or w.city).id,
        district=district,
        baseline_value=baseline,
        baseline_date=start,
        target_value=goal,
        target_date=end,
    )
    db.session.flush()
    return made


def measure(w, tgt, value, on, today=date(2026, 1, 1)):
    done = coverage.record_measurement(
        w.secretariat, tgt, value=value, measured_on=on, source="Enquête ANRT", today=today
    )
    db.session.flush()
    return done


@pytest.mark.parametrize(
    ("higher_is_better", "goal"),
    [(True, "20"), (True, "15"), (False, "20"), (False, "25")],
)
def test_a_target_must_improve_on_the_baseline(w, higher_is_better, goal):
    ind = indicator(w, higher_is_better=higher_is_better)
    error = refused(InvalidInput, target, w, ind, baseline="20", goal=goal)
    assert error.field == "target_value"
    better = "25" if higher_is_better else "15"
    assert target(w, ind, baseline="20", goal=better).target_value == D(better)


@pytest.mark.parametrize("end", [date(2024, 1, 1), date(2023, 12, 31)])
def test_a_target_is_dated_after_its_baseline(w, end):
    error = refused(InvalidInput, target, w, indicator(w), end=end)
    assert error.field == "target_date"


def test_measurements_are_dated_between_the_baseline_and_today_one_a_day(w):
    tgt = target(w, indicator(w))
    for on in (date(2026, 1, 2), date(2023, 12, 31)):
        assert refused(InvalidInput, measure, w, tgt, "30", on).field == "measured_on"
    measure(w, tgt, "41", date(2025, 12, 1))
    assert refused(InvalidInput, measure, w, tgt, "42", date(2025, 12, 1)).field == "measured_on"
    # An older figure is kept in the history but is not the current value.
    measure(w, tgt, "30", date(2025, 6, 1))
    assert (tgt.current_value, tgt.current_date) == (D("41"), date(2025, 12, 1))
    measure(w, tgt, "45.50", date(2026, 1, 1))  # today itself is fine
    assert (tgt.current_value, tgt.current_date) == (D("45.50"), date(2026, 1, 1))
    assert [m.value for m in tgt.measurements] == [D("30"), D("41"), D("45.50")]


def test_progress_against_hand_computed_shares(w):
    today = date(2026, 1, 1)
    up = target(w, indicator(w, "epn"))  # 20 -> 60, 2024-01-01 -> 2028-01-01 (1461 days)
    assert coverage.progress(up, today) == coverage.Progress(None, D("50.0"), "unmeasured")
    measure(w, up, "41", date(2025, 12, 1))
    # (41 - 20) / 40 = 52.5 % of the way; 731 / 1461 days = 50.03 % of the time
    assert coverage.progress(up, today) == coverage.Progress(D("52.5"), D("50.0"), "on_track")
    # Distance to the nearest space, 12 km -> 2 km over 1096 days.
    down = target(
        w,
        indicator(w, "distance", higher_is_better=False),
        baseline="12",
        goal="2",
        end=date(2027, 1, 1),
    )
    measure(w, down, "5.50", date(2025, 12, 1))
    # (5.50 - 12) / (2 - 12) = 65 % of the way; 731 / 1096 = 66.70 % of the time
    assert coverage.progress(down, today) == coverage.Progress(D("65.0"), D("66.7"), "behind")
    measure(w, down, "1.80", today)  # past the target: (1.80 - 12) / -10 = 102 %
    assert coverage.progress(down, today) == coverage.Progress(D("102.0"), D("66.7"), "reached")
    # Before the baseline no time has elapsed; past the target date all of it has.
    assert coverage.progress(down, date(2023, 6, 1)).expected == D("0.0")
    assert coverage.progress(up, date(2029, 1, 1)) == coverage.Progress(
        D("52.5"), D("100.0"), "behind"
    )


def test_the_programme_comparison_shows_each_citys_city_wide_target(w, make_city):
    third = make_city(name="Tanger")
    first, second = indicator(w, "epn", position=1), indicator(w, "zones", position=2)
    city_wide = target(w, first)
    target(w, first, district="Médina", baseline="5", goal="50")
    other = target(w, first, city=w.other, baseline="10", goal="40")
    target(w, first, city=third, district="Casabarata")  # a district only: no city-wide cell
    zones = target(w, second)
    rows = coverage.programme_comparison()
    assert [(r.indicator.code, r.cells) for r in rows] == [
        ("epn", {w.city.id: city_wide, w.other.id: other}),
        ("zones", {w.city.id: zones}),
    ]


def test_reached_is_decided_on_the_exact_values_not_the_rounded_share(app, make_domain):
    from portal.models import Indicator, IndicatorTarget

    with app.app_context():
        for better, baseline, goal, current, state in (
            (True, "0", "2000", "1999", "on_track"),
            (True, "0", "2000", "2000", "reached"),
            (False, "40", "20", "20.01", "on_track"),
            (False, "40", "20", "19.5", "reached"),
        ):
            target = IndicatorTarget(
                indicator=Indicator(unit="x", higher_is_better=better),
                baseline_value=D(baseline),
                baseline_date=date(2025, 1, 1),
                target_value=D(goal),
                target_date=date(2027, 1, 1),
                current_value=D(current),
            )
            assert coverage.progress(target, date(2025, 6, 1)).state == state, current


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


def test_an_indicator_keeps_its_direction_once_cities_have_targets(
    app, make_domain, make_city, make_user
):
    with app.app_context():
        secretariat = db.session.merge(make_user(role=Role.SECRETARIAT))
        city = db.session.merge(make_city())
        indicator = coverage.save_indicator(
            secretariat,
            None,
            code="km",
            name="Distance",
            unit="km",
            domain_id=make_domain().id,
            higher_is_better=False,
        )
        fields = {"code": "km", "name": "Distance", "unit": "km", "domain_id": indicator.domain_id}
        # No target yet: the direction may still be corrected.
        coverage.save_indicator(
            secretariat,
            indicator,
            **fields,
            higher_is_better=True,
            expected_version=indicator.version,
        )
        db.session.flush()
        coverage.save_target(
            secretariat,
            None,
            indicator_id=indicator.id,
            city_id=city.id,
            baseline_value="10",
            baseline_date=date(2025, 1, 1),
            target_value="20",
            target_date=date(2028, 1, 1),
        )
        db.session.flush()
        with pytest.raises(InvalidInput, match="son sens ne change plus") as refused_:
            coverage.save_indicator(
                secretariat,
                indicator,
                **fields,
                higher_is_better=False,
                expected_version=indicator.version,
            )
        assert refused_.value.field == "higher_is_better"
