"""The secretariat's pages: a tender's form, lots, selection grid and committee."""

import sqlalchemy as sa
from flask import (
    abort,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from portal.authz import Permission, require
from portal.extensions import db
from portal.forms.fields import criteria_labels_form
from portal.forms.tenders import (
    SpecificationForm,
    TenderForm,
    VersionForm,
)
from portal.models.plans import Action, Plan
from portal.models.tenders import (
    Tender,
)
from portal.models.types import valid_id
from portal.models.users import Role, RoleAssignment, User
from portal.services import tenders as service
from portal.services.organizations import all_cities
from portal.views._common import (
    act,
    acting_user,
    form_page,
    form_version,
)
from portal.views.tenders.base import ROLE_LABELS, _as_local, _local, _tender_or_404, bp
from portal.views.tenders.pages import _back


def _tender_form(tender: Tender | None) -> TenderForm:
    form = TenderForm(obj=tender if tender is not None and request.method == "GET" else None)
    actions = db.session.scalars(
        sa.select(Action).join(Plan).order_by(Plan.city_id, Action.code)
    ).all()
    form.set_choices(all_cities(), actions)
    if tender is not None and request.method == "GET":
        form.city_id.data = tender.city_id or 0
        form.action_id.data = tender.action_id or 0
        form.category.data = tender.category.value
        form.procedure.data = tender.procedure.value
        form.estimate.data = str(tender.estimate)
        form.submission_deadline.data = _as_local(tender.submission_deadline)
        form.opening_session.data = _as_local(tender.opening_session)
        form.version.data = tender.version
    return form


def _save_tender(tender: Tender | None):
    user = acting_user()
    form = _tender_form(tender)
    return form_page(
        form,
        "tenders/form.html",
        lambda: service.save_tender(
            user,
            tender,
            reference=form.reference.data,
            title=form.title.data,
            city_id=valid_id(form.city_id.data),
            action_id=valid_id(form.action_id.data),
            category=form.category.data,
            procedure=form.procedure.data,
            estimate=form.estimate.data,
            publication_date=form.publication_date.data,
            submission_deadline=_local(form.submission_deadline.data)
            if form.submission_deadline.data
            else None,
            opening_session=_local(form.opening_session.data)
            if form.opening_session.data
            else None,
            evaluation_due=form.evaluation_due.data,
            expected_version=form_version(form) if tender else None,
        ),
        done=_("Appel d'offres enregistré."),
        to=lambda saved: url_for("tenders.detail", tender_id=saved.id),
        tender=tender,
    )


@bp.route("/new", methods=["GET", "POST"])
@require(Permission.TENDERS_MANAGE)
def create():
    return _save_tender(None)


@bp.route("/<id:tender_id>/edit", methods=["GET", "POST"])
@require(Permission.TENDERS_MANAGE)
def edit(tender_id: int):
    return _save_tender(_tender_or_404(tender_id))


@bp.route("/<id:tender_id>/lots", methods=["GET", "POST"])
@require(Permission.TENDERS_MANAGE)
def lots(tender_id: int):
    tender = _tender_or_404(tender_id)
    form = VersionForm()
    lines = [(lot.title, str(lot.estimate)) for lot in tender.lots]

    def page(status: int):
        shown = lines or [(tender.title, str(tender.estimate))]
        return render_template(
            "tenders/lots.html", tender=tender, form=form, lines=[*shown, ("", ""), ("", "")]
        ), status

    if not form.is_submitted():
        form.version.data = tender.version
        return page(200)
    lines = list(
        zip(request.form.getlist("lot_title"), request.form.getlist("lot_estimate"), strict=False)
    )
    if not form.validate_on_submit():
        return page(422)
    return act(
        lambda: service.save_lots(
            acting_user(), tender, lines, expected_version=form_version(form)
        ),
        done=_("Lots enregistrés."),
        to=_back(tender_id),
        again=lambda saved: page(saved.status),
        form=form,
    )


@bp.route("/<id:tender_id>/specification", methods=["GET", "POST"])
@require(Permission.TENDERS_MANAGE)
def specification(tender_id: int):
    tender = _tender_or_404(tender_id)
    form = SpecificationForm()
    if request.method == "GET":
        form.criteria.data = service.criteria_text(tender)
        form.method.data = tender.method.value
        form.normalization.data = tender.normalization.value
        for name in (
            "technical_weight",
            "financial_weight",
            "technical_threshold",
            "excessive_above",
            "abnormal_below_works",
            "abnormal_below_other",
            "spread_limit",
        ):
            value = getattr(tender, name)
            getattr(form, name).data = f"{value:f}" if value is not None else ""
        form.decimals.data = tender.decimals
        form.version.data = tender.version
    return form_page(
        form,
        "tenders/specification.html",
        lambda: service.save_specification(
            acting_user(),
            tender,
            criteria=service.parse_criteria(form.criteria.data),
            method=form.method.data,
            technical_weight=form.technical_weight.data,
            financial_weight=form.financial_weight.data,
            technical_threshold=form.technical_threshold.data,
            normalization=form.normalization.data,
            decimals=form.decimals.data,
            excessive_above=form.excessive_above.data,
            abnormal_below_works=form.abnormal_below_works.data,
            abnormal_below_other=form.abnormal_below_other.data,
            spread_limit=form.spread_limit.data,
            expected_version=form_version(form),
        ),
        done=_("Grille de sélection enregistrée."),
        to=_back(tender_id),
        tender=tender,
    )


def _evaluators():
    return db.session.scalars(
        sa.select(User)
        .join(RoleAssignment)
        .where(RoleAssignment.role == Role.EVALUATOR, User.active.is_(True))
        .order_by(User.full_name)
    ).all()


@bp.route("/<id:tender_id>/committee", methods=["GET", "POST"])
@require(Permission.TENDERS_MANAGE)
def committee(tender_id: int):
    tender = _tender_or_404(tender_id)
    form = VersionForm()
    lines = [(m.user_id, m.role.value) for m in tender.members]

    def page(status: int):
        return render_template(
            "tenders/committee.html",
            tender=tender,
            form=form,
            evaluators=_evaluators(),
            lines=[*lines, *[(None, "member")] * max(2, 4 - len(lines))],
            roles=ROLE_LABELS,
        ), status

    if not form.is_submitted():
        form.version.data = tender.version
        return page(200)
    lines = list(
        zip(
            [valid_id(v) for v in request.form.getlist("member_user")],
            request.form.getlist("member_role"),
            strict=False,
        )
    )
    if not form.validate_on_submit():
        return page(422)
    return act(
        lambda: service.set_committee(
            acting_user(), tender, lines, expected_version=form_version(form)
        ),
        done=_("Commission enregistrée."),
        to=_back(tender_id),
        again=lambda saved: page(saved.status),
        form=form,
    )


@bp.route("/<id:tender_id>/specification/labels", methods=["GET", "POST"])
@require(Permission.TENDERS_MANAGE)
def criteria_labels(tender_id: int):
    tender = _tender_or_404(tender_id)
    if not service.may_manage(acting_user(), tender):
        abort(403)
    if not tender.criteria:
        abort(404)
    form = criteria_labels_form(tender.criteria)
    if request.method == "GET":
        form.version.data = tender.version
    return form_page(
        form,
        "criteria_labels.html",
        lambda: service.label_criteria(
            acting_user(), tender, form.labels(), expected_version=form_version(form)
        ),
        done=_("Libellés des critères enregistrés."),
        to=_back(tender_id),
        current=lambda: _tender_or_404(tender_id).version,
        criteria=tender.criteria,
        subject=tender.reference,
        back=_back(tender_id),
    )
