"""The administrator's task: mail that does not leave the outbox."""

from datetime import timedelta

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy.orm import aliased

from portal.authz import Permission
from portal.models.reminders import OutboxMessage, OutboxStatus
from portal.models.users import User
from portal.services.tasks.base import At, Kind, shape

# Longer than a sender's pass and its first retries: beyond it, something is wrong.
STUCK_AFTER = timedelta(hours=1)


def stuck_condition(now):
    """A message refused for good to an active account, or one that should have left an hour
    ago and has not (no mail server, a sender that does not run, retries that keep failing)."""
    recipient = aliased(User)
    active = sa.exists().where(recipient.id == OutboxMessage.recipient_id, recipient.active)
    return sa.or_(
        sa.and_(OutboxMessage.status == OutboxStatus.FAILED, active),
        sa.and_(
            OutboxMessage.status == OutboxStatus.PENDING,
            sa.func.coalesce(OutboxMessage.next_attempt_at, OutboxMessage.created_at)
            < now - STUCK_AFTER,
        ),
    )


# Counted up to this many: the line is on every page's count, whatever the outbox's size.
COUNTED = 1000


def _stuck(at: At):
    # One line for the whole outbox: its title is the number of messages (the oldest first,
    # so that "since" is the oldest one's date).
    oldest = (
        sa.select(OutboxMessage.created_at)
        .where(stuck_condition(at.now))
        .order_by(OutboxMessage.id)
        .limit(COUNTED)
        .subquery()
    )
    return shape(
        sa.select(oldest).having(sa.func.count() > 0),
        item_id=sa.cast(sa.null(), sa.Integer),
        title=sa.cast(sa.func.count(), sa.String),
        city_id=None,
        state=sa.literal("stuck"),
        since_at=sa.func.min(oldest.c.created_at),
    )


KINDS = (
    Kind(
        name="outbox_stuck",
        page="outbox",
        label=_l("Messages bloqués dans la boîte d'envoi"),
        verb=_l("Vérifier la boîte d'envoi"),
        waiting=_l("Messages non partis"),
        permission=Permission.AUDIT_VIEW,
        source=_stuck,
        holder=lambda person: person.holds(Permission.AUDIT_VIEW),
        url=lambda task, cities: url_for("notifications.outbox", stuck="y"),
        describe=lambda task: (
            _("Plus de %(num)d messages ne sont pas partis", num=COUNTED - 1)
            if int(task.title) >= COUNTED
            else ngettext(
                "%(num)d message n'est pas parti",
                "%(num)d messages ne sont pas partis",
                int(task.title),
            )
        ),
    ),
)
