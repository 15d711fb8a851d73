"""Who may do what in a procedure: the secretariat, the committee and its chair, bidders."""

from flask_babel import lazy_gettext as _l

from portal import authz
from portal.authz import Permission
from portal.models.tenders import (
    SCORING_ROLES,
    CommitteeMember,
    CommitteeRole,
    Tender,
    TenderStage,
)
from portal.models.users import User
from portal.services.errors import (
    NotAllowed,
)
from portal.services.tenders.base import FINAL, reached


def may_manage(user: User, tender: Tender | None = None) -> bool:
    city_id = tender.city_id if tender is not None else authz.ANYWHERE
    return authz.can(user, Permission.TENDERS_MANAGE, city_id=city_id)


def membership(user: User, tender: Tender) -> CommitteeMember | None:
    return next((m for m in tender.members if m.user_id == user.id), None)


def may_see_bids(user: User, tender: Tender) -> bool:
    """Bids (never prices before the opening): the secretariat and the committee members who
    declared no conflict; everyone who follows tenders once the ranking is out."""
    if may_manage(user, tender):
        return True
    member = membership(user, tender)
    if member is not None:
        return member.cleared
    return reached(tender, TenderStage.RANKING) and authz.can(
        user, Permission.TENDERS_VIEW, city_id=tender.city_id
    )


def is_president(user: User, tender: Tender) -> bool:
    """The committee's chair, cleared of any conflict: only then may it act as chair."""
    member = membership(user, tender)
    return member is not None and member.role is CommitteeRole.PRESIDENT and member.cleared


def may_score(user: User, tender: Tender) -> bool:
    member = membership(user, tender)
    return member is not None and member.cleared and member.role in SCORING_ROLES


def may_bid(user: User, tender: Tender) -> bool:
    """What the page offers a bidder; submit_bid checks the organisation it bids for too."""
    return (
        tender.stage is TenderStage.PUBLISHED
        and user.organization_id is not None
        and authz.can(user, Permission.TENDERS_BID, organization_id=user.organization_id)
    )


def committee_open(tender: Tender) -> bool:
    """The committee can be completed until the technical scores are locked."""
    return not reached(tender, TenderStage.TECHNICAL_LOCKED) and tender.stage not in FINAL


def _require_manage(actor: User, tender: Tender | None = None) -> None:
    if not may_manage(actor, tender):
        raise NotAllowed(_l("Seul le secrétariat du programme conduit la procédure."))


def _president(actor: User, tender: Tender) -> CommitteeMember:
    if not is_president(actor, tender):
        raise NotAllowed(_l("Cette étape revient au président de la commission."))
    return membership(actor, tender)
