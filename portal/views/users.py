"""Administration of accounts: who they are, their organisation and roles, and their state."""

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal.authz import Permission, require
from portal.extensions import db
from portal.forms.users import UserFilterForm, UserForm, grant_value
from portal.models.users import User
from portal.services import accounts
from portal.services.organizations import all_cities, all_organizations
from portal.templating import render_page
from portal.views._common import act, acting_user, client_ip, form_page, form_version, paginate

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
    if form.validate_on_submit() and not form.password.data:
        form.password.errors.append(_("Choisissez un mot de passe initial."))
        return render_template("users/form.html", form=form, user=None), 422
    return form_page(
        form,
        "users/form.html",
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
        done=lambda created: _("Le compte de %(name)s a été créé.", name=created.full_name),
        to=lambda created: url_for("users.edit", user_id=created.id),
        user=None,
    )


@bp.route("/<id:user_id>", methods=["GET", "POST"])
@require(Permission.USERS_MANAGE)
def edit(user_id: int):
    user = db.get_or_404(User, user_id)
    if request.method == "GET":
        form = _user_form(obj=user)
        form.roles.data = [grant_value(g) for g in accounts.current_grants(user)]
        return render_template("users/form.html", form=form, user=user)
    form = _user_form()
    return form_page(
        form,
        "users/form.html",
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
        done=lambda _saved: _("Le compte de %(name)s a été enregistré.", name=user.full_name),
        to=url_for("users.edit", user_id=user.id),
        user=user,
    )


def _set_active(user_id: int, active: bool):
    user = db.get_or_404(User, user_id)
    back = url_for("users.edit", user_id=user.id)
    return act(
        lambda: accounts.set_active(acting_user(), user, active, ip=client_ip()),
        done=_("Le compte de %(name)s est réactivé.", name=user.full_name)
        if active
        else _(
            "Le compte de %(name)s est désactivé ; ses sessions ouvertes sont fermées.",
            name=user.full_name,
        ),
        to=back,
        again=lambda saved: redirect(back),
    )


@bp.route("/<id:user_id>/deactivate", methods=["POST"])
@require(Permission.USERS_MANAGE)
def deactivate(user_id: int):
    return _set_active(user_id, False)


@bp.route("/<id:user_id>/activate", methods=["POST"])
@require(Permission.USERS_MANAGE)
def activate(user_id: int):
    return _set_active(user_id, True)
