"""Bids: submission before the deadline, and the administrative check."""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal import authz
from portal.authz import Permission
from portal.extensions import db
from portal.models.organizations import Organization
from portal.models.tenders import (
    Bid,
    EliminationCheck,
    Lot,
    TenderStage,
)
from portal.models.types import utcnow
from portal.models.users import User
from portal.names import local
from portal.services import audit, inputs, notifications
from portal.services.errors import (
    InvalidInput,
    NotAllowed,
    TransitionNotAllowed,
    ensure_current,
)
from portal.services.tenders.access import _require_manage
from portal.services.tenders.base import STALE
from portal.services.tenders.specification import eliminatory_criteria


def submit_bid(
    actor: User,
    lot: Lot,
    *,
    bidder_id: int,
    price,
    files=(),
    now: datetime | None = None,
) -> Bid:
    """A bidder's own offer, online. After the deadline it is recorded as late, not admitted."""
    tender = lot.tender
    if not authz.can(actor, Permission.TENDERS_BID, organization_id=bidder_id):
        raise NotAllowed(_l("Vous ne soumettez que pour votre propre organisme."))
    if actor.organization_id != bidder_id:
        raise NotAllowed(_l("Vous ne soumettez que pour votre propre organisme."))
    if tender.stage is not TenderStage.PUBLISHED:
        raise TransitionNotAllowed(_l("Cet appel d'offres ne reçoit pas d'offres."))
    if db.session.get(Organization, bidder_id) is None:
        raise InvalidInput(_l("Organisme inconnu."), field="bidder_id")
    amount = inputs.amount(price, "price")
    if amount <= 0:
        raise InvalidInput(_l("Le prix doit être positif."), field="price")
    received = now or utcnow()
    late = tender.submission_deadline is not None and received > tender.submission_deadline
    bid = db.session.scalar(sa.select(Bid).where(Bid.lot_id == lot.id, Bid.bidder_id == bidder_id))
    if bid is not None and (bid.late or late):
        raise TransitionNotAllowed(_l("La date limite est passée : l'offre ne se modifie plus."))
    if bid is None:
        bid = Bid(lot=lot, bidder_id=bidder_id, received_at=received, sealed_price=amount)
        db.session.add(bid)
    else:
        bid.received_at = received
        bid.sealed_price = amount
    bid.late = late
    if late:
        bid.admissible = False
        bid.inadmissibility_reason = str(_l("Offre reçue après la date limite."))
    bid.files = [*bid.files, *files]
    # The audit trail records that an offer came, never its price.
    audit.record(
        actor,
        "tender.bid_received",
        obj=tender,
        details={"lot": lot.number, "bidder": bidder_id, "late": late},
    )
    notifications.bid_received(actor, bid, now=received)
    return bid


def check_bid(
    actor: User,
    bid: Bid,
    *,
    results: dict[int, tuple[bool, str]],
    expected_version: int | None = None,
) -> None:
    """The administrative check: each eliminatory criterion passed, or failed with a reason."""
    tender = bid.lot.tender
    _require_manage(actor, tender)
    ensure_current(bid, expected_version, STALE)
    if tender.stage is not TenderStage.ADMINISTRATIVE_CHECK:
        raise TransitionNotAllowed(_l("La vérification administrative n'est pas en cours."))
    if bid.late:
        raise TransitionNotAllowed(_l("Une offre tardive n'est pas admise."))
    criteria = eliminatory_criteria(tender)
    failures = []
    db.session.execute(sa.delete(EliminationCheck).where(EliminationCheck.bid_id == bid.id))
    for criterion in criteria:
        passed, reason = results.get(criterion.id, (None, ""))
        if passed is None:
            raise InvalidInput(
                _l("« %(label)s » : satisfait ou non ?", label=local(criterion, "label")),
                field="checks",
            )
        reason = (reason or "").strip()
        if not passed and not reason:
            raise InvalidInput(
                _l(
                    "« %(label)s » : indiquez pourquoi il n'est pas satisfait.",
                    label=local(criterion, "label"),
                ),
                field="checks",
            )
        if not passed:
            failures.append(f"{criterion.label} : {reason}")
        db.session.add(
            EliminationCheck(bid_id=bid.id, criterion_id=criterion.id, passed=passed, reason=reason)
        )
    bid.admissible = not failures
    bid.inadmissibility_reason = " ; ".join(failures)
    audit.record(
        actor,
        "tender.bid_checked",
        obj=tender,
        details={"bid": bid.id, "admissible": bid.admissible, "failures": failures},
    )
