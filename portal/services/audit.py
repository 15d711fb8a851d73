"""Writing the audit trail; services call `record` in the same transaction as the change."""

from datetime import datetime
from typing import Any

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
