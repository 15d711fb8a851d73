"""Who works on a city's master-plan study (its scenarios, its diagnostic): the secretariat,
anywhere; and a consultancy's contributor, for the city their role names (the consultancy
that runs that city's study)."""

from portal import authz
from portal.authz import Permission
from portal.models.organizations import OrganizationKind
from portal.models.users import Role, User


def on_study(user: User, permission: Permission, city_id: int) -> bool:
    if not authz.can(user, permission, city_id=city_id):
        return False
    for assignment in user.role_assignments:
        if permission not in authz.ROLE_PERMISSIONS[assignment.role]:
            continue
        if assignment.role is not Role.CONTRIBUTOR:
            if assignment.city_id in (None, city_id):
                return True
        elif (
            assignment.city_id == city_id
            and user.organization is not None
            and user.organization.kind is OrganizationKind.CONSULTANT
        ):
            return True
    return False
