"""The home page each person lands on, and the health check."""

import sqlalchemy as sa
from flask import Blueprint, jsonify, render_template
from flask_login import current_user
from sqlalchemy.orm import selectinload

from portal import clock
from portal.authz import CITY_SCOPED_ROLES, Permission, authenticated, can, public
from portal.extensions import db
from portal.models.milestones import DELIVERY_STATUSES, Milestone
from portal.models.organizations import City, Organization
from portal.models.users import Role, RoleAssignment
from portal.services import milestones as milestone_rules

bp = Blueprint("home", __name__)


def _home_city_ids(user) -> set[int] | None:
    """The cities a person's home page is about; None means the whole programme."""
    ids: set[int] = set()
    for assignment in user.role_assignments:
        if assignment.role in CITY_SCOPED_ROLES and assignment.city_id is not None:
            ids.add(assignment.city_id)
        elif assignment.role is Role.CONTRIBUTOR and user.organization.city_id is not None:
            ids.add(user.organization.city_id)
        else:
            return None
    return ids


@bp.route("/")
@authenticated
def index():
    user = current_user
    city_ids = _home_city_ids(user)
    cities_query = sa.select(City).options(selectinload(City.organizations)).order_by(City.name)
    if city_ids is not None:
        cities_query = cities_query.where(City.id.in_(city_ids))
    cities = db.session.scalars(cities_query).all()
    national = db.session.scalars(
        sa.select(Organization).where(Organization.city_id.is_(None)).order_by(Organization.name)
    ).all()
    assignments = db.session.scalars(
        sa.select(RoleAssignment)
        .where(RoleAssignment.user_id == user.id)
        .options(selectinload(RoleAssignment.city))
        .order_by(RoleAssignment.id)
    ).all()
    awaiting = None
    if any(
        can(user, p)
        for p in (Permission.MILESTONES_APPROVE_LOCAL, Permission.MILESTONES_APPROVE_CENTRAL)
    ):
        awaiting = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Milestone)
            .where(milestone_rules.awaiting_decision_filter(user))
        )
    delivery = None
    if can(user, Permission.MILESTONES_EDIT, organization_id=user.organization_id):
        late = milestone_rules.late_condition(clock.today())
        mine = Milestone.responsible_organization_id == user.organization_id
        to_deliver, late_count = db.session.execute(
            sa.select(
                sa.func.count(),
                sa.func.coalesce(sa.func.sum(sa.case((late, 1), else_=0)), 0),
            ).where(mine, Milestone.status.in_(DELIVERY_STATUSES))
        ).one()
        delivery = {"total": to_deliver, "late": late_count}
    return render_template(
        "home/index.html",
        awaiting=awaiting,
        delivery=delivery,
        cities=cities,
        national_organizations=national,
        assignments=assignments,
        whole_programme=city_ids is None,
    )


@bp.route("/healthz")
@public
def health():
    db.session.execute(sa.text("SELECT 1"))
    return jsonify(status="ok")
