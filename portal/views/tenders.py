"""Provider selection: tenders, their specification, committee, bids, scoring and ranking."""

import json
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm import joinedload, selectinload

from portal import authz, labels
from portal.authz import Permission, require
from portal.errors import render_error
from portal.extensions import db
from portal.forms.tenders import (
    CATEGORY_LABELS,
    METHOD_LABELS,
    NORMALIZATION_LABELS,
    PROCEDURE_LABELS,
    BidForm,
    ConsensusForm,
    DeclarationForm,
    SpecificationForm,
    StageForm,
    TenderFilterForm,
    TenderForm,
    VersionForm,
)
from portal.models.plans import Action, Plan
from portal.models.tenders import (
    Bid,
    CommitteeMember,
    CommitteeRole,
    Criterion,
    Lot,
    Tender,
    TenderEvent,
    TenderStage,
)
from portal.models.types import valid_id
from portal.models.users import Role, RoleAssignment, User
from portal.services import files, minutes, tasks
from portal.services import ocds as ocds_data
from portal.services import tenders as service
from portal.services.errors import DomainError, InvalidInput, NotAllowed, StaleObject
from portal.services.organizations import all_cities
from portal.templating import render_page
from portal.views._common import (
    acting_user,
    attachment,
    commit_or_conflict,
    form_version,
    moment,
    paginate,
    save,
    send_stored,
)

bp = Blueprint("tenders", __name__, url_prefix="/tenders")

ROLE_LABELS = labels.COMMITTEE_ROLE_LABELS


def _tender_or_404(tender_id: int) -> Tender:
    tender = db.session.scalar(
        sa.select(Tender)
        .where(Tender.id == tender_id)
        .options(
            joinedload(Tender.city),
            joinedload(Tender.action),
            selectinload(Tender.lots).selectinload(Lot.bids).joinedload(Bid.bidder),
            selectinload(Tender.lots).selectinload(Lot.bids).selectinload(Bid.files),
            selectinload(Tender.criteria),
            selectinload(Tender.members).joinedload(CommitteeMember.user),
        )
    )
    user = acting_user()
    if tender is None or (
        tender.stage is TenderStage.DRAFT and not service.may_manage(user, tender)
    ):
        abort(404)  # a draft is the secretariat's until it is published
    return tender


def _local(moment: datetime) -> datetime:
    """A naive local time typed in a form, as the UTC instant it means."""
    zone = ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])
    return moment.replace(tzinfo=zone).astimezone(UTC)


def _as_local(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    zone = ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])
    return moment.astimezone(zone).replace(tzinfo=None)


# --- List and detail --------------------------------------------------------------------------


@bp.route("", endpoint="list")
@require(Permission.TENDERS_VIEW)
def tender_list():
    user = acting_user()
    filters = TenderFilterForm(request.args)
    filters.set_choices(service.STAGE_LABELS, all_cities())
    pagination = paginate(service.filtered_query(filters.criteria(), user))
    return render_page(
        "tenders/list.html",
        "tenders/_table.html",
        filters=filters,
        pagination=pagination,
        may_manage=service.may_manage(user),
    )


