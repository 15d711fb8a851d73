"""The coverage blueprint and what its pages share: saving a form, loading a site, paging
a list held in memory."""

from dataclasses import dataclass

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect
from sqlalchemy.orm import joinedload, selectinload

from portal.errors import render_error
from portal.extensions import db
from portal.models.coverage import (
    Site,
    SiteEvent,
    SiteKind,
)
from portal.services.errors import NotAllowed
from portal.views._common import (
    Saved,
    save,
)

bp = Blueprint("coverage", __name__, url_prefix="/coverage")

# The map draws at most this many markers; past it the page says so and the list pages.
MAP_LIMIT = 2000


def _refused_rights(saved: Saved):
    """The 403 page for a refusal of rights, else None."""
    if isinstance(saved.refusal, NotAllowed):
        return render_error(403, saved.refusal.message)
    return None


def _attempt(form, action):
    """`save`, answered as the status (None once saved) or the 403 page."""
    saved = save(form, action)
    return _refused_rights(saved) or saved.status


@dataclass(frozen=True)
class SlicePage:
    """The page of an in-memory list, as the pagination macro reads it."""

    page: int
    pages: int

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def _submit(form, action, *, done: str, to, current=None):
    """Run the form's service call: on success flash `done` and redirect to `to(value)` (the
    service's result). Otherwise answer the refusal page (403), or return the status with the
    message on the form; a stale form then carries the current version, so that saving again
    is deliberate."""
    saved = save(form, action)
    if (forbidden := _refused_rights(saved)) is not None:
        return forbidden
    if saved.ok:
        flash(done, "success")
        return redirect(to(saved.value))
    if saved.status == 409 and current is not None:
        form.version.data = current()
    return saved.status


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
