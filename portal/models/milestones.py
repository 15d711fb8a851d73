"""Milestones, their approvals, history and re-planning requests."""

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.files import StoredFile
from portal.models.organizations import City, Organization
from portal.models.plans import Action, Horizon
from portal.models.types import UTCDateTime, str_enum, utcnow
from portal.models.users import User


class MilestoneStatus(enum.Enum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    APPROVED_LOCALLY = "approved_locally"
    APPROVED = "approved"
    RETURNED = "returned"
    CANCELLED = "cancelled"


OPEN_STATUSES = frozenset(
    {
        MilestoneStatus.PLANNED,
        MilestoneStatus.IN_PROGRESS,
        MilestoneStatus.SUBMITTED,
        MilestoneStatus.APPROVED_LOCALLY,
        MilestoneStatus.RETURNED,
    }
)
# Still in the deliverer's hands: past the due date, these are late.
DELIVERY_STATUSES = frozenset(
    {MilestoneStatus.PLANNED, MilestoneStatus.IN_PROGRESS, MilestoneStatus.RETURNED}
)

milestone_dependencies = sa.Table(
    "milestone_dependencies",
    db.metadata,
    sa.Column(
        "predecessor_id",
        sa.ForeignKey("milestones.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "successor_id",
        sa.ForeignKey("milestones.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


class Milestone(db.Model):
    __tablename__ = "milestones"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Copied from the action's plan so that lists filter and check access without joins.
    city_id: Mapped[int] = mapped_column(sa.ForeignKey("cities.id"), index=True)
    action_id: Mapped[int] = mapped_column(sa.ForeignKey("actions.id"), index=True)
    # The action's horizon, copied so that the programme's counts read one index.
    horizon: Mapped[Horizon] = mapped_column(str_enum(Horizon))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    deliverable: Mapped[str] = mapped_column(sa.String(300), default="")
    responsible_organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id"), index=True
    )
    planned_start: Mapped[date | None]
    due_date: Mapped[date] = mapped_column(index=True)
    # Set when the plan is adopted (or the milestone added to an adopted plan); never moves.
    baseline_due_date: Mapped[date | None]
    status: Mapped[MilestoneStatus] = mapped_column(
        str_enum(MilestoneStatus), default=MilestoneStatus.PLANNED
    )
    completion_note: Mapped[str] = mapped_column(sa.Text, default="")
    evidence_file_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stored_files.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    city: Mapped[City] = relationship()
    action: Mapped[Action] = relationship()
    responsible_organization: Mapped[Organization] = relationship()
    evidence_file: Mapped[StoredFile | None] = relationship()
    predecessors: Mapped[list["Milestone"]] = relationship(
        secondary=milestone_dependencies,
        primaryjoin=lambda: Milestone.id == milestone_dependencies.c.successor_id,
        secondaryjoin=lambda: Milestone.id == milestone_dependencies.c.predecessor_id,
        back_populates="successors",
        order_by=lambda: Milestone.due_date,
    )
    successors: Mapped[list["Milestone"]] = relationship(
        secondary=milestone_dependencies,
        primaryjoin=lambda: Milestone.id == milestone_dependencies.c.predecessor_id,
        secondaryjoin=lambda: Milestone.id == milestone_dependencies.c.successor_id,
        back_populates="predecessors",
        order_by=lambda: Milestone.due_date,
    )

    __table_args__ = (
        sa.Index("ix_milestones_city_status_due", "city_id", "status", "due_date"),
        sa.Index("ix_milestones_city_horizon_status", "city_id", "horizon", "status"),
        # Covers the late and due-soon counts: a range of due dates within each status.
        sa.Index("ix_milestones_status_due_city", "status", "due_date", "city_id", "horizon"),
    )
    __mapper_args__ = {"version_id_col": version}

    # "Late", the one definition: still to deliver and due before today. In Python on a
    # milestone, in SQL on the class (Milestone.is_late(today) in a where clause).
    @hybrid_method
    def is_late(self, today: date) -> bool:
        return self.status in DELIVERY_STATUSES and self.due_date < today

    @is_late.inplace.expression
    @classmethod
    def _is_late_expression(cls, today: date):
        return sa.and_(cls.status.in_(DELIVERY_STATUSES), cls.due_date < today)

    @property
    def slip_days(self) -> int:
        if self.baseline_due_date is None:
            return 0
        return (self.due_date - self.baseline_due_date).days


class EventKind(enum.Enum):
    CREATED = "created"
    UPDATED = "updated"
    TRANSITION = "transition"
    COMMENT = "comment"
    CHANGE_REQUESTED = "change_requested"
    CHANGE_ACCEPTED = "change_accepted"
    CHANGE_REFUSED = "change_refused"


class MilestoneEvent(db.Model):
    """The milestone's history as its page shows it: transitions, comments, re-planning."""

    __tablename__ = "milestone_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    milestone_id: Mapped[int] = mapped_column(
        sa.ForeignKey("milestones.id", ondelete="CASCADE"), index=True
    )
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    kind: Mapped[EventKind] = mapped_column(str_enum(EventKind))
    from_status: Mapped[MilestoneStatus | None] = mapped_column(str_enum(MilestoneStatus))
    to_status: Mapped[MilestoneStatus | None] = mapped_column(str_enum(MilestoneStatus))
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    actor: Mapped[User | None] = relationship()


class ChangeRequestStatus(enum.Enum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REFUSED = "refused"


class ChangeRequest(db.Model):
    """A request to move an adopted milestone's due date; the ministry decides."""

    __tablename__ = "change_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    milestone_id: Mapped[int] = mapped_column(
        sa.ForeignKey("milestones.id", ondelete="CASCADE"), index=True
    )
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    current_due_date: Mapped[date]
    proposed_due_date: Mapped[date]
    reason: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[ChangeRequestStatus] = mapped_column(
        str_enum(ChangeRequestStatus), default=ChangeRequestStatus.PENDING, index=True
    )
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_comment: Mapped[str] = mapped_column(sa.Text, default="")
    version: Mapped[int] = mapped_column(default=1)

    milestone: Mapped[Milestone] = relationship()
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    __mapper_args__ = {"version_id_col": version}
