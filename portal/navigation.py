"""The main navigation: each entry shows only to those whose role reaches its route."""

from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l

from portal import authz


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object


MAIN_NAV = (NavItem("home.index", _l("Accueil")),)

ADMIN_NAV = (
    NavItem("admin.users", _l("Utilisateurs")),
    NavItem("admin.organizations_list", _l("Organismes")),
    NavItem("admin.cities", _l("Villes")),
    NavItem("admin.audit", _l("Journal d'audit")),
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
    return [item for item in items if reachable(user, item.endpoint)]
