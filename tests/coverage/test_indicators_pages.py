"""Indicator pages: a city's targets against measurements, a wrong measurement deleted."""

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import IndicatorTarget, Measurement
from portal.services import coverage
from tests.conftest import browser, text
from tests.coverage.page_helpers import TODAY

# The pages run on a fixed date (the service tests pass theirs to the service).
pytestmark = pytest.mark.usefixtures("_today")


def test_the_city_page_compares_baseline_measure_and_target(app, world, make_domain):
    secretariat = browser(app, world["secretariat"])
    with app.app_context():
        user = db.session.merge(world["secretariat"])
        indicator = coverage.save_indicator(
            user,
            None,
            code="fibre",
            name="Ménages fibrés",
            unit="%",
            domain_id=make_domain(code="infra", name="Infrastructures").id,
        )
        target = coverage.save_target(
            user,
            None,
            indicator_id=indicator.id,
            city_id=world["city"].id,
            baseline_value="20",
            baseline_date=date(2025, 1, 1),
            target_value="60",
            target_date=date(2029, 1, 1),
        )
        db.session.commit()
        target_id = target.id
    url = f"/coverage/targets/{target_id}/measurements"
    response = secretariat.post(
        url, data={"value": "40", "measured_on": "2026-07-01", "source": "ANRT"}
    )
    assert response.status_code == 303
    page = text(secretariat.get("/coverage/cities/marrakech"))
    assert "Une mesure ne peut pas être datée du futur." in page
    assert (
        secretariat.post(
            url, data={"value": "40", "measured_on": "2026-05-01", "source": "ANRT T1"}
        ).status_code
        == 302
    )
    page = text(secretariat.get("/coverage/cities/marrakech"))
    # (40 - 20) / (60 - 20) = 50 % of the way; 516 of 1461 days = 35.3 % of the time.
    assert "50 % du chemin parcouru, 35,3 % du temps écoulé" in page
    assert 'class="indicator-chart"' in page and "Dans les temps" in page
    programme = text(secretariat.get("/coverage"))
    assert "Ménages fibrés" in programme and "50 % du chemin" in programme
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Measurement.id))) == 1


def test_a_wrong_measurement_can_be_deleted_and_the_latest_is_read_again(app, world, make_domain):
    secretariat = browser(app, world["secretariat"])
    with app.app_context():
        user = db.session.merge(world["secretariat"])
        indicator = coverage.save_indicator(
            user,
            None,
            code="wifi",
            name="Zones Wi-Fi",
            unit="zones",
            domain_id=make_domain(code="infra", name="Infrastructures").id,
        )
        target = coverage.save_target(
            user,
            None,
            indicator_id=indicator.id,
            city_id=world["city"].id,
            baseline_value="2",
            baseline_date=date(2025, 1, 1),
            target_value="12",
            target_date=date(2029, 1, 1),
        )
        for value, day in (("4", date(2025, 6, 1)), ("40", date(2026, 3, 1))):
            coverage.record_measurement(
                user, target, value=value, measured_on=day, source="Commune", today=TODAY
            )
        db.session.commit()
        wrong = db.session.scalar(sa.select(Measurement.id).where(Measurement.value == 40))
        target_id = target.id
    response = browser(app, world["local"]).post(f"/coverage/measurements/{wrong}/delete")
    assert response.status_code == 403
    response = secretariat.post(f"/coverage/measurements/{wrong}/delete")
    assert response.status_code == 302
    with app.app_context():
        target = db.session.get(IndicatorTarget, target_id)
        assert (target.current_value, target.current_date) == (Decimal("4.00"), date(2025, 6, 1))
        assert [m.value for m in target.measurements] == [Decimal("4.00")]


def test_the_measurement_fields_are_labelled(app, world, make_domain):
    with app.app_context():
        user = db.session.merge(world["secretariat"])
        indicator = coverage.save_indicator(
            user,
            None,
            code="ecoles",
            name="Écoles",
            unit="%",
            domain_id=make_domain(code="edu", name="Éducation").id,
        )
        target = coverage.save_target(
            user,
            None,
            indicator_id=indicator.id,
            city_id=world["city"].id,
            baseline_value="50",
            baseline_date=date(2025, 1, 1),
            target_value="90",
            target_date=date(2029, 1, 1),
        )
        db.session.commit()
        target_id = target.id
    page = (
        browser(app, world["secretariat"]).get("/coverage/cities/marrakech").get_data(as_text=True)
    )
    for name in ("value", "measured_on", "source"):
        assert f'<label for="{name}-{target_id}">' in page
        assert f'id="{name}-{target_id}"' in page
