"""Expectations through their pages: recorded, qualified with the formula shown, answered by
actions, rejected; the matrix and its export show the gaps."""

import io

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from portal.extensions import db
from portal.models import Expectation, ExpectationStatus, OrganizationKind, Role
from tests.conftest import browser, text


@pytest.fixture
def world(app, make_city, make_org, make_user, make_domain, make_plan, make_action):
    city = make_city(name="Fès", slug="fes")
    health = make_domain(code="sante", name="Santé")
    plan = make_plan(city=city)
    return {
        "city": city,
        "health": health,
        "commune": make_org(city=city, short_name="CU Fès", kind=OrganizationKind.COMMUNE),
        "booking": make_action(plan=plan, domain=health, code="S1", title="Rendez-vous en ligne"),
        "kiosks": make_action(plan=plan, domain=health, code="S2", title="Bornes santé"),
        "secretariat": make_user(role=Role.SECRETARIAT),
        "local": make_user(role=Role.LOCAL_DECISION_MAKER, city=city),
        "observer": make_user(role=Role.OBSERVER),
    }


def record(client, world, text_, population="45 000"):
    response = client.post(
        "/diagnostic/cities/fes/expectations/new",
        data={
            "text": text_,
            "domain_id": world["health"].id,
            "district": "Médina",
            "source": "workshop",
            "workshop": "Atelier santé du 12 mars",
            "organization_id": "0",
            "importance": "4",
            "population": population,
        },
    )
    assert response.status_code == 302, text(response)
    return response.headers["Location"]


def test_an_expectation_is_qualified_answered_and_the_matrix_shows_the_gaps(app, world):
    local = browser(app, world["local"])
    url = record(local, world, "Rendez-vous en ligne dans les centres de santé de la médina")
    record(local, world, "Wi-Fi dans les salles d'attente", population="800")
    with app.app_context():
        first = db.session.scalar(sa.select(Expectation).order_by(Expectation.id))
        first_id, version = first.id, first.version
    # Bad feasibility stays on its field.
    response = local.post(f"{url}/qualify", data={"feasibility": "9", "version": version})
    assert response.status_code == 422
    assert (
        local.post(f"{url}/qualify", data={"feasibility": "3", "version": version}).status_code
        == 302
    )
    page = text(local.get(url))
    assert "48 / 125" in page and "4 × 3 × 4" in page
    with app.app_context():
        version = db.session.get(Expectation, first_id).version
    response = local.post(
        f"{url}/answer", data={"action_ids": [world["booking"].id], "version": version}
    )
    assert response.status_code == 302, text(response)

    matrix = text(local.get("/diagnostic/cities/fes/matrix"))
    assert "1 attente sans action" in matrix and "Wi-Fi dans les salles" in matrix
    assert "1 action sans attente" in matrix and "S2 — Bornes santé" in matrix
    book = load_workbook(io.BytesIO(local.get("/diagnostic/cities/fes/matrix.xlsx").data))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:4] == ("Domaine", "Quartier", "Attente", "Priorité") and rows[0][4:] == (
        "S1",
        "S2",
    )
    assert rows[1][2].startswith("Rendez-vous") and rows[1][3] == 48 and rows[1][4] == "x"

    # Rejected with a reason, it leaves the matrix.
    with app.app_context():
        second = db.session.scalar(sa.select(Expectation).order_by(Expectation.id.desc()))
        second_id, version = second.id, second.version
    response = local.post(
        f"/diagnostic/expectations/{second_id}/reject", data={"reason": "", "version": version}
    )
    assert response.status_code == 422 and 'id="reason-errors"' in text(response)
    response = local.post(
        f"/diagnostic/expectations/{second_id}/reject",
        data={"reason": "Relève du ministère de la santé", "version": version},
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Expectation, second_id).status is ExpectationStatus.REJECTED
    assert "0 attente sans action" in text(local.get("/diagnostic/cities/fes/matrix"))


def test_who_qualifies_and_who_reads(app, world):
    url = record(browser(app, world["secretariat"]), world, "Offres d'emploi par SMS")
    observer = browser(app, world["observer"])
    assert observer.get(url).status_code == 200
    assert "Fixer la priorité" not in text(observer.get(url))
    assert (
        observer.post(f"{url}/qualify", data={"feasibility": "3", "version": 1}).status_code == 403
    )
    assert observer.get("/diagnostic/cities/fes/expectations/new").status_code == 403
