"""The procedure's stages in order, and the seal on the financial offers."""

from decimal import Decimal
from itertools import pairwise

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal import labels
from portal.extensions import db
from portal.models.tenders import (
    FINAL_STAGES,
    Bid,
    Tender,
    TenderEvent,
    TenderStage,
)
from portal.services.errors import (
    NotAllowed,
)

ORDER = [
    TenderStage.DRAFT,
    TenderStage.PUBLISHED,
    TenderStage.SUBMISSIONS_CLOSED,
    TenderStage.ADMINISTRATIVE_CHECK,
    TenderStage.TECHNICAL_EVALUATION,
    TenderStage.TECHNICAL_LOCKED,
    TenderStage.FINANCIAL_OPENING,
    TenderStage.FINANCIAL_EVALUATION,
    TenderStage.RANKING,
    TenderStage.AWARD_PROPOSED,
    TenderStage.AWARDED,
]
FINAL = FINAL_STAGES
NEXT = dict(pairwise(ORDER))
HUNDRED = Decimal(100)

STAGE_LABELS = labels.TENDER_STAGE_LABELS
STALE = _l("Cette fiche a été modifiée par quelqu'un d'autre entre-temps. Rechargez-la.")


class SealedOffer(NotAllowed):
    """A financial offer asked for before the financial opening."""


def reached(tender: Tender, stage: TenderStage) -> bool:
    """Whether the procedure has gone as far as `stage` (a final failure counts as not)."""
    if tender.stage in (TenderStage.UNSUCCESSFUL, TenderStage.CANCELLED):
        return False
    return ORDER.index(tender.stage) >= ORDER.index(stage)


def envelopes_open(tender: Tender) -> bool:
    history = tender.stage in (TenderStage.UNSUCCESSFUL, TenderStage.CANCELLED) and _was_opened(
        tender
    )
    return reached(tender, TenderStage.FINANCIAL_OPENING) or history


def _was_opened(tender: Tender) -> bool:
    return (
        db.session.scalar(
            sa.select(TenderEvent.id).where(
                TenderEvent.tender_id == tender.id,
                TenderEvent.to_stage == TenderStage.FINANCIAL_OPENING,
            )
        )
        is not None
    )


def price_of(bid: Bid, tender: Tender | None = None) -> Decimal:
    """The bid's price, once the envelopes are open; refused before, whoever asks."""
    if tender is None or tender.id != bid.lot.tender_id:
        tender = bid.lot.tender  # another tender's opening never unseals this one
    if not envelopes_open(tender):
        raise SealedOffer(_l("Offre financière scellée jusqu'à l'ouverture des plis."))
    return bid.sealed_price
