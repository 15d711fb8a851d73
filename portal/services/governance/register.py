"""The decisions register: every decision of every body a person may read, filtered and
exported; and, for an object's page, the meetings whose agenda concerned it."""

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from portal import clock
from portal.extensions import db
from portal.models.governance import (
    AgendaItem,
    Body,
    BodyMember,
    FollowUpAction,
    Meeting,
    MeetingStatus,
    Outcome,
)
from portal.models.users import User
from portal.services import tasks
from portal.services.governance.bodies import may_manage


def readable(user: User):
    """The meetings this person reads: their bodies', the published ones, or all of them for
    the secretariat."""
    if may_manage(user):
        return sa.true()
    mine = sa.select(BodyMember.body_id).where(BodyMember.user_id == user.id)
    return sa.or_(Meeting.published.is_(True), Meeting.body_id.in_(mine))


def actions_readable(user: User):
    """The follow-up actions this person reads: those of the meetings they read, and those
    given to them or to their organisation."""
    meetings = sa.select(Meeting.id).where(readable(user))
    return sa.or_(
        FollowUpAction.meeting_id.in_(meetings),
        FollowUpAction.owner_organization_id == user.organization_id,
        FollowUpAction.owner_user_id == user.id,
    )


@dataclass
class Filters:
    body_id: int | None = None
    city_id: int | None = None
    start: date | None = None
    end: date | None = None
    source: str = ""  # the kind of object ("milestone_approve_local"...), or "free"
    q: str = ""  # words in the item's title or the decision's text
    follow_up: str = ""  # one of FOLLOW_UP


# What became of a decision: carried out on its object, about an object but only recorded,
# or about no object (a free item).
FOLLOW_UP = ("carried_out", "recorded", "free")


def follow_up_of(item: AgendaItem) -> str:
    if item.carried_out:
        return "carried_out"
    return "recorded" if item.source else "free"


def decisions(user: User, filters: Filters):
    """The decisions this person reads, newest meeting first (a query to page or export)."""
    query = (
        sa.select(AgendaItem)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .join(Body, Body.id == Meeting.body_id)
        .options(contains_eager(AgendaItem.meeting).contains_eager(Meeting.body))
        .where(AgendaItem.outcome == Outcome.DECISION, readable(user))
        .order_by(Meeting.starts_at.desc(), AgendaItem.position)
    )
    if filters.body_id:
        query = query.where(Meeting.body_id == filters.body_id)
    if filters.city_id:
        query = query.where(Body.city_id == filters.city_id)
    if filters.start:
        query = query.where(Meeting.starts_at >= clock.start_of_day(filters.start))
    if filters.end:
        query = query.where(Meeting.starts_at < clock.start_of_day(filters.end + timedelta(days=1)))
    if filters.source == "free":
        query = query.where(AgendaItem.source == "")
    elif filters.source:
        query = query.where(AgendaItem.source == filters.source)
    if filters.q:
        pattern = f"%{filters.q.strip()}%"
        query = query.where(
            sa.or_(AgendaItem.title.ilike(pattern), AgendaItem.outcome_text.ilike(pattern))
        )
    if filters.follow_up == "carried_out":
        query = query.where(AgendaItem.carried_out != "")
    elif filters.follow_up == "recorded":
        query = query.where(AgendaItem.carried_out == "", AgendaItem.source != "")
    elif filters.follow_up == "free":
        query = query.where(AgendaItem.source == "")
    return query


def concerning(user: User, page: str, object_id: int) -> list[AgendaItem]:
    """The agenda items about one object (a milestone...), in the meetings this person reads:
    an item is about the object its task kind links to (a due-date change, the milestone)."""
    kinds = [kind.name for kind in tasks.KINDS if kind.page == page]
    return list(
        db.session.scalars(
            sa.select(AgendaItem)
            .join(Meeting, Meeting.id == AgendaItem.meeting_id)
            .join(Body, Body.id == Meeting.body_id)
            .options(contains_eager(AgendaItem.meeting).contains_eager(Meeting.body))
            .where(
                AgendaItem.source.in_(kinds),
                AgendaItem.link_id == object_id,
                Meeting.status != MeetingStatus.CANCELLED,
                readable(user),
            )
            .order_by(Meeting.starts_at.desc(), AgendaItem.position)
            .limit(50)
        )
        .unique()
        .all()
    )
