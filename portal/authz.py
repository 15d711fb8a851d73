"""The one permission table, and the checks every view goes through.

Access is denied by default: a view function that declares no permission answers 403,
and tests/test_authz_matrix.py fails on it.
"""

import enum
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask, abort, make_response, request, url_for
from flask_login import current_user
from sqlalchemy.orm import aliased

from portal.extensions import login_manager
from portal.models.users import Role, RoleAssignment, User


class Permission(enum.StrEnum):
    USERS_MANAGE = "users.manage"
    ORGANIZATIONS_MANAGE = "organizations.manage"
    AUDIT_VIEW = "audit.view"
    # Lead times, repeats and escalation of the deadline reminders.
    REMINDERS_CONFIGURE = "reminders.configure"
    PLANS_VIEW = "plans.view"
    PLANS_MANAGE = "plans.manage"
    MILESTONES_EDIT = "milestones.edit"
    MILESTONES_APPROVE_LOCAL = "milestones.approve_local"
    MILESTONES_APPROVE_CENTRAL = "milestones.approve_central"
    MILESTONES_CANCEL = "milestones.cancel"
    MILESTONES_COMMENT = "milestones.comment"
    CHANGE_REQUESTS_DECIDE = "change_requests.decide"
    RACI_EDIT = "raci.edit"
    COMMITMENTS_DECLARE = "commitments.declare"
    COMMITMENTS_VALIDATE = "commitments.validate"
    # Money between organisations: the pages, every agreement of one's scope, the ledger
    # itself, and a party's own side (invoice, pay, confirm, dispute) for its organisation.
    FINANCE_VIEW = "finance.view"
    FINANCE_OVERSEE = "finance.oversee"
    FINANCE_MANAGE = "finance.manage"
    FINANCE_SETTLE = "finance.settle"
    # Provider selection: following tenders, running them, scoring as a committee member,
    # deciding the award, and submitting one's own organisation's bid.
    TENDERS_VIEW = "tenders.view"
    TENDERS_MANAGE = "tenders.manage"
    TENDERS_EVALUATE = "tenders.evaluate"
    TENDERS_DECIDE = "tenders.decide"
    TENDERS_BID = "tenders.bid"
    # Digital coverage: following it, running it (indicators, sites, criteria), scoring
    # candidate sites, selecting or rejecting them, and a host's own figures once open.
    COVERAGE_VIEW = "coverage.view"
    COVERAGE_MANAGE = "coverage.manage"
    COVERAGE_ASSESS = "coverage.assess"
    COVERAGE_DECIDE = "coverage.decide"
    COVERAGE_REPORT = "coverage.report"
    # Involvement scenarios: following them, drafting them (the secretariat; a consultancy's
    # contributors for the city their role names), recommending one, and the city's and the
    # ministry's decisions on it.
    SCENARIOS_VIEW = "scenarios.view"
    SCENARIOS_DRAFT = "scenarios.draft"
    SCENARIOS_SUBMIT = "scenarios.submit"
    SCENARIOS_ENDORSE = "scenarios.endorse"
    SCENARIOS_APPROVE = "scenarios.approve"
    # The diagnostic: following it, and keeping its inventories (the study's team: the
    # secretariat, and a consultancy's contributors for their city).
    DIAGNOSTIC_VIEW = "diagnostic.view"
    DIAGNOSTIC_MANAGE = "diagnostic.manage"
    # Qualifying the territories' expectations: the city's decision-maker and the secretariat.
    DIAGNOSTIC_QUALIFY = "diagnostic.qualify"
    # Recording an expectation: the study's team and the qualifiers.
    DIAGNOSTIC_RECORD = "diagnostic.record"
    # The public consultation: opening one is the qualifiers'; moderating what residents send
    # (and reading the e-mails they leave) is the secretariat's alone.
    DIAGNOSTIC_MODERATE = "diagnostic.moderate"
    # Local governance: its bodies and meetings are read by their members (and by everyone
    # once a meeting is published); a body's secretary runs its meetings; the secretariat
    # defines the bodies and their members, and may run any meeting.
    GOVERNANCE_VIEW = "governance.view"
    GOVERNANCE_MANAGE = "governance.manage"
    # Carrying out a follow-up action a meeting gave to one's organisation (or to oneself):
    # roles that act, not those that only read.
    GOVERNANCE_FOLLOW_UP = "governance.follow_up"


