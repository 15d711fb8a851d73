"""Reading a procedure: the list, a tender's page, its minutes and its OCDS release."""

import json
import re

import sqlalchemy as sa
from flask import (
    abort,
    current_app,
    render_template,
    request,
    url_for,
)
from sqlalchemy.orm import joinedload

from portal import authz
from portal.authz import Permission, require
from portal.extensions import db
from portal.forms.tenders import (
    CATEGORY_LABELS,
    METHOD_LABELS,
    NORMALIZATION_LABELS,
    PROCEDURE_LABELS,
    ConsensusForm,
    DeclarationForm,
    StageForm,
    TenderFilterForm,
)
from portal.models.tenders import (
    Tender,
    TenderEvent,
    TenderStage,
)
from portal.services import minutes, tasks
from portal.services import ocds as ocds_data
from portal.services import tenders as service
from portal.services.organizations import all_cities
from portal.templating import render_page
from portal.views._common import (
    acting_user,
    attachment,
    moment,
    paginate,
)
from portal.views.tenders.base import ROLE_LABELS, _tender_or_404, bp


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


def _again(tender_id: int, **extra):
    """The tender's page shown again after a refusal, with the reason and its status."""
    return lambda saved: _detail(_tender_or_404(tender_id), status=saved.status, **extra)


def _back(tender_id: int) -> str:
    return url_for("tenders.detail", tender_id=tender_id)


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
