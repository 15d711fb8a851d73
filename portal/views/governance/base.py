"""The governance blueprint and what its pages share: a body, and a meeting its reader may
see, with what its page shows loaded at once."""

from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Blueprint, abort, current_app
from sqlalchemy.orm import joinedload, selectinload

from portal.extensions import db
from portal.models.governance import (
    Body,
    BodyMember,
    Meeting,
)
from portal.models.users import User
from portal.services import governance as service
from portal.views._common import acting_user

bp = Blueprint("governance", __name__, url_prefix="/governance")


def _body_or_404(body_id: int) -> Body:
    found = db.session.scalar(
        sa.select(Body)
        .where(Body.id == body_id)
        .options(joinedload(Body.city), selectinload(Body.members).joinedload(BodyMember.user))
    )
    if found is None:
        abort(404)
    return found


def _meeting_or_404(meeting_id: int) -> Meeting:
    found = db.session.scalar(
        sa.select(Meeting)
        .where(Meeting.id == meeting_id)
        .options(
            joinedload(Meeting.body)
            .selectinload(Body.members)
            .joinedload(BodyMember.user)
            .joinedload(User.organization),
            selectinload(Meeting.items),
        )
    )
    if found is None or not service.may_read(acting_user(), found):
        abort(404)  # a meeting is its body's business until published
    return found


def _local(moment_: datetime) -> datetime:
    return moment_.astimezone(ZoneInfo(current_app.config["DISPLAY_TIMEZONE"]))
