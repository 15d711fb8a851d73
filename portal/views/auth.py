"""Signing in and out."""

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from portal.authz import authenticated, public
from portal.extensions import db, limiter
from portal.forms.auth import LoginForm
from portal.models.types import utcnow
from portal.services import accounts, audit
from portal.services.errors import NotAllowed
from portal.views._common import acting_user, client_ip, safe_next

bp = Blueprint("auth", __name__)


def _restart_session() -> None:
    # A fresh session at each sign-in and sign-out; only the language shown survives, and it
    # is no longer "chosen before signing in" (the next person on this browser did not).
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT"],
    methods=["POST"],
    # Only refused attempts count: a shared office address signs its people in freely.
    deduct_when=lambda response: response.status_code >= 400,
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if not form.is_submitted():
        form.next.data = safe_next(request.args.get("next")) or ""
    if form.validate_on_submit():
        now = utcnow()
        try:
            user = accounts.authenticate(
                form.email.data, form.password.data, now=now, ip=client_ip()
            )
        except NotAllowed as error:
            db.session.commit()  # the failure count and its audit event must stand
            form.password.errors.append(error.message)
            return render_template("auth/login.html", form=form), 401
        chosen = session.get("lang")
        if session.get("lang_chosen_signed_out") and chosen != user.preferred_language:
            # A language picked on the login page is the person's latest choice.
            accounts.set_preferred_language(user, chosen)
        db.session.commit()
        _restart_session()
        login_user(user)
        session["seen"] = session["started"] = now.timestamp()
        flash(_("Bienvenue, %(name)s.", name=user.full_name), "success")
        return redirect(safe_next(form.next.data) or url_for("home.index"))
    status = 422 if form.is_submitted() else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@authenticated
def logout():
    user = acting_user()
    audit.record(user, "logout", obj=user, ip=client_ip())
    # Sessions live in the signed cookie: a copy taken before signing out must stop working,
    # so the account's session token changes (this signs out its other sessions too).
    accounts.end_sessions(user)
    db.session.commit()
    logout_user()
    _restart_session()
    flash(_("Vous êtes déconnecté."), "info")
    return redirect(url_for("auth.login"))
