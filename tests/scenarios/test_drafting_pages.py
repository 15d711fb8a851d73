"""Drafting a scenario through its pages: details, parties, lines, and the figures shown."""

import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEvent, Scenario, ScenarioLine, ScenarioParty
from tests.conftest import browser, text

NEW = {
    "name": "Réseau municipal loué aux opérateurs",
    "investment_model": "public_operation",
    "horizon_years": "4",
    "discount_rate": "10",
    "description": "La commune pose les fourreaux et les loue.",
}


def scenario(app) -> Scenario:
    with app.app_context():
        found = db.session.scalars(sa.select(Scenario)).one()
        db.session.expunge(found)
        return found


def parties(app) -> dict[str, int]:
    with app.app_context():
        return {p.name: p.id for p in db.session.scalars(sa.select(ScenarioParty))}


def drafted(app, client) -> Scenario:
    """A scenario with the commune and an operator: the commune builds for 1,000 and rents
    its ducts to the operator for 300 a year, which earns 500 a year from its customers."""
    assert client.post("/scenarios/cities/marrakech/new", data=NEW).status_code == 302
    current = scenario(app)
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
    ids = parties(app)
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
        current = scenario(app)
        response = client.post(
            f"/scenarios/{current.id}/lines/new", data={**data, "version": current.version}
        )
        assert response.status_code == 302, text(response)
    return scenario(app)


def test_the_secretariat_drafts_a_scenario_and_sees_each_partys_figures(app, world):
    client = browser(app, world["secretariat"])
    current = drafted(app, client)
    page = text(client.get(f"/scenarios/{current.id}"))
    assert "En rédaction" in page
    # The commune: -1,000 then +300 a year for four years at 10 %: NPV -49.04, IRR 7.71 %,
    # paid back in year 4; the operator never needs funding.
    assert "-49,04" in page and "7,71" in page and "année 4" in page
    # The operator: +200 a year; the project: -1,000 then +500 a year.
    assert "200,00" in page and "-1 000,00" in page.replace("\u202f", " ").replace("\xa0", " ")
    assert "Location des fourreaux" in page and "Location ou IRU" in page
    listing = text(client.get("/scenarios/cities/marrakech"))
    assert NEW["name"] in listing
    with app.app_context():
        actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"scenario.created", "scenario.party_saved", "scenario.line_saved"} <= actions


def test_bad_lines_are_refused_on_their_field_and_change_nothing(app, world):
    client = browser(app, world["secretariat"])
    current = drafted(app, client)
    ids = parties(app)
    bad = {
        "label": "Dividende",
        "kind": "transfer",
        "source_id": ids["Opérateur"],
        "target_id": ids["Opérateur"],
        "start_year": "2",
        "end_year": "1",
        "amount": "12,5",
        "version": current.version,
    }
    response = client.post(f"/scenarios/{current.id}/lines/new", data=bad)
    assert response.status_code == 422
    page = text(response)
    assert 'id="end_year-errors"' in page and "précède" in page
    assert 'value="Dividende"' in page and 'value="12,5"' in page
    response = client.post(f"/scenarios/{current.id}/lines/new", data={**bad, "end_year": "3"})
    assert response.status_code == 422
    assert 'id="target_id-errors"' in text(response)
    # Past the horizon (4 years), and a negative amount.
    response = client.post(
        f"/scenarios/{current.id}/lines/new",
        data={
            **bad,
            "kind": "opex",
            "party_id": ids["Opérateur"],
            "start_year": "5",
            "end_year": "",
        },
    )
    assert response.status_code == 422 and 'id="start_year-errors"' in text(response)
    response = client.post(
        f"/scenarios/{current.id}/lines/new",
        data={**bad, "kind": "opex", "party_id": ids["Opérateur"], "amount": "-3", "end_year": ""},
    )
    assert response.status_code == 422 and 'id="amount-errors"' in text(response)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ScenarioLine.id))) == 3
    # A page loaded before another change is stale.
    stale = client.post(
        f"/scenarios/{current.id}/lines/new",
        data={
            **bad,
            "kind": "opex",
            "party_id": ids["Opérateur"],
            "end_year": "",
            "version": current.version - 1,
        },
    )
    assert stale.status_code == 409


def test_a_party_in_use_is_not_removed_and_the_horizon_keeps_its_lines(app, world):
    client = browser(app, world["secretariat"])
    current = drafted(app, client)
    operator = parties(app)["Opérateur"]
    response = client.post(
        f"/scenarios/{current.id}/parties/{operator}/delete",
        data={"version": current.version},
        follow_redirects=True,
    )
    assert "figure dans des lignes" in text(response)
    assert "Opérateur" in parties(app)
    response = client.post(
        f"/scenarios/{current.id}/edit",
        data={**NEW, "horizon_years": "0", "version": current.version},
    )
    assert response.status_code == 422 and 'id="horizon_years-errors"' in text(response)
    # The lines run to year 4: a 3-year horizon cuts them, it does not start before them.
    response = client.post(
        f"/scenarios/{current.id}/edit",
        data={**NEW, "horizon_years": "3", "version": current.version},
    )
    assert response.status_code == 302
    response = client.post(
        f"/scenarios/{scenario(app).id}/edit",
        data={**NEW, "name": "Autre nom", "discount_rate": "abc", "version": scenario(app).version},
    )
    assert response.status_code == 422
    assert 'id="discount_rate-errors"' in text(response) and 'value="Autre nom"' in text(response)


def test_who_drafts_and_who_sees_a_draft(app, world):
    consultant = browser(app, world["consultant"])
    assert consultant.get("/scenarios/cities/marrakech/new").status_code == 200
    # The consultancy of Marrakech's study drafts there, not in Agadir.
    assert consultant.get("/scenarios/cities/agadir/new").status_code == 403
    current = drafted(app, consultant)
    assert browser(app, world["operator"]).get("/scenarios/cities/marrakech/new").status_code == 403
    # A draft is its drafters' and the decision-makers' business.
    for who in ("secretariat", "local", "central"):
        assert browser(app, world[who]).get(f"/scenarios/{current.id}").status_code == 200, who
    for who in ("operator", "observer", "local_elsewhere"):
        reader = browser(app, world[who])
        assert reader.get(f"/scenarios/{current.id}").status_code == 404, who
        assert NEW["name"] not in text(reader.get("/scenarios/cities/marrakech"))
    # Deciding is not drafting.
    local = browser(app, world["local"])
    assert local.get(f"/scenarios/{current.id}/lines/new").status_code == 403
    assert local.post(f"/scenarios/{current.id}/lines/new", data={"label": "x"}).status_code == 403
