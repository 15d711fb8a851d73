"""Independent technical scores, their table and the chair's consensus."""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _ln

from portal.extensions import db
from portal.models.tenders import (
    SCORING_ROLES,
    Bid,
    CommitteeMember,
    Consensus,
    Criterion,
    Score,
    Tender,
    TenderStage,
)
from portal.models.types import utcnow
from portal.models.users import User
from portal.services import audit, inputs, notifications, selection
from portal.services.errors import (
    InvalidInput,
    NotAllowed,
    TransitionNotAllowed,
)
from portal.services.tenders.access import _president, may_score, may_see_bids, membership
from portal.services.tenders.base import HUNDRED, reached
from portal.services.tenders.specification import leaf_criteria


def _scorer(actor: User, tender: Tender) -> CommitteeMember:
    if not may_score(actor, tender):
        raise NotAllowed(_l("Seuls les membres notants ayant déclaré l'absence de conflit notent."))
    member = membership(actor, tender)
    if tender.stage is not TenderStage.TECHNICAL_EVALUATION:
        raise TransitionNotAllowed(_l("L'évaluation technique n'est pas en cours."))
    return member


def admitted_bids(tender: Tender) -> list[Bid]:
    return [b for lot in tender.lots for b in lot.bids if b.admissible]


def _points(value: Decimal) -> str:
    """Points as the reader writes them ("50,00" in French)."""
    return format_decimal(value, format="#,##0.00")


def record_score(
    actor: User, bid: Bid, criterion: Criterion, *, points, justification: str
) -> Score:
    tender = bid.lot.tender
    member = _scorer(actor, tender)
    if member.scores_submitted_at is not None:
        raise TransitionNotAllowed(_l("Vos notes sont remises : elles ne changent plus."))
    if (
        not bid.admissible
        or criterion not in leaf_criteria(tender)
        or bid.lot.tender_id != (criterion.tender_id)
    ):
        raise InvalidInput(_l("Cette offre ou ce critère ne se note pas."), field="points")
    value = selection.parse_decimal(
        str(points if points is not None else "").replace(",", "."), "points"
    )
    if value is None or not 0 <= value <= criterion.max_points:
        raise InvalidInput(
            _l("Une note entre 0 et %(max)s.", max=_points(criterion.max_points)), field="points"
        )
    if value != value.quantize(Decimal("0.01")):
        raise InvalidInput(_l("Deux décimales au plus."), field="points")
    justification = inputs.text(justification, "justification")
    score = db.session.scalar(
        sa.select(Score).where(
            Score.member_id == member.id, Score.bid_id == bid.id, Score.criterion_id == criterion.id
        )
    )
    if score is None:
        score = Score(member=member, bid_id=bid.id, criterion_id=criterion.id)
        db.session.add(score)
    score.points = value
    score.justification = justification
    return score


def submit_scores(actor: User, tender: Tender, *, now=None) -> None:
    member = _scorer(actor, tender)
    if member.scores_submitted_at is not None:
        raise TransitionNotAllowed(_l("Vos notes sont déjà remises."))
    expected = {(b.id, c.id) for b in admitted_bids(tender) for c in leaf_criteria(tender)}
    given = set(
        db.session.execute(
            sa.select(Score.bid_id, Score.criterion_id).where(Score.member_id == member.id)
        ).all()
    )
    missing = len(expected - given)
    if missing:
        raise TransitionNotAllowed(
            _ln(
                "Il manque %(num)d note avant de remettre votre évaluation.",
                "Il manque %(num)d notes avant de remettre votre évaluation.",
                missing,
            )
        )
    member.scores_submitted_at = now or utcnow()
    audit.record(actor, "tender.scores_submitted", obj=tender, details={"member": member.id})
    if not any(
        m.role in SCORING_ROLES and not m.recused and m.scores_submitted_at is None
        for m in tender.members
    ):
        notifications.scores_in(actor, tender, now=member.scores_submitted_at)


def visible_scores(user: User, tender: Tender) -> list[Score]:
    """A member sees their own scores, and the others' once they submitted theirs; the
    secretariat and everyone else who sees the bids, once the technical result is locked."""
    query = sa.select(Score).join(CommitteeMember).where(CommitteeMember.tender_id == tender.id)
    member = membership(user, tender)
    if reached(tender, TenderStage.TECHNICAL_LOCKED) and may_see_bids(user, tender):
        return list(db.session.scalars(query))
    if member is None or not member.cleared:
        return []
    if member.scores_submitted_at is None:
        query = query.where(Score.member_id == member.id)
    else:
        query = query.where(CommitteeMember.scores_submitted_at.is_not(None))
    return list(db.session.scalars(query))


