"""Commitments: the list, a page per commitment with its progress, declarations, decisions."""

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    render_template,
    request,
    url_for,
)
from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload

from portal import clock
from portal.authz import Permission, can, require
from portal.extensions import db
from portal.forms.commitments import CommitmentFilterForm, CommitmentForm, DecisionForm, UpdateForm
from portal.models.commitments import Commitment, CommitmentUpdate
from portal.models.files import StoredFile
from portal.models.organizations import Organization
from portal.models.plans import Action, Plan
from portal.models.types import valid_id
from portal.services import commitments as service
from portal.services import files, tasks
from portal.services.organizations import all_cities
from portal.templating import render_page
from portal.views._common import (
    act,
    acting_user,
    form_page,
    moment,
    paginate,
    send_stored,
)

bp = Blueprint("commitments", __name__)


def _commitment_or_404(commitment_id: int) -> Commitment:
    commitment = db.session.scalar(
        sa.select(Commitment)
        .where(Commitment.id == commitment_id)
        .options(
            joinedload(Commitment.organization),
            joinedload(Commitment.city),
            joinedload(Commitment.action),
        )
    )
    if commitment is None:
        abort(404)
    return commitment


@bp.route("/commitments", endpoint="list")
@require(Permission.PLANS_VIEW)
def commitments_list():
    filters = CommitmentFilterForm(request.args)
    filters.set_choices(
        all_cities(),
        db.session.scalars(sa.select(Organization).order_by(Organization.short_name)).all(),
    )
    pagination = paginate(service.filtered_query(filters.criteria()))
    return render_page(
        "commitments/list.html",
        "commitments/_table.html",
        filters=filters,
        pagination=pagination,
        today=clock.today(),
        can_create=can(acting_user(), Permission.COMMITMENTS_DECLARE),
    )


@bp.route("/commitments/new", methods=["GET", "POST"])
@require(Permission.COMMITMENTS_DECLARE)
def create():
    user = acting_user()
    organizations = db.session.scalars(
        sa.select(Organization).order_by(Organization.short_name)
    ).all()
    if not can(user, Permission.PLANS_MANAGE):
        organizations = [o for o in organizations if o.id == user.organization_id]
    actions = db.session.scalars(
        sa.select(Action).join(Plan).order_by(Plan.city_id, Action.code)
    ).all()
    form = CommitmentForm()
    form.set_choices(organizations, all_cities(), actions)
    if not form.is_submitted():
        form.organization_id.data = user.organization_id
    return form_page(
        form,
        "commitments/form.html",
        lambda: service.create_commitment(
            user,
            organization_id=form.organization_id.data,
            city_id=form.city_id.data,
            action_id=valid_id(form.action_id.data),
            title=form.title.data,
            indicator=form.indicator.data,
            unit=form.unit.data,
            baseline=form.baseline.data,
            target=form.target.data,
            due_date=form.due_date.data,
        ),
        done=_("L'engagement est proposé à la ville."),
        to=lambda created: _back(created.id),
    )


def _detail(commitment: Commitment, *, update_form=None, status=200):
    user = acting_user()
    today = clock.today()
    updates = db.session.scalars(
        sa.select(CommitmentUpdate)
        .where(CommitmentUpdate.commitment_id == commitment.id)
        .options(
            joinedload(CommitmentUpdate.declared_by),
            joinedload(CommitmentUpdate.decided_by),
            selectinload(CommitmentUpdate.files),
        )
        .order_by(CommitmentUpdate.measured_on, CommitmentUpdate.id)
    ).all()
    declared = [u for u in updates if u.status.value == "declared"]
    chart = service.progress_chart(
        commitment,
        updates,
        today=today,
        labels={
            "title": _("Avancement de l'engagement"),
            "target": _("Cible"),
            "day": lambda day: format_date(day, "medium"),
            "number": format_decimal,
        },
    )
    html = render_template(
        "commitments/detail.html",
        commitment=commitment,
        waiting=tasks.waiting_on("commitment", commitment.id, moment()),
        updates=updates,
        # The declaration made last, whatever day it measured (the list is by measure day).
        latest_declared=max(declared, key=lambda u: (u.declared_at, u.id)) if declared else None,
        chart=chart,
        update_form=update_form or UpdateForm(),
        decision_form=DecisionForm(),
        may_declare=service.may_declare(user, commitment),
        may_validate=service.may_validate(user, commitment),
        late=commitment.is_late(today),
        today=today,
    )
    return html, status


@bp.route("/commitments/<id:commitment_id>")
@require(Permission.PLANS_VIEW)
def detail(commitment_id: int):
    return _detail(_commitment_or_404(commitment_id))


def _again(commitment_id: int, form=None):
    """The commitment's page shown again after a refusal, with the reason and its status."""
    return lambda saved: _detail(
        _commitment_or_404(commitment_id), update_form=form, status=saved.status
    )


def _back(commitment_id: int) -> str:
    return url_for("commitments.detail", commitment_id=commitment_id)


@bp.route("/commitments/<id:commitment_id>/status", methods=["POST"])
@require(Permission.PLANS_VIEW)
def change_status(commitment_id: int):
    commitment = _commitment_or_404(commitment_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    return act(
        lambda: service.change_status(
            acting_user(),
            commitment,
            form.decision.data,
            reason=form.reason.data or "",
            today=clock.today(),
        ),
        done=lambda _changed: _(
            "L'engagement est maintenant « %(status)s ».",
            status=service.STATUS_LABELS[commitment.status],
        ),
        to=_back(commitment_id),
        again=_again(commitment_id),
    )


@bp.route("/commitments/<id:commitment_id>/updates", methods=["POST"])
@require(Permission.COMMITMENTS_DECLARE)
def declare(commitment_id: int):
    commitment = _commitment_or_404(commitment_id)
    user = acting_user()
    if not service.may_declare(user, commitment):
        abort(403)
    form = UpdateForm()
    if not form.validate_on_submit():
        return _detail(commitment, update_form=form, status=422)
    stored = []

    def run():
        update = service.declare_update(
            user,
            commitment,
            value=form.value.data,
            measured_on=form.measured_on.data,
            note=form.note.data,
            today=clock.today(),
        )
        for upload in form.evidence.data or []:
            if upload and upload.filename:
                stored.append(files.store(user, upload))
        update.files = stored

    return act(
        run,
        done=_("Votre déclaration attend la validation de la ville."),
        to=_back(commitment_id),
        again=_again(commitment_id, form),
        stored=stored,
    )


@bp.route("/commitment-updates/<id:update_id>/decide", methods=["POST"])
@require(Permission.COMMITMENTS_VALIDATE)
def decide(update_id: int):
    update = db.get_or_404(CommitmentUpdate, update_id)
    form = DecisionForm()
    if not form.validate_on_submit() or form.decision.data not in ("validate", "reject"):
        abort(400)
    return act(
        lambda: service.decide_update(
            acting_user(),
            update,
            accept=form.decision.data == "validate",
            reason=form.reason.data or "",
        ),
        done=_("Décision enregistrée."),
        to=_back(update.commitment_id),
        again=_again(update.commitment_id),
    )


@bp.route("/commitment-updates/<id:update_id>/files/<id:file_id>")
@require(Permission.PLANS_VIEW)
def evidence(update_id: int, file_id: int):
    update = db.get_or_404(CommitmentUpdate, update_id)
    stored = db.session.get(StoredFile, file_id)
    if stored is None or stored not in update.files:
        abort(404)
    return send_stored(stored)
