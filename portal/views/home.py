"""The home page each person lands on, and the health check."""

import sqlalchemy as sa
from flask import Blueprint, g, jsonify, render_template
from sqlalchemy.orm import joinedload, selectinload

from portal.authz import CITY_SCOPED_ROLES, Permission, authenticated, can, public
from portal.extensions import db
from portal.models.milestones import DELIVERY_STATUSES, Milestone
from portal.models.organizations import City, Organization
from portal.models.reminders import OutboxMessage
from portal.models.tenders import Bid, Lot, Tender
from portal.models.users import Role, RoleAssignment
from portal.services import mail, tasks
from portal.services.tasks.tenders import BIDDER_KINDS
from portal.views._common import acting_user, moment

bp = Blueprint("home", __name__)

# The most urgent tasks shown on the home page; the rest is one click away.
URGENT_SHOWN = 6
RECENT_SHOWN = 5
BIDS_SHOWN = 8


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
    user = acting_user()
    at = moment()
    city_ids = _home_city_ids(user)
    cities_query = sa.select(City).options(selectinload(City.organizations)).order_by(City.name)
    if city_ids is not None:
        cities_query = cities_query.where(City.id.in_(city_ids))
    cities = db.session.scalars(cities_query).all()
    every_city = {city.id: city for city in db.session.scalars(sa.select(City))}
    national = db.session.scalars(
        sa.select(Organization).where(Organization.city_id.is_(None)).order_by(Organization.name)
    ).all()
    assignments = db.session.scalars(
        sa.select(RoleAssignment)
        .where(RoleAssignment.user_id == user.id)
        .options(selectinload(RoleAssignment.city))
        .order_by(RoleAssignment.id)
    ).all()
    counts = tasks.summary(user, at)
    g.task_count = sum(n for _kind, n in counts)  # the navigation's count, already known
    urgent = tasks.most_urgent(user, at, URGENT_SHOWN, cities=every_city)
    recent = db.session.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.recipient_id == user.id, OutboxMessage.read_at.is_(None))
        .options(joinedload(OutboxMessage.actor))
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .limit(RECENT_SHOWN)
    ).all()
    return render_template(
        "home/index.html",
        counts=counts,
        held_any=bool(tasks.held_kinds(user)),
        urgent=urgent,
        recent=recent,
        recent_items=mail.describe_many(recent),
        delivery=_delivery(user, at.today),
        bids=_bids(user),
        cities=cities,
        every_city=every_city,
        national_organizations=national,
        assignments=assignments,
        whole_programme=city_ids is None,
        today=at.today,
    )


def _delivery(user, today):
    """What the person's organisation must deliver, for those who deliver milestones."""
    if not can(user, Permission.MILESTONES_EDIT, organization_id=user.organization_id):
        return None
    late = Milestone.is_late(today)
    total, late_count = db.session.execute(
        sa.select(
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(sa.case((late, 1), else_=0)), 0),
        ).where(
            Milestone.responsible_organization_id == user.organization_id,
            Milestone.status.in_(DELIVERY_STATUSES),
        )
    ).one()
    return {"total": total, "late": late_count}


def _bids(user):
    """A bidder's latest offers with their receipt (when each was received, late or not)
    and where each tender stands."""
    if not can(user, Permission.TENDERS_BID) or user.organization.kind not in BIDDER_KINDS:
        return None
    return db.session.execute(
        sa.select(Bid, Lot, Tender)
        .join(Lot, Bid.lot_id == Lot.id)
        .join(Tender, Lot.tender_id == Tender.id)
        .where(Bid.bidder_id == user.organization_id)
        .order_by(Bid.received_at.desc(), Bid.id.desc())
        .limit(BIDS_SHOWN)
    ).all()


@bp.route("/healthz")
@public
def health():
    db.session.execute(sa.text("SELECT 1"))
    return jsonify(status="ok")
