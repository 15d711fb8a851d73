"""What the scenario page tests share: a new scenario's fields and a drafted scenario."""

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Scenario, ScenarioParty
from tests.conftest import text

NEW = {
    "name": "Réseau municipal loué aux opérateurs",
    "investment_model": "public_operation",
    "horizon_years": "4",
    "discount_rate": "10",
    "description": "La commune pose les fourreaux et les loue.",
}


def scenario(app, name: str | None = None) -> Scenario:
    with app.app_context():
        query = sa.select(Scenario)
        if name is not None:
            query = query.where(Scenario.name == name)
        found = db.session.scalars(query).one()
        db.session.expunge(found)
        return found


def parties(app, scenario_id: int | None = None) -> dict[str, int]:
    with app.app_context():
        query = sa.select(ScenarioParty)
        if scenario_id is not None:
            query = query.where(ScenarioParty.scenario_id == scenario_id)
        return {p.name: p.id for p in db.session.scalars(query)}


def drafted(app, client, name: str = NEW["name"]) -> Scenario:
    """A scenario with the commune and an operator: the commune builds for 1,000 and rents
    its ducts to the operator for 300 a year, which earns 500 a year from its customers."""
    response = client.post("/scenarios/cities/marrakech/new", data={**NEW, "name": name})
    assert response.status_code == 302, text(response)
    current = scenario(app, name)
    response = client.post(
        f"/scenarios/{current.id}/parties/new",
        data={
            "name": "Opérateur",
            "organization_id": 0,
            "role": "Loue les fourreaux",
            "version": current.version,
        },
    )
    assert response.status_code == 302, text(response)
    ids = parties(app, current.id)
    for data in (
        {
            "label": "Fourreaux",
            "kind": "capex",
            "party_id": ids["CU Marrakech"],
            "start_year": "0",
            "amount": "1000",
        },
        {
            "label": "Location des fourreaux",
            "kind": "transfer",
            "transfer_kind": "rental_fee",
            "source_id": ids["Opérateur"],
            "target_id": ids["CU Marrakech"],
            "start_year": "1",
            "end_year": "4",
            "amount": "300",
        },
        {
            "label": "Abonnés",
            "kind": "revenue",
            "party_id": ids["Opérateur"],
            "start_year": "1",
            "end_year": "4",
            "amount": "500",
        },
    ):
        current = scenario(app, name)
        response = client.post(
            f"/scenarios/{current.id}/lines/new", data={**data, "version": current.version}
        )
        assert response.status_code == 302, text(response)
    return scenario(app, name)
