"""Moving the procedure on, one stage at a time, each move with its conditions."""

from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _ln

from portal import authz
from portal.authz import Permission
from portal.extensions import db
from portal.models.tenders import (
    SCORING_ROLES,
    CommitteeRole,
    LotOutcome,
    Tender,
    TenderEvent,
    TenderStage,
)
from portal.models.types import utcnow
from portal.models.users import User
from portal.services import audit, notifications, selection
from portal.services.errors import (
    InvalidInput,
    NotAllowed,
    TransitionNotAllowed,
    ensure_current,
)
from portal.services.tenders.access import _president, _require_manage, may_manage
from portal.services.tenders.base import (
    FINAL,
    NEXT,
    STAGE_LABELS,
    STALE,
    envelopes_open,
    reached,
)
from portal.services.tenders.ranking import abnormally_low_pending, rank
from portal.services.tenders.scores import admitted_bids, technical_scores, technical_table
from portal.services.tenders.specification import leaf_criteria


def advance(
    actor: User,
    tender: Tender,
    to_stage: TenderStage,
    *,
    note: str = "",
    present: list[int] | None = None,
    now: datetime | None = None,
    expected_version: int | None = None,
    meeting: dict | None = None,
) -> None:
    """Move the procedure on by one stage (or end it); each move has its conditions.
    `meeting`: the reference of the meeting whose decision this is, kept in the history."""
    ensure_current(tender, expected_version, STALE)
    now = now or utcnow()
    before = tender.stage
    if before in FINAL:
        raise TransitionNotAllowed(_l("La procédure est close."))
    note = (note or "").strip()
    if to_stage is TenderStage.CANCELLED:
        if not (may_manage(actor, tender) or authz.can(actor, Permission.TENDERS_DECIDE)):
            raise NotAllowed(_l("Seuls le secrétariat et le ministère annulent une procédure."))
        if not note:
            raise InvalidInput(_l("Indiquez le motif de l'annulation."), field="note")
        tender.cancel_reason = note
    elif to_stage is TenderStage.UNSUCCESSFUL or (
        to_stage is TenderStage.AWARDED and before is TenderStage.AWARD_PROPOSED
    ):
        _decide(actor, tender, to_stage, before)
    elif NEXT.get(before) is not to_stage:
        raise TransitionNotAllowed(
            _l(
                "Impossible de passer de « %(from)s » à « %(to)s » : aucune étape ne se saute "
                "ni ne se rouvre.",
                **{"from": STAGE_LABELS[before], "to": STAGE_LABELS[to_stage]},
            )
        )
    else:
        _check_move(actor, tender, to_stage, now=now, present=present)
    tender.stage = to_stage
    event = TenderEvent(
        tender_id=tender.id,
        from_stage=before,
        to_stage=to_stage,
        actor=actor,
        occurred_at=now,
        note=note,
        present=sorted(set(present or [])),
        meeting_id=(meeting or {}).get("meeting"),
    )
    db.session.add(event)
    audit.record(
        actor,
        "tender.stage",
        obj=tender,
        details={
            "from": before.value,
            "to": to_stage.value,
            "note": note,
            "present": event.present,
        },
    )
    notifications.tender_moved(actor, tender, to_stage, before=before, note=note, now=now)


