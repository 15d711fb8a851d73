"""Every model, imported so that Alembic and the app see the whole schema."""

from portal.models.audit import AuditEvent
from portal.models.commitments import (
    Commitment,
    CommitmentStatus,
    CommitmentUpdate,
    UpdateStatus,
)
from portal.models.files import StoredFile
from portal.models.finance import (
    Agreement,
    AgreementPurpose,
    AgreementStatus,
    AssetKind,
    AssetShare,
    CostKind,
    Installment,
    InstallmentStatus,
    KeyBasis,
    SharedAsset,
)
from portal.models.milestones import (
    ChangeRequest,
    ChangeRequestStatus,
    EventKind,
    Milestone,
    MilestoneEvent,
    MilestoneStatus,
)
from portal.models.organizations import City, Organization, OrganizationKind
from portal.models.plans import Action, Domain, Horizon, Plan, PlanStatus
from portal.models.raci import RaciAssignment, RaciRole
from portal.models.users import Role, RoleAssignment, User

__all__ = [
    "Action",
    "Agreement",
    "AgreementPurpose",
    "AgreementStatus",
    "AssetKind",
    "AssetShare",
    "AuditEvent",
    "ChangeRequest",
    "ChangeRequestStatus",
    "City",
    "Commitment",
    "CommitmentStatus",
    "CommitmentUpdate",
    "CostKind",
    "Domain",
    "EventKind",
    "Horizon",
    "Installment",
    "InstallmentStatus",
    "KeyBasis",
    "Milestone",
    "MilestoneEvent",
    "MilestoneStatus",
    "Organization",
    "OrganizationKind",
    "Plan",
    "PlanStatus",
    "RaciAssignment",
    "RaciRole",
    "Role",
    "RoleAssignment",
    "SharedAsset",
    "StoredFile",
    "UpdateStatus",
    "User",
]
