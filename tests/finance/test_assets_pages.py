"""Shared asset pages: the sharing key, the agreements generated, a key change's choice."""

from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Agreement, AgreementStatus
from tests.conftest import browser, text
from tests.finance.page_helpers import count, make_asset, set_key, the_asset

# The pages run on a fixed date (the service tests pass theirs to the service).
pytestmark = pytest.mark.usefixtures("_today")


def test_a_key_that_does_not_add_up_to_100_is_refused(app, world):
    secretariat = browser(app, world["secretariat"])
    assert make_asset(secretariat, world).status_code == 302
    asset = the_asset(app)
    lines = [
        (world["utility"].id, "40"),
        (world["operator"].id, "33,33"),
        (world["third"].id, "26,66"),
    ]
    response = set_key(secretariat, asset, lines)
    assert response.status_code == 422
    message = "Les parts totalisent 99,99 % : il faut exactement 100 % (écart de -0,01)"
    assert message in text(response)
    assert the_asset(app).version == asset.version


def test_generated_agreements_split_the_cost_and_a_key_change_asks_what_to_do(app, world):
    secretariat = browser(app, world["secretariat"])
    make_asset(secretariat, world)
    asset = the_asset(app)
    lines = [(world["utility"].id, "1"), (world["operator"].id, "1"), (world["third"].id, "1")]
    assert set_key(secretariat, asset, lines, basis="units").status_code == 302
    page = text(secretariat.get(f"/finance/assets/{asset.id}"))
    assert "33,34" in page and "333\u202f333,34".replace("\u202f", "\xa0") in page.replace(
        "\u202f", "\xa0"
    )
    response = secretariat.post(
        f"/finance/assets/{asset.id}/generate",
        data={
            "start_date": "2026-07-01",
            "frequency": "yearly",
            "count": "3",
            "version": asset.version - 1,
        },
    )
    assert response.status_code == 409  # a page loaded before the key's last change
    assert count(app, Agreement) == 0
    response = secretariat.post(
        f"/finance/assets/{asset.id}/generate",
        data={
            "start_date": "2026-07-01",
            "frequency": "yearly",
            "count": "3",
            "version": the_asset(app).version,
        },
    )
    assert response.status_code == 302
    with app.app_context():
        totals = sorted(db.session.scalars(sa.select(Agreement.total_amount)))
    # The owner keeps the cent of the remainder: 333 333,34; the two others pay 333 333,33.
    assert totals == [Decimal("333333.33"), Decimal("333333.33")]

    asset = the_asset(app)
    new_lines = [
        (world["utility"].id, "50"),
        (world["operator"].id, "30"),
        (world["third"].id, "20"),
    ]
    response = set_key(secretariat, asset, new_lines)
    assert response.status_code == 422
    assert "choisissez de les garder" in text(response)
    response = set_key(secretariat, asset, new_lines, on_existing="keep")
    assert response.status_code == 302
    with app.app_context():
        assert sorted(db.session.scalars(sa.select(Agreement.total_amount))) == totals

    asset = the_asset(app)
    response = set_key(secretariat, asset, new_lines, on_existing="regenerate")
    assert response.status_code == 302
    with app.app_context():
        rows = db.session.execute(sa.select(Agreement.status, Agreement.total_amount)).all()
    assert sorted(a for s, a in rows if s is AgreementStatus.DRAFT) == [
        Decimal("200000.00"),
        Decimal("300000.00"),
    ]
    assert [s for s, _a in rows].count(AgreementStatus.TERMINATED) == 2


def test_a_new_assets_key_is_saved_from_the_page_as_it_posts_it(app, world):
    secretariat = browser(app, world["secretariat"])
    make_asset(secretariat, world)
    asset = the_asset(app)
    # Without agreements the page shows no generation settings: only the key is posted.
    response = secretariat.post(
        f"/finance/assets/{asset.id}/key",
        data={
            "basis": "percent",
            "version": asset.version,
            "organization_id": [world["utility"].id, world["operator"].id],
            "weight": ["60", "40"],
        },
    )
    assert response.status_code == 302, text(response)
    assert the_asset(app).version == asset.version + 1
