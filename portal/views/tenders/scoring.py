"""A committee member's scoring page."""

from flask import (
    abort,
    flash,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext

from portal.authz import Permission, require
from portal.extensions import db
from portal.forms.tenders import (
    ConsensusForm,
    VersionForm,
)
from portal.models.tenders import (
    CommitteeRole,
    Criterion,
    TenderStage,
)
from portal.models.types import valid_id
from portal.names import local
from portal.services import tenders as service
from portal.services.errors import InvalidInput
from portal.views._common import (
    act,
    acting_user,
)
from portal.views.tenders.base import _tender_or_404, bp
from portal.views.tenders.pages import _again, _back, _detail


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
    entered = {}
    errors = {}

    def page(status: int):
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

    if request.method != "POST":
        return page(200)
    if not form.validate_on_submit():
        abort(400)
    submit = request.form.get("submit") == "1"
    # Every value is read and checked before anything is kept: each refusal sits on its own
    # field, and what the person typed comes back whole.
    for b in bids:
        for c in leaves:
            entered[(b.id, c.id)] = (
                request.form.get(f"points_{b.id}_{c.id}", "").strip(),
                request.form.get(f"why_{b.id}_{c.id}", ""),
            )

    def run():
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
                        criterion=local(c, "label"),
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

    return act(
        run,
        done=_("Notes remises : vous voyez désormais celles des autres membres.")
        if submit
        else _("Notes enregistrées (non remises)."),
        to=url_for("tenders.scoring", tender_id=tender_id),
        # The rollback expired the rows: the page shows their current values.
        again=lambda saved: page(saved.status),
    )


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
    return act(
        lambda: service.set_consensus(
            acting_user(), found, criterion, points=form.points.data, reason=form.reason.data
        ),
        done=_("Note de consensus enregistrée."),
        to=_back(tender_id),
        again=_again(tender_id),
    )


@bp.route("/<id:tender_id>/bids/<id:bid_id>/justification", methods=["POST"])
@require(Permission.TENDERS_EVALUATE)
def justification(tender_id: int, bid_id: int):
    tender = _tender_or_404(tender_id)
    found = next((b for lot in tender.lots for b in lot.bids if b.id == bid_id), None)
    if found is None:
        abort(404)
    if request.form.get("decision") not in ("accept", "reject"):
        abort(400)
    return act(
        lambda: service.decide_justification(
            acting_user(),
            found,
            accepted=request.form.get("decision") == "accept",
            justification=request.form.get("justification", ""),
        ),
        done=_("Décision sur la justification enregistrée."),
        to=_back(tender_id),
        again=_again(tender_id),
    )