def _detail(tender: Tender, *, status: int = 200, consensus_form=None):
    user = acting_user()
    member = service.membership(user, tender)
    see_bids = service.may_see_bids(user, tender)
    opened = service.envelopes_open(tender)
    all_rankings = service.rank(tender) if see_bids and opened else []
    prices = service.opened_prices(tender, all_rankings) if all_rankings else {}
    # The ranking table from the financial evaluation on; at the opening, the prices alone.
    rankings = all_rankings if service.reached(tender, TenderStage.FINANCIAL_EVALUATION) else []
    # Before the lock, a member sees the others' scores once they have handed in their own.
    scorer_ready = member is not None and member.cleared and member.scores_submitted_at is not None
    locked = see_bids and service.reached(tender, TenderStage.TECHNICAL_LOCKED)
    table = service.technical_table(tender) if locked or scorer_ready else {}
    events = db.session.scalars(
        sa.select(TenderEvent)
        .where(TenderEvent.tender_id == tender.id)
        .options(joinedload(TenderEvent.actor))
        .order_by(TenderEvent.occurred_at, TenderEvent.id)
    ).all()
    html = render_template(
        "tenders/detail.html",
        tender=tender,
        waiting=tasks.waiting_on("tender", tender.id, moment()),
        # Who has yet to score or declare is the committee's and the secretariat's business.
        show_people=service.may_manage(user, tender) or member is not None,
        member=member,
        see_bids=see_bids,
        opened=opened,
        prices=prices,
        rankings=rankings,
        table=table,
        technical=service.technical_scores(tender) if table else {},  # rounded by |score
        leaves=service.leaf_criteria(tender),
        eliminatory=service.eliminatory_criteria(tender),
        events=events,
        actions=service.allowed_actions(user, tender),
        stage_form=StageForm(),
        declaration_form=DeclarationForm(),
        consensus_form=consensus_form or ConsensusForm(),
        role_labels=ROLE_LABELS,
        labels={
            "category": CATEGORY_LABELS,
            "procedure": PROCEDURE_LABELS,
            "method": METHOD_LABELS,
            "normalization": NORMALIZATION_LABELS,
        },
        STAGES=service.STAGE_LABELS,
        minutes_available=minutes.available(tender),
        # A bidder's receipt: when its offer came and what it sent, never another's.
        own_bids=[b for lot in tender.lots for b in lot.bids if b.bidder_id == user.organization_id]
        if user.organization_id is not None
        else [],
        # Bidders do not learn who sits on the committee before the ranking (no lobbying).
        show_committee=see_bids
        or member is not None
        or service.reached(tender, TenderStage.RANKING)
        or not authz.can(user, Permission.TENDERS_BID),
    )
    return html, status


@bp.route("/<id:tender_id>")
@require(Permission.TENDERS_VIEW)
def detail(tender_id: int):
    return _detail(_tender_or_404(tender_id))


def _refused(tender_id: int, refused: DomainError, **extra):
    db.session.rollback()
    if isinstance(refused, NotAllowed):
        return render_error(403, refused.message)
    flash(refused.message, "error")
    status = 409 if isinstance(refused, StaleObject) else 422
    return _detail(_tender_or_404(tender_id), status=status, **extra)


# --- The secretariat's pages ------------------------------------------------------------------


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
    status = 422 if form.is_submitted() else 200
    if form.validate_on_submit():
        saved = save(
            form,
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
        )
        status = saved.status
        if status is None:
            flash(_("Appel d'offres enregistré."), "success")
            return redirect(url_for("tenders.detail", tender_id=saved.value.id))
    return render_template("tenders/form.html", form=form, tender=tender), status


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
    status = 200
    if form.is_submitted():
        lines = list(
            zip(
                request.form.getlist("lot_title"),
                request.form.getlist("lot_estimate"),
                strict=False,
            )
        )
        status = 422
        if form.validate_on_submit():
            saved = save(
                form,
                lambda: service.save_lots(
                    acting_user(), tender, lines, expected_version=form_version(form)
                ),
            )
            status = saved.status
            if status is None:
                flash(_("Lots enregistrés."), "success")
                return redirect(url_for("tenders.detail", tender_id=tender_id))
            tender = _tender_or_404(tender_id)
    else:
        form.version.data = tender.version
    if not lines:
        lines = [(tender.title, str(tender.estimate))]
    return render_template(
        "tenders/lots.html", tender=tender, form=form, lines=[*lines, ("", ""), ("", "")]
    ), status


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
    status = 422 if form.is_submitted() else 200
    if form.validate_on_submit():

        def apply():
            service.save_specification(
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
            )

        saved = save(form, apply)
        status = saved.status
        if status is None:
            flash(_("Grille de sélection enregistrée."), "success")
            return redirect(url_for("tenders.detail", tender_id=tender_id))
        tender = _tender_or_404(tender_id)
    return render_template("tenders/specification.html", tender=tender, form=form), status


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
    status = 200
    if form.is_submitted():
        lines = list(
            zip(
                [valid_id(v) for v in request.form.getlist("member_user")],
                request.form.getlist("member_role"),
                strict=False,
            )
        )
        status = 422
        if form.validate_on_submit():
            saved = save(
                form,
                lambda: service.set_committee(
                    acting_user(), tender, lines, expected_version=form_version(form)
                ),
            )
            status = saved.status
            if status is None:
                flash(_("Commission enregistrée."), "success")
                return redirect(url_for("tenders.detail", tender_id=tender_id))
            tender = _tender_or_404(tender_id)
    else:
        form.version.data = tender.version
    return render_template(
        "tenders/committee.html",
        tender=tender,
        form=form,
        evaluators=_evaluators(),
        lines=[*lines, *[(None, "member")] * max(2, 4 - len(lines))],
        roles=ROLE_LABELS,
    ), status


