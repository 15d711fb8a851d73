"""Governance's task: a follow-up action a meeting gave to one's organisation, or to oneself
by name."""

import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l

from portal.authz import Permission
from portal.models.governance import ActionStatus, Body, FollowUpAction, Meeting
from portal.services.tasks.base import At, Kind, shape


def _open(at: At):
    return shape(
        sa.select(FollowUpAction)
        .join(Meeting, Meeting.id == FollowUpAction.meeting_id)
        .join(Body, Body.id == Meeting.body_id)
        .where(FollowUpAction.status == ActionStatus.OPEN),
        item_id=FollowUpAction.id,
        title=FollowUpAction.title,
        city_id=Body.city_id,
        state=FollowUpAction.status,
        link_id=FollowUpAction.meeting_id,
        due_on=FollowUpAction.due_on,
    )


def _owner(person):
    return sa.and_(
        person.holds(Permission.GOVERNANCE_FOLLOW_UP),
        _named_or_organisation(person),
    )


def _named_or_organisation(person):
    return sa.or_(
        FollowUpAction.owner_user_id == person.id,
        sa.and_(
            FollowUpAction.owner_user_id.is_(None),
            FollowUpAction.owner_organization_id == person.organization_id,
        ),
    )


KINDS = (
    Kind(
        name="follow_up_do",
        page="follow_up",
        label=_l("Actions de suivi des instances"),
        verb=_l("Réaliser et clore"),
        waiting=_l("En attente de son responsable"),
        permission=Permission.GOVERNANCE_FOLLOW_UP,
        source=_open,
        holder=_owner,
        url=lambda task, cities: url_for("governance.actions") + f"#action-{task.item_id}",
        # Listed once due within the horizon, like a milestone to deliver.
        window=lambda at, horizon: FollowUpAction.due_on <= horizon,
    ),
)