def _check_move(actor, tender, to_stage, *, now, present) -> None:
    if to_stage in (
        TenderStage.PUBLISHED,
        TenderStage.SUBMISSIONS_CLOSED,
        TenderStage.ADMINISTRATIVE_CHECK,
    ):
        _require_manage(actor, tender)
    if to_stage is TenderStage.PUBLISHED:
        if not tender.lots or not leaf_criteria(tender):
            raise TransitionNotAllowed(
                _l("Avant de publier, il faut au moins un lot et la grille de critères.")
            )
        if tender.submission_deadline is None or tender.submission_deadline <= now:
            raise TransitionNotAllowed(
                _l("Avant de publier, il faut une date limite de remise des offres à venir.")
            )
        if not any(m.role is CommitteeRole.PRESIDENT for m in tender.members):
            raise TransitionNotAllowed(
                _l("Avant de publier, il faut composer la commission et son président.")
            )
    elif to_stage is TenderStage.SUBMISSIONS_CLOSED:
        if tender.submission_deadline is None or now < tender.submission_deadline:
            raise TransitionNotAllowed(_l("La date limite de remise des offres n'est pas passée."))
    elif to_stage is TenderStage.TECHNICAL_EVALUATION:
        _require_manage(actor, tender)
        unchecked = [b for lot in tender.lots for b in lot.bids if b.admissible is None]
        if unchecked:
            raise TransitionNotAllowed(
                _ln(
                    "%(num)d offre attend la vérification administrative.",
                    "%(num)d offres attendent la vérification administrative.",
                    len(unchecked),
                )
            )
    elif to_stage is TenderStage.TECHNICAL_LOCKED:
        _president(actor, tender)
        waiting = [
            m
            for m in tender.members
            if m.role in SCORING_ROLES and not m.recused and m.scores_submitted_at is None
        ]
        if waiting:
            raise TransitionNotAllowed(
                _ln(
                    "%(num)d membre n'a pas remis ses notes.",
                    "%(num)d membres n'ont pas remis leurs notes.",
                    len(waiting),
                )
            )
        scored = [
            m
            for m in tender.members
            if m.role in SCORING_ROLES and m.cleared and m.scores_submitted_at is not None
        ]
        if len(scored) < 2 and admitted_bids(tender):
            raise TransitionNotAllowed(
                _l(
                    "Il faut les notes d'au moins deux membres sans conflit : complétez la "
                    "commission."
                )
            )
        unresolved = [
            (bid_id, criterion_id)
            for bid_id, row in technical_table(tender).items()
            for criterion_id, cell in row.items()
            if cell.flagged and cell.consensus is None
        ]
        if unresolved:
            raise TransitionNotAllowed(
                _ln(
                    "%(num)d note trop dispersée attend une note de consensus.",
                    "%(num)d notes trop dispersées attendent une note de consensus.",
                    len(unresolved),
                )
            )
    elif to_stage is TenderStage.FINANCIAL_OPENING:
        _president(actor, tender)
        members = {m.id: m for m in tender.members}
        present = sorted(set(present or []))
        scorers = [p for p in present if p in members and members[p].role in SCORING_ROLES]
        if any(p not in members for p in present) or (
            len([p for p in scorers if members[p].cleared]) < 2
        ):
            raise InvalidInput(
                _l("Indiquez les membres présents : au moins deux membres notants."),
                field="present",
            )
    elif to_stage in (
        TenderStage.FINANCIAL_EVALUATION,
        TenderStage.RANKING,
        TenderStage.AWARD_PROPOSED,
    ):
        _president(actor, tender)
        if to_stage is TenderStage.RANKING and abnormally_low_pending(tender):
            raise TransitionNotAllowed(
                _l("Des offres anormalement basses attendent la décision sur leur justification.")
            )
        if to_stage is TenderStage.AWARD_PROPOSED:
            rankings = rank(tender)
            if not any(r.result.winner for r in rankings):
                raise TransitionNotAllowed(
                    _l(
                        "Aucune offre qualifiée : il revient au ministère de déclarer l'appel "
                        "d'offres infructueux."
                    )
                )
            for ranking in rankings:
                winner = ranking.result.winner
                for key, bid in ranking.bids.items():
                    bid.award_proposed = key == winner
                ranking.lot.reference_price = ranking.result.reference_price
                ranking.lot.outcome = None if winner else LotOutcome.UNSUCCESSFUL


def _decide(actor, tender, to_stage, before) -> None:
    if not authz.can(actor, Permission.TENDERS_DECIDE, city_id=tender.city_id):
        raise NotAllowed(_l("La décision revient au ministère."))
    if to_stage is TenderStage.AWARDED:
        for lot in tender.lots:
            lot.outcome = LotOutcome.AWARDED if lot.proposed_bid else LotOutcome.UNSUCCESSFUL
        return
    # Unsuccessful: no bid admitted, or no qualified bid once the envelopes are open.
    if not reached(tender, TenderStage.SUBMISSIONS_CLOSED):
        raise TransitionNotAllowed(
            _l("Une procédure se déclare infructueuse une fois la remise des offres close.")
        )
    pending = [b for lot in tender.lots for b in lot.bids if b.admissible or b.admissible is None]
    if envelopes_open(tender):
        qualified = any(r.result.winner for r in rank(tender))
    elif reached(tender, TenderStage.TECHNICAL_LOCKED):
        # No price needed: the threshold applies to the technical scores as scored.
        scores = technical_scores(tender)
        floor = tender.technical_threshold
        qualified = any(
            floor is None
            or selection.round_published(scores.get(b.id, Decimal(0)), tender.decimals) >= floor
            for b in pending
        )
    else:
        qualified = bool(pending)
    if qualified:
        raise TransitionNotAllowed(
            _l("Des offres restent en lice : la procédure n'est pas infructueuse.")
        )
    for lot in tender.lots:
        lot.outcome = LotOutcome.UNSUCCESSFUL
        for bid in lot.bids:
            bid.award_proposed = False