# Declarations that are not permissions of the table.
PUBLIC = "public"  # anyone, signed in or not
AUTHENTICATED = "authenticated"  # any signed-in, active account

P = Permission
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(
        {
            P.GOVERNANCE_VIEW,
            P.USERS_MANAGE,
            P.ORGANIZATIONS_MANAGE,
            P.AUDIT_VIEW,
            P.REMINDERS_CONFIGURE,
            P.PLANS_VIEW,
            P.TENDERS_VIEW,
            P.DIAGNOSTIC_VIEW,
            P.SCENARIOS_VIEW,
            P.COVERAGE_VIEW,
        }
    ),
    Role.CENTRAL_DECISION_MAKER: frozenset(
        {
            P.GOVERNANCE_FOLLOW_UP,
            P.GOVERNANCE_VIEW,
            P.PLANS_VIEW,
            P.MILESTONES_APPROVE_CENTRAL,
            P.MILESTONES_CANCEL,
            P.MILESTONES_COMMENT,
            P.CHANGE_REQUESTS_DECIDE,
            P.FINANCE_VIEW,
            P.FINANCE_OVERSEE,
            P.FINANCE_SETTLE,
            P.TENDERS_VIEW,
            P.TENDERS_DECIDE,
            P.DIAGNOSTIC_VIEW,
            P.SCENARIOS_VIEW,
            P.SCENARIOS_APPROVE,
            P.COVERAGE_VIEW,
            P.COVERAGE_DECIDE,
        }
    ),
    Role.LOCAL_DECISION_MAKER: frozenset(
        {
            P.GOVERNANCE_FOLLOW_UP,
            P.GOVERNANCE_VIEW,
            P.PLANS_VIEW,
            P.MILESTONES_APPROVE_LOCAL,
            P.MILESTONES_COMMENT,
            P.RACI_EDIT,
            P.COMMITMENTS_VALIDATE,
            P.FINANCE_VIEW,
            P.FINANCE_OVERSEE,
            P.FINANCE_SETTLE,
            P.TENDERS_VIEW,
            P.DIAGNOSTIC_QUALIFY,
            P.DIAGNOSTIC_RECORD,
            P.DIAGNOSTIC_VIEW,
            P.SCENARIOS_VIEW,
            P.SCENARIOS_ENDORSE,
            P.COVERAGE_VIEW,
            P.COVERAGE_DECIDE,
        }
    ),
    Role.CONTRIBUTOR: frozenset(
        {
            P.GOVERNANCE_FOLLOW_UP,
            P.GOVERNANCE_VIEW,
            P.PLANS_VIEW,
            P.MILESTONES_EDIT,
            P.MILESTONES_COMMENT,
            P.COMMITMENTS_DECLARE,
            P.FINANCE_VIEW,
            P.FINANCE_SETTLE,
            P.TENDERS_VIEW,
            P.TENDERS_BID,
            P.DIAGNOSTIC_RECORD,
            P.DIAGNOSTIC_VIEW,
            P.DIAGNOSTIC_MANAGE,
            P.SCENARIOS_VIEW,
            P.SCENARIOS_DRAFT,
            P.COVERAGE_VIEW,
            P.COVERAGE_REPORT,
        }
    ),
    Role.SECRETARIAT: frozenset(
        {
            P.GOVERNANCE_FOLLOW_UP,
            P.GOVERNANCE_MANAGE,
            P.GOVERNANCE_VIEW,
            P.PLANS_VIEW,
            P.PLANS_MANAGE,
            P.MILESTONES_EDIT,
            P.MILESTONES_CANCEL,
            P.MILESTONES_COMMENT,
            P.RACI_EDIT,
            P.COMMITMENTS_DECLARE,
            P.FINANCE_VIEW,
            P.FINANCE_OVERSEE,
            P.FINANCE_MANAGE,
            P.TENDERS_VIEW,
            P.TENDERS_MANAGE,
            P.DIAGNOSTIC_QUALIFY,
            P.DIAGNOSTIC_RECORD,
            P.DIAGNOSTIC_VIEW,
            P.DIAGNOSTIC_MANAGE,
            P.DIAGNOSTIC_MODERATE,
            P.SCENARIOS_VIEW,
            P.SCENARIOS_DRAFT,
            P.SCENARIOS_SUBMIT,
            P.COVERAGE_VIEW,
            P.COVERAGE_MANAGE,
            P.COVERAGE_REPORT,
        }
    ),
    Role.EVALUATOR: frozenset(
        {
            P.GOVERNANCE_FOLLOW_UP,
            P.GOVERNANCE_VIEW,
            P.PLANS_VIEW,
            P.TENDERS_VIEW,
            P.TENDERS_EVALUATE,
            P.COVERAGE_VIEW,
            P.COVERAGE_ASSESS,
            P.SCENARIOS_VIEW,
            P.DIAGNOSTIC_VIEW,
        }
    ),
    Role.OBSERVER: frozenset(
        {
            P.PLANS_VIEW,
            P.TENDERS_VIEW,
            P.COVERAGE_VIEW,
            P.SCENARIOS_VIEW,
            P.DIAGNOSTIC_VIEW,
            P.GOVERNANCE_VIEW,
        }
    ),
}

