"""Administration of the cities and of the organisations that take part in the programme."""

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from portal.authz import Permission, require
from portal.extensions import db
from portal.forms.organizations import CityForm, OrganizationFilterForm, OrganizationForm
from portal.models.organizations import City, Organization, OrganizationKind
from portal.models.users import User
from portal.services import organizations
from portal.services.organizations import all_cities
from portal.templating import render_page
from portal.views._common import acting_user, client_ip, form_version, paginate, save

bp = Blueprint("organizations", __name__, url_prefix="/admin")


@bp.route("/cities")
@require(Permission.ORGANIZATIONS_MANAGE)
def cities():
    counts = dict(
        db.session.execute(
            sa.select(Organization.city_id, sa.func.count()).group_by(Organization.city_id)
        ).all()
    )
    return render_template("organizations/cities.html", cities=all_cities(), counts=counts)


@bp.route("/cities/new", methods=["GET", "POST"])
@bp.route("/cities/<id:city_id>", methods=["GET", "POST"])
@require(Permission.ORGANIZATIONS_MANAGE)
def edit_city(city_id: int | None = None):
    city = db.get_or_404(City, city_id) if city_id is not None else None
    form = CityForm(obj=city)
    status = 422 if form.is_submitted() else 200
    if form.validate_on_submit():
        values = {"name": form.name.data, "slug": form.slug.data, "region": form.region.data}
        if city is None:
            created = []
            status = save(
                form,
                lambda: created.append(
                    organizations.create_city(acting_user(), **values, ip=client_ip())
                ),
            )
            saved = created[0] if created else None
        else:
            status = save(
                form,
                lambda: organizations.update_city(
                    acting_user(),
                    city,
                    expected_version=form_version(form),
                    **values,
                    ip=client_ip(),
                ),
            )
            saved = city
        if status is None:
            flash(_("La ville %(name)s a été enregistrée.", name=saved.name), "success")
            return redirect(url_for("organizations.cities"))
    return render_template("organizations/city_form.html", form=form, city=city), status


@bp.route("/organizations")
@require(Permission.ORGANIZATIONS_MANAGE)
def list():
    city_choices = all_cities()
    filters = OrganizationFilterForm(request.args)
    filters.set_choices(city_choices)
    query = sa.select(Organization).options(selectinload(Organization.city))
    if filters.validate():
        if filters.q.data:
            text = filters.q.data.strip().lower()
            query = query.where(
                sa.or_(
                    sa.func.lower(Organization.name).contains(text, autoescape=True),
                    sa.func.lower(Organization.short_name).contains(text, autoescape=True),
                )
            )
        if filters.kind.data:
            query = query.where(Organization.kind == OrganizationKind(filters.kind.data))
        if filters.city.data == "national":
            query = query.where(Organization.city_id.is_(None))
        elif filters.city.data:
            query = query.where(Organization.city_id == int(filters.city.data))
    else:
        query = query.where(sa.false())
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


@bp.route("/organizations/new", methods=["GET", "POST"])
@bp.route("/organizations/<id:organization_id>", methods=["GET", "POST"])
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
    status = 422 if form.is_submitted() else 200
    if form.validate_on_submit():
        values = {
            "name": form.name.data,
            "short_name": form.short_name.data,
            "kind": form.kind.data,
            "city_id": form.city(),
        }
        if organization is None:
            created = []
            status = save(
                form,
                lambda: created.append(
                    organizations.create_organization(acting_user(), **values, ip=client_ip())
                ),
            )
            saved = created[0] if created else None
        else:
            status = save(
                form,
                lambda: organizations.update_organization(
                    acting_user(),
                    organization,
                    expected_version=form_version(form),
                    **values,
                    ip=client_ip(),
                ),
            )
            saved = organization
        if status is None:
            flash(_("L'organisme %(name)s a été enregistré.", name=saved.name), "success")
            return redirect(url_for("organizations.list"))
    return (
        render_template("organizations/form.html", form=form, organization=organization),
        status,
    )
