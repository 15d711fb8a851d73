"""Who is Responsible, Accountable, Consulted or Informed for each action."""

import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.organizations import Organization
from portal.models.plans import Action
from portal.models.types import str_enum


class RaciRole(enum.Enum):
    RESPONSIBLE = "R"
    ACCOUNTABLE = "A"
    CONSULTED = "C"
    INFORMED = "I"


class RaciAssignment(db.Model):
    """One letter per organisation and action: a cell of the matrix."""

    __tablename__ = "raci_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(sa.ForeignKey("actions.id", ondelete="CASCADE"))
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    role: Mapped[RaciRole] = mapped_column(str_enum(RaciRole, length=1))

    action: Mapped[Action] = relationship()
    organization: Mapped[Organization] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("action_id", "organization_id"),
        # "One Accountable per action", held by the database even for simultaneous clicks.
        sa.Index(
            "uq_raci_assignments_one_accountable",
            "action_id",
            unique=True,
            sqlite_where=sa.text("role = 'A'"),
            postgresql_where=sa.text("role = 'A'"),
        ),
    )