# Roles whose rights hold only within one city, and roles that act only for their organisation.
# A contributor may be given one city: a consultancy running that city's master-plan study
# (it then drafts the city's scenarios, and acts for its organisation there only).
CITY_SCOPED_ROLES = frozenset({Role.LOCAL_DECISION_MAKER, Role.OBSERVER, Role.CONTRIBUTOR})
CITY_REQUIRED_ROLES = frozenset({Role.LOCAL_DECISION_MAKER})
ORGANIZATION_BOUND_ROLES = frozenset({Role.CONTRIBUTOR})

# Flask's own static route serves only the vendored and project assets.
PUBLIC_ENDPOINTS = frozenset({"static"})


class _Anywhere:
    def __repr__(self) -> str:
        return "ANYWHERE"


# "Not asked": distinct from None, which is a national object that belongs to no city.
ANYWHERE: object = _Anywhere()


def can(
    user: User,
    permission: Permission,
    *,
    city_id: int | object | None = ANYWHERE,
    organization_id: int | object | None = ANYWHERE,
) -> bool:
    """Whether `user` holds `permission` on an object of that city and organisation.

    Left out, city and organisation mean "anywhere" (navigation asks that). A city-scoped
    role acts only on objects of its city, never on national ones (city_id=None); an
    organisation-bound role acts only on its own organisation's objects.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    for assignment in user.role_assignments:
        if permission not in ROLE_PERMISSIONS[assignment.role]:
            continue
        if (
            city_id is not ANYWHERE
            and assignment.city_id is not None
            and assignment.city_id != city_id
        ):
            continue
        if (
            organization_id is not ANYWHERE
            and assignment.role in ORGANIZATION_BOUND_ROLES
            and user.organization_id != organization_id
        ):
            continue
        return True
    return False


def roles_with(permission: Permission) -> list[Role]:
    return [role for role, granted in ROLE_PERMISSIONS.items() if permission in granted]


def holders_first(user_id, permission: Permission):
    """A cheap first cut of "who holds `permission`" (accounts with one of its roles, in any
    city): the database reads it once from the roles' index, then checks holds() on those
    few accounts rather than on every one."""
    return user_id.in_(
        sa.select(RoleAssignment.user_id).where(RoleAssignment.role.in_(roles_with(permission)))
    )


def holds(
    user_id,
    organization_id,
    permission: Permission,
    *,
    city_id=ANYWHERE,
    object_organization_id=ANYWHERE,
):
    """The SQL twin of can(): whether the account `user_id` (of `organization_id`) holds
    `permission` on an object of that city and organisation. Every argument may be a column,
    so that one condition answers both "what may this person do" and "who may do this"."""
    roles = roles_with(permission)
    assignment = aliased(RoleAssignment)
    conditions = [assignment.user_id == user_id, assignment.role.in_(roles)]
    if city_id is not ANYWHERE:
        conditions.append(sa.or_(assignment.city_id.is_(None), assignment.city_id == city_id))
    bound = [role for role in roles if role in ORGANIZATION_BOUND_ROLES]
    if object_organization_id is not ANYWHERE and bound:
        conditions.append(
            sa.or_(assignment.role.not_in(bound), organization_id == object_organization_id)
        )
    return sa.exists().where(*conditions)


def holds_for(
    user: User,
    permission: Permission,
    *,
    city_id=ANYWHERE,
    object_organization_id=ANYWHERE,
):
    """holds() for one known account, read from its roles here rather than by the database
    for every row: the condition a person's own lists filter on (the same rules as can())."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return sa.false()
    allowed = []
    for assignment in user.role_assignments:
        if permission not in ROLE_PERMISSIONS[assignment.role]:
            continue
        conditions = []
        if city_id is not ANYWHERE and assignment.city_id is not None:
            conditions.append(city_id == assignment.city_id)
        if object_organization_id is not ANYWHERE and assignment.role in ORGANIZATION_BOUND_ROLES:
            conditions.append(object_organization_id == user.organization_id)
        if not conditions:
            return sa.true()
        allowed.append(sa.and_(*conditions))
    return sa.or_(*allowed) if allowed else sa.false()


