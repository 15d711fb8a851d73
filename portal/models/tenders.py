"""Provider selection: tenders and their lots, the selection specification, the committee,
sealed bids, scores, and every move of the procedure."""

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.files import StoredFile
from portal.models.organizations import City, Organization
from portal.models.plans import MONEY, Action
from portal.models.types import UTCDateTime, str_enum, utcnow
from portal.models.users import User

POINTS = sa.Numeric(8, 2)
PERCENT = sa.Numeric(5, 2)
WEIGHT = sa.Numeric(4, 3)


class TenderCategory(enum.Enum):
    WORKS = "works"
    SUPPLIES = "supplies"
    SERVICES = "services"
    STUDIES = "studies"


class Procedure(enum.Enum):
    OPEN_CALL = "open_call"
    RESTRICTED = "restricted"
    PRESELECTION = "preselection"
    CONSULTATION = "consultation"


class TenderStage(enum.Enum):
    DRAFT = "draft"
    PUBLISHED = "published"
    SUBMISSIONS_CLOSED = "submissions_closed"
    ADMINISTRATIVE_CHECK = "administrative_check"
    TECHNICAL_EVALUATION = "technical_evaluation"
    TECHNICAL_LOCKED = "technical_locked"
    FINANCIAL_OPENING = "financial_opening"
    FINANCIAL_EVALUATION = "financial_evaluation"
    RANKING = "ranking"
    AWARD_PROPOSED = "award_proposed"
    AWARDED = "awarded"
    UNSUCCESSFUL = "unsuccessful"
    CANCELLED = "cancelled"


class FinancialMethod(enum.Enum):
    WEIGHTED = "weighted"
    LOWEST_PRICE = "lowest_price"
    REFERENCE_PRICE = "reference_price"


class Normalization(enum.Enum):
    RAW = "raw"
    RELATIVE_TO_BEST = "relative_to_best"


# Where a procedure ends; nothing moves it on from there.
FINAL_STAGES = frozenset({TenderStage.AWARDED, TenderStage.UNSUCCESSFUL, TenderStage.CANCELLED})


class Tender(db.Model):
    __tablename__ = "tenders"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(60), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    # None: programme-wide (the three cities' plans study, say).
    city_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cities.id"), index=True)
    action_id: Mapped[int | None] = mapped_column(sa.ForeignKey("actions.id"), index=True)
    category: Mapped[TenderCategory] = mapped_column(str_enum(TenderCategory))
    procedure: Mapped[Procedure] = mapped_column(str_enum(Procedure))
    estimate: Mapped[Decimal] = mapped_column(MONEY)
    publication_date: Mapped[date | None]
    submission_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opening_session: Mapped[datetime | None] = mapped_column(UTCDateTime)
    evaluation_due: Mapped[date | None]
    stage: Mapped[TenderStage] = mapped_column(
        str_enum(TenderStage), default=TenderStage.DRAFT, index=True
    )
    cancel_reason: Mapped[str] = mapped_column(sa.Text, default="")

    # The selection specification: fixed before publication, frozen after.
    method: Mapped[FinancialMethod] = mapped_column(
        str_enum(FinancialMethod), default=FinancialMethod.WEIGHTED
    )
    technical_weight: Mapped[Decimal | None] = mapped_column(WEIGHT)
    financial_weight: Mapped[Decimal | None] = mapped_column(WEIGHT)
    technical_threshold: Mapped[Decimal | None] = mapped_column(PERCENT)
    normalization: Mapped[Normalization] = mapped_column(
        str_enum(Normalization), default=Normalization.RAW
    )
    decimals: Mapped[int] = mapped_column(default=2)
    excessive_above: Mapped[Decimal] = mapped_column(PERCENT, default=Decimal("20"))
    abnormal_below_works: Mapped[Decimal] = mapped_column(PERCENT, default=Decimal("20"))
    abnormal_below_other: Mapped[Decimal] = mapped_column(PERCENT, default=Decimal("25"))
    # Members' scores further apart than this share of the criterion's maximum are flagged.
    spread_limit: Mapped[Decimal] = mapped_column(PERCENT, default=Decimal("20"))

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Every edit bumps the version, so this is the moment of the last one (OCDS dates).
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    city: Mapped[City | None] = relationship()
    action: Mapped[Action | None] = relationship()
    lots: Mapped[list["Lot"]] = relationship(
        back_populates="tender", cascade="all, delete-orphan", order_by="Lot.number"
    )
    criteria: Mapped[list["Criterion"]] = relationship(
        back_populates="tender",
        cascade="all, delete-orphan",
        order_by="[Criterion.position, Criterion.id]",
    )
    members: Mapped[list["CommitteeMember"]] = relationship(
        back_populates="tender", cascade="all, delete-orphan", order_by="CommitteeMember.id"
    )

    __mapper_args__ = {"version_id_col": version}


