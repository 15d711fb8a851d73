"""Milestones: lists, exports, the milestone page, its workflow, and decision queues."""

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from portal import authz, clock
from portal.authz import Permission, require
from portal.extensions import db
from portal.forms.milestones import (
    HORIZON_LABELS,
    ChangeDecisionForm,
    CommentForm,
    MilestoneFilterForm,
    MilestoneForm,
    TransitionForm,
)
from portal.models.milestones import (
    DELIVERY_STATUSES,
    ChangeRequest,
    ChangeRequestStatus,
    Milestone,
    MilestoneEvent,
)
from portal.models.organizations import City, Organization
from portal.models.plans import Action, Domain
from portal.services import files, tasks
from portal.services import milestones as service
from portal.services.errors import NotAllowed
from portal.templating import render_page
from portal.views._common import (
    act,
    acting_user,
    form_page,
    form_version,
    moment,
    page_number,
    save,
    send_stored,
    tabular_export,
)

bp = Blueprint("milestones", __name__)


def get_milestone_or_404(milestone_id: int) -> Milestone:
    milestone = db.session.scalar(
        sa.select(Milestone)
        .where(Milestone.id == milestone_id)
        .options(
            joinedload(Milestone.city),
            joinedload(Milestone.action).joinedload(Action.domain),
            joinedload(Milestone.action).joinedload(Action.plan),
            joinedload(Milestone.responsible_organization),
            joinedload(Milestone.evidence_file),
            selectinload(Milestone.predecessors),
            selectinload(Milestone.successors),
        )
    )
    if milestone is None:
        abort(404)
    return milestone


def _filters() -> MilestoneFilterForm:
    form = MilestoneFilterForm(request.args)
    form.set_choices(
        db.session.scalars(sa.select(City).order_by(City.name)).all(),
        db.session.scalars(sa.select(Domain).order_by(Domain.position, Domain.name)).all(),
        db.session.scalars(sa.select(Organization).order_by(Organization.short_name)).all(),
    )
    return form


def _list_query(form: MilestoneFilterForm, today):
    if not form.validate():
        return sa.select(Milestone).where(sa.false())
    return service.filtered_query(form.criteria(), acting_user(), today).options(
        joinedload(Milestone.city),
        joinedload(Milestone.responsible_organization),
        joinedload(Milestone.action).joinedload(Action.domain),
    )