# --- Moves, declarations, bids ----------------------------------------------------------------


@bp.route("/<id:tender_id>/stage", methods=["POST"])
@require(Permission.TENDERS_VIEW)
def move(tender_id: int):
    tender = _tender_or_404(tender_id)
    form = StageForm()
    try:
        to_stage = TenderStage(form.to_stage.data or "")
    except ValueError:
        abort(400)
    if not form.validate_on_submit():
        abort(400)
    present = [valid_id(v) for v in request.form.getlist("present")]
    try:
        service.advance(
            acting_user(),
            tender,
            to_stage,
            note=form.note.data or "",
            present=[p for p in present if p],
            expected_version=form_version(form),
        )
        commit_or_conflict()
    except DomainError as refused:
        return _refused(tender_id, refused)
    flash(_("Étape : « %(stage)s ».", stage=service.STAGE_LABELS[tender.stage]), "success")
    return redirect(url_for("tenders.detail", tender_id=tender_id))


@bp.route("/<id:tender_id>/declaration", methods=["POST"])
@require(Permission.TENDERS_EVALUATE)
def declaration(tender_id: int):
    tender = _tender_or_404(tender_id)
    form = DeclarationForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        service.declare(
            acting_user(), tender, conflict=form.conflict.data == "yes", note=form.note.data or ""
        )
        commit_or_conflict()
    except DomainError as refused:
        return _refused(tender_id, refused)
    flash(_("Déclaration enregistrée."), "success")
    return redirect(url_for("tenders.detail", tender_id=tender_id))


@bp.route("/<id:tender_id>/lots/<id:lot_id>/bid", methods=["GET", "POST"])
@require(Permission.TENDERS_BID)
def bid(tender_id: int, lot_id: int):
    tender = _tender_or_404(tender_id)
    lot = next((lot for lot in tender.lots if lot.id == lot_id), None)
    if lot is None:
        abort(404)
    user = acting_user()
    form = BidForm()
    status = 422 if form.is_submitted() else 200
    if form.validate_on_submit():
        stored = []
        try:
            uploads = [f for f in (form.documents.data or []) if f and f.filename]
            for upload in uploads:
                stored.append(files.store(user, upload))
            service.submit_bid(
                user, lot, bidder_id=user.organization_id, price=form.price.data, files=stored
            )
            commit_or_conflict(stored)
        except DomainError as refused:
            db.session.rollback()
            for kept in stored:
                files.discard(kept)
            if isinstance(refused, NotAllowed):
                return render_error(403, refused.message)
            form.form_errors.append(refused.message)
        else:
            flash(_("Offre déposée : elle reste scellée jusqu'à l'ouverture des plis."), "success")
            return redirect(url_for("tenders.detail", tender_id=tender_id))
    return render_template("tenders/bid.html", tender=tender, lot=lot, form=form), status


