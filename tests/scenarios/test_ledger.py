"""From the approved scenario to the ledger: the passive network's asset and the agreements
its transfers imply, drafted with their yearly installments and linked back."""

from decimal import Decimal

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Agreement, AgreementStatus, ScenarioDraft, SharedAsset
from tests.conftest import browser, text
from tests.scenarios.helpers import drafted, parties, scenario


def approve(app, world, client, name):
    local, central = browser(app, world["local"]), browser(app, world["central"])
    for who, move in ((client, "submit"), (local, "endorse"), (central, "approve")):
        current = scenario(app, name)
        response = who.post(
            f"/scenarios/{current.id}/move", data={"move": move, "version": current.version}
        )
        assert response.status_code == 302, text(response)


def test_the_approved_scenario_drafts_its_asset_and_agreements(app, world):
    client = browser(app, world["secretariat"])
    current = drafted(app, client)
    ids = parties(app)
    # The operator is IAM, an organisation of the portal; the commune owns the passive layer.
    response = client.post(
        f"/scenarios/{current.id}/parties/{ids['Opérateur']}/edit",
        data={
            "name": "Opérateur",
            "organization_id": world["operator_org"].id,
            "version": current.version,
        },
    )
    assert response.status_code == 302, text(response)
    current = scenario(app)
    response = client.post(
        f"/scenarios/{current.id}/setup",
        data={
            "owner_passive": ids["CU Marrakech"],
            "operator_passive": ids["CU Marrakech"],
            "version": current.version,
        },
    )
    assert response.status_code == 302, text(response)
    # Not before its approval.
    response = client.post(
        f"/scenarios/{current.id}/ledger", data={"version": scenario(app).version}
    )
    assert response.status_code == 422
    approve(app, world, client, current.name)

    current = scenario(app)
    response = client.post(f"/scenarios/{current.id}/ledger", data={"version": current.version})
    assert response.status_code == 302, text(response)
    with app.app_context():
        asset = db.session.scalars(sa.select(SharedAsset)).one()
        assert (asset.owner_id, asset.capital_cost) == (world["commune"].id, Decimal("1000.00"))
        agreement = db.session.scalars(sa.select(Agreement)).one()
        assert agreement.status is AgreementStatus.DRAFT
        assert (agreement.payer_id, agreement.payee_id) == (
            world["operator_org"].id,
            world["commune"].id,
        )
        assert agreement.asset_id == asset.id and agreement.total_amount == Decimal("1200.00")
        year_zero = agreement.installments[0].due_date.year - 1
        assert [(i.due_date.year - year_zero, i.amount) for i in agreement.installments] == [
            (year, Decimal("300.00")) for year in (1, 2, 3, 4)
        ]
        assert db.session.scalar(sa.select(sa.func.count(ScenarioDraft.id))) == 2
    page = text(client.get(f"/scenarios/{current.id}"))
    assert "Location des fourreaux — Réseau municipal loué aux opérateurs" in page
    # Each draft links back to the scenario it came from.
    with app.app_context():
        agreement_id = db.session.scalar(sa.select(Agreement.id))
        asset_id = db.session.scalar(sa.select(SharedAsset.id))
    for url in (f"/finance/agreements/{agreement_id}", f"/finance/assets/{asset_id}"):
        assert f'href="/scenarios/{current.id}"' in text(client.get(url)), url
    # Once is enough.
    response = client.post(
        f"/scenarios/{current.id}/ledger", data={"version": scenario(app).version}
    )
    assert response.status_code == 422 and "déjà préparées" in text(response)
    # The city's decision-maker decides; drafting the ledger is the secretariat's.
    local = browser(app, world["local"])
    assert local.post(f"/scenarios/{current.id}/ledger", data={"version": 1}).status_code == 403


def test_a_transfer_with_a_named_party_is_left_out_and_said(app, world):
    client = browser(app, world["secretariat"])
    current = drafted(app, client)
    approve(app, world, client, current.name)
    current = scenario(app)
    response = client.post(
        f"/scenarios/{current.id}/ledger", data={"version": current.version}, follow_redirects=True
    )
    page = text(response)
    assert "Opérateur n'est pas un organisme du portail" in page
    assert "conventions : 0" in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Agreement.id))) == 0