class LotOutcome(enum.Enum):
    AWARDED = "awarded"
    UNSUCCESSFUL = "unsuccessful"


class Lot(db.Model):
    __tablename__ = "lots"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(
        sa.ForeignKey("tenders.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(200))
    estimate: Mapped[Decimal] = mapped_column(MONEY)
    # Set from the ranking when the award is proposed, then by the decision.
    outcome: Mapped[LotOutcome | None] = mapped_column(str_enum(LotOutcome))
    reference_price: Mapped[Decimal | None] = mapped_column(MONEY)

    tender: Mapped[Tender] = relationship(back_populates="lots")
    bids: Mapped[list["Bid"]] = relationship(
        back_populates="lot",
        cascade="all, delete-orphan",
        order_by="Bid.received_at",
    )

    __table_args__ = (sa.UniqueConstraint("tender_id", "number"),)

    @property
    def proposed_bid(self) -> "Bid | None":
        return next((b for b in self.bids if b.award_proposed), None)


class CriterionKind(enum.Enum):
    ELIMINATORY = "eliminatory"
    TECHNICAL = "technical"


class Criterion(db.Model):
    """An eliminatory condition (pass or fail), or a technical criterion with its maximum
    points; a technical criterion may be split into sub-criteria whose maxima add up to it."""

    __tablename__ = "criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(
        sa.ForeignKey("tenders.id", ondelete="CASCADE"), index=True
    )
    parent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("criteria.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[CriterionKind] = mapped_column(str_enum(CriterionKind))
    label: Mapped[str] = mapped_column(sa.String(300))
    label_en: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    label_ar: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    max_points: Mapped[Decimal | None] = mapped_column(POINTS)
    position: Mapped[int] = mapped_column(default=0)

    tender: Mapped[Tender] = relationship(back_populates="criteria")
    parent: Mapped["Criterion | None"] = relationship(remote_side=[id])


class CommitteeRole(enum.Enum):
    PRESIDENT = "president"
    RAPPORTEUR = "rapporteur"
    MEMBER = "member"
    OBSERVER = "observer"


# The members who score (an observer sits without scoring).
SCORING_ROLES = frozenset({CommitteeRole.PRESIDENT, CommitteeRole.RAPPORTEUR, CommitteeRole.MEMBER})


class Declaration(enum.Enum):
    NO_CONFLICT = "no_conflict"
    CONFLICT = "conflict"


class CommitteeMember(db.Model):
    __tablename__ = "committee_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(
        sa.ForeignKey("tenders.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    role: Mapped[CommitteeRole] = mapped_column(str_enum(CommitteeRole))
    declaration: Mapped[Declaration | None] = mapped_column(str_enum(Declaration))
    declaration_note: Mapped[str] = mapped_column(sa.Text, default="")
    declared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Scores stay private to their author until this is set.
    scores_submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1)

    tender: Mapped[Tender] = relationship(back_populates="members")
    user: Mapped[User] = relationship()

    __table_args__ = (sa.UniqueConstraint("tender_id", "user_id"),)
    __mapper_args__ = {"version_id_col": version}

    @property
    def recused(self) -> bool:
        return self.declaration is Declaration.CONFLICT

    @property
    def cleared(self) -> bool:
        return self.declaration is Declaration.NO_CONFLICT


bid_files = sa.Table(
    "bid_files",
    db.metadata,
    sa.Column("bid_id", sa.ForeignKey("bids.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("file_id", sa.ForeignKey("stored_files.id"), primary_key=True),
)


class Bid(db.Model):
    __tablename__ = "bids"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lots.id", ondelete="CASCADE"), index=True)
    bidder_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    late: Mapped[bool] = mapped_column(default=False)
    # The administrative check: None until done.
    admissible: Mapped[bool | None]
    inadmissibility_reason: Mapped[str] = mapped_column(sa.Text, default="")
    # The financial envelope. Read it only through services.tenders.price_of(), which
    # refuses before the financial opening; nothing else may show this column.
    sealed_price: Mapped[Decimal] = mapped_column(MONEY)
    # An abnormally low offer's written justification and the committee's decision.
    justification: Mapped[str] = mapped_column(sa.Text, default="")
    justification_accepted: Mapped[bool | None]
    # The ranking's winner, proposed for the award.
    award_proposed: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(default=1)

    lot: Mapped[Lot] = relationship(back_populates="bids")
    bidder: Mapped[Organization] = relationship()
    files: Mapped[list[StoredFile]] = relationship(secondary=bid_files)

    __table_args__ = (
        sa.UniqueConstraint("lot_id", "bidder_id"),
        sa.CheckConstraint("sealed_price > 0", name="positive_price"),
    )
    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        # Never the price: a repr ends up in logs and tracebacks.
        return f"<Bid {self.id} lot={self.lot_id} bidder={self.bidder_id}>"


class EliminationCheck(db.Model):
    """A bid against one eliminatory criterion: passed, or failed with the reason."""

    __tablename__ = "elimination_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(sa.ForeignKey("bids.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(sa.ForeignKey("criteria.id", ondelete="CASCADE"))
    passed: Mapped[bool]
    reason: Mapped[str] = mapped_column(sa.Text, default="")

    __table_args__ = (sa.UniqueConstraint("bid_id", "criterion_id"),)


class Score(db.Model):
    """One member's points for one bid on one scored criterion, with the justification."""

    __tablename__ = "scores"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(
        sa.ForeignKey("committee_members.id", ondelete="CASCADE"), index=True
    )
    bid_id: Mapped[int] = mapped_column(sa.ForeignKey("bids.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(sa.ForeignKey("criteria.id", ondelete="CASCADE"))
    points: Mapped[Decimal] = mapped_column(POINTS)
    justification: Mapped[str] = mapped_column(sa.Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    member: Mapped[CommitteeMember] = relationship()

    __table_args__ = (sa.UniqueConstraint("member_id", "bid_id", "criterion_id"),)


class Consensus(db.Model):
    """The president's consensus score for a bid on a criterion, replacing the mean."""

    __tablename__ = "consensus_scores"

    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(sa.ForeignKey("bids.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(sa.ForeignKey("criteria.id", ondelete="CASCADE"))
    points: Mapped[Decimal] = mapped_column(POINTS)
    reason: Mapped[str] = mapped_column(sa.Text)
    decided_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (sa.UniqueConstraint("bid_id", "criterion_id"),)


class TenderEvent(db.Model):
    """Every move of the procedure: who, when, from which stage to which, and why."""

    __tablename__ = "tender_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(
        sa.ForeignKey("tenders.id", ondelete="CASCADE"), index=True
    )
    from_stage: Mapped[TenderStage | None] = mapped_column(str_enum(TenderStage))
    to_stage: Mapped[TenderStage] = mapped_column(str_enum(TenderStage))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    # At the financial opening: the members present.
    present: Mapped[list] = mapped_column(sa.JSON, default=list)
    # The meeting whose decision this step carried out, if any.
    meeting_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("governance_meetings.id", ondelete="SET NULL")
    )

    actor: Mapped[User | None] = relationship()
