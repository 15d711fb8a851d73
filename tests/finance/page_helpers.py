"""What the finance page tests share: a signed-in browser, page text, records via pages."""

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Agreement, Installment, SharedAsset
from tests.conftest import browser, text


def create(client, world, **change):
    data = {
        "city_id": world["city"].id,
        "payer_id": world["operator"].id,
        "payee_id": world["utility"].id,
        "purpose": "usage_fee",
        "title": "Redevance des fourreaux",
        "action_id": 0,
        "asset_id": 0,
        "total": "10000,00",
        "start_date": "2026-01-01",
        "convention_reference": "",
        **change,
    }
    return client.post("/finance/agreements/new", data=data)


def agreement(app, agreement_id=None) -> Agreement:
    with app.app_context():
        query = sa.select(Agreement).order_by(Agreement.id)
        if agreement_id:
            query = query.where(Agreement.id == agreement_id)
        found = db.session.scalars(query).first()
        if found is not None:
            found.installments  # noqa: B018 (loaded before detaching)
            db.session.expunge_all()
        return found


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def signed(app, world, *, total="10000,00", lines=(("2026-03-01", "4000"), ("2026-09-01", "6000"))):
    """A signed agreement IAM -> RADEEMA, through the secretariat's pages."""
    secretariat = browser(app, world["secretariat"])
    assert create(secretariat, world, total=total).status_code == 302
    found = agreement(app)
    response = secretariat.post(
        f"/finance/agreements/{found.id}/schedule",
        data={
            "mode": "manual",
            "version": found.version,
            "due_date": [d for d, _ in lines],
            "amount": [a for _, a in lines],
        },
    )
    assert response.status_code == 302, text(response)
    found = agreement(app, found.id)
    response = secretariat.post(
        f"/finance/agreements/{found.id}/sign",
        data={
            "signed_on": "2026-01-05",
            "convention_reference": "CONV-2026-001",
            "version": found.version,
        },
    )
    assert response.status_code == 302, text(response)
    return agreement(app, found.id), secretariat


def act(client, installment, action, **data):
    return client.post(
        f"/finance/installments/{installment.id}/act",
        data={"action": action, "version": installment.version, **data},
    )


def installment(app, installment_id) -> Installment:
    with app.app_context():
        found = db.session.get(Installment, installment_id)
        db.session.expunge(found)
        return found


# --- Shared assets ----------------------------------------------------------------------------


def make_asset(client, world, **change):
    data = {
        "city_id": world["city"].id,
        "owner_id": world["utility"].id,
        "kind": "duct",
        "name": "Fourreaux de la médina",
        "description": "",
        "capacity": "12,5",
        "capacity_unit": "km",
        "capital_cost": "1000000",
        "yearly_operating_cost": "30000",
        **change,
    }
    return client.post("/finance/assets/new", data=data)


def set_key(client, asset, lines, **extra):
    data = {
        "basis": "percent",
        "version": asset.version,
        "organization_id": [org for org, _ in lines],
        "weight": [weight for _, weight in lines],
        "start_date": "2026-07-01",
        "frequency": "yearly",
        "count": "3",
        "operating_years": "0",
        **extra,
    }
    return client.post(f"/finance/assets/{asset.id}/key", data=data)


def the_asset(app) -> SharedAsset:
    with app.app_context():
        found = db.session.scalars(sa.select(SharedAsset)).one()
        db.session.expunge(found)
        return found
