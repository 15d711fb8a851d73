"""The organisations: the directory everyone reads, and their administration."""

import sqlalchemy as sa
from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload

from portal import clock
from portal.authz import Permission, require
from portal.extensions import db
from portal.forms.organizations import CityForm, OrganizationFilterForm, OrganizationForm
from portal.models.commitments import Commitment
from portal.models.milestones import DELIVERY_STATUSES, Milestone
from portal.models.organizations import City, Organization
from portal.models.plans import Action, Plan
from portal.models.raci import RaciAssignment
from portal.models.users import RoleAssignment, User
from portal.services import commitments as commitment_rules
from portal.services import organizations
from portal.services import raci as raci_rules
from portal.services.organizations import all_cities
from portal.templating import render_page
from portal.views._common import acting_user, client_ip, form_page, form_version, paginate

bp = Blueprint("organizations", __name__)


@bp.route("/admin/cities")
@require(Permission.ORGANIZATIONS_MANAGE)
def cities():
    counts = dict(
        db.session.execute(
            sa.select(Organization.city_id, sa.func.count()).group_by(Organization.city_id)
        ).all()
    )
    return render_template("organizations/cities.html", cities=all_cities(), counts=counts)


@bp.route("/admin/cities/new", methods=["GET", "POST"])
@bp.route("/admin/cities/<id:city_id>", methods=["GET", "POST"])
@require(Permission.ORGANIZATIONS_MANAGE)
def edit_city(city_id: int | None = None):
    city = db.get_or_404(City, city_id) if city_id is not None else None
    form = CityForm(obj=city)

    def run():
        values = {"name": form.name.data, "slug": form.slug.data, "region": form.region.data}
        values["names"] = form.names()
        if city is None:
            return organizations.create_city(acting_user(), **values, ip=client_ip())
        organizations.update_city(
            acting_user(), city, expected_version=form_version(form), **values, ip=client_ip()
        )
        return city

    return form_page(
        form,
        "organizations/city_form.html",
        run,
        done=lambda saved: _("La ville %(name)s a été enregistrée.", name=saved.name),
        to=url_for("organizations.cities"),
        city=city,
    )


def _filtered(filters: OrganizationFilterForm):
    return organizations.filtered_query(filters.criteria())


@bp.route("/admin/organizations", endpoint="list")
@require(Permission.ORGANIZATIONS_MANAGE)
def organizations_list():
    city_choices = all_cities()
    filters = OrganizationFilterForm(request.args)
    filters.set_choices(city_choices)
    query = _filtered(filters)
    pagination = paginate(query.order_by(Organization.name))
    page_ids = [o.id for o in pagination.items]
    users_count = dict(
        db.session.execute(
            sa.select(User.organization_id, sa.func.count())
            .where(User.organization_id.in_(page_ids))
            .group_by(User.organization_id)
        ).all()
    )
    return render_page(
        "organizations/list.html",
        "organizations/_table.html",
        filters=filters,
        pagination=pagination,
        users_count=users_count,
    )


@bp.route("/admin/organizations/new", methods=["GET", "POST"])
@bp.route("/admin/organizations/<id:organization_id>", methods=["GET", "POST"])
@require(Permission.ORGANIZATIONS_MANAGE)
def edit(organization_id: int | None = None):
    organization = (
        db.get_or_404(Organization, organization_id) if organization_id is not None else None
    )
    form = OrganizationForm(obj=organization)
    form.set_choices(all_cities())
    if organization is not None and not form.is_submitted():
        form.kind.data = organization.kind.value
        form.city_id.data = organization.city_id or 0

    def run():
        values = {
            "name": form.name.data,
            "short_name": form.short_name.data,
            "kind": form.kind.data,
            "city_id": form.city(),
            "names": form.names(),
        }
        if organization is None:
            return organizations.create_organization(acting_user(), **values, ip=client_ip())
        organizations.update_organization(
            acting_user(),
            organization,
            expected_version=form_version(form),
            **values,
            ip=client_ip(),
        )
        return organization

    return form_page(
        form,
        "organizations/form.html",
        run,
        done=lambda saved: _("L'organisme %(name)s a été enregistré.", name=saved.name),
        to=url_for("organizations.list"),
        organization=organization,
    )


# --- Directory --------------------------------------------------------------------------------

MILESTONES_SHOWN = 20


@bp.route("/organizations")
@require(Permission.PLANS_VIEW)
def directory():
    city_choices = all_cities()
    filters = OrganizationFilterForm(request.args)
    filters.set_choices(city_choices)
    query = _filtered(filters)
    pagination = paginate(
        query.order_by(Organization.city_id.is_(None), Organization.city_id, Organization.name)
    )
    return render_page(
        "organizations/directory.html",
        "organizations/_directory_table.html",
        filters=filters,
        pagination=pagination,
    )


@bp.route("/organizations/<id:organization_id>/profile")
@require(Permission.PLANS_VIEW)
def profile(organization_id: int):
    organization = db.get_or_404(Organization, organization_id)
    # A large organisation's accounts come a page at a time.
    contacts = paginate(
        sa.select(User)
        .where(User.organization_id == organization.id, User.active.is_(True))
        .options(selectinload(User.role_assignments).selectinload(RoleAssignment.city))
        .order_by(User.full_name, User.id)
    )
    letters = db.session.execute(
        sa.select(RaciAssignment.role, Action, City)
        .join(Action, RaciAssignment.action_id == Action.id)
        .join(Plan, Action.plan_id == Plan.id)
        .join(City, Plan.city_id == City.id)
        .where(RaciAssignment.organization_id == organization.id)
        .order_by(City.name, Action.code)
    ).all()
    today = clock.today()
    to_deliver = sa.and_(
        Milestone.responsible_organization_id == organization.id,
        Milestone.status.in_(DELIVERY_STATUSES),
    )
    open_count, late_count = db.session.execute(
        sa.select(
            sa.func.count(Milestone.id),
            sa.func.coalesce(sa.func.sum(sa.case((Milestone.is_late(today), 1), else_=0)), 0),
        ).where(to_deliver)
    ).one()
    milestones = db.session.scalars(
        sa.select(Milestone)
        .where(to_deliver)
        .options(joinedload(Milestone.city))
        .order_by(Milestone.due_date, Milestone.id)
        .limit(MILESTONES_SHOWN)
    ).all()
    commitments = db.session.scalars(
        sa.select(Commitment)
        .where(Commitment.organization_id == organization.id)
        .options(joinedload(Commitment.city))
        .order_by(Commitment.due_date, Commitment.id)
    ).all()
    scorecard = commitment_rules.scorecard(commitments, today)
    return render_template(
        "organizations/profile.html",
        commitments=commitments,
        scorecard=scorecard,
        organization=organization,
        contacts=contacts,
        letters=letters,
        milestones=milestones,
        open_count=open_count,
        late_count=late_count,
        today=today,
        role_labels=raci_rules.ROLE_LABELS,
    )
