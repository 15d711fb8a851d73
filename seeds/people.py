"""Who acts in the demo: its people by role, and moments in its past."""

from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from portal.extensions import db
from portal.models.types import utcnow
from portal.models.users import Role, RoleAssignment, User


def people_by_role() -> dict:
    people = {}
    for assignment in db.session.scalars(
        sa.select(RoleAssignment).join(RoleAssignment.user).where(User.active.is_(True))
    ):
        people.setdefault(assignment.role, assignment.user)
        if assignment.role is Role.LOCAL_DECISION_MAKER:
            people[(Role.LOCAL_DECISION_MAKER, assignment.city_id)] = assignment.user
        if assignment.role is Role.CONTRIBUTOR:
            people[(Role.CONTRIBUTOR, assignment.user.organization_id)] = assignment.user
    return people


def moment(today: date, days: int) -> datetime:
    # Never later than now: what the demo tells has happened already.
    return min(datetime.combine(today + timedelta(days=days), time(9, 30), tzinfo=UTC), utcnow())
