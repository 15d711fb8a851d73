"""The procedure's actions: moves, declarations of interest, bids and their documents,
the administrative check, the consensus and justifications."""

from flask import (
    abort,
    render_template,
    request,
)
from flask_babel import gettext as _

from portal.authz import Permission, require
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
from portal.views._common import (
    act,
    acting_user,
    form_version,
    send_stored,
)
from portal.views.tenders.base import _tender_or_404, bp
from portal.views.tenders.pages import _again, _back


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
    return act(
        lambda: service.advance(
            acting_user(),
            tender,
            to_stage,
            note=form.note.data or "",
            present=[p for p in present if p],
            expected_version=form_version(form),
        ),
        done=lambda _moved: _("Étape : « %(stage)s ».", stage=service.STAGE_LABELS[tender.stage]),
        to=_back(tender_id),
        again=_again(tender_id),
    )


@bp.route("/<id:tender_id>/declaration", methods=["POST"])
@require(Permission.TENDERS_EVALUATE)
def declaration(tender_id: int):
    tender = _tender_or_404(tender_id)
    form = DeclarationForm()
    if not form.validate_on_submit():
        abort(400)
    return act(
        lambda: service.declare(
            acting_user(), tender, conflict=form.conflict.data == "yes", note=form.note.data or ""
        ),
        done=_("Déclaration enregistrée."),
        to=_back(tender_id),
        again=_again(tender_id),
    )


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

        def run():
            for upload in form.documents.data or []:
                if upload and upload.filename:
                    stored.append(files.store(user, upload))
            service.submit_bid(
                user, lot, bidder_id=user.organization_id, price=form.price.data, files=stored
            )

        return act(
            run,
            done=_("Offre déposée : elle reste scellée jusqu'à l'ouverture des plis."),
            to=_back(tender_id),
            again=lambda saved: (
                render_template("tenders/bid.html", tender=tender, lot=lot, form=form),
                saved.status,
            ),
            form=form,
            stored=stored,
        )
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
        return act(
            lambda: service.check_bid(
                acting_user(), found, results=results, expected_version=form_version(form)
            ),
            done=_("Vérification enregistrée."),
            to=_back(tender_id),
            # The rollback expired the rows: the page shows their current values.
            again=lambda saved: (_check_page(tender, found, form, criteria), saved.status),
        )
    form.version.data = found.version
    return _check_page(tender, found, form, criteria)


def _check_page(tender, found, form, criteria) -> str:
    return render_template(
        "tenders/check.html", tender=tender, bid=found, criteria=criteria, form=form
    )


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
