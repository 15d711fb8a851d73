"""A meeting: its scheduling, its page and agenda, and what happens at and after it
(apologies, attendance and quorum, each item's outcome)."""

import sqlalchemy as sa
from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload
from wtforms.fields.choices import SelectChoice as Choice

from portal import clock
from portal.authz import Permission, require
from portal.extensions import db
from portal.forms.governance import (
    AttachReportForm,
    CirculateForm,
    FreeItemForm,
    MeetingForm,
    MinutesCommentForm,
    MinutesForm,
    OutcomeForm,
    ProposalsForm,
    VersionForm,
)
from portal.models.governance import (
    Body,
    Meeting,
    MeetingStatus,
    MinutesStatus,
    Outcome,
)
from portal.models.types import utcnow
from portal.models.users import User
from portal.services import governance as service
from portal.services import tasks
from portal.services.governance import minutes, report, transitions
from portal.services.governance.meetings import AGENDA_LABELS
from portal.services.organizations import all_organizations
from portal.views._common import (
    act,
    acting_user,
    form_page,
    form_version,
    moment,
)
from portal.views.governance.base import _body_or_404, _local, _meeting_or_404, bp


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
    cannot_carry = set()
    if runs and held and found.minutes_status is not MinutesStatus.ADOPTED:
        organizations = all_organizations()
        people = db.session.scalars(
            sa.select(User)
            .where(User.active.is_(True))
            .options(joinedload(User.organization))
            .order_by(User.full_name)
            .limit(1000)
        ).all()
        transitions.preload(found.items)
        for item in found.items:
            refused_here = forms.get("outcome_item") == item.id
            if (item.outcome is Outcome.ACTION or item.carried_out) and not refused_here:
                continue  # closed in the actions' list, or done on its object
            refused = forms.get("outcome") if forms.get("outcome_item") == item.id else None
            form = refused or OutcomeForm(
                formdata=None,
                prefix=f"o{item.id}",
                version=found.version,
                outcome=item.outcome.value if item.outcome else "information",
                text=item.outcome_text,
            )
            form.set_choices(organizations, people)
            carried = transitions.choices(user, item)
            form.set_carry_choices(carried)
            outcome_forms[item.id] = form
            if item.source in transitions.SOURCES and not carried:
                cannot_carry.add(item.id)
    role = service.role_in(user, found.body)
    adopted = found.minutes_status is MinutesStatus.ADOPTED
    # The draft is the body's; the adopted minutes are for every reader of the meeting.
    refused_minutes = any(
        name in forms for name in ("minutes_form", "circulate_form", "comment_form", "adopt_form")
    )
    show_minutes = (held or refused_minutes) and (adopted or runs or role is not None)
    minutes_context = {}
    if show_minutes:
        today = clock.today()
        minutes_context = {
            "record": minutes.record(found),
            "comments": minutes.comments(found),
            "minutes_form": forms.get("minutes_form")
            or MinutesForm(
                formdata=None,
                minutes_text=found.minutes_text,
                erratum=found.erratum,
                version=found.version,
            ),
            "circulate_form": forms.get("circulate_form")
            or CirculateForm(formdata=None, version=found.version),
            "comment_form": forms.get("comment_form") or MinutesCommentForm(formdata=None),
            "adopt_form": forms.get("adopt_form")
            or VersionForm(formdata=None, version=found.version),
            "may_comment": role is not None and minutes.open_for_comments(found, today),
            "may_adopt": minutes.may_adopt(user, found)
            and found.minutes_status is MinutesStatus.CIRCULATED,
            "has_previous": minutes.previous(found) is not None,
        }
    manages = service.may_manage(user)
    report_form = None
    if manages and found.status is MeetingStatus.SCHEDULED:
        report_form = forms.get("report_form") or AttachReportForm(formdata=None)
        if "report_form" not in forms:
            report_form.start.data, report_form.end.data = report.default_period(
                found, clock.today()
            )
    return render_template(
        "governance/meeting.html",
        report_form=report_form,
        attached_report=report.attached(found),
        reads_report=report.may_read_attached(user, found),
        show_minutes=show_minutes,
        **minutes_context,
        found=found,
        attendance=attendance,
        quorum=service.quorum(found, attendance),
        runs=runs,
        held=held,
        started=found.starts_at <= utcnow(),
        role=role,
        outcome_forms=outcome_forms,
        cannot_carry=cannot_carry,
        carried_label=transitions.label_of,
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
        # WTForms lists form-level errors under None in `errors` too: each one once.
        errors = list(dict.fromkeys(e for errs in form.errors.values() for e in errs))
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
            carry_out=form.carry_out.data or "",
            now=utcnow(),
            expected_version=form_version(form),
        ),
        done=_("Suite enregistrée."),
        to=url_for("governance.meeting", meeting_id=meeting_id) + f"#item-{item_id}",
        again=lambda saved: refused(saved.status),
        form=form,
        current=lambda: _meeting_or_404(meeting_id).version,
    )
