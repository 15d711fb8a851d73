"""The ranking of each lot (the shared selection engine), abnormally low offers'
justifications, and the prices read at the opening."""

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from portal.models.tenders import (
    Bid,
    FinancialMethod,
    Lot,
    Tender,
    TenderStage,
)
from portal.models.users import User
from portal.services import audit, inputs, selection
from portal.services.errors import (
    TransitionNotAllowed,
)
from portal.services.tenders.access import _president
from portal.services.tenders.base import SealedOffer, envelopes_open, price_of
from portal.services.tenders.scores import technical_scores
from portal.services.tenders.specification import _method_for


@dataclass
class LotRanking:
    lot: Lot
    result: selection.Result
    bids: dict[str, Bid]  # the engine's bidder key (bid id as text) -> bid


def rank(tender: Tender) -> list[LotRanking]:
    """Each lot's result by the tender's method, from the stored scores and opened prices."""
    if not envelopes_open(tender):
        raise SealedOffer(_l("Offre financière scellée jusqu'à l'ouverture des plis."))
    scores = technical_scores(tender)
    rankings = []
    for lot in tender.lots:
        candidates = [b for b in lot.bids if not b.late]
        inputs = [
            selection.Bid(
                bidder=str(b.id),
                technical_score=scores.get(b.id),
                price=price_of(b, tender) if b.admissible else None,
                admissible=bool(b.admissible),
                justification_accepted=bool(b.justification_accepted),
            )
            for b in candidates
        ]
        result = selection.evaluate(_method_for(tender, lot.estimate), inputs)
        rankings.append(LotRanking(lot, result, {str(b.id): b for b in candidates}))
    return rankings


def abnormally_low_pending(tender: Tender) -> list[Bid]:
    """Abnormally low offers whose justification the committee has not decided yet."""
    if tender.method is not FinancialMethod.REFERENCE_PRICE:
        return []
    pending = []
    for ranking in rank(tender):
        for outcome in ranking.result.bids:
            bid = ranking.bids[outcome.bidder]
            if outcome.status == selection.ABNORMALLY_LOW and bid.justification_accepted is None:
                pending.append(bid)
    return pending


def decide_justification(actor: User, bid: Bid, *, accepted: bool, justification: str) -> None:
    """The committee's decision on an abnormally low offer's written justification."""
    tender = bid.lot.tender
    _president(actor, tender)
    if tender.stage is not TenderStage.FINANCIAL_EVALUATION:
        raise TransitionNotAllowed(_l("L'évaluation financière n'est pas en cours."))
    if bid.justification_accepted is not None:
        raise TransitionNotAllowed(_l("La décision sur cette justification est déjà prise."))
    if bid not in abnormally_low_pending(tender):
        raise TransitionNotAllowed(_l("Cette offre n'est pas anormalement basse."))
    bid.justification = inputs.text(justification, "justification")
    bid.justification_accepted = accepted
    audit.record(
        actor, "tender.justification", obj=tender, details={"bid": bid.id, "accepted": accepted}
    )


UNOPENED = frozenset({selection.NOT_ADMISSIBLE, selection.BELOW_THRESHOLD})


def opened_prices(tender: Tender, rankings: list[LotRanking] | None = None) -> dict[int, Decimal]:
    """The prices read at the opening: those of the bids still in the running. A late,
    inadmissible or technically failed bid's envelope stays closed (QCBS practice)."""
    rankings = rank(tender) if rankings is None else rankings
    return {
        ranking.bids[outcome.bidder].id: price_of(ranking.bids[outcome.bidder], tender)
        for ranking in rankings
        for outcome in ranking.result.bids
        if outcome.status not in UNOPENED
    }
