"""Who drafts a city's scenarios, who sees them, and who decides on them.

A scenario being drafted (or returned) is its drafters' work: the secretariat, the city's
consultancy and the city's and the ministry's decision-makers see it; everyone who follows
the programme sees it once it is submitted."""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal import authz
from portal.authz import Permission
from portal.models.scenarios import EDITABLE, Scenario
from portal.models.users import User
from portal.services.errors import NotAllowed
from portal.services.study import on_study


def may_draft(user: User, city_id: int) -> bool:
    """The secretariat, anywhere; a consultancy's contributor, for the city their role names
    (the consultancy that runs that city's master-plan study)."""
    return on_study(user, Permission.SCENARIOS_DRAFT, city_id)


def may_decide(user: User, city_id: int) -> bool:
    return authz.can(user, Permission.SCENARIOS_ENDORSE, city_id=city_id) or authz.can(
        user, Permission.SCENARIOS_APPROVE, city_id=city_id
    )


def may_see_drafts(user: User, city_id: int) -> bool:
    return may_draft(user, city_id) or may_decide(user, city_id)


def may_view(user: User, scenario: Scenario) -> bool:
    if not authz.can(user, Permission.SCENARIOS_VIEW, city_id=scenario.city_id):
        return False
    return scenario.status not in EDITABLE or may_see_drafts(user, scenario.city_id)


def visible(user: User, city_id: int):
    """The condition on scenarios of one city that `user` may see."""
    if not authz.can(user, Permission.SCENARIOS_VIEW, city_id=city_id):
        return sa.false()
    if may_see_drafts(user, city_id):
        return sa.true()
    return Scenario.status.not_in(EDITABLE)


def require_draft(actor: User, city_id: int) -> None:
    if not may_draft(actor, city_id):
        raise NotAllowed(_l("Vous ne rédigez pas les scénarios de cette ville."))
