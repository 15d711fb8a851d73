"""Who manages indicators and sites, decides on sites, assesses them and reports figures."""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from portal import authz
from portal.authz import Permission
from portal.extensions import db
from portal.models.coverage import (
    ASSESSABLE,
    Assessment,
    Site,
)
from portal.models.users import User
from portal.services.errors import (
    NotAllowed,
)


def _require(actor: User, permission: Permission, city_id) -> None:
    if not authz.can(actor, permission, city_id=city_id):
        raise NotAllowed(_l("Vous n'avez pas le droit d'agir pour cette ville."))


def may_manage(user: User, city_id) -> bool:
    return authz.can(user, Permission.COVERAGE_MANAGE, city_id=city_id)


def may_decide(user: User, site: Site) -> bool:
    return authz.can(user, Permission.COVERAGE_DECIDE, city_id=site.city_id)


def may_assess(user: User, site: Site) -> bool:
    return authz.can(user, Permission.COVERAGE_ASSESS, city_id=site.city_id)


def may_see_assessments(user: User, site: Site) -> bool:
    """Each assessor's answers: for those who run or decide; an assessor scores on their own
    and sees the others' once theirs is in, or once the site is decided."""
    if may_manage(user, site.city_id) or may_decide(user, site):
        return True
    return may_assess(user, site) and (
        site.status not in ASSESSABLE or own_assessment(user, site) is not None
    )


def may_report(user: User, site: Site) -> bool:
    """A site's figures: the programme's managers, or the hosting organisation's own people."""
    if may_manage(user, site.city_id):
        return True
    return user.organization_id == site.host_organization_id and authz.can(
        user,
        Permission.COVERAGE_REPORT,
        city_id=site.city_id,
        organization_id=site.host_organization_id,
    )


def own_assessment(user: User, site: Site) -> Assessment | None:
    return db.session.scalar(
        sa.select(Assessment)
        .where(Assessment.site_id == site.id, Assessment.assessor_id == user.id)
        .options(selectinload(Assessment.answers))
    )