@bp.route("/<id:tender_id>/bids/<id:bid_id>/check", methods=["GET", "POST"])
@require(Permission.TENDERS_MANAGE)
def check(tender_id: int, bid_id: int):
    tender = _tender_or_404(tender_id)
    found = next((b for lot in tender.lots for b in lot.bids if b.id == bid_id), None)
    if found is None:
        abort(404)
    criteria = service.eliminatory_criteria(tender)
    form = VersionForm()
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        results = {
            c.id: (
                {"pass": True, "fail": False}.get(request.form.get(f"check_{c.id}", "")),
                request.form.get(f"reason_{c.id}", ""),
            )
            for c in criteria
        }
        try:
            service.check_bid(
                acting_user(), found, results=results, expected_version=form_version(form)
            )
            commit_or_conflict()
        except DomainError as refused:
            db.session.rollback()
            if isinstance(refused, NotAllowed):
                return render_error(403, refused.message)
            flash(refused.message, "error")
            status = 409 if isinstance(refused, StaleObject) else 422
            tender = _tender_or_404(tender_id)
            found = next(b for lot in tender.lots for b in lot.bids if b.id == bid_id)
        else:
            flash(_("Vérification enregistrée."), "success")
            return redirect(url_for("tenders.detail", tender_id=tender_id))
    else:
        form.version.data = found.version
    return render_template(
        "tenders/check.html", tender=tender, bid=found, criteria=criteria, form=form
    ), status


@bp.route("/<id:tender_id>/bids/<id:bid_id>/files/<id:file_id>")
@require(Permission.TENDERS_VIEW)
def bid_file(tender_id: int, bid_id: int, file_id: int):
    """A bid's technical document, for those who may see the bids (and its own bidder)."""
    tender = _tender_or_404(tender_id)
    user = acting_user()
    found = next((b for lot in tender.lots for b in lot.bids if b.id == bid_id), None)
    member = service.membership(user, tender)
    # Documents are for those who evaluate and for their author, even after the ranking.
    allowed = (
        service.may_manage(user, tender)
        or (member is not None and member.cleared)
        or (found is not None and user.organization_id == found.bidder_id)
    )
    if found is None or not allowed:
        abort(404)
    stored = next((f for f in found.files if f.id == file_id), None)
    if stored is None:
        abort(404)
    return send_stored(stored)


# --- What the procedure leaves on record -------------------------------------------------------


@bp.route("/<id:tender_id>/minutes.pdf")
@require(Permission.TENDERS_VIEW)
def minutes_pdf(tender_id: int):
    tender = _tender_or_404(tender_id)
    if not minutes.available(tender) or not service.may_see_bids(acting_user(), tender):
        abort(404)
    return attachment(
        minutes.minutes_pdf(tender), "application/pdf", f"PV-{_file_safe(tender.reference)}.pdf"
    )


@bp.route("/<id:tender_id>/ocds.json")
@require(Permission.TENDERS_VIEW)
def ocds(tender_id: int):
    tender = _tender_or_404(tender_id)
    uri = current_app.config["PORTAL_URL"] + url_for("tenders.ocds", tender_id=tender.id)
    package = ocds_data.tender_package(tender, uri=uri)
    return attachment(
        json.dumps(package, ensure_ascii=False, indent=2),
        "application/json; charset=utf-8",
        f"ocds-{_file_safe(tender.reference)}.json",
    )


