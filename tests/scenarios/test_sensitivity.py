"""The sensitivity of each party's NPV, checked by hand on the drafted scenario (at 10 %,
annuity of four years = 3.169865): the commune builds for 1,000 and rents its ducts for 300 a
year; the operator earns 500 a year and pays that rent."""

from decimal import Decimal

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Scenario
from portal.services import scenarios as service
from tests.conftest import browser, text
from tests.scenarios.helpers import drafted

D = Decimal


def test_each_partys_npv_moves_as_computed_by_hand(app, world):
    client = browser(app, world["secretariat"])
    current = drafted(app, client)
    with app.app_context():
        base, rows = service.sensitivity(db.session.get(Scenario, current.id))
    by = {row.factor: row for row in rows}
    assert base["CU Marrakech"] == D("-49.04") and base["Opérateur"] == D("633.97")
    assert base[None] == D("584.93")
    # Capex -20 % / +20 %: -800 or -1,200 plus 300 x 3.169865.
    assert (by["capex"].low["CU Marrakech"], by["capex"].high["CU Marrakech"]) == (
        D("150.96"),
        D("-249.04"),
    )
    assert by["capex"].low["Opérateur"] == base["Opérateur"]  # the operator has no capex
    # Revenue: the operator's 500 becomes 400 (100 a year net) or 600; the rent is a transfer.
    assert by["revenue"].low["Opérateur"] == D("316.99")
    assert by["revenue"].low["CU Marrakech"] == base["CU Marrakech"]
    # Demand moves the revenue and the rent: 400 - 240 = 160 a year for the operator, and
    # 240 a year for the commune.
    assert by["demand"].low["Opérateur"] == D("507.18")
    assert by["demand"].low["CU Marrakech"] == D("-239.23")
    # The discount rate at 8 % and 12 %.
    assert (by["rate"].low["CU Marrakech"], by["rate"].high["CU Marrakech"]) == (
        D("-6.36"),
        D("-88.80"),
    )
    page = text(client.get(f"/scenarios/{current.id}"))
    assert 'id="scenario-sensitivity"' in page and "-249,04" in page
    assert page.count('class="tornado-chart"') == 3  # the commune, the operator, the project
    assert 'class="scenario-chart"' in page


def test_the_citys_page_sets_its_scenarios_side_by_side(app, world):
    client = browser(app, world["secretariat"])
    drafted(app, client, "Réseau municipal")
    drafted(app, client, "Concession")
    page = text(client.get("/scenarios/cities/marrakech"))
    assert page.index("Concession") < page.index("Réseau municipal")
    assert page.count('class="scenario-chart"') == 2
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Scenario.id))) == 2
