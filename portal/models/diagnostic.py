"""The diagnostic the master plan starts from: the digital services each city offers, with
their maturity before the plan and now, and how much they are used."""

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.finance import SharedAsset
from portal.models.organizations import City, Organization
from portal.models.plans import Action, Domain
from portal.models.types import UTCDateTime, str_enum, utcnow


class Channel(enum.Enum):
    WEB = "web"
    MOBILE = "mobile"
    KIOSK = "kiosk"
    COUNTER = "counter"


class Maturity(enum.IntEnum):
    """The stated five-level scale of a service's maturity."""

    INFORMATION = 1
    ONE_WAY = 2  # forms to download
    TWO_WAY = 3  # forms sent online, answered by the administration
    TRANSACTION = 4  # the whole procedure online, payment included
    INTEGRATED = 5  # joined-up or proactive: the administration acts first


class DigitalService(db.Model):
    """A digital service available to residents or businesses in a city."""

    __tablename__ = "digital_services"

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(sa.ForeignKey("cities.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    domain_id: Mapped[int] = mapped_column(sa.ForeignKey("domains.id"), index=True)
    # The channels it is offered through, as their values ("web", "counter"...).
    channels: Mapped[list] = mapped_column(sa.JSON, default=list)
    # Its maturity at the diagnostic (the baseline), and as it stands now.
    baseline_level: Mapped[int] = mapped_column(sa.SmallInteger)
    baseline_on: Mapped[date]
    level: Mapped[int] = mapped_column(sa.SmallInteger)
    level_on: Mapped[date]
    # Planned to change: the plan's action that changes it, and the level it aims at.
    action_id: Mapped[int | None] = mapped_column(sa.ForeignKey("actions.id"), index=True)
    target_level: Mapped[int | None] = mapped_column(sa.SmallInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    city: Mapped[City] = relationship()
    provider: Mapped[Organization] = relationship()
    domain: Mapped[Domain] = relationship()
    action: Mapped[Action | None] = relationship()
    uses: Mapped[list["ServiceUse"]] = relationship(
        back_populates="service", cascade="all, delete-orphan", order_by="ServiceUse.month"
    )

    __table_args__ = (
        sa.UniqueConstraint("city_id", "name"),
        sa.CheckConstraint("baseline_level BETWEEN 1 AND 5", name="baseline_level_scale"),
        sa.CheckConstraint("level BETWEEN 1 AND 5", name="level_scale"),
        sa.CheckConstraint(
            "target_level IS NULL OR target_level BETWEEN 1 AND 5", name="target_level_scale"
        ),
    )
    __mapper_args__ = {"version_id_col": version}


class ServiceUse(db.Model):
    """How much a service was used in one month (transactions, requests or visits)."""

    __tablename__ = "digital_service_uses"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(
        sa.ForeignKey("digital_services.id", ondelete="CASCADE"), index=True
    )
    month: Mapped[date]  # its first day
    volume: Mapped[int] = mapped_column(sa.BigInteger)

    service: Mapped[DigitalService] = relationship(back_populates="uses")

    __table_args__ = (
        sa.UniqueConstraint("service_id", "month"),
        sa.CheckConstraint("volume >= 0", name="volume_not_negative"),
    )


class ExpectationSource(enum.Enum):
    ORGANIZATION = "organization"  # an organisation of the portal
    WORKSHOP = "workshop"  # a workshop of the study
    CONSULTATION = "consultation"  # the public consultation


class ExpectationStatus(enum.Enum):
    PENDING = "pending"  # sent through the public consultation, not yet moderated
    SUBMITTED = "submitted"  # to qualify
    QUALIFIED = "qualified"  # its priority set
    MERGED = "merged"  # into another one, which stands for both
    REJECTED = "rejected"  # with its reason


# Still standing: what the matrix sets against the actions.
STANDING = frozenset({ExpectationStatus.SUBMITTED, ExpectationStatus.QUALIFIED})

expectation_actions = sa.Table(
    "expectation_actions",
    db.metadata,
    sa.Column(
        "expectation_id",
        sa.ForeignKey("expectations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("action_id", sa.ForeignKey("actions.id", ondelete="CASCADE"), primary_key=True),
)


class Expectation(db.Model):
    """A need of a territory in a domain, as someone expressed it, qualified by the city and
    the secretariat and answered (or not) by the plan's actions."""

    __tablename__ = "expectations"

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(sa.ForeignKey("cities.id"), index=True)
    domain_id: Mapped[int] = mapped_column(sa.ForeignKey("domains.id"), index=True)
    district: Mapped[str] = mapped_column(sa.String(120), default="")  # "": the whole city
    text: Mapped[str] = mapped_column(sa.Text)
    source: Mapped[ExpectationSource] = mapped_column(str_enum(ExpectationSource))
    organization_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organizations.id"))
    workshop: Mapped[str] = mapped_column(sa.String(200), default="")
    # 1..5; a resident's expectation gets it from its moderator, at publication.
    importance: Mapped[int | None] = mapped_column(sa.SmallInteger)
    population: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    feasibility: Mapped[int | None] = mapped_column(sa.SmallInteger)  # 1..5, once qualified
    priority: Mapped[int | None] = mapped_column(sa.SmallInteger, index=True)
    status: Mapped[ExpectationStatus] = mapped_column(
        str_enum(ExpectationStatus), default=ExpectationStatus.SUBMITTED, index=True
    )
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("expectations.id"))
    # Sent through a public consultation; shown there once a moderator has published it.
    consultation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("consultations.id"), index=True
    )
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rejection_reason: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    city: Mapped[City] = relationship()
    domain: Mapped[Domain] = relationship()
    organization: Mapped[Organization | None] = relationship()
    merged_into: Mapped["Expectation | None"] = relationship(remote_side=[id])
    consultation: Mapped["Consultation | None"] = relationship(back_populates="expectations")
    actions: Mapped[list[Action]] = relationship(
        secondary=expectation_actions, order_by="Action.code"
    )

    __table_args__ = (
        sa.CheckConstraint("importance BETWEEN 1 AND 5", name="importance_scale"),
        sa.CheckConstraint(
            "feasibility IS NULL OR feasibility BETWEEN 1 AND 5", name="feasibility_scale"
        ),
        sa.CheckConstraint("population >= 0", name="population_not_negative"),
    )
    __mapper_args__ = {"version_id_col": version}


class Consultation(db.Model):
    """A city's public consultation: for a period, residents and businesses send their
    expectations without an account and support the published ones."""

    __tablename__ = "consultations"

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(sa.ForeignKey("cities.id"), index=True)
    # Read by the public in French, English and Arabic; French stands in for a missing one.
    title: Mapped[str] = mapped_column(sa.String(200))
    title_en: Mapped[str] = mapped_column(sa.String(200), default="")
    title_ar: Mapped[str] = mapped_column(sa.String(200), default="")
    introduction: Mapped[str] = mapped_column(sa.Text, default="")
    introduction_en: Mapped[str] = mapped_column(sa.Text, default="")
    introduction_ar: Mapped[str] = mapped_column(sa.Text, default="")
    # The districts a resident chooses from (besides the whole city).
    districts: Mapped[list] = mapped_column(sa.JSON, default=list)
    opens_on: Mapped[date]
    closes_on: Mapped[date]  # its last day
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    city: Mapped[City] = relationship()
    expectations: Mapped[list[Expectation]] = relationship(back_populates="consultation")

    __table_args__ = (sa.CheckConstraint("closes_on >= opens_on", name="period_in_order"),)
    __mapper_args__ = {"version_id_col": version}

    def is_open(self, today: date) -> bool:
        return self.opens_on <= today <= self.closes_on


class ConsultationContact(db.Model):
    """The e-mail a resident left to be told what became of their expectation: read by the
    moderators only, and erased once that message has gone."""

    __tablename__ = "consultation_contacts"

    expectation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("expectations.id", ondelete="CASCADE"), primary_key=True
    )
    email: Mapped[str] = mapped_column(sa.String(254))
    language: Mapped[str] = mapped_column(sa.String(8))
    # Moderated: the message is due.
    due: Mapped[bool] = mapped_column(default=False, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    expectation: Mapped[Expectation] = relationship()


class ConsultationSupport(db.Model):
    """One support of a published expectation: counted once per browser (a random cookie)
    and once per e-mail address, both kept only as keyed hashes."""

    __tablename__ = "consultation_supports"

    id: Mapped[int] = mapped_column(primary_key=True)
    expectation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("expectations.id", ondelete="CASCADE"), index=True
    )
    browser_key: Mapped[str] = mapped_column(sa.String(64))
    email_key: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("expectation_id", "browser_key"),
        sa.UniqueConstraint("expectation_id", "email_key"),
    )


class InfrastructureKind(enum.Enum):
    BACKBONE_FIBRE = "backbone_fibre"  # km
    ACCESS_FIBRE = "access_fibre"  # km
    DUCT = "duct"  # km
    TOWER = "tower"
    DATA_ROOM = "data_room"
    WIFI_ZONE = "wifi_zone"
    DIGITAL_SPACE = "digital_space"


# Counted in kilometres; the others one by one.
LINEAR = frozenset(
    {InfrastructureKind.BACKBONE_FIBRE, InfrastructureKind.ACCESS_FIBRE, InfrastructureKind.DUCT}
)


class Infrastructure(db.Model):
    """Digital infrastructure that exists before the plan: its owner, how much of it, and
    where when known (a point, or a line of points); the shared-asset register links to it
    when it is pooled."""

    __tablename__ = "infrastructure"

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(sa.ForeignKey("cities.id"), index=True)
    kind: Mapped[InfrastructureKind] = mapped_column(str_enum(InfrastructureKind))
    name: Mapped[str] = mapped_column(sa.String(200))
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2))
    latitude: Mapped[Decimal | None] = mapped_column(sa.Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(sa.Numeric(9, 6))
    # A line's points, [[lat, lng], ...], as text of decimals.
    path: Mapped[list] = mapped_column(sa.JSON, default=list)
    asset_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("shared_assets.id", ondelete="SET NULL"), unique=True
    )
    description: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    city: Mapped[City] = relationship()
    owner: Mapped[Organization] = relationship()
    asset: Mapped[SharedAsset | None] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("city_id", "name"),
        sa.CheckConstraint("quantity >= 0", name="quantity_not_negative"),
    )
    __mapper_args__ = {"version_id_col": version}
