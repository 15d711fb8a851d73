"""The sites list and map, filtered by criteria."""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from portal.models.coverage import (
    Site,
    SiteKind,
    SiteStatus,
)
from portal.models.organizations import City


@dataclass(frozen=True)
class SiteCriteria:
    """What the sites list and map are filtered by; `valid` is False when the filters were
    not. A city is named by its slug, as in the addresses."""

    city_slug: str | None = None
    kind: SiteKind | None = None
    status: SiteStatus | None = None
    valid: bool = True


def sites_query(criteria: SiteCriteria):
    """The candidate sites matching `criteria`, by city and name."""
    query = sa.select(Site).options(joinedload(Site.city), joinedload(Site.host_organization))
    if not criteria.valid:
        return query.where(sa.false())
    if criteria.city_slug:
        query = query.join(City, Site.city_id == City.id).where(City.slug == criteria.city_slug)
    if criteria.kind is not None:
        query = query.where(Site.kind == criteria.kind)
    if criteria.status is not None:
        query = query.where(Site.status == criteria.status)
    return query.order_by(Site.city_id, Site.name, Site.id)
