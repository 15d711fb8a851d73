"""Open data: the OCDS releases of awarded tenders, for anyone, without signing in."""

import hashlib
import json

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    render_template,
    request,
    url_for,
)
from sqlalchemy.orm import joinedload

from portal.authz import public
from portal.extensions import db
from portal.models.tenders import Tender, TenderEvent, TenderStage
from portal.services import ocds
from portal.views._common import paginate

bp = Blueprint("open_data", __name__, url_prefix="/open-data")

# Only an awarded procedure is published for good (the others may still change or be void).
OPEN_DATA_STAGE = TenderStage.AWARDED


@bp.record_once
def _check_prefix(state) -> None:
    prefix = state.app.config["OCDS_PREFIX"]
    if not ocds.prefix_is_registered(prefix):
        # Releases still validate, but data users cannot tell this publisher's ocids apart.
        state.app.logger.warning(
            "OCDS_PREFIX %r is not a registered ocid prefix (ocds- and six lowercase letters "
            "or digits, handed out by the Open Contracting Partnership)",
            prefix,
        )


def package_for(tender: Tender, endpoint: str) -> dict:
    """The tender's release package, named by its absolute address on this portal."""
    uri = current_app.config["PORTAL_URL"] + url_for(endpoint, tender_id=tender.id)
    return ocds.tender_package(tender, uri=uri)


@bp.route("/")
@public
def index():
    awarded_at = (
        sa.select(sa.func.max(TenderEvent.occurred_at))
        .where(TenderEvent.tender_id == Tender.id, TenderEvent.to_stage == OPEN_DATA_STAGE)
        .scalar_subquery()
    )
    query = (
        sa.select(Tender)
        .options(joinedload(Tender.city))
        .where(Tender.stage == OPEN_DATA_STAGE)
        .order_by(awarded_at.desc(), Tender.id.desc())
    )
    pagination = paginate(query)
    awarded = dict(
        db.session.execute(
            sa.select(TenderEvent.tender_id, TenderEvent.occurred_at).where(
                TenderEvent.tender_id.in_([t.id for t in pagination.items]),
                TenderEvent.to_stage == OPEN_DATA_STAGE,
            )
        ).all()
    )
    return render_template("open_data/index.html", pagination=pagination, awarded=awarded)


@bp.route("/ocds/<id:tender_id>.json")
@public
def release(tender_id: int):
    tender = db.session.get(Tender, tender_id)
    # Only what the procedure has made public for good: an awarded tender.
    if tender is None or tender.stage is not OPEN_DATA_STAGE:
        abort(404)
    body = json.dumps(package_for(tender, "open_data.release"), ensure_ascii=False, indent=2)
    response = make_response(body)
    response.content_type = "application/json; charset=utf-8"
    response.headers["Cache-Control"] = "public, max-age=300"
    response.set_etag(hashlib.sha256(body.encode()).hexdigest()[:32])
    return response.make_conditional(request)
