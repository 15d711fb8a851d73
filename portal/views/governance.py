"""Local governance's pages: the bodies and their members, their meetings and agendas."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload
from wtforms.fields.choices import SelectChoice as Choice

from portal import clock
from portal.authz import Permission, require
from portal.clock import local_date
from portal.extensions import db
from portal.forms.governance import (
    BodyForm,
    CloseActionForm,
    FreeItemForm,
    MeetingForm,
    MemberForm,
    OutcomeForm,
    ProposalsForm,
    VersionForm,
)
from portal.models.governance import (
    ActionStatus,
    Body,
    BodyMember,
    FollowUpAction,
    Meeting,
    MeetingStatus,
    Outcome,
)
from portal.models.types import utcnow
from portal.models.users import User
from portal.names import local
from portal.services import governance as service
from portal.services import tasks
from portal.services.governance.meetings import AGENDA_LABELS
from portal.services.organizations import all_cities, all_organizations
from portal.views._common import (
    act,
    acting_user,
    form_page,
    form_version,
    moment,
    paginate,
    tabular_export,
)

bp = Blueprint("governance", __name__, url_prefix="/governance")


_visible_meetings = service.readable


@bp.route("")
@require(Permission.GOVERNANCE_VIEW)
def index():
    user = acting_user()
    bodies = db.session.scalars(
        sa.select(Body)
        .options(joinedload(Body.city), selectinload(Body.members))
        .order_by(Body.kind, Body.name)
    ).all()
    upcoming = paginate(
        sa.select(Meeting)
        .options(joinedload(Meeting.body).joinedload(Body.city))
        .where(
            _visible_meetings(user),
            Meeting.status == MeetingStatus.SCHEDULED,
            Meeting.ends_at >= clock.start_of_day(clock.today()),
        )
        .order_by(Meeting.starts_at)
    )
    return render_template(
        "governance/index.html",
        bodies=bodies,
        upcoming=upcoming,
        mine={b.id for b in bodies if service.is_member(user, b)},
        can_manage=service.may_manage(user),
    )


def _body_or_404(body_id: int) -> Body:
    found = db.session.scalar(
        sa.select(Body)
        .where(Body.id == body_id)
        .options(joinedload(Body.city), selectinload(Body.members).joinedload(BodyMember.user))
    )
    if found is None:
        abort(404)
    return found


def _body_page(body: Body, *, status: int = 200, member_form=None):
    user = acting_user()
    meetings = paginate(
        sa.select(Meeting)
        .where(Meeting.body_id == body.id, _visible_meetings(user))
        .order_by(Meeting.starts_at.desc())
    )
    if member_form is None:
        member_form = MemberForm(formdata=None)
    member_form.user_id.choices = [
        Choice(u.id, f"{u.full_name} ({u.email})")
        for u in db.session.scalars(
            sa.select(User).where(User.active.is_(True)).order_by(User.full_name).limit(1000)
        )
    ]
    return render_template(
        "governance/body.html",
        body=body,
        meetings=meetings,
        member_form=member_form,
        remove_form=VersionForm(formdata=None),
        can_manage=service.may_manage(user),
        can_run=service.may_run(user, body),
        role=service.role_in(user, body),
    ), status


@bp.route("/bodies/<id:body_id>")
@require(Permission.GOVERNANCE_VIEW)
def body(body_id: int):
    return _body_page(_body_or_404(body_id))


def _body_form(form: BodyForm, found: Body | None):
    form.set_choices(all_cities())
    return form_page(
        form,
        "governance/body_form.html",
        lambda: service.save_body(
            acting_user(),
            found,
            kind=form.kind.data,
            name=form.name.data,
            name_en=form.name_en.data,
            name_ar=form.name_ar.data,
            city_id=form.city_id.data,
            description=form.description.data,
            quorum=form.quorum.data,
            meets_every_months=form.meets_every_months.data,
            expected_version=form_version(form) if found else None,
        ),
        done=_("Instance enregistrée."),
        to=lambda saved: url_for("governance.body", body_id=saved.id),
        current=(lambda: _body_or_404(found.id).version) if found else None,
        found=found,
    )


@bp.route("/bodies/new", methods=["GET", "POST"])
@require(Permission.GOVERNANCE_MANAGE)
def create_body():
    return _body_form(BodyForm(), None)


@bp.route("/bodies/<id:body_id>/edit", methods=["GET", "POST"])
@require(Permission.GOVERNANCE_MANAGE)
def edit_body(body_id: int):
    found = _body_or_404(body_id)
    form = BodyForm(obj=found if request.method == "GET" else None)
    if request.method == "GET":
        form.kind.data = found.kind.value
        form.city_id.data = found.city_id or 0
        form.quorum.data = str(found.quorum)
        form.meets_every_months.data = str(found.meets_every_months or "")
        form.version.data = found.version
    return _body_form(form, found)


@bp.route("/bodies/<id:body_id>/members", methods=["POST"])
@require(Permission.GOVERNANCE_MANAGE)
def set_member(body_id: int):
    found = _body_or_404(body_id)
    form = MemberForm()
    form.user_id.choices = [
        Choice(u, str(u)) for u in db.session.scalars(sa.select(User.id).where(User.active))
    ]
    if not form.validate_on_submit():
        return _body_page(found, status=422, member_form=form)
    return act(
        lambda: service.set_member(
            acting_user(), found, user_id=form.user_id.data, role=form.role.data
        ),
        done=_("Membre enregistré."),
        to=url_for("governance.body", body_id=body_id) + "#members",
        again=lambda saved: _body_page(
            _body_or_404(body_id), status=saved.status, member_form=form
        ),
        form=form,
    )


@bp.route("/bodies/<id:body_id>/members/<id:member_id>/remove", methods=["POST"])
@require(Permission.GOVERNANCE_MANAGE)
def remove_member(body_id: int, member_id: int):
    found = _body_or_404(body_id)
    return act(
        lambda: service.remove_member(acting_user(), found, member_id),
        done=_("Membre retiré."),
        to=url_for("governance.body", body_id=body_id) + "#members",
        again=lambda saved: _body_page(_body_or_404(body_id), status=saved.status),
    )


# --- Meetings ----------------------------------------------------------------------------------


def _meeting_or_404(meeting_id: int) -> Meeting:
    found = db.session.scalar(
        sa.select(Meeting)
        .where(Meeting.id == meeting_id)
        .options(
            joinedload(Meeting.body).selectinload(Body.members).joinedload(BodyMember.user),
            selectinload(Meeting.items),
        )
    )
    if found is None or not service.may_read(acting_user(), found):
        abort(404)  # a meeting is its body's business until published
    return found


def _local(moment_: datetime) -> datetime:
    return moment_.astimezone(ZoneInfo(current_app.config["DISPLAY_TIMEZONE"]))


def _meeting_form(form: MeetingForm, found: Meeting | None, body: Body):
    return form_page(
        form,
        "governance/meeting_form.html",
        lambda: service.save_meeting(
            acting_user(),
            found,
            body=body,
            day=form.day.data,
            starts=form.starts.data,
            ends=form.ends.data,
            place=form.place.data,
            video_link=form.video_link.data,
            published=form.published.data,
            expected_version=form_version(form) if found else None,
        ),
        done=_("Réunion enregistrée."),
        to=lambda saved: url_for("governance.meeting", meeting_id=saved.id),
        current=(lambda: _meeting_or_404(found.id).version) if found else None,
        body=body,
        found=found,
    )


@bp.route("/bodies/<id:body_id>/meetings/new", methods=["GET", "POST"])
@require(Permission.GOVERNANCE_VIEW)
def create_meeting(body_id: int):
    found = _body_or_404(body_id)
    if not service.may_run(acting_user(), found):
        abort(403)
    return _meeting_form(MeetingForm(), None, found)


@bp.route("/meetings/<id:meeting_id>/edit", methods=["GET", "POST"])
@require(Permission.GOVERNANCE_VIEW)
def edit_meeting(meeting_id: int):
    found = _meeting_or_404(meeting_id)
    if not service.may_run(acting_user(), found.body):
        abort(403)
    form = MeetingForm(obj=found if request.method == "GET" else None)
    if request.method == "GET":
        starts, ends = _local(found.starts_at), _local(found.ends_at)
        form.day.data, form.starts.data, form.ends.data = starts.date(), starts.time(), ends.time()
        form.version.data = found.version
    return _meeting_form(form, found, found.body)


def _meeting_page(found: Meeting, *, status: int = 200, **forms):
    user = acting_user()
    can_run = service.may_run(user, found.body) and found.status is MeetingStatus.SCHEDULED
    offered = service.proposals(found, moment()) if can_run else []
    cities = tasks.cities_by_id()
    proposals_form = forms.get("proposals_form") or ProposalsForm(
        formdata=None, version=found.version
    )
    attendance = service.attendance_of(found)
    runs = service.may_run(user, found.body)
    held = found.status is MeetingStatus.HELD
    outcome_forms = {}
    if runs and held:
        organizations = all_organizations()
        people = db.session.scalars(
            sa.select(User)
            .where(User.active.is_(True))
            .options(joinedload(User.organization))
            .order_by(User.full_name)
            .limit(1000)
        ).all()
        for item in found.items:
            if item.outcome is Outcome.ACTION:
                continue
            refused = forms.get("outcome") if forms.get("outcome_item") == item.id else None
            form = refused or OutcomeForm(
                formdata=None,
                prefix=f"o{item.id}",
                version=found.version,
                outcome=item.outcome.value if item.outcome else "information",
                text=item.outcome_text,
            )
            form.set_choices(organizations, people)
            outcome_forms[item.id] = form
    return render_template(
        "governance/meeting.html",
        found=found,
        attendance=attendance,
        quorum=service.quorum(found, attendance),
        runs=runs,
        held=held,
        started=found.starts_at <= utcnow(),
        role=service.role_in(user, found.body),
        outcome_forms=outcome_forms,
        attendance_errors=forms.get("attendance_errors", []),
        starts=_local(found.starts_at),
        ends=_local(found.ends_at),
        can_run=can_run,
        offered=offered,
        proposals_form=proposals_form,
        free_form=forms.get("free_form") or FreeItemForm(formdata=None, version=found.version),
        version_form=forms.get("version_form") or VersionForm(formdata=None, version=found.version),
        links={item.id: _item_url(item, cities) for item in found.items if item.source},
        agenda_labels=AGENDA_LABELS,
    ), status


def _item_url(item, cities) -> str | None:
    """The page of the object an item is about, as the task list links it."""
    kind = tasks.BY_NAME.get(item.source)
    if kind is None:
        return None
    task = tasks.Task(
        kind=kind,
        item_id=item.object_id,
        title=item.title,
        city_id=item.city_id,
        state=None,
        link_id=item.link_id,
        due=None,
        since=None,
    )
    return kind.url(task, cities)


@bp.route("/meetings/<id:meeting_id>")
@require(Permission.GOVERNANCE_VIEW)
def meeting(meeting_id: int):
    return _meeting_page(_meeting_or_404(meeting_id))


def _agenda(meeting_id: int, form, name: str, run, done: str):
    found = _meeting_or_404(meeting_id)
    if not service.may_run(acting_user(), found.body):
        abort(403)
    if not form.validate_on_submit():
        return _meeting_page(found, status=422, **{name: form})
    return act(
        lambda: run(found),
        done=done,
        to=url_for("governance.meeting", meeting_id=meeting_id) + "#agenda",
        again=lambda saved: _meeting_page(
            _meeting_or_404(meeting_id), status=saved.status, **{name: form}
        ),
        form=form,
        current=lambda: _meeting_or_404(meeting_id).version,
    )


@bp.route("/meetings/<id:meeting_id>/agenda/proposed", methods=["POST"])
@require(Permission.GOVERNANCE_VIEW)
def add_proposed(meeting_id: int):
    form = ProposalsForm()
    return _agenda(
        meeting_id,
        form,
        "proposals_form",
        lambda found: service.add_proposed(
            acting_user(), found, form.keys.data, moment(), expected_version=form_version(form)
        ),
        _("Points ajoutés à l'ordre du jour."),
    )


@bp.route("/meetings/<id:meeting_id>/agenda", methods=["POST"])
@require(Permission.GOVERNANCE_VIEW)
def add_item(meeting_id: int):
    form = FreeItemForm()
    return _agenda(
        meeting_id,
        form,
        "free_form",
        lambda found: service.add_free(
            acting_user(),
            found,
            title=form.title.data,
            note=form.note.data,
            expected_version=form_version(form),
        ),
        _("Point ajouté à l'ordre du jour."),
    )


@bp.route(
    "/meetings/<id:meeting_id>/agenda/<id:item_id>/<any(up, down):direction>", methods=["POST"]
)
@require(Permission.GOVERNANCE_VIEW)
def move_item(meeting_id: int, item_id: int, direction: str):
    form = VersionForm()
    return _agenda(
        meeting_id,
        form,
        "version_form",
        lambda found: service.move(
            acting_user(),
            found,
            item_id,
            -1 if direction == "up" else 1,
            expected_version=form_version(form),
        ),
        _("Ordre du jour modifié."),
    )


@bp.route("/meetings/<id:meeting_id>/agenda/<id:item_id>/remove", methods=["POST"])
@require(Permission.GOVERNANCE_VIEW)
def remove_item(meeting_id: int, item_id: int):
    form = VersionForm()
    return _agenda(
        meeting_id,
        form,
        "version_form",
        lambda found: service.remove(
            acting_user(), found, item_id, expected_version=form_version(form)
        ),
        _("Point retiré de l'ordre du jour."),
    )


@bp.route("/meetings/<id:meeting_id>/cancel", methods=["POST"])
@require(Permission.GOVERNANCE_VIEW)
def cancel_meeting(meeting_id: int):
    form = VersionForm()
    return _agenda(
        meeting_id,
        form,
        "version_form",
        lambda found: service.cancel(acting_user(), found, expected_version=form_version(form)),
        _("Réunion annulée."),
    )


# --- At and after the meeting ----------------------------------------------------------------


@bp.route("/meetings/<id:meeting_id>/apologies", methods=["POST"])
@require(Permission.GOVERNANCE_VIEW)
def send_apologies(meeting_id: int):
    found = _meeting_or_404(meeting_id)
    return act(
        lambda: service.send_apologies(acting_user(), found, now=utcnow()),
        done=_("Vos excuses sont transmises."),
        to=url_for("governance.meeting", meeting_id=meeting_id),
        again=lambda saved: _meeting_page(_meeting_or_404(meeting_id), status=saved.status),
    )


@bp.route("/meetings/<id:meeting_id>/attendance", methods=["POST"])
@require(Permission.GOVERNANCE_VIEW)
def record_attendance(meeting_id: int):
    found = _meeting_or_404(meeting_id)
    if not service.may_run(acting_user(), found.body):
        abort(403)
    form = VersionForm()
    presences = {
        key.removeprefix("presence-"): value
        for key, value in request.form.items()
        if key.startswith("presence-")
    }

    def again(saved):
        errors = [*form.form_errors, *(e for errs in form.errors.values() for e in errs)]
        return _meeting_page(
            _meeting_or_404(meeting_id), status=saved.status, attendance_errors=errors
        )

    if not form.validate_on_submit():
        return _meeting_page(found, status=422)
    return act(
        lambda: service.record_attendance(
            acting_user(), found, presences, now=utcnow(), expected_version=form_version(form)
        ),
        done=lambda q: (
            _("Présence enregistrée : le quorum est atteint.")
            if q.reached
            else _("Présence enregistrée : le quorum n'est pas atteint.")
        ),
        to=url_for("governance.meeting", meeting_id=meeting_id) + "#attendance",
        again=again,
        form=form,
        current=lambda: _meeting_or_404(meeting_id).version,
    )


@bp.route("/meetings/<id:meeting_id>/agenda/<id:item_id>/outcome", methods=["POST"])
@require(Permission.GOVERNANCE_VIEW)
def record_outcome(meeting_id: int, item_id: int):
    found = _meeting_or_404(meeting_id)
    if not service.may_run(acting_user(), found.body):
        abort(403)
    form = OutcomeForm(prefix=f"o{item_id}")
    form.owner_organization_id.choices = [Choice(0, "—")] + [
        Choice(o.id, o.short_name) for o in all_organizations()
    ]
    form.owner_user_id.choices = [Choice(0, "—")] + [
        Choice(u, str(u)) for u in db.session.scalars(sa.select(User.id).where(User.active))
    ]

    def refused(status: int):
        db.session.expire_all()
        return _meeting_page(
            _meeting_or_404(meeting_id), status=status, outcome=form, outcome_item=item_id
        )

    if not form.validate_on_submit():
        return refused(422)
    return act(
        lambda: service.record_outcome(
            acting_user(),
            found,
            item_id,
            outcome=form.outcome.data,
            text=form.text.data,
            owner_organization_id=form.owner_organization_id.data,
            owner_user_id=form.owner_user_id.data,
            due_on=form.due_on.data,
            expected_version=form_version(form),
        ),
        done=_("Suite enregistrée."),
        to=url_for("governance.meeting", meeting_id=meeting_id) + f"#item-{item_id}",
        again=lambda saved: refused(saved.status),
        form=form,
        current=lambda: _meeting_or_404(meeting_id).version,
    )


def _visible_actions(user):
    """Actions of meetings this person reads, and those given to them or their organisation."""
    readable = sa.select(Meeting.id).where(_visible_meetings(user))
    return sa.or_(
        FollowUpAction.meeting_id.in_(readable),
        FollowUpAction.owner_organization_id == user.organization_id,
        FollowUpAction.owner_user_id == user.id,
    )


def _actions_page(*, status: int = 200, refused=None):
    user = acting_user()
    state = request.args.get("state", "open")
    query = (
        sa.select(FollowUpAction)
        .where(_visible_actions(user))
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
        sa.select(FollowUpAction).where(FollowUpAction.id == action_id, _visible_actions(user))
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
    return service.Filters(
        body_id=request.args.get("body", type=int),
        city_id=request.args.get("city", type=int),
        start=day("start"),
        end=day("end"),
        source=source if source == "free" or source in AGENDA_LABELS else "",
    )


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
    )


@bp.route("/decisions.<any(csv, xlsx):fmt>")
@require(Permission.GOVERNANCE_VIEW)
def export_decisions(fmt: str):
    found = db.session.scalars(service.decisions(acting_user(), _filters())).all()
    headers = [_("Date"), _("Instance"), _("Ville"), _("Point"), _("Objet"), _("Décision")]
    cities = tasks.cities_by_id()
    rows = [
        [
            local_date(item.meeting.starts_at),
            local(item.meeting.body),
            local(cities.get(item.meeting.body.city_id)) if item.meeting.body.city_id else "",
            item.title,
            str(AGENDA_LABELS[item.source]) if item.source in AGENDA_LABELS else "",
            item.outcome_text,
        ]
        for item in found
    ]
    return tabular_export(fmt, headers, rows, name="decisions", sheet=_("Décisions"))
