"""What meetings leave behind: the follow-up actions and their closing, and the decisions
register with its exports."""

from datetime import date

import sqlalchemy as sa
from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from portal import clock
from portal.authz import Permission, require
from portal.clock import local_date
from portal.extensions import db
from portal.forms.governance import CloseActionForm
from portal.models.governance import (
    ActionStatus,
    Body,
    FollowUpAction,
    Meeting,
)
from portal.models.types import utcnow
from portal.names import local
from portal.services import governance as service
from portal.services import tasks
from portal.services.governance import transitions
from portal.services.governance.meetings import AGENDA_LABELS
from portal.services.governance.register import FOLLOW_UP, follow_up_of
from portal.services.organizations import all_cities
from portal.views._common import (
    act,
    acting_user,
    form_version,
    paginate,
    tabular_export,
)
from portal.views.governance.base import bp


def _actions_page(*, status: int = 200, refused=None):
    user = acting_user()
    state = request.args.get("state", "open")
    query = (
        sa.select(FollowUpAction)
        .where(service.actions_readable(user))
        .options(
            joinedload(FollowUpAction.meeting).joinedload(Meeting.body).selectinload(Body.members),
            joinedload(FollowUpAction.owner_organization),
            joinedload(FollowUpAction.owner_user),
        )
        .order_by(FollowUpAction.due_on, FollowUpAction.id)
    )
    today = clock.today()
    if state == "late":
        query = query.where(
            FollowUpAction.status == ActionStatus.OPEN, FollowUpAction.due_on < today
        )
    elif state in {s.value for s in ActionStatus}:
        query = query.where(FollowUpAction.status == ActionStatus(state))
    else:
        state = ""
    pagination = paginate(query)
    forms = {}
    for action in pagination.items:
        if action.status is ActionStatus.OPEN and service.may_close(user, action):
            forms[action.id] = (
                refused[1]
                if refused and refused[0] == action.id
                else CloseActionForm(formdata=None, prefix=f"a{action.id}", version=action.version)
            )
    return render_template(
        "governance/actions.html",
        pagination=pagination,
        state=state,
        today=today,
        forms=forms,
    ), status


@bp.route("/actions")
@require(Permission.GOVERNANCE_VIEW)
def actions():
    return _actions_page()


@bp.route("/actions/<id:action_id>/close", methods=["POST"])
@require(Permission.GOVERNANCE_VIEW)
def close_action(action_id: int):
    user = acting_user()
    found = db.session.scalar(
        sa.select(FollowUpAction).where(
            FollowUpAction.id == action_id, service.actions_readable(user)
        )
    )
    if found is None:
        abort(404)
    form = CloseActionForm(prefix=f"a{action_id}")
    if not form.validate_on_submit():
        return _actions_page(status=422, refused=(action_id, form))
    return act(
        lambda: service.close_action(
            user,
            found,
            status=form.status.data,
            note=form.note.data,
            now=utcnow(),
            expected_version=form_version(form),
        ),
        done=_("Action close."),
        to=url_for("governance.actions"),
        again=lambda saved: _actions_page(status=saved.status, refused=(action_id, form)),
        form=form,
        current=lambda: db.session.get(FollowUpAction, action_id).version,
    )


# --- The decisions register --------------------------------------------------------------------


def _filters() -> service.Filters:
    def day(name):
        try:
            return date.fromisoformat(request.args.get(name, ""))
        except ValueError:
            return None

    source = request.args.get("source", "")
    follow_up = request.args.get("follow_up", "")
    return service.Filters(
        q=request.args.get("q", "").strip()[:200],
        follow_up=follow_up if follow_up in FOLLOW_UP else "",
        body_id=request.args.get("body", type=int),
        city_id=request.args.get("city", type=int),
        start=day("start"),
        end=day("end"),
        source=source if source == "free" or source in AGENDA_LABELS else "",
    )


FOLLOW_UP_LABELS = {
    "carried_out": _l("Exécutée sur l'objet"),
    "recorded": _l("Notée, sans exécution sur l'objet"),
    "free": _l("Point libre"),
}


def _follow_up_text(item) -> str:
    state = follow_up_of(item)
    if state == "carried_out":
        return f"{FOLLOW_UP_LABELS[state]} : {transitions.label_of(item.source, item.carried_out)}"
    return str(FOLLOW_UP_LABELS[state])


@bp.route("/decisions")
@require(Permission.GOVERNANCE_VIEW)
def decisions():
    filters = _filters()
    return render_template(
        "governance/decisions.html",
        pagination=paginate(service.decisions(acting_user(), filters)),
        filters=filters,
        bodies=db.session.scalars(sa.select(Body).order_by(Body.name)).all(),
        cities=all_cities(),
        sources=AGENDA_LABELS,
        follow_up_labels=FOLLOW_UP_LABELS,
        follow_up_of=follow_up_of,
        carried_label=transitions.label_of,
    )


@bp.route("/decisions.<any(csv, xlsx):fmt>")
@require(Permission.GOVERNANCE_VIEW)
def export_decisions(fmt: str):
    found = db.session.scalars(service.decisions(acting_user(), _filters())).all()
    headers = [
        _("Date"),
        _("Instance"),
        _("Ville"),
        _("Point"),
        _("Objet"),
        _("Décision"),
        _("Suite"),
    ]
    cities = tasks.cities_by_id()
    rows = [
        [
            local_date(item.meeting.starts_at),
            local(item.meeting.body),
            local(cities.get(item.meeting.body.city_id)) if item.meeting.body.city_id else "",
            item.title,
            str(AGENDA_LABELS[item.source]) if item.source in AGENDA_LABELS else "",
            item.outcome_text,
            _follow_up_text(item),
        ]
        for item in found
    ]
    return tabular_export(fmt, headers, rows, name="decisions", sheet=_("Décisions"))
