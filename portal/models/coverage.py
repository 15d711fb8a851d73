"""Digital coverage: the diagnostic's indicators and their targets per city, the candidate
public digital spaces and connected zones, and their selection against published criteria."""

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.milestones import Milestone
from portal.models.organizations import City, Organization
from portal.models.plans import MONEY, Action, Domain
from portal.models.tenders import POINTS, CriterionKind
from portal.models.types import UTCDateTime, str_enum, utcnow
from portal.models.users import User

VALUE = sa.Numeric(14, 2)
COORDINATE = sa.Numeric(9, 6)  # about 10 cm


class Indicator(db.Model):
    """What is measured, the same way in every city, so that the cities can be compared."""

    __tablename__ = "coverage_indicators"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    unit: Mapped[str] = mapped_column(sa.String(40))
    # Shown to the readers of English and Arabic; empty, the French name and unit stand.
    name_en: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    name_ar: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    unit_en: Mapped[str] = mapped_column(sa.String(40), default="", server_default="")
    unit_ar: Mapped[str] = mapped_column(sa.String(40), default="", server_default="")
    domain_id: Mapped[int] = mapped_column(sa.ForeignKey("domains.id"), index=True)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    # False for, say, the distance to the nearest space: progress is then a decrease.
    higher_is_better: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)
    version: Mapped[int] = mapped_column(default=1)

    domain: Mapped[Domain] = relationship()

    __mapper_args__ = {"version_id_col": version}


class IndicatorTarget(db.Model):
    """One indicator in one city (or one of its districts): the diagnostic's baseline and
    the value to reach."""

    __tablename__ = "coverage_targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(sa.ForeignKey("coverage_indicators.id"), index=True)
    city_id: Mapped[int] = mapped_column(sa.ForeignKey("cities.id"), index=True)
    # "" is the whole city.
    district: Mapped[str] = mapped_column(sa.String(120), default="")
    baseline_value: Mapped[Decimal] = mapped_column(VALUE)
    baseline_date: Mapped[date]
    target_value: Mapped[Decimal] = mapped_column(VALUE)
    target_date: Mapped[date]
    # The latest measurement, kept here so that the comparison pages read one row per target.
    current_value: Mapped[Decimal | None] = mapped_column(VALUE)
    current_date: Mapped[date | None]
    version: Mapped[int] = mapped_column(default=1)

    indicator: Mapped[Indicator] = relationship()
    city: Mapped[City] = relationship()
    measurements: Mapped[list["Measurement"]] = relationship(
        back_populates="target",
        cascade="all, delete-orphan",
        order_by="Measurement.measured_on",
    )

    __table_args__ = (sa.UniqueConstraint("indicator_id", "city_id", "district"),)
    __mapper_args__ = {"version_id_col": version}


class Measurement(db.Model):
    __tablename__ = "coverage_measurements"

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(
        sa.ForeignKey("coverage_targets.id", ondelete="CASCADE"), index=True
    )
    value: Mapped[Decimal] = mapped_column(VALUE)
    measured_on: Mapped[date]
    source: Mapped[str] = mapped_column(sa.String(300))
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    target: Mapped[IndicatorTarget] = relationship(back_populates="measurements")
    recorded_by: Mapped[User | None] = relationship()

    __table_args__ = (sa.UniqueConstraint("target_id", "measured_on"),)


class SiteKind(enum.Enum):
    DIGITAL_SPACE = "digital_space"  # espace public numérique (EPN)
    CONNECTED_ZONE = "connected_zone"  # zone publique connectée (Wi-Fi)


class SiteStatus(enum.Enum):
    PROPOSED = "proposed"
    ASSESSED = "assessed"
    SELECTED = "selected"
    REJECTED = "rejected"
    IN_DEPLOYMENT = "in_deployment"
    OPEN = "open"
    CLOSED = "closed"


# Still open to assessment: proposed, or assessed by some and not yet decided.
ASSESSABLE = frozenset({SiteStatus.PROPOSED, SiteStatus.ASSESSED})

