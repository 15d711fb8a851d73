"""The procedure's actions: moves, declarations of interest, bids and their documents,
the administrative check, the consensus and justifications."""

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from portal.authz import Permission, require
from portal.errors import render_error
from portal.extensions import db
from portal.forms.tenders import (
    BidForm,
    DeclarationForm,
    StageForm,
    VersionForm,
)
from portal.models.tenders import (
    TenderStage,
)
from portal.models.types import valid_id
from portal.services import files
from portal.services import tenders as service
from portal.services.errors import DomainError, NotAllowed, StaleObject
from portal.views._common import (
    acting_user,
    commit_or_conflict,
    form_version,
    send_stored,
)
from portal.views.tenders.base import _tender_or_404, bp
from portal.views.tenders.pages import _refused


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
