"""Administration: accounts, their organisation and roles, and the audit trail."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from portal.authz import Permission, require
from portal.extensions import db
from portal.forms.admin import AuditFilterForm, UserFilterForm, UserForm, grant_value
from portal.models.audit import AuditEvent
from portal.models.organizations import City, Organization
from portal.models.users import Role, RoleAssignment, User
from portal.services import accounts
from portal.services.errors import DomainError, StaleObject
from portal.templating import render_page
from portal.views._common import acting_user, client_ip, page_number

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _reference_data():
    organizations = db.session.scalars(sa.select(Organization).order_by(Organization.name)).all()
    cities = db.session.scalars(sa.select(City).order_by(City.name)).all()
    return organizations, cities


def _user_form(**kwargs) -> UserForm:
    form = UserForm(**kwargs)
    organizations, cities = _reference_data()
    form.set_choices(organizations, cities, current_app.config["LANGUAGES"])
    return form


def _apply_error(form: UserForm, error: DomainError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


@bp.route("/users")
@require(Permission.USERS_MANAGE)
def users():
    organizations, cities = _reference_data()
    filters = UserFilterForm(request.args)
    filters.set_choices(organizations, cities)
    query = sa.select(User).options(
        selectinload(User.organization),
        selectinload(User.role_assignments).selectinload(RoleAssignment.city),
    )
    if filters.validate():
        if filters.q.data:
            pattern = f"%{filters.q.data.strip().lower()}%"
            query = query.where(
                sa.or_(User.email.like(pattern), sa.func.lower(User.full_name).like(pattern))
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
    pagination = db.paginate(
        query.order_by(User.full_name, User.id),
        page=page_number(),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    return render_page(
        "admin/users.html", "admin/_users_table.html", filters=filters, pagination=pagination
    )


@bp.route("/users/new", methods=["GET", "POST"])
@require(Permission.USERS_MANAGE)
def user_new():
    form = _user_form()
    if form.validate_on_submit():
        if not form.password.data:
            form.password.errors.append(_("Choisissez un mot de passe initial."))
        else:
            try:
                user = accounts.create_user(
                    acting_user(),
                    email=form.email.data,
                    full_name=form.full_name.data,
                    organization_id=form.organization_id.data,
                    password=form.password.data,
                    grants=form.grants(),
                    preferred_language=form.preferred_language.data,
                    ip=client_ip(),
                )
            except DomainError as error:
                db.session.rollback()
                _apply_error(form, error)
            else:
                db.session.commit()
                flash(_("Le compte de %(name)s a été créé.", name=user.full_name), "success")
                return redirect(url_for("admin.user_edit", user_id=user.id))
    status = 422 if form.is_submitted() else 200
    return render_template("admin/user_form.html", form=form, user=None), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@require(Permission.USERS_MANAGE)
def user_edit(user_id: int):
    user = db.get_or_404(User, user_id)
    if request.method == "GET":
        form = _user_form(obj=user)
        form.roles.data = [grant_value(g) for g in accounts.current_grants(user)]
        form.version.data = str(user.version)
        return render_template("admin/user_form.html", form=form, user=user)
    form = _user_form()
    if form.validate_on_submit():
        try:
            accounts.update_user(
                acting_user(),
                user,
                expected_version=int(form.version.data or 0),
                email=form.email.data,
                full_name=form.full_name.data,
                organization_id=form.organization_id.data,
                preferred_language=form.preferred_language.data,
                grants=form.grants(),
                new_password=form.password.data or None,
                ip=client_ip(),
            )
            db.session.commit()
        except (DomainError, StaleDataError) as error:
            db.session.rollback()
            if isinstance(error, StaleDataError):
                error = StaleObject(_("Ce compte a été modifié par quelqu'un d'autre entre-temps."))
            _apply_error(form, error)
            status = 409 if isinstance(error, StaleObject) else 422
            return render_template("admin/user_form.html", form=form, user=user), status
        flash(_("Le compte de %(name)s a été enregistré.", name=user.full_name), "success")
        return redirect(url_for("admin.user_edit", user_id=user.id))
    return render_template("admin/user_form.html", form=form, user=user), 422


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


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
@require(Permission.USERS_MANAGE)
def user_deactivate(user_id: int):
    return _set_active(user_id, False)


@bp.route("/users/<int:user_id>/activate", methods=["POST"])
@require(Permission.USERS_MANAGE)
def user_activate(user_id: int):
    return _set_active(user_id, True)


def _day_start_utc(day) -> datetime:
    # The audit filter's dates are days in the portal's display timezone.
    local = ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])
    return datetime.combine(day, time.min, tzinfo=local).astimezone(UTC)


@bp.route("/audit")
@require(Permission.AUDIT_VIEW)
def audit():
    filters = AuditFilterForm(request.args)
    query = sa.select(AuditEvent).options(selectinload(AuditEvent.actor))
    if filters.validate():
        if filters.action.data:
            query = query.where(AuditEvent.action.like(f"{filters.action.data.strip()}%"))
        if filters.actor.data:
            query = query.where(
                AuditEvent.actor_label.like(f"%{filters.actor.data.strip().lower()}%")
            )
        if filters.object_type.data:
            query = query.where(AuditEvent.object_type == filters.object_type.data.strip())
        if filters.date_from.data:
            query = query.where(AuditEvent.occurred_at >= _day_start_utc(filters.date_from.data))
        if filters.date_to.data:
            end = _day_start_utc(filters.date_to.data + timedelta(days=1))
            query = query.where(AuditEvent.occurred_at < end)
    else:
        query = query.where(sa.false())
    pagination = db.paginate(
        query.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()),
        page=page_number(),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    return render_page(
        "admin/audit.html", "admin/_audit_table.html", filters=filters, pagination=pagination
    )