site_milestones = sa.Table(
    "coverage_site_milestones",
    db.metadata,
    sa.Column("site_id", sa.ForeignKey("coverage_sites.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "milestone_id",
        sa.ForeignKey("milestones.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


class Site(db.Model):
    __tablename__ = "coverage_sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(sa.ForeignKey("cities.id"), index=True)
    district: Mapped[str] = mapped_column(sa.String(120))
    kind: Mapped[SiteKind] = mapped_column(str_enum(SiteKind), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    address: Mapped[str] = mapped_column(sa.String(300))
    latitude: Mapped[Decimal] = mapped_column(COORDINATE)
    longitude: Mapped[Decimal] = mapped_column(COORDINATE)
    host_organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    estimated_cost: Mapped[Decimal] = mapped_column(MONEY)
    status: Mapped[SiteStatus] = mapped_column(
        str_enum(SiteStatus), default=SiteStatus.PROPOSED, index=True
    )
    status_since: Mapped[date]
    action_id: Mapped[int | None] = mapped_column(sa.ForeignKey("actions.id"), index=True)
    # The ranking's score and elimination, kept as the assessments are saved so that the
    # site's rank is one count, not a ranking of the whole city (the criteria are frozen once
    # a site is assessed, so they cannot go stale).
    score: Mapped[Decimal | None] = mapped_column(POINTS)
    eliminated: Mapped[bool] = mapped_column(default=False)
    # The written reason for the selection or the rejection, shown in the ranking.
    decision_note: Mapped[str] = mapped_column(sa.Text, default="")
    # Once open: what the place offers and how much it is used.
    seats: Mapped[int | None]
    wifi_capacity: Mapped[int | None]  # simultaneous users
    weekly_users: Mapped[int | None]
    figures_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    city: Mapped[City] = relationship()
    host_organization: Mapped[Organization] = relationship()
    action: Mapped[Action | None] = relationship()
    milestones: Mapped[list[Milestone]] = relationship(
        secondary=site_milestones, order_by="Milestone.due_date"
    )
    events: Mapped[list["SiteEvent"]] = relationship(
        back_populates="site", cascade="all, delete-orphan", order_by="SiteEvent.id"
    )

    __mapper_args__ = {"version_id_col": version}


class SiteEvent(db.Model):
    """Each change of a site's status: who, on which day, from what to what, and why."""

    __tablename__ = "coverage_site_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(
        sa.ForeignKey("coverage_sites.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[SiteStatus | None] = mapped_column(str_enum(SiteStatus))
    to_status: Mapped[SiteStatus] = mapped_column(str_enum(SiteStatus))
    on_date: Mapped[date]
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The meeting whose decision this step carried out, if any.
    meeting_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("governance_meetings.id", ondelete="SET NULL")
    )

    site: Mapped[Site] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class CriteriaSet(db.Model):
    """The published criteria by which a city chooses its sites of one kind."""

    __tablename__ = "coverage_criteria_sets"

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(sa.ForeignKey("cities.id"))
    kind: Mapped[SiteKind] = mapped_column(str_enum(SiteKind))
    version: Mapped[int] = mapped_column(default=1)

    city: Mapped[City] = relationship()
    criteria: Mapped[list["SiteCriterion"]] = relationship(
        back_populates="criteria_set",
        cascade="all, delete-orphan",
        order_by="[SiteCriterion.position, SiteCriterion.id]",
    )

    __table_args__ = (sa.UniqueConstraint("city_id", "kind"),)
    __mapper_args__ = {"version_id_col": version}


class SiteCriterion(db.Model):
    """An eliminatory condition, or a weighted criterion: its weight is the points it is
    scored on, and the weights of a set add up to 100."""

    __tablename__ = "coverage_criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    criteria_set_id: Mapped[int] = mapped_column(
        sa.ForeignKey("coverage_criteria_sets.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[CriterionKind] = mapped_column(str_enum(CriterionKind))
    label: Mapped[str] = mapped_column(sa.String(300))
    label_en: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    label_ar: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    weight: Mapped[Decimal | None] = mapped_column(POINTS)
    position: Mapped[int] = mapped_column(default=0)

    criteria_set: Mapped[CriteriaSet] = relationship(back_populates="criteria")

    @property
    def eliminatory(self) -> bool:
        return self.kind is CriterionKind.ELIMINATORY


class Assessment(db.Model):
    """One assessor's assessment of one site: every criterion answered, and a comment."""

    __tablename__ = "coverage_assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(
        sa.ForeignKey("coverage_sites.id", ondelete="CASCADE"), index=True
    )
    assessor_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    site: Mapped[Site] = relationship()
    assessor: Mapped[User] = relationship()
    answers: Mapped[list["AssessmentAnswer"]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan"
    )

    __table_args__ = (sa.UniqueConstraint("site_id", "assessor_id"),)
    __mapper_args__ = {"version_id_col": version}


class AssessmentAnswer(db.Model):
    """Points on a weighted criterion, or met / not met (with the reason) on an eliminatory one."""

    __tablename__ = "coverage_assessment_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("coverage_assessments.id", ondelete="CASCADE"), index=True
    )
    criterion_id: Mapped[int] = mapped_column(
        sa.ForeignKey("coverage_criteria.id", ondelete="CASCADE")
    )
    points: Mapped[Decimal | None] = mapped_column(POINTS)
    passed: Mapped[bool | None]
    reason: Mapped[str] = mapped_column(sa.Text, default="")

    assessment: Mapped[Assessment] = relationship(back_populates="answers")

    __table_args__ = (sa.UniqueConstraint("assessment_id", "criterion_id"),)
