"""Drafting a scenario through its pages: details, parties, lines, and the figures shown."""

import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEvent, ScenarioLine
from tests.conftest import browser, text
from tests.scenarios.helpers import NEW, drafted, parties, scenario


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
    # Its lines removed first, it goes.
    with app.app_context():
        lines = db.session.scalars(
            sa.select(ScenarioLine.id).where(
                sa.or_(
                    ScenarioLine.party_id == operator,
                    ScenarioLine.source_id == operator,
                    ScenarioLine.target_id == operator,
                )
            )
        ).all()
    for line in lines:
        response = client.post(
            f"/scenarios/{current.id}/lines/{line}/delete",
            data={"version": scenario(app).version},
        )
        assert response.status_code == 302
    response = client.post(
        f"/scenarios/{current.id}/parties/{operator}/delete",
        data={"version": scenario(app).version},
    )
    assert response.status_code == 302 and "Opérateur" not in parties(app)
    current = scenario(app)
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


def test_the_setup_names_owners_risks_and_the_coverage_against_the_citys_target(
    app, world, make_domain
):
    from datetime import date
    from decimal import Decimal

    from portal.models import Indicator, IndicatorTarget

    domain = make_domain()
    with app.app_context():
        indicator = Indicator(
            code="ftth", name="Foyers raccordables à la fibre", unit="foyers", domain_id=domain.id
        )
        db.session.add(indicator)
        db.session.flush()
        db.session.add(
            IndicatorTarget(
                indicator_id=indicator.id,
                city_id=world["city"].id,
                baseline_value=Decimal("1000"),
                baseline_date=date(2026, 1, 1),
                target_value=Decimal("50000"),
                target_date=date(2030, 12, 31),
            )
        )
        db.session.commit()
        indicator_id = indicator.id
    client = browser(app, world["secretariat"])
    current = drafted(app, client)
    ids = parties(app)
    typed = {
        "owner_passive": ids["CU Marrakech"],
        "operator_passive": ids["CU Marrakech"],
        "operator_retail": ids["Opérateur"],
        "bearer_demand": ids["Opérateur"],
        "note_demand": "Les abonnés viennent ou non",
        "quantity_households_passed": "2,5",
        "indicator_households_passed": indicator_id,
        "quantity_sites_connected": "40",
        "version": current.version,
    }
    response = client.post(f"/scenarios/{current.id}/setup", data=typed)
    assert response.status_code == 422
    page = text(response)
    assert 'id="quantity_households_passed-errors"' in page
    assert 'value="Les abonnés viennent ou non"' in page
    typed["quantity_households_passed"] = "25 000"
    response = client.post(f"/scenarios/{current.id}/setup", data=typed)
    assert response.status_code == 302, text(response)
    page = text(client.get(f"/scenarios/{current.id}"))
    assert "Infrastructure passive" in page and "Les abonnés viennent ou non" in page
    assert "Foyers raccordables à la fibre" in page and "50 000" in page.replace("\u202f", " ")
    # The commune's 1,000 of capex over 25,000 households and 40 sites.
    assert "0,04 MAD" in page and "25,00 MAD" in page


def test_lines_come_from_another_scenario_or_from_a_shared_asset(app, world):
    from decimal import Decimal

    from portal.models import AssetKind, SharedAsset

    with app.app_context():
        asset = SharedAsset(
            city_id=world["city"].id,
            owner_id=world["commune"].id,
            kind=AssetKind.DUCT,
            name="Fourreaux de la Médina",
            capital_cost=Decimal("800000.00"),
            yearly_operating_cost=Decimal("24000.00"),
        )
        db.session.add(asset)
        db.session.commit()
        asset_id = asset.id
    client = browser(app, world["secretariat"])
    drafted(app, client, "Réseau municipal")
    target = drafted(app, client, "Concession")
    source = scenario(app, "Réseau municipal")
    response = client.post(
        f"/scenarios/{target.id}/copy", data={"source_id": source.id, "version": target.version}
    )
    assert response.status_code == 302, text(response)
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count(ScenarioLine.id)).where(
                    ScenarioLine.scenario_id == target.id
                )
            )
            == 6
        )
    target = scenario(app, "Concession")
    commune = parties(app, target.id)["CU Marrakech"]
    response = client.post(
        f"/scenarios/{target.id}/from-asset",
        data={"asset_id": asset_id, "party_id": commune, "version": target.version},
    )
    assert response.status_code == 302, text(response)
    page = text(client.get(f"/scenarios/{target.id}"))
    assert page.count("Fourreaux de la Médina") >= 2  # its capital cost, then its upkeep
    assert "800 000,00" in page.replace("\u202f", " ") and "24 000,00" in page.replace(
        "\u202f", " "
    )
    # A stale page copies nothing.
    response = client.post(
        f"/scenarios/{target.id}/copy", data={"source_id": source.id, "version": target.version}
    )
    assert response.status_code == 409


def test_the_administrator_names_the_city_a_consultancy_drafts_for(app, world, make_user):
    from portal.models import Organization, OrganizationKind, Role
    from tests.conftest import login

    with app.app_context():
        consultancy = db.session.scalar(
            sa.select(Organization.id).where(Organization.kind == OrganizationKind.CONSULTANT)
        )
    admin = browser(app, make_user(role=Role.ADMIN))
    assert f'value="contributor:{world["city"].id}"' in text(admin.get("/admin/users/new"))
    response = admin.post(
        "/admin/users/new",
        data={
            "email": "etudes@adc.example",
            "full_name": "Bureau d'études",
            "organization_id": consultancy,
            "preferred_language": "fr",
            "roles": [f"contributor:{world['city'].id}"],
            "password": "initial-password-42",
            "confirm": "initial-password-42",
        },
    )
    assert response.status_code == 302, text(response)
    client = app.test_client()
    assert login(client, "etudes@adc.example", "initial-password-42").status_code == 302
    assert client.get("/scenarios/cities/marrakech/new").status_code == 200
    assert client.get("/scenarios/cities/agadir/new").status_code == 403


def test_a_long_scenario_lists_its_lines_page_by_page(app, world):
    from decimal import Decimal

    from portal.models import LineKind

    client = browser(app, world["secretariat"])
    current = drafted(app, client)
    size = app.config["PAGE_SIZE"]
    with app.app_context():
        commune = parties(app)["CU Marrakech"]
        for i in range(size):
            db.session.add(
                ScenarioLine(
                    scenario_id=current.id,
                    position=10 + i,
                    label=f"Entretien {i:02d}",
                    kind=LineKind.OPEX,
                    party_id=commune,
                    start_year=1,
                    end_year=1,
                    amount=Decimal("1.00"),
                )
            )
        db.session.commit()
    first = text(client.get(f"/scenarios/{current.id}"))
    second = text(client.get(f"/scenarios/{current.id}?lines=2"))
    # The three drafted lines come first: a page of `size` lines, then the rest.
    assert first.count("<td>Entretien") == size - 3
    assert second.count("<td>Entretien") == 3 and "<td>Fourreaux" not in second
    # Every line counts in the figures, whatever the page shown: year 1 has the 300 of rent
    # less the `size` units of upkeep.
    assert f"{300 - size},00" in first
