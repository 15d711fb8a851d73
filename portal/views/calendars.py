"""Calendar feeds: a secret, revocable address per person, for Outlook or Google Calendar."""

from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, abort, flash, make_response, redirect, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from portal import clock, config
from portal.authz import Permission, can, public, require
from portal.extensions import db
from portal.models.milestones import Milestone, MilestoneStatus
from portal.models.organizations import City
from portal.models.types import utcnow
from portal.models.users import User
from portal.names import local
from portal.services import accounts, calendars
from portal.services import milestones as rules
from portal.views._common import acting_user, client_ip

bp = Blueprint("calendars", __name__)

FEED_LIMIT = 2000
FEED_PAST_DAYS = 90


@bp.route("/account/calendar")
@require(Permission.PLANS_VIEW)
def settings():
    cities = db.session.scalars(sa.select(City).order_by(City.name)).all()
    return render_template("calendars/settings.html", cities=cities)


@bp.route("/account/calendar/token", methods=["POST"])
@require(Permission.PLANS_VIEW)
def reset_token():
    had_one = accounts.new_calendar_token(acting_user(), ip=client_ip())
    db.session.commit()
    if had_one:
        flash(_("Nouvelle adresse créée : l'ancienne ne fonctionne plus."), "success")
    else:
        flash(_("Votre adresse d'abonnement a été créée."), "success")
    return redirect(url_for("calendars.settings"))


def _feed_owner(token: str) -> User:
    user = db.session.scalar(sa.select(User).where(User.calendar_token == token))
    # The address works only while its owner may still read the plans.
    if user is None or not can(user, Permission.PLANS_VIEW):
        abort(404)
    return user


def _events(milestones) -> list[calendars.CalendarEvent]:
    return [
        calendars.CalendarEvent(
            uid=f"milestone-{m.id}@sdtn-portal",
            day=m.due_date,
            summary=f"[{local(m.city)}] {m.title}",
            description=str(rules.STATUS_LABELS[m.status]),
            url=url_for("milestones.detail", milestone_id=m.id, _external=True),
            last_modified=m.updated_at,
            categories=(local(m.city),),
        )
        for m in milestones
    ]


def _ics(name: str, milestones):
    body = calendars.build_calendar(name, _events(milestones), now=utcnow())
    response = make_response(body)
    response.content_type = "text/calendar; charset=utf-8"
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


def _milestones(condition):
    # Calendars look ahead: past milestones older than the window are left out, so the bound
    # below never drops what is coming.
    since = clock.today() - timedelta(days=FEED_PAST_DAYS)
    return db.session.scalars(
        sa.select(Milestone)
        .where(condition, Milestone.due_date >= since)
        .options(joinedload(Milestone.city))
        .order_by(Milestone.due_date, Milestone.id)
        .limit(FEED_LIMIT)
    ).all()


@bp.route("/calendar/<token>.ics")
@public  # the secret in the address is the credential
def user_feed(token: str):
    user = _feed_owner(token)
    # In the owner's language: the calendar application asks without the person's session.
    with force_locale(config.locale_of(user.preferred_language)):
        return _ics(_("Portail SDTN — mes jalons"), _milestones(rules.to_act_on_filter(user)))


@bp.route("/calendar/<token>/<slug>.ics")
@public  # the secret in the address is the credential
def city_feed(token: str, slug: str):
    user = _feed_owner(token)
    city = db.session.scalar(sa.select(City).where(City.slug == slug))
    if city is None:
        abort(404)
    condition = sa.and_(Milestone.city_id == city.id, Milestone.status != MilestoneStatus.CANCELLED)
    with force_locale(config.locale_of(user.preferred_language)):
        return _ics(_("Portail SDTN — %(city)s", city=local(city)), _milestones(condition))