def _file_safe(text: str) -> str:
    """A reference as a file name: letters, digits, dots, dashes and underscores only."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "appel-offres"


# --- Scoring ----------------------------------------------------------------------------------


@bp.route("/<id:tender_id>/scoring", methods=["GET", "POST"])
@require(Permission.TENDERS_EVALUATE)
def scoring(tender_id: int):
    tender = _tender_or_404(tender_id)
    user = acting_user()
    member = service.membership(user, tender)
    if member is None or not member.cleared:
        abort(403)
    bids = service.admitted_bids(tender)
    leaves = service.leaf_criteria(tender)
    form = VersionForm()
    status = 200
    entered = {}
    errors = {}
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        submit = request.form.get("submit") == "1"
        # Every value is read and checked before anything is kept: each refusal sits on its
        # own field, and what the person typed comes back whole.
        for b in bids:
            for c in leaves:
                entered[(b.id, c.id)] = (
                    request.form.get(f"points_{b.id}_{c.id}", "").strip(),
                    request.form.get(f"why_{b.id}_{c.id}", ""),
                )
        try:
            for b in bids:
                for c in leaves:
                    points, why = entered[(b.id, c.id)]
                    if not (points or why.strip()):
                        continue
                    try:
                        service.record_score(user, b, c, points=points, justification=why)
                    except InvalidInput as refused:
                        errors[(b.id, c.id)] = _(
                            "%(bidder)s – %(criterion)s : %(message)s",
                            bidder=b.bidder.short_name,
                            criterion=c.label,
                            message=refused.message,
                        )
            if errors:
                raise InvalidInput(
                    ngettext(
                        "%(num)d note à corriger : rien n'a été enregistré.",
                        "%(num)d notes à corriger : rien n'a été enregistré.",
                        len(errors),
                    )
                )
            db.session.flush()
            if submit:
                service.submit_scores(user, tender)
            commit_or_conflict()
        except DomainError as refused:
            db.session.rollback()
            if isinstance(refused, NotAllowed):
                return render_error(403, refused.message)
            flash(refused.message, "error")
            status = 422
            tender = _tender_or_404(tender_id)
            member = service.membership(user, tender)
            bids = service.admitted_bids(tender)
        else:
            flash(
                _("Notes remises : vous voyez désormais celles des autres membres.")
                if submit
                else _("Notes enregistrées (non remises)."),
                "success",
            )
            return redirect(url_for("tenders.scoring", tender_id=tender_id))
    mine = {
        (s.bid_id, s.criterion_id): s
        for s in service.visible_scores(user, tender)
        if s.member_id == member.id
    }
    return render_template(
        "tenders/scoring.html",
        tender=tender,
        member=member,
        bids=bids,
        leaves=leaves,
        mine=mine,
        entered=entered,
        errors=errors,
        form=form,
        editable=tender.stage is TenderStage.TECHNICAL_EVALUATION
        and member.scores_submitted_at is None
        and member.role is not CommitteeRole.OBSERVER,
    ), status


@bp.route("/<id:tender_id>/consensus", methods=["POST"])
@require(Permission.TENDERS_EVALUATE)
def consensus(tender_id: int):
    tender = _tender_or_404(tender_id)
    form = ConsensusForm()
    if not form.validate_on_submit():
        flash(_("Indiquez la note de consensus et son motif."), "error")
        return _detail(tender, status=422, consensus_form=form)
    found = next(
        (b for lot in tender.lots for b in lot.bids if b.id == valid_id(form.bid_id.data)), None
    )
    criterion = db.session.get(Criterion, valid_id(form.criterion_id.data) or 0)
    if found is None or criterion is None or criterion.tender_id != tender.id:
        abort(404)
    try:
        service.set_consensus(
            acting_user(), found, criterion, points=form.points.data, reason=form.reason.data
        )
        commit_or_conflict()
    except DomainError as refused:
        return _refused(tender_id, refused)
    flash(_("Note de consensus enregistrée."), "success")
    return redirect(url_for("tenders.detail", tender_id=tender_id))


@bp.route("/<id:tender_id>/bids/<id:bid_id>/justification", methods=["POST"])
@require(Permission.TENDERS_EVALUATE)
def justification(tender_id: int, bid_id: int):
    tender = _tender_or_404(tender_id)
    found = next((b for lot in tender.lots for b in lot.bids if b.id == bid_id), None)
    if found is None:
        abort(404)
    if request.form.get("decision") not in ("accept", "reject"):
        abort(400)
    try:
        service.decide_justification(
            acting_user(),
            found,
            accepted=request.form.get("decision") == "accept",
            justification=request.form.get("justification", ""),
        )
        commit_or_conflict()
    except DomainError as refused:
        return _refused(tender_id, refused)
    flash(_("Décision sur la justification enregistrée."), "success")
    return redirect(url_for("tenders.detail", tender_id=tender_id))
