"""The coverage blueprint and what its pages share: loading a site or a site kind."""

import sqlalchemy as sa
from flask import Blueprint, abort
from sqlalchemy.orm import joinedload, selectinload

from portal.extensions import db
from portal.models.coverage import (
    Site,
    SiteEvent,
    SiteKind,
)

bp = Blueprint("coverage", __name__, url_prefix="/coverage")

# The map draws at most this many markers; past it the page says so and the list pages.
MAP_LIMIT = 2000


def _kind_or_404(value: str) -> SiteKind:
    try:
        return SiteKind(value)
    except ValueError:
        abort(404)


def _site_or_404(site_id: int) -> Site:
    site = db.session.scalar(
        sa.select(Site)
        .where(Site.id == site_id)
        .options(
            joinedload(Site.city),
            joinedload(Site.host_organization),
            joinedload(Site.action),
            selectinload(Site.events).joinedload(SiteEvent.actor),
            selectinload(Site.milestones),
        )
    )
    if site is None:
        abort(404)
    return site
