"""Indicators: targets against their baselines, measurements, progress, the comparison."""

from datetime import date
from decimal import Decimal as D

import pytest

from portal.extensions import db
from portal.models import Role
from portal.services import coverage
from portal.services.errors import InvalidInput
from tests.coverage.helpers import refused


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
