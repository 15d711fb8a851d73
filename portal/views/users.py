"""Administration of accounts: who they are, their organisation and roles, and their state."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal.authz import Permission, require
from portal.extensions import db
from portal.forms.users import UserFilterForm, UserForm, grant_value
from portal.models.users import User
from portal.services import accounts
from portal.services.errors import DomainError
from portal.services.organizations import all_cities, all_organizations
from portal.templating import render_page
from portal.views._common import acting_user, client_ip, form_version, paginate, save

bp = Blueprint("users", __name__, url_prefix="/admin/users")


def _user_form(**kwargs) -> UserForm:
    form = UserForm(**kwargs)
    form.set_choices(all_organizations(), all_cities(), current_app.config["LANGUAGES"])
    return form


@bp.route("", endpoint="list")
@require(Permission.USERS_MANAGE)
def users_list():
    filters = UserFilterForm(request.args)
    filters.set_choices(all_organizations(), all_cities())
    pagination = paginate(accounts.users_query(filters.criteria()))
    return render_page(
        "users/list.html", "users/_table.html", filters=filters, pagination=pagination
    )


@bp.route("/new", methods=["GET", "POST"])
@require(Permission.USERS_MANAGE)
def create():
    form = _user_form()
    status = 200
    if form.validate_on_submit():
        if not form.password.data:
            form.password.errors.append(_("Choisissez un mot de passe initial."))
            status = 422
        else:
            saved = save(
                form,
                lambda: accounts.create_user(
                    acting_user(),
                    email=form.email.data,
                    full_name=form.full_name.data,
                    organization_id=form.organization_id.data,
                    password=form.password.data,
                    grants=form.grants(),
                    preferred_language=form.preferred_language.data,
                    ip=client_ip(),
                ),
            )
            status = saved.status
            if status is None:
                user = saved.value
                flash(_("Le compte de %(name)s a été créé.", name=user.full_name), "success")
                return redirect(url_for("users.edit", user_id=user.id))
    elif form.is_submitted():
        status = 422
    return render_template("users/form.html", form=form, user=None), status


@bp.route("/<id:user_id>", methods=["GET", "POST"])
@require(Permission.USERS_MANAGE)
def edit(user_id: int):
    user = db.get_or_404(User, user_id)
    if request.method == "GET":
        form = _user_form(obj=user)
        form.roles.data = [grant_value(g) for g in accounts.current_grants(user)]
        return render_template("users/form.html", form=form, user=user)
    form = _user_form()
    status = 422
    if form.validate_on_submit():
        saved = save(
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
        status = saved.status
        if status is None:
            flash(_("Le compte de %(name)s a été enregistré.", name=user.full_name), "success")
            return redirect(url_for("users.edit", user_id=user.id))
    return render_template("users/form.html", form=form, user=user), status


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
    return redirect(url_for("users.edit", user_id=user.id))


@bp.route("/<id:user_id>/deactivate", methods=["POST"])
@require(Permission.USERS_MANAGE)
def deactivate(user_id: int):
    return _set_active(user_id, False)


@bp.route("/<id:user_id>/activate", methods=["POST"])
@require(Permission.USERS_MANAGE)
def activate(user_id: int):
    return _set_active(user_id, True)