@bp.route("/milestones", endpoint="list")
@require(Permission.PLANS_VIEW)
def milestones_list():
    today = clock.today()
    filters = _filters()
    pagination = db.paginate(
        _list_query(filters, today),
        page=page_number(),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    export_args = {k: v for k, v in request.args.items() if k != "page"}
    return render_page(
        "milestones/list.html",
        "milestones/_table.html",
        filters=filters,
        pagination=pagination,
        today=today,
        export_args=export_args,
    )


EXPORT_HEADERS = (
    _l("N°"),
    _l("Ville"),
    _l("Action"),
    _l("Domaine"),
    _l("Horizon"),
    _l("Jalon"),
    _l("Organisme responsable"),
    _l("État"),
    _l("Échéance"),
    _l("Date de référence"),
    _l("Glissement (jours)"),
    _l("En retard"),
)


@bp.route("/milestones/export.<any(csv, xlsx):fmt>")
@require(Permission.PLANS_VIEW)
def export(fmt: str):
    today = clock.today()
    milestones = db.session.scalars(_list_query(_filters(), today)).all()
    rows = [
        (
            m.id,
            m.city.name,
            m.action.code,
            m.action.domain.name,
            str(HORIZON_LABELS[m.action.horizon]),
            m.title,
            m.responsible_organization.short_name,
            str(service.STATUS_LABELS[m.status]),
            m.due_date,
            m.baseline_due_date,
            m.slip_days,
            m.is_late(today),
        )
        for m in milestones
    ]
    return tabular_export(
        fmt, EXPORT_HEADERS, rows, name=f"jalons-{today.isoformat()}", sheet=_("Jalons")
    )


def _detail(milestone: Milestone, *, transition_form=None, comment_form=None, status=200):
    user = acting_user()
    events = db.session.scalars(
        sa.select(MilestoneEvent)
        .where(MilestoneEvent.milestone_id == milestone.id)
        .options(joinedload(MilestoneEvent.actor))
        .order_by(MilestoneEvent.occurred_at, MilestoneEvent.id)
    ).all()
    requests = db.session.scalars(
        sa.select(ChangeRequest)
        .where(ChangeRequest.milestone_id == milestone.id)
        .options(joinedload(ChangeRequest.requested_by), joinedload(ChangeRequest.decided_by))
        .order_by(ChangeRequest.requested_at.desc())
    ).all()
    at = moment()
    blocked = service.blocking(milestone)
    waiting = tasks.waiting_on_many("milestone", [milestone.id, *(p.id for p in blocked)], at)
    html = render_template(
        "milestones/detail.html",
        milestone=milestone,
        waiting=waiting.get(milestone.id, []),
        blocked=[(p, waiting.get(p.id, [])) for p in blocked],
        can_override=bool(blocked) and service.may_override(user, milestone),
        events=events,
        requests=requests,
        transitions=service.available_transitions(user, milestone),
        transition_form=transition_form or TransitionForm(),
        comment_form=comment_form or CommentForm(),
        decision_form=ChangeDecisionForm(),
        can_edit=service.may(user, Permission.MILESTONES_EDIT, milestone)
        and milestone.status in DELIVERY_STATUSES,
        can_comment=service.may_comment(user, milestone),
        can_decide=service.may(user, Permission.CHANGE_REQUESTS_DECIDE, milestone),
        today=clock.today(),
    )
    return html, status


@bp.route("/milestones/<id:milestone_id>")
@require(Permission.PLANS_VIEW)
def detail(milestone_id: int):
    return _detail(get_milestone_or_404(milestone_id))


@bp.route("/milestones/<id:milestone_id>/transition", methods=["POST"])
@require(Permission.PLANS_VIEW)
def transition(milestone_id: int):
    milestone = get_milestone_or_404(milestone_id)
    form = TransitionForm()
    if not form.validate_on_submit():
        return _detail(milestone, transition_form=form, status=422)
    name = form.transition.data
    upload = form.evidence.data if name == "submit" else None
    user = acting_user()
    stored = []

    def run():
        service.apply_transition(
            user,
            milestone,
            name,
            comment=form.comment.data or "",
            # A missing or garbled version can only be stale (versions start at 1).
            expected_version=form_version(form) or 0,
            evidence_name=files.clean_name(upload.filename or "") if upload else None,
            override_reason=form.override_reason.data or "",
        )
        # The file is written only once the transition is allowed, so a refusal leaves
        # nothing behind.
        if upload:
            stored.append(files.store(user, upload))
            milestone.evidence_file = stored[0]

    def again(saved):
        # A refusal that names no field of its own reads under the comment.
        form.comment.errors = [*form.comment.errors, *form.form_errors]
        form.form_errors.clear()
        # A deliverer who tried to pass a dependency is refused on the form itself.
        forbidden = isinstance(saved.refusal, NotAllowed)
        return _detail(
            get_milestone_or_404(milestone_id),
            transition_form=form,
            status=403 if forbidden else saved.status,
        )

    return act(
        run,
        done=lambda _moved: _(
            "Le jalon est maintenant « %(status)s ».",
            status=service.STATUS_LABELS[milestone.status],
        ),
        to=url_for("milestones.detail", milestone_id=milestone_id),
        again=again,
        form=form,
        stored=stored,
    )


@bp.route("/milestones/<id:milestone_id>/comments", methods=["POST"])
@require(Permission.MILESTONES_COMMENT)
def comment(milestone_id: int):
    milestone = get_milestone_or_404(milestone_id)
    if not service.may_comment(acting_user(), milestone):
        abort(403)
    form = CommentForm()
    status = 422
    if form.validate_on_submit():
        saved = save(form, lambda: service.add_comment(acting_user(), milestone, form.comment.data))
        status = saved.status
        if status is None:
            return redirect(url_for("milestones.detail", milestone_id=milestone.id) + "#history")
    return _detail(milestone, comment_form=form, status=status)


@bp.route("/milestones/<id:milestone_id>/evidence")
@require(Permission.PLANS_VIEW)
def evidence(milestone_id: int):
    milestone = get_milestone_or_404(milestone_id)
    if milestone.evidence_file is None:
        abort(404)
    return send_stored(milestone.evidence_file)


CANDIDATES_SHOWN = 300


def _edit_form_choices(form: MilestoneForm, action: Action, milestone: Milestone | None = None):
    """Dependency choices: the current ones always, then the same action's milestones, then the
    city's nearest in time to this one, up to a bound. The service checks whatever ids come
    back. Only the secretariat changes the responsible organisation: others are offered theirs
    alone, not a list the save would refuse."""
    current = milestone.predecessors if milestone is not None else []
    exclude = [m.id for m in current] + ([milestone.id] if milestone is not None else [])
    others = db.session.scalars(
        sa.select(Milestone)
        .where(Milestone.city_id == action.plan.city_id, Milestone.id.not_in(exclude))
        .order_by((Milestone.action_id == action.id).desc(), Milestone.due_date, Milestone.id)
        .limit(CANDIDATES_SHOWN)
    ).all()
    around = milestone.due_date if milestone is not None else clock.today()
    others.sort(key=lambda m: (m.action_id != action.id, abs((m.due_date - around).days)))
    if milestone is not None and not authz.can(acting_user(), Permission.PLANS_MANAGE):
        organizations = [milestone.responsible_organization]
    else:
        organizations = db.session.scalars(
            sa.select(Organization).order_by(Organization.short_name)
        ).all()
    form.set_choices(organizations, [*current, *others])


@bp.route("/actions/<id:action_id>/milestones/new", methods=["GET", "POST"])
@require(Permission.PLANS_MANAGE)
def create(action_id: int):
    action = db.get_or_404(Action, action_id)
    form = MilestoneForm()
    _edit_form_choices(form, action)
    if not form.is_submitted():
        form.responsible_organization_id.data = action.lead_organization_id
    return form_page(
        form,
        "milestones/form.html",
        lambda: service.create_milestone(
            acting_user(),
            action,
            title=form.title.data,
            description=form.description.data,
            deliverable=form.deliverable.data,
            responsible_organization_id=form.responsible_organization_id.data,
            due_date=form.due_date.data,
            planned_start=form.planned_start.data,
            predecessor_ids=form.predecessors.data or [],
        ),
        done=_("Le jalon a été ajouté au plan."),
        to=lambda created: url_for("milestones.detail", milestone_id=created.id),
        action=action,
        milestone=None,
        fresh=None,
    )


@bp.route("/milestones/<id:milestone_id>/edit", methods=["GET", "POST"])
@require(Permission.MILESTONES_EDIT)
def edit(milestone_id: int):
    milestone = get_milestone_or_404(milestone_id)
    user = acting_user()
    if not service.may(user, Permission.MILESTONES_EDIT, milestone):
        abort(403)
    form = MilestoneForm(obj=milestone if request.method == "GET" else None)
    _edit_form_choices(form, milestone.action, milestone)
    if request.method == "GET":
        form.predecessors.data = [p.id for p in milestone.predecessors]

    def page(status: int, fresh=None):
        return render_template(
            "milestones/form.html",
            form=form,
            action=milestone.action,
            milestone=milestone,
            fresh=fresh,
        ), status

    if not form.validate_on_submit():
        return page(422 if form.is_submitted() else 200)
    return act(
        lambda: service.update_milestone(
            user,
            milestone,
            expected_version=form_version(form),
            title=form.title.data,
            description=form.description.data,
            deliverable=form.deliverable.data,
            responsible_organization_id=form.responsible_organization_id.data,
            due_date=form.due_date.data,
            planned_start=form.planned_start.data,
            predecessor_ids=form.predecessors.data or [],
            change_reason=form.change_reason.data or "",
        ),
        done=lambda change: (
            _(
                "Modifications enregistrées. La nouvelle échéance est soumise "
                "à la décision du ministère."
            )
            if change is not None
            else _("Modifications enregistrées.")
        ),
        to=url_for("milestones.detail", milestone_id=milestone.id),
        # Stale: keep what the person typed, show the current values beside it and accept a
        # deliberate second save over them.
        again=lambda saved: page(saved.status, milestone if saved.status == 409 else None),
        form=form,
        current=lambda: str(milestone.version),
    )


@bp.route("/change-requests/<id:request_id>/decide", methods=["POST"])
@require(Permission.CHANGE_REQUESTS_DECIDE)
def decide(request_id: int):
    change = db.get_or_404(ChangeRequest, request_id)
    form = ChangeDecisionForm()
    if not form.validate_on_submit() or form.decision.data not in ("accept", "refuse"):
        abort(400)
    back = url_for("milestones.detail", milestone_id=change.milestone_id)
    return act(
        lambda: service.decide_change_request(
            acting_user(),
            change,
            accept=form.decision.data == "accept",
            comment=form.comment.data or "",
        ),
        done=lambda _decided: (
            _("Nouvelle échéance acceptée.")
            if change.status is ChangeRequestStatus.ACCEPTED
            else _("Demande de changement refusée.")
        ),
        to=back,
        # The milestone's page says why, from the flashed message.
        again=lambda saved: redirect(back),
    )
