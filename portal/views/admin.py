"""Administration: accounts, cities, organisations, and the audit trail."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from portal.authz import Permission, require
from portal.extensions import db
from portal.forms.admin import (
    AuditFilterForm,
    CityForm,
    OrganizationFilterForm,
    OrganizationForm,
    UserFilterForm,
    UserForm,
    grant_value,
)
from portal.models.audit import AuditEvent
from portal.models.organizations import City, Organization, OrganizationKind
from portal.models.users import Role, RoleAssignment, User
from portal.services import accounts, organizations
from portal.services.errors import DomainError
from portal.templating import render_page
from portal.views._common import acting_user, client_ip, form_version, page_number, save

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _cities():
    return db.session.scalars(sa.select(City).order_by(City.name)).all()


def _organizations():
    return db.session.scalars(sa.select(Organization).order_by(Organization.name)).all()


def _paginate(query):
    return db.paginate(
        query, page=page_number(), per_page=current_app.config["PAGE_SIZE"], error_out=False
    )


# --- Accounts -----------------------------------------------------------------------------


def _user_form(**kwargs) -> UserForm:
    form = UserForm(**kwargs)
    form.set_choices(_organizations(), _cities(), current_app.config["LANGUAGES"])
    return form


@bp.route("/users")
@require(Permission.USERS_MANAGE)
def users():
    filters = UserFilterForm(request.args)
    filters.set_choices(_organizations(), _cities())
    query = sa.select(User).options(
        selectinload(User.organization),
        selectinload(User.role_assignments).selectinload(RoleAssignment.city),
    )
    if filters.validate():
        if filters.q.data:
            text = filters.q.data.strip().lower()
            query = query.where(
                sa.or_(
                    User.email.contains(text, autoescape=True),
                    sa.func.lower(User.full_name).contains(text, autoescape=True),
                )
            )
        if filters.role.data or filters.city.data:
            assignment = sa.select(RoleAssignment.id).where(RoleAssignment.user_id == User.id)
            if filters.role.data:
                assignment = assignment.where(RoleAssignment.role == Role(filters.role.data))
            if filters.city.data:
                assignment = assignment.where(RoleAssignment.city_id == int(filters.city.data))
            query = query.where(assignment.exists())
        if filters.organization.data:
            query = query.where(User.organization_id == int(filters.organization.data))
        if filters.status.data:
            query = query.where(User.active.is_(filters.status.data == "active"))
    else:
        query = query.where(sa.false())
    pagination = _paginate(query.order_by(User.full_name, User.id))
    return render_page(
        "admin/users.html", "admin/_users_table.html", filters=filters, pagination=pagination
    )


@bp.route("/users/new", methods=["GET", "POST"])
@require(Permission.USERS_MANAGE)
def user_new():
    form = _user_form()
    status = 200
    if form.validate_on_submit():
        if not form.password.data:
            form.password.errors.append(_("Choisissez un mot de passe initial."))
            status = 422
        else:
            created = []
            status = save(
                form,
                lambda: created.append(
                    accounts.create_user(
                        acting_user(),
                        email=form.email.data,
                        full_name=form.full_name.data,
                        organization_id=form.organization_id.data,
                        password=form.password.data,
                        grants=form.grants(),
                        preferred_language=form.preferred_language.data,
                        ip=client_ip(),
                    )
                ),
            )
            if status is None:
                user = created[0]
                flash(_("Le compte de %(name)s a été créé.", name=user.full_name), "success")
                return redirect(url_for("admin.user_edit", user_id=user.id))
    elif form.is_submitted():
        status = 422
    return render_template("admin/user_form.html", form=form, user=None), status


@bp.route("/users/<id:user_id>", methods=["GET", "POST"])
@require(Permission.USERS_MANAGE)
def user_edit(user_id: int):
    user = db.get_or_404(User, user_id)
    if request.method == "GET":
        form = _user_form(obj=user)
        form.roles.data = [grant_value(g) for g in accounts.current_grants(user)]
        return render_template("admin/user_form.html", form=form, user=user)
    form = _user_form()
    status = 422
    if form.validate_on_submit():
        status = save(
            form,
            lambda: accounts.update_user(
                acting_user(),
                user,
                expected_version=form_version(form),
                email=form.email.data,
                full_name=form.full_name.data,
                organization_id=form.organization_id.data,
                preferred_language=form.preferred_language.data,
                grants=form.grants(),
                new_password=form.password.data or None,
                ip=client_ip(),
            ),
        )
        if status is None:
            flash(_("Le compte de %(name)s a été enregistré.", name=user.full_name), "success")
            return redirect(url_for("admin.user_edit", user_id=user.id))
    return render_template("admin/user_form.html", form=form, user=user), status


def _set_active(user_id: int, active: bool):
    user = db.get_or_404(User, user_id)
    try:
        accounts.set_active(acting_user(), user, active, ip=client_ip())
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        if active:
            flash(_("Le compte de %(name)s est réactivé.", name=user.full_name), "success")
        else:
            flash(
                _(
                    "Le compte de %(name)s est désactivé ; ses sessions ouvertes sont fermées.",
                    name=user.full_name,
                ),
                "success",
            )
    return redirect(url_for("admin.user_edit", user_id=user.id))


@bp.route("/users/<id:user_id>/deactivate", methods=["POST"])
@require(Permission.USERS_MANAGE)
def user_deactivate(user_id: int):
    return _set_active(user_id, False)


@bp.route("/users/<id:user_id>/activate", methods=["POST"])
@require(Permission.USERS_MANAGE)
def user_activate(user_id: int):
    return _set_active(user_id, True)


# --- Cities -------------------------------------------------------------------------------


@bp.route("/cities")
@require(Permission.ORGANIZATIONS_MANAGE)
def cities():
    counts = dict(
        db.session.execute(
            sa.select(Organization.city_id, sa.func.count()).group_by(Organization.city_id)
        ).all()
    )
    return render_template("admin/cities.html", cities=_cities(), counts=counts)


@bp.route("/cities/new", methods=["GET", "POST"])
@bp.route("/cities/<id:city_id>", methods=["GET", "POST"])
@require(Permission.ORGANIZATIONS_MANAGE)
def city_edit(city_id: int | None = None):
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
            return redirect(url_for("admin.cities"))
    return render_template("admin/city_form.html", form=form, city=city), status


# --- Organisations --------------------------------------------------------------------------


@bp.route("/organizations")
@require(Permission.ORGANIZATIONS_MANAGE)
def organizations_list():
    all_cities = _cities()
    filters = OrganizationFilterForm(request.args)
    filters.set_choices(all_cities)
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
    pagination = _paginate(query.order_by(Organization.name))
    page_ids = [o.id for o in pagination.items]
    users_count = dict(
        db.session.execute(
            sa.select(User.organization_id, sa.func.count())
            .where(User.organization_id.in_(page_ids))
            .group_by(User.organization_id)
        ).all()
    )
    return render_page(
        "admin/organizations.html",
        "admin/_organizations_table.html",
        filters=filters,
        pagination=pagination,
        users_count=users_count,
    )


@bp.route("/organizations/new", methods=["GET", "POST"])
@bp.route("/organizations/<id:organization_id>", methods=["GET", "POST"])
@require(Permission.ORGANIZATIONS_MANAGE)
def organization_edit(organization_id: int | None = None):
    organization = (
        db.get_or_404(Organization, organization_id) if organization_id is not None else None
    )
    form = OrganizationForm(obj=organization)
    form.set_choices(_cities())
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
            return redirect(url_for("admin.organizations_list"))
    return (
        render_template("admin/organization_form.html", form=form, organization=organization),
        status,
    )


# --- Audit trail ----------------------------------------------------------------------------


def _day_start_utc(day) -> datetime:
    # The audit filter's dates are days in the portal's display timezone.
    local = ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])
    try:
        return datetime.combine(day, time.min, tzinfo=local).astimezone(UTC)
    except OverflowError:  # year 1 or 9999: no event lies beyond
        return datetime.min.replace(tzinfo=UTC)


@bp.route("/audit")
@require(Permission.AUDIT_VIEW)
def audit():
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
    pagination = _paginate(query.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()))
    return render_page(
        "admin/audit.html", "admin/_audit_table.html", filters=filters, pagination=pagination
    )
