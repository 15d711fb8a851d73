"""The main navigation: each entry shows only to those whose role reaches its route."""

from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l

from portal import authz
from portal.authz import Permission
from portal.services.tasks import KINDS


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object
    # Shown only to holders of one of these, beyond the route's own permission.
    any_of: tuple[Permission, ...] = ()


MAIN_NAV = (
    NavItem("home.index", _l("Accueil")),
    # Shown to whoever can hold a task; its count comes with every page (tasks.count).
    NavItem(
        "tasks.list",
        _l("À faire"),
        any_of=tuple(dict.fromkeys(kind.permission for kind in KINDS)),
    ),
    NavItem("plans.programme", _l("Programme")),
    NavItem("milestones.list", _l("Jalons")),
    NavItem("organizations.directory", _l("Organismes")),
    NavItem("commitments.list", _l("Engagements")),
    NavItem("finance.overview", _l("Contreparties")),
    NavItem("tenders.list", _l("Appels d'offres")),
    NavItem("coverage.programme", _l("Couverture")),
)

ADMIN_NAV = (
    NavItem("plans.domains", _l("Domaines")),
    NavItem("users.list", _l("Utilisateurs")),
    NavItem("organizations.list", _l("Organismes")),
    NavItem("organizations.cities", _l("Villes")),
    NavItem("audit.list", _l("Journal d'audit")),
    NavItem("notifications.rules", _l("Règles de rappel")),
    NavItem("notifications.outbox", _l("Boîte d'envoi")),
)


def reachable(user, endpoint: str) -> bool:
    permission = authz.declared_permission(current_app, endpoint)
    if permission is None:
        return False
    if permission == authz.PUBLIC:
        return True
    if not user.is_authenticated:
        return False
    if permission == authz.AUTHENTICATED:
        return True
    return authz.can(user, authz.Permission(permission))


def visible(user, items) -> list[NavItem]:
    return [
        item
        for item in items
        if reachable(user, item.endpoint)
        and (not item.any_of or any(authz.can(user, p) for p in item.any_of))
    ]