@dataclass
class CriterionResult:
    points: dict[int, Decimal]  # member id -> points
    mean: Decimal | None
    consensus: Consensus | None
    flagged: bool

    @property
    def retained(self) -> Decimal | None:
        return self.consensus.points if self.consensus is not None else self.mean


def technical_table(tender: Tender) -> dict[int, dict[int, CriterionResult]]:
    """bid id -> criterion id -> the members' points, their mean, the consensus if any, and
    whether the spread exceeds the tender's limit. Only submitted scores count."""
    scores = db.session.scalars(
        sa.select(Score)
        .join(CommitteeMember)
        .where(
            CommitteeMember.tender_id == tender.id,
            CommitteeMember.scores_submitted_at.is_not(None),
        )
    ).all()
    consensus = {
        (c.bid_id, c.criterion_id): c
        for c in db.session.scalars(
            sa.select(Consensus).where(Consensus.bid_id.in_([b.id for b in admitted_bids(tender)]))
        )
    }
    by_cell: dict[tuple[int, int], dict[int, Decimal]] = defaultdict(dict)
    for score in scores:
        by_cell[(score.bid_id, score.criterion_id)][score.member_id] = score.points
    table: dict[int, dict[int, CriterionResult]] = {}
    for bid in admitted_bids(tender):
        row = table[bid.id] = {}
        for criterion in leaf_criteria(tender):
            points = by_cell.get((bid.id, criterion.id), {})
            mean = sum(points.values()) / len(points) if points else None
            spread = max(points.values()) - min(points.values()) if points else Decimal(0)
            row[criterion.id] = CriterionResult(
                points=points,
                mean=mean,
                consensus=consensus.get((bid.id, criterion.id)),
                flagged=spread > criterion.max_points * tender.spread_limit / HUNDRED,
            )
    return table


def technical_scores(tender: Tender) -> dict[int, Decimal]:
    """Each admitted bid's technical score: the sum of its retained points."""
    table = technical_table(tender)
    return {
        bid_id: sum((r.retained or Decimal(0) for r in row.values()), Decimal(0))
        for bid_id, row in table.items()
    }


def set_consensus(
    actor: User, bid: Bid, criterion: Criterion, *, points, reason: str, now=None
) -> None:
    tender = bid.lot.tender
    _president(actor, tender)
    if tender.stage is not TenderStage.TECHNICAL_EVALUATION:
        raise TransitionNotAllowed(_l("L'évaluation technique n'est pas en cours."))
    if not bid.admissible or criterion not in leaf_criteria(tender):
        raise InvalidInput(_l("Cette offre ou ce critère ne se note pas."), field="points")
    if any(
        m.role in SCORING_ROLES and not m.recused and m.scores_submitted_at is None
        for m in tender.members
    ):
        raise TransitionNotAllowed(
            _l("Le consensus se fixe une fois les notes de tous les membres remises.")
        )
    value = selection.parse_decimal(
        str(points if points is not None else "").replace(",", "."), "points"
    )
    if value is None or not 0 <= value <= criterion.max_points:
        raise InvalidInput(
            _l("Une note entre 0 et %(max)s.", max=_points(criterion.max_points)), field="points"
        )
    if value != value.quantize(Decimal("0.01")):
        raise InvalidInput(_l("Deux décimales au plus."), field="points")
    reason = inputs.text(reason, "reason")
    existing = db.session.scalar(
        sa.select(Consensus).where(
            Consensus.bid_id == bid.id, Consensus.criterion_id == criterion.id
        )
    )
    if existing is None:
        existing = Consensus(bid_id=bid.id, criterion_id=criterion.id)
        db.session.add(existing)
    existing.points = value
    existing.reason = reason
    existing.decided_by_id = actor.id
    existing.decided_at = now or utcnow()
    audit.record(
        actor,
        "tender.consensus",
        obj=tender,
        # The points themselves are in the minutes, not in a trail the administrator reads.
        details={"bid": bid.id, "criterion": criterion.id, "reason": reason},
    )
