"""The signed-in person's own account: profile, password, language."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user

from portal.authz import authenticated, public
from portal.extensions import db
from portal.forms.auth import PasswordChangeForm
from portal.services import accounts
from portal.services.errors import InvalidInput
from portal.views._common import acting_user, client_ip, safe_next

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.route("/", methods=["GET"])
@authenticated
def profile():
    return render_template("account/profile.html", form=PasswordChangeForm())


@bp.route("/password", methods=["POST"])
@authenticated
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            accounts.change_own_password(
                acting_user(), form.current_password.data, form.new_password.data, ip=client_ip()
            )
        except InvalidInput as error:
            db.session.rollback()
            getattr(form, error.field).errors.append(error.message)
        else:
            db.session.commit()
            login_user(acting_user())  # this session follows the account's new token
            flash(
                _("Votre mot de passe a été changé. Vos autres sessions sont fermées."), "success"
            )
            return redirect(url_for("account.profile"))
    return render_template("account/profile.html", form=form), 422


@bp.route("/language", methods=["POST"])
@public
def set_language():
    language = request.form.get("language", "")
    if language not in current_app.config["LANGUAGES"]:
        abort(400)
    session["lang"] = language
    if not current_user.is_authenticated:
        session["lang_chosen_signed_out"] = True
    else:
        accounts.set_preferred_language(acting_user(), language)
        db.session.commit()
    back = safe_next(request.form.get("next")) or url_for("home.index")
    return redirect(back)
