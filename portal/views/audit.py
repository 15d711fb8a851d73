"""The audit trail, as administrators search it."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Blueprint, current_app, request
from sqlalchemy.orm import selectinload

from portal.authz import Permission, require
from portal.forms.audit import AuditFilterForm
from portal.models.audit import AuditEvent
from portal.services import finance
from portal.templating import render_page
from portal.views._common import acting_user, paginate

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")


def _day_start_utc(day) -> datetime:
    # The audit filter's dates are days in the portal's display timezone.
    local = ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])
    try:
        return datetime.combine(day, time.min, tzinfo=local).astimezone(UTC)
    except OverflowError:  # year 1 or 9999: no event lies beyond
        return datetime.min.replace(tzinfo=UTC)


@bp.route("")
@require(Permission.AUDIT_VIEW)
def list():
    filters = AuditFilterForm(request.args)
    query = sa.select(AuditEvent).options(selectinload(AuditEvent.actor))
    if filters.validate():
        if filters.action.data:
            query = query.where(
                AuditEvent.action.startswith(filters.action.data.strip(), autoescape=True)
            )
        if filters.actor.data:
            query = query.where(
                AuditEvent.actor_label.contains(filters.actor.data.strip().lower(), autoescape=True)
            )
        if filters.object_type.data:
            query = query.where(AuditEvent.object_type == filters.object_type.data.strip())
        if filters.date_from.data:
            query = query.where(AuditEvent.occurred_at >= _day_start_utc(filters.date_from.data))
        if filters.date_to.data and filters.date_to.data < date.max:
            end = _day_start_utc(filters.date_to.data + timedelta(days=1))
            query = query.where(AuditEvent.occurred_at < end)
    else:
        query = query.where(sa.false())
    pagination = paginate(query.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()))
    return render_page(
        "audit/list.html",
        "audit/_table.html",
        filters=filters,
        pagination=pagination,
        private_prefixes=private_prefixes(acting_user()),
    )


def private_prefixes(user) -> tuple[str, ...]:
    """Event kinds whose details (amounts, references) this reader may not see: the audit
    trail shows that money moved, not how much, to those outside the ledger's audience."""
    if finance.reads_every_ledger(user):
        return ()
    return ("finance.",)
