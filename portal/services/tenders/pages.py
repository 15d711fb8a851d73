"""What the tender pages read: the list's filters, the grid as text, the moves and
actions offered to a person (from the checks the actions make)."""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from portal import authz
from portal.authz import Permission
from portal.models.tenders import (
    CommitteeRole,
    CriterionKind,
    Tender,
    TenderStage,
)
from portal.models.users import User
from portal.services import selection
from portal.services.tenders.access import (
    committee_open,
    is_president,
    may_bid,
    may_manage,
    may_score,
    membership,
)
from portal.services.tenders.base import FINAL, NEXT, reached


@dataclass(frozen=True)
class Criteria:
    """What the tender list is filtered by; `valid` is False when the filters were not."""

    stage: TenderStage | None = None
    city_id: int | None = None
    valid: bool = True


def filtered_query(criteria: Criteria, user: User):
    """The tenders `user` may list that match `criteria`, newest first."""
    query = sa.select(Tender).options(joinedload(Tender.city))
    if not may_manage(user):
        query = query.where(Tender.stage != TenderStage.DRAFT)  # a draft is the secretariat's own
    if not criteria.valid:
        return query.where(sa.false())
    if criteria.stage is not None:
        query = query.where(Tender.stage == criteria.stage)
    if criteria.city_id is not None:
        query = query.where(Tender.city_id == criteria.city_id)
    return query.order_by(Tender.created_at.desc(), Tender.id.desc())


parse_criteria = selection.parse_grid


def criteria_text(tender: Tender) -> str:
    return selection.grid_text(
        (c.label, c.kind is CriterionKind.ELIMINATORY, c.max_points, 1 if c.parent_id else 0)
        for c in tender.criteria
    )


def allowed_moves(user: User, tender: Tender) -> list[TenderStage]:
    """The moves to offer `user` as buttons (the rules check again when one is pressed)."""
    if tender.stage in FINAL:
        return []
    moves = []
    following = NEXT.get(tender.stage)
    member = membership(user, tender)
    president = member is not None and member.role is CommitteeRole.PRESIDENT and member.cleared
    if following in (
        TenderStage.PUBLISHED,
        TenderStage.SUBMISSIONS_CLOSED,
        TenderStage.ADMINISTRATIVE_CHECK,
        TenderStage.TECHNICAL_EVALUATION,
    ):
        if may_manage(user, tender):
            moves.append(following)
    elif following is TenderStage.AWARDED:
        if authz.can(user, Permission.TENDERS_DECIDE, city_id=tender.city_id):
            moves.append(following)
    elif following is not None and president:
        moves.append(following)
    if reached(tender, TenderStage.SUBMISSIONS_CLOSED) and authz.can(
        user, Permission.TENDERS_DECIDE, city_id=tender.city_id
    ):
        moves.append(TenderStage.UNSUCCESSFUL)
    if may_manage(user, tender) or authz.can(user, Permission.TENDERS_DECIDE):
        moves.append(TenderStage.CANCELLED)
    return moves


@dataclass(frozen=True)
class TenderActions:
    """What a person may do on the tender's page: the same checks the actions make."""

    edit_draft: bool
    edit_committee: bool
    label_criteria: bool
    bid: bool
    check_bids: bool
    declare: bool
    score: bool
    consensus: bool
    justify: bool
    moves: list


def allowed_actions(user: User, tender: Tender) -> TenderActions:
    manage = may_manage(user, tender)
    member = membership(user, tender)
    chair = is_president(user, tender)
    return TenderActions(
        edit_draft=manage and tender.stage is TenderStage.DRAFT,
        edit_committee=manage and committee_open(tender),
        label_criteria=manage and bool(tender.criteria),
        bid=may_bid(user, tender),
        check_bids=manage and tender.stage is TenderStage.ADMINISTRATIVE_CHECK,
        declare=member is not None and member.declaration is None and tender.stage not in FINAL,
        score=may_score(user, tender) and tender.stage is TenderStage.TECHNICAL_EVALUATION,
        consensus=chair and tender.stage is TenderStage.TECHNICAL_EVALUATION,
        justify=chair and tender.stage is TenderStage.FINANCIAL_EVALUATION,
        moves=allowed_moves(user, tender),
    )
