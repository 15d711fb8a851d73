"""The infrastructure that exists before the plan: inventoried with its owner and place,
totalled by kind, drawn on the map, and linked from a pooled shared asset."""

import json
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import AssetKind, Infrastructure, OrganizationKind, Role, SharedAsset
from tests.conftest import browser, text


@pytest.fixture
def world(app, make_city, make_org, make_user):
    city = make_city(name="Fès", slug="fes")
    other = make_city(name="Agadir", slug="agadir")
    utility = make_org(city=city, short_name="RADEEF", kind=OrganizationKind.UTILITY)
    with app.app_context():
        assets = []
        for name, where in (("Fourreaux RADEEF", city), ("Fourreaux d'Agadir", other)):
            asset = SharedAsset(
                city_id=where.id,
                owner_id=utility.id,
                kind=AssetKind.DUCT,
                name=name,
                capital_cost=Decimal("1000.00"),
            )
            db.session.add(asset)
            assets.append(asset)
        db.session.commit()
        asset_ids = [a.id for a in assets]
    return {
        "city": city,
        "utility": utility,
        "asset": asset_ids[0],
        "asset_elsewhere": asset_ids[1],
        "secretariat": make_user(role=Role.SECRETARIAT),
        "observer": make_user(role=Role.OBSERVER),
    }


def fields(world, **change):
    return {
        "kind": "duct",
        "name": "Fourreaux de la médina",
        "owner_id": world["utility"].id,
        "quantity": "12,5",
        "latitude": "",
        "longitude": "",
        "path": "34.0614, -4.9733\n34.0652, -4.9791\n34.0671 -4.9822",
        "asset_id": world["asset"],
        "description": "",
        **change,
    }


def test_items_are_inventoried_totalled_mapped_and_linked(app, world):
    client = browser(app, world["secretariat"])
    url = "/diagnostic/cities/fes/infrastructure/new"
    assert client.post(url, data=fields(world)).status_code == 302
    tower = fields(
        world, kind="tower", name="Pylône de Zouagha", quantity="1", path="", asset_id="0"
    )
    tower.update(latitude="34.02", longitude="-5.01")
    assert client.post(url, data=tower).status_code == 302
    page = text(client.get("/diagnostic/cities/fes/infrastructure"))
    assert "12,5" in page and "tracé de 3 points" in page and "Fourreaux RADEEF" in page
    items = json.loads(
        text(client.get("/coverage/map"))
        .split('id="coverage-infrastructure">')[1]
        .split("</script>")[0]
    )
    assert {i["name"] for i in items} == {"Fourreaux de la médina", "Pylône de Zouagha"}
    duct = next(i for i in items if "path" in i)
    assert duct["path"][0] == [34.0614, -4.9733] and len(duct["path"]) == 3
    # Another city chosen on the map, Fès's items are not drawn.
    other = text(client.get("/coverage/map?city=agadir"))
    assert other.split('id="coverage-infrastructure">')[1].split("</script>")[0] == "[]"
    # The pooled asset names the item it pools.
    assert "Fourreaux de la médina" in text(client.get(f"/finance/assets/{world['asset']}"))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "tower", "quantity": "1"}, "path"),  # a tower is no line
        ({"path": "34.06, -4.97"}, "path"),  # one point is no line
        ({"path": "34.06, -4.97\nnord"}, "path"),
        ({"path": "34.06, -4.97\n60, -4.97"}, "path"),  # outside Morocco
        ({"path": "", "latitude": "34.02"}, "longitude"),
        ({"kind": "tower", "path": "", "quantity": "1,5"}, "quantity"),
        ({"asset_id": "elsewhere"}, "asset_id"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_input_is_refused_on_its_field(app, world, change, field):
    client = browser(app, world["secretariat"])
    if change.get("asset_id") == "elsewhere":
        change["asset_id"] = world["asset_elsewhere"]
    response = client.post(
        "/diagnostic/cities/fes/infrastructure/new", data=fields(world, **change)
    )
    assert response.status_code == 422
    assert f'id="{field}-errors"' in text(response)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Infrastructure.id))) == 0


def test_a_shared_asset_links_to_one_item_only_and_readers_read(app, world):
    client = browser(app, world["secretariat"])
    url = "/diagnostic/cities/fes/infrastructure/new"
    assert client.post(url, data=fields(world)).status_code == 302
    response = client.post(url, data=fields(world, name="Autres fourreaux"))
    assert response.status_code == 422 and 'id="asset_id-errors"' in text(response)
    observer = browser(app, world["observer"])
    assert "Fourreaux de la médina" in text(observer.get("/diagnostic/cities/fes/infrastructure"))
    assert observer.get(url).status_code == 403
