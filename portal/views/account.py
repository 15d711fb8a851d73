"""The signed-in person's own account: profile, password, language, reminder preferences."""

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
from portal.extensions import csrf, db
from portal.forms.auth import PasswordChangeForm
from portal.forms.notifications import ReminderPreferencesForm
from portal.labels import REMINDER_KIND_LABELS
from portal.models.reminders import DEADLINE_KINDS
from portal.services import accounts, reminders
from portal.services.errors import InvalidInput
from portal.views._common import acting_user, client_ip, safe_next, save

bp = Blueprint("account", __name__, url_prefix="/account")


def _preferences_form(formdata=None) -> ReminderPreferencesForm:
    user = acting_user()
    form = ReminderPreferencesForm(formdata=formdata)
    form.set_choices()
    if formdata is None:
        form.frequency.data = "digest" if user.mail_digest else "immediate"
        form.muted.data = sorted(kind.value for kind in reminders.muted_kinds(user))
    return form


def _page(form=None, preferences=None, status: int = 200):
    return render_template(
        "account/profile.html",
        form=form or PasswordChangeForm(),
        preferences=preferences or _preferences_form(),
        deadline_kinds={kind.value for kind in DEADLINE_KINDS},
        previous_login=accounts.previous_login_at(acting_user()),
    ), status


@bp.route("/", methods=["GET"])
@authenticated
def profile():
    return _page()


@bp.route("/reminders", methods=["POST"])
@authenticated
def reminder_preferences():
    form = _preferences_form(request.form)
    if form.validate_on_submit():
        saved = save(
            form,
            lambda: reminders.set_preferences(
                acting_user(), digest=form.frequency.data == "digest", muted=form.muted.data
            ),
        )
        status = saved.status
        if status is None:
            flash(_("Vos préférences de rappel ont été enregistrées."), "success")
            return redirect(url_for("account.profile") + "#rappels")
        return _page(preferences=form, status=status)
    return _page(preferences=form, status=422)


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
    return _page(form=form, status=422)


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


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@public
@csrf.exempt  # a mail client's one-click POST carries the signed token, not a form's
def unsubscribe(token: str):
    """From an e-mail's link: stop e-mailing its kinds of messages. The page asks first; a
    mail client's one-click POST (RFC 8058) does it at once. No sign-in: the signed token
    names the person."""
    found = reminders.read_unsubscribe_token(token)
    if found is None:
        abort(404)
    user, kinds = found
    labels = sorted(str(REMINDER_KIND_LABELS[kind]) for kind in kinds)
    done = False
    if request.method == "POST":
        reminders.mute(user, kinds)
        db.session.commit()
        done = True
    return render_template("account/unsubscribe.html", labels=labels, done=done, token=token)
