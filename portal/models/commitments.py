"""What operators and utilities commit to, and the progress they report."""

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.files import StoredFile
from portal.models.organizations import City, Organization
from portal.models.plans import Action
from portal.models.types import UTCDateTime, str_enum, utcnow
from portal.models.users import User

QUANTITY = sa.Numeric(14, 2)


class CommitmentStatus(enum.Enum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    MET = "met"
    MISSED = "missed"
    WITHDRAWN = "withdrawn"


# Accepted by the city and not closed: progress is declared on these.
OPEN_COMMITMENTS = frozenset({CommitmentStatus.ACCEPTED, CommitmentStatus.IN_PROGRESS})
# Not met, missed or withdrawn yet, whether accepted or still proposed: these can be late.
PENDING_COMMITMENTS = OPEN_COMMITMENTS | {CommitmentStatus.PROPOSED}


class Commitment(db.Model):
    __tablename__ = "commitments"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    city_id: Mapped[int] = mapped_column(sa.ForeignKey("cities.id"), index=True)
    action_id: Mapped[int | None] = mapped_column(sa.ForeignKey("actions.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    indicator: Mapped[str] = mapped_column(sa.String(200))
    unit: Mapped[str] = mapped_column(sa.String(40))
    baseline_value: Mapped[Decimal] = mapped_column(QUANTITY)
    target_value: Mapped[Decimal] = mapped_column(QUANTITY)
    due_date: Mapped[date]
    status: Mapped[CommitmentStatus] = mapped_column(
        str_enum(CommitmentStatus), default=CommitmentStatus.PROPOSED, index=True
    )
    # The latest validated value, kept here so that lists and scorecards read one row.
    validated_value: Mapped[Decimal | None] = mapped_column(QUANTITY)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    organization: Mapped[Organization] = relationship()
    city: Mapped[City] = relationship()
    action: Mapped[Action | None] = relationship()

    __mapper_args__ = {"version_id_col": version}

    # "Late", the one definition: still pending and due before today. In Python on a
    # commitment, in SQL on the class (Commitment.is_late(today) in a query).
    @hybrid_method
    def is_late(self, today: date) -> bool:
        return self.status in PENDING_COMMITMENTS and self.due_date < today

    @is_late.inplace.expression
    @classmethod
    def _is_late_expression(cls, today: date):
        return sa.and_(cls.status.in_(PENDING_COMMITMENTS), cls.due_date < today)


class UpdateStatus(enum.Enum):
    DECLARED = "declared"
    VALIDATED = "validated"
    REJECTED = "rejected"


commitment_update_files = sa.Table(
    "commitment_update_files",
    db.metadata,
    sa.Column(
        "update_id", sa.ForeignKey("commitment_updates.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("file_id", sa.ForeignKey("stored_files.id"), primary_key=True),
)


class CommitmentUpdate(db.Model):
    """A value the organisation declares, which the city's decision-maker validates or not."""

    __tablename__ = "commitment_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("commitments.id", ondelete="CASCADE"), index=True
    )
    value: Mapped[Decimal] = mapped_column(QUANTITY)
    measured_on: Mapped[date]
    note: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[UpdateStatus] = mapped_column(
        str_enum(UpdateStatus), default=UpdateStatus.DECLARED, index=True
    )
    declared_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str] = mapped_column(sa.Text, default="")
    version: Mapped[int] = mapped_column(default=1)

    commitment: Mapped[Commitment] = relationship()
    declared_by: Mapped[User] = relationship(foreign_keys=[declared_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    files: Mapped[list[StoredFile]] = relationship(secondary=commitment_update_files)

    __mapper_args__ = {"version_id_col": version}
