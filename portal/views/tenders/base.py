"""The tenders blueprint and what its pages share: loading a tender, local times."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
)
from sqlalchemy.orm import joinedload, selectinload

from portal import labels
from portal.extensions import db
from portal.models.tenders import (
    Bid,
    CommitteeMember,
    Lot,
    Tender,
    TenderStage,
)
from portal.services import tenders as service
from portal.views._common import (
    acting_user,
)

bp = Blueprint("tenders", __name__, url_prefix="/tenders")

ROLE_LABELS = labels.COMMITTEE_ROLE_LABELS


def _tender_or_404(tender_id: int) -> Tender:
    tender = db.session.scalar(
        sa.select(Tender)
        .where(Tender.id == tender_id)
        .options(
            joinedload(Tender.city),
            joinedload(Tender.action),
            selectinload(Tender.lots).selectinload(Lot.bids).joinedload(Bid.bidder),
            selectinload(Tender.lots).selectinload(Lot.bids).selectinload(Bid.files),
            selectinload(Tender.criteria),
            selectinload(Tender.members).joinedload(CommitteeMember.user),
        )
    )
    user = acting_user()
    if tender is None or (
        tender.stage is TenderStage.DRAFT and not service.may_manage(user, tender)
    ):
        abort(404)  # a draft is the secretariat's until it is published
    return tender


def _local(moment: datetime) -> datetime:
    """A naive local time typed in a form, as the UTC instant it means."""
    zone = ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])
    return moment.replace(tzinfo=zone).astimezone(UTC)


def _as_local(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    zone = ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])
    return moment.astimezone(zone).replace(tzinfo=None)
