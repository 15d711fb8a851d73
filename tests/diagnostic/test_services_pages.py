"""The inventory of a city's digital services: kept by the study's team, its maturity profile
by domain against the baseline, and each service's monthly use."""

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import DigitalService, OrganizationKind, Role
from tests.conftest import browser, text


@pytest.fixture
def world(app, make_city, make_org, make_user, make_domain):
    city = make_city(name="Fès", slug="fes")
    elsewhere = make_city(name="Agadir", slug="agadir")
    commune = make_org(city=city, short_name="CU Fès", kind=OrganizationKind.COMMUNE)
    consultancy = make_org(short_name="MUL", kind=OrganizationKind.CONSULTANT)
    return {
        "city": city,
        "elsewhere": elsewhere,
        "commune": commune,
        "health": make_domain(code="sante", name="Santé"),
        "admin_domain": make_domain(code="e-administration", name="E-administration"),
        "secretariat": make_user(role=Role.SECRETARIAT),
        "consultant": make_user(role=Role.CONTRIBUTOR, organization=consultancy, city=city),
        "utility": make_user(role=Role.CONTRIBUTOR, organization=commune),
        "local": make_user(role=Role.LOCAL_DECISION_MAKER, city=city),
        "local_elsewhere": make_user(role=Role.LOCAL_DECISION_MAKER, city=elsewhere),
        "observer": make_user(role=Role.OBSERVER),
    }


def fields(world, **change):
    return {
        "name": "Extrait d'acte de naissance",
        "provider_id": world["commune"].id,
        "domain_id": world["admin_domain"].id,
        "channels": ["web", "counter"],
        "baseline_level": "2",
        "baseline_on": "2026-01-15",
        "level": "4",
        "level_on": "2026-09-01",
        "action_id": "0",
        "target_level": "",
        "description": "",
        **change,
    }


def test_the_study_team_inventories_services_and_the_profile_shows_their_change(app, world):
    client = browser(app, world["consultant"])
    assert client.post("/diagnostic/cities/fes/services/new", data=fields(world)).status_code == 302
    for name, baseline, level in (
        ("Rendez-vous au centre de santé", "1", "3"),
        ("Carte sanitaire", "1", "1"),
    ):
        response = client.post(
            "/diagnostic/cities/fes/services/new",
            data=fields(
                world, name=name, domain_id=world["health"].id, baseline_level=baseline, level=level
            ),
        )
        assert response.status_code == 302, text(response)
    page = text(client.get("/diagnostic/cities/fes/services"))
    # Health: two services, from level 1 and 1 (mean 1,0) to 3 and 1 (mean 2,0): +1,0.
    assert "Santé" in page and "2,0" in page and "+1,0" in page
    # E-administration: one service from 2 to 4.
    assert "+2,0" in page
    assert "Extrait d'acte de naissance" in page and "Web, Guichet" in page
    programme = text(client.get("/diagnostic"))
    assert "Fès" in programme and "1,3" in programme and "2,7" in programme


def test_bad_input_is_refused_on_its_field_and_kept(app, world):
    client = browser(app, world["secretariat"])
    cases = [
        ({"channels": []}, "channels"),
        ({"level_on": "2025-12-01"}, "level_on"),
        ({"level": "7"}, "level"),
        ({"target_level": "5"}, "action_id"),
        ({"name": ""}, "name"),
    ]
    for change, field in cases:
        response = client.post("/diagnostic/cities/fes/services/new", data=fields(world, **change))
        assert response.status_code == 422, change
        page = text(response)
        assert f'id="{field}-errors"' in page, (change, page[:200])
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(DigitalService.id))) == 0


def test_monthly_use_is_recorded_and_replaced(app, world):
    client = browser(app, world["secretariat"])
    client.post("/diagnostic/cities/fes/services/new", data=fields(world))
    with app.app_context():
        found = db.session.scalars(sa.select(DigitalService)).one()
        service_id, version = found.id, found.version
    url = f"/diagnostic/services/{service_id}/uses"
    assert (
        client.post(
            url, data={"month": "2026-03", "volume": "1 250", "version": version}
        ).status_code
        == 302
    )
    with app.app_context():
        version = db.session.get(DigitalService, service_id).version
    assert (
        client.post(
            url, data={"month": "2026-03", "volume": "1300", "version": version}
        ).status_code
        == 302
    )
    response = client.post(url, data={"month": "2026-04", "volume": "12,5", "version": version + 1})
    assert response.status_code == 422 and 'id="volume-errors"' in text(response)
    page = text(client.get(f"/diagnostic/services/{service_id}"))
    assert "mars 2026" in page and "1 300" in page.replace("\u202f", " ") and "1 250" not in page
    # A page loaded before is stale.
    assert (
        client.post(url, data={"month": "2026-05", "volume": "10", "version": version}).status_code
        == 409
    )


def test_who_keeps_the_inventory(app, world):
    for who in ("secretariat", "consultant"):
        assert (
            browser(app, world[who]).get("/diagnostic/cities/fes/services/new").status_code == 200
        )
    # A contributor who is not the city's study consultancy, and decision-makers, read it.
    for who in ("utility", "local", "observer"):
        reader = browser(app, world[who])
        assert reader.get("/diagnostic/cities/fes/services").status_code == 200, who
        assert reader.get("/diagnostic/cities/fes/services/new").status_code == 403, who
    assert (
        browser(app, world["consultant"]).get("/diagnostic/cities/agadir/services/new").status_code
        == 403
    )
    # Another city's decision-maker does not see this city's inventory.
    assert (
        browser(app, world["local_elsewhere"]).get("/diagnostic/cities/fes/services").status_code
        == 404
    )