@dataclass(frozen=True)
class CityScope:
    """The cities in which a user holds a permission: all of them, or a set."""

    all_cities: bool
    city_ids: frozenset[int]

    def allows(self, city_id: int | None) -> bool:
        return self.all_cities or city_id in self.city_ids


def city_scope(user: User, permission: Permission) -> CityScope:
    ids: set[int] = set()
    for assignment in user.role_assignments:
        if permission not in ROLE_PERMISSIONS[assignment.role]:
            continue
        if assignment.city_id is None:
            return CityScope(True, frozenset())
        ids.add(assignment.city_id)
    return CityScope(False, frozenset(ids))


def require(permission: Permission | str) -> Callable:
    """Declare the permission a view needs; the before-request hook enforces it."""

    def decorate(view: Callable) -> Callable:
        view.permission = permission
        return view

    return decorate


public = require(PUBLIC)
authenticated = require(AUTHENTICATED)


def sign_in_first():
    """Send an anonymous visitor to the login page, then back to where they were going.

    An htmx request gets an HX-Redirect for the whole page rather than a login form swapped
    into a fragment.
    """
    if request.headers.get("HX-Request") == "true":
        current = urlsplit(request.headers.get("HX-Current-URL", ""))
        target = current.path + (f"?{current.query}" if current.query else "")
        response = make_response("", 401)
        response.headers["HX-Redirect"] = url_for(
            "auth.login", next=target if target.startswith("/") else None
        )
        return response
    return login_manager.unauthorized()


def declared_permission(app: Flask, endpoint: str) -> str | None:
    if endpoint in PUBLIC_ENDPOINTS:
        return PUBLIC
    view = app.view_functions.get(endpoint)
    return getattr(view, "permission", None)


def init_app(app: Flask) -> None:
    @app.before_request
    def enforce_declared_permission():
        if request.endpoint is None:
            return None  # no route: the 404 handler answers
        permission = declared_permission(app, request.endpoint)
        if permission is None:
            app.logger.error("route %s declares no permission: denied", request.endpoint)
            abort(403)
        if permission == PUBLIC:
            return None
        if not current_user.is_authenticated:
            return sign_in_first()
        if permission == AUTHENTICATED:
            return None
        if not can(current_user, Permission(permission)):
            abort(403)
        return None
