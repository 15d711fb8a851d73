"""Every model, imported so that Alembic and the app see the whole schema."""

from portal.models.audit import AuditEvent
from portal.models.organizations import City, Organization, OrganizationKind
from portal.models.users import Role, RoleAssignment, User

__all__ = [
    "AuditEvent",
    "City",
    "Organization",
    "OrganizationKind",
    "Role",
    "RoleAssignment",
    "User",
]
