"""The finance blueprint and what its pages share: organisations, loading an agreement or
an asset the person may see."""

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
)
from sqlalchemy.orm import joinedload, selectinload

from portal.extensions import db
from portal.models.finance import (
    Agreement,
    AssetShare,
    SharedAsset,
)
from portal.models.organizations import Organization
from portal.services import finance as service
from portal.views._common import (
    acting_user,
)

bp = Blueprint("finance", __name__, url_prefix="/finance")


def _organizations():
    return db.session.scalars(sa.select(Organization).order_by(Organization.short_name)).all()


def _agreement_or_404(agreement_id: int) -> Agreement:
    """The agreement if the person may see it; otherwise it does not exist for them."""
    agreement = db.session.scalar(
        sa.select(Agreement)
        .where(Agreement.id == agreement_id)
        .options(
            joinedload(Agreement.payer),
            joinedload(Agreement.payee),
            joinedload(Agreement.city),
            joinedload(Agreement.action),
            joinedload(Agreement.asset),
            joinedload(Agreement.document),
        )
    )
    if agreement is None or not service.may_see(acting_user(), agreement):
        abort(404)
    return agreement


def _asset_or_404(asset_id: int) -> SharedAsset:
    asset = db.session.scalar(
        sa.select(SharedAsset)
        .where(SharedAsset.id == asset_id)
        .options(
            joinedload(SharedAsset.owner),
            joinedload(SharedAsset.city),
            selectinload(SharedAsset.shares).joinedload(AssetShare.organization),
        )
    )
    if asset is None or not service.may_see_asset(acting_user(), asset):
        abort(404)
    return asset
