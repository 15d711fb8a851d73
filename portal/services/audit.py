"""The audit trail: services call `record` in the same transaction as the change; the
administrators' search reads it through `filtered_query`."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal import clock
from portal.extensions import db
from portal.models.audit import AuditEvent
from portal.models.types import utcnow
from portal.models.users import User


def record(
    actor: User | None,
    action: str,
    *,
    obj: Any = None,
    details: dict[str, Any] | None = None,
    actor_label: str | None = None,
    ip: str | None = None,
    now: datetime | None = None,
) -> AuditEvent:
    if obj is not None and obj.id is None:
        db.session.flush()  # a new object gets its id before the event names it
    event = AuditEvent(
        occurred_at=now or utcnow(),
        actor=actor,
        actor_label=actor_label if actor_label is not None else (actor.email if actor else ""),
        action=action,
        object_type=obj.__tablename__ if obj is not None else None,
        object_id=obj.id if obj is not None else None,
        details=details or {},
        ip_address=ip,
    )
    db.session.add(event)
    return event


@dataclass(frozen=True)
class Criteria:
    """What the trail is searched by (parsed from the query string); `valid` is False when
    the search form was not, and then nothing matches."""

    action: str = ""
    actor: str = ""
    object_type: str = ""
    date_from: date | None = None
    date_to: date | None = None
    valid: bool = True


def filtered_query(criteria: Criteria):
    """The events matching `criteria`, newest first; days are Morocco's."""
    query = sa.select(AuditEvent).options(selectinload(AuditEvent.actor))
    if not criteria.valid:
        return query.where(sa.false())
    if criteria.action:
        query = query.where(AuditEvent.action.startswith(criteria.action, autoescape=True))
    if criteria.actor:
        query = query.where(
            AuditEvent.actor_label.contains(criteria.actor.lower(), autoescape=True)
        )
    if criteria.object_type:
        query = query.where(AuditEvent.object_type == criteria.object_type)
    if criteria.date_from:
        query = query.where(AuditEvent.occurred_at >= clock.start_of_day(criteria.date_from))
    if criteria.date_to and criteria.date_to < date.max:
        end = clock.start_of_day(criteria.date_to + timedelta(days=1))
        query = query.where(AuditEvent.occurred_at < end)
    return query.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
