"""A city's involvement scenarios: who owns and runs each layer of the networks, who bears
which risk, what coverage they deliver, and their business model as cash-flow lines between
parties; one of them, once decided, is the city's reference."""

import enum
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.coverage import Indicator
from portal.models.finance import Agreement, SharedAsset
from portal.models.organizations import City, Organization
from portal.models.plans import MONEY
from portal.models.types import UTCDateTime, str_enum, utcnow
from portal.models.users import User

RATE = sa.Numeric(6, 4)  # a fraction: 0.0600 is 6 %


class InvestmentModel(enum.Enum):
    # Designed, built and run by the commune or a municipal company.
    PUBLIC_OPERATION = "public_operation"
    CONCESSION = "concession"  # or delegated management
    # A local development company (SDL), or a joint venture with a utility or an operator.
    JOINT_VENTURE = "joint_venture"
    GAP_FUNDING = "gap_funding"  # the operators build; the city funds the gap
    PRIVATE_SHARING = "private_sharing"  # private deployment, infrastructure shared


class NetworkLayer(enum.Enum):
    PASSIVE = "passive"  # ducts, poles, fibre, towers
    ACTIVE = "active"  # the equipment that lights the fibre and the radios
    RETAIL = "retail"  # the services sold to households, businesses, administrations


class Risk(enum.Enum):
    CONSTRUCTION = "construction"
    DEMAND = "demand"
    OPERATION = "operation"
    REGULATORY = "regulatory"
    FINANCING = "financing"


class CoverageMeasure(enum.Enum):
    HOUSEHOLDS_PASSED = "households_passed"
    PREMISES_PASSED = "premises_passed"
    SITES_CONNECTED = "sites_connected"
    WIFI_ZONES = "wifi_zones"
    DIGITAL_SPACES = "digital_spaces"


class LineKind(enum.Enum):
    CAPEX = "capex"
    OPEX = "opex"
    REVENUE = "revenue"
    SUBSIDY = "subsidy"  # from outside the parties
    TRANSFER = "transfer"  # from one party to another


class TransferKind(enum.Enum):
    RENTAL_FEE = "rental_fee"  # rental and IRU fees
    CONCESSION_FEE = "concession_fee"
    DIVIDEND = "dividend"
    CAPITAL_CONTRIBUTION = "capital_contribution"
    SUBSIDY = "subsidy"  # from the city to an operator
    OTHER = "other"


class ScenarioStatus(enum.Enum):
    DRAFT = "draft"
    RETURNED = "returned"  # sent back with a reason: drafted again
    SUBMITTED = "submitted"  # recommended by the secretariat, before the city
    ENDORSED = "endorsed"  # endorsed by the city, before the ministry
    APPROVED = "approved"  # the city's reference
    SUPERSEDED = "superseded"  # was the reference, until another was approved


# The statuses in which a scenario is still drafted.
EDITABLE = frozenset({ScenarioStatus.DRAFT, ScenarioStatus.RETURNED})
# On its way to a decision: at most one per city.
IN_DECISION = frozenset({ScenarioStatus.SUBMITTED, ScenarioStatus.ENDORSED})


class Scenario(db.Model):
    __tablename__ = "scenarios"

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(sa.ForeignKey("cities.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    investment_model: Mapped[InvestmentModel] = mapped_column(str_enum(InvestmentModel))
    horizon_years: Mapped[int] = mapped_column(default=20)
    discount_rate: Mapped[Decimal] = mapped_column(RATE, default=Decimal("0.0600"))
    status: Mapped[ScenarioStatus] = mapped_column(
        str_enum(ScenarioStatus), default=ScenarioStatus.DRAFT, index=True
    )
    # Since when it waits in its status: what waits on a decision-maker waits since then.
    status_since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    city: Mapped[City] = relationship()
    created_by: Mapped[User | None] = relationship()
    parties: Mapped[list["ScenarioParty"]] = relationship(
        back_populates="scenario",
        cascade="all, delete-orphan",
        order_by="[ScenarioParty.position, ScenarioParty.id]",
    )
    layers: Mapped[list["ScenarioLayer"]] = relationship(
        back_populates="scenario", cascade="all, delete-orphan", order_by="ScenarioLayer.id"
    )
    risks: Mapped[list["ScenarioRisk"]] = relationship(
        back_populates="scenario", cascade="all, delete-orphan", order_by="ScenarioRisk.id"
    )
    coverage: Mapped[list["ScenarioCoverage"]] = relationship(
        back_populates="scenario", cascade="all, delete-orphan", order_by="ScenarioCoverage.id"
    )
    lines: Mapped[list["ScenarioLine"]] = relationship(
        back_populates="scenario",
        cascade="all, delete-orphan",
        order_by="[ScenarioLine.position, ScenarioLine.id]",
    )
    events: Mapped[list["ScenarioEvent"]] = relationship(
        back_populates="scenario", cascade="all, delete-orphan", order_by="ScenarioEvent.id"
    )

    __table_args__ = (sa.UniqueConstraint("city_id", "name"),)
    __mapper_args__ = {"version_id_col": version}

    @property
    def editable(self) -> bool:
        return self.status in EDITABLE


class ScenarioParty(db.Model):
    """Who takes part: an organisation of the portal, or a party named for the scenario
    ("concessionnaire"); the lines pay and receive in its name."""

    __tablename__ = "scenario_parties"

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(
        sa.ForeignKey("scenarios.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(120))
    organization_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organizations.id"))
    role: Mapped[str] = mapped_column(sa.Text, default="")
    position: Mapped[int] = mapped_column(default=0)

    scenario: Mapped[Scenario] = relationship(back_populates="parties")
    organization: Mapped[Organization | None] = relationship()

    __table_args__ = (sa.UniqueConstraint("scenario_id", "name"),)


class ScenarioLayer(db.Model):
    """Who owns and who operates one layer of the networks."""

    __tablename__ = "scenario_layers"

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(
        sa.ForeignKey("scenarios.id", ondelete="CASCADE"), index=True
    )
    layer: Mapped[NetworkLayer] = mapped_column(str_enum(NetworkLayer))
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("scenario_parties.id"))
    operator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("scenario_parties.id"))

    scenario: Mapped[Scenario] = relationship(back_populates="layers")
    owner: Mapped[ScenarioParty | None] = relationship(foreign_keys=[owner_id])
    operator: Mapped[ScenarioParty | None] = relationship(foreign_keys=[operator_id])

    __table_args__ = (sa.UniqueConstraint("scenario_id", "layer"),)


class ScenarioRisk(db.Model):
    """Who bears one risk (none named: shared), and how."""

    __tablename__ = "scenario_risks"

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(
        sa.ForeignKey("scenarios.id", ondelete="CASCADE"), index=True
    )
    risk: Mapped[Risk] = mapped_column(str_enum(Risk))
    bearer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("scenario_parties.id"))
    note: Mapped[str] = mapped_column(sa.String(300), default="")

    scenario: Mapped[Scenario] = relationship(back_populates="risks")
    bearer: Mapped[ScenarioParty | None] = relationship()

    __table_args__ = (sa.UniqueConstraint("scenario_id", "risk"),)


class ScenarioCoverage(db.Model):
    """What the scenario delivers, and the city's coverage indicator it moves."""

    __tablename__ = "scenario_coverage"

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(
        sa.ForeignKey("scenarios.id", ondelete="CASCADE"), index=True
    )
    measure: Mapped[CoverageMeasure] = mapped_column(str_enum(CoverageMeasure))
    quantity: Mapped[int] = mapped_column(sa.BigInteger)
    indicator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("coverage_indicators.id"))

    scenario: Mapped[Scenario] = relationship(back_populates="coverage")
    indicator: Mapped[Indicator | None] = relationship()

    __table_args__ = (sa.UniqueConstraint("scenario_id", "measure"),)


class ScenarioLine(db.Model):
    """A cash flow over years: paid (capex, opex) or received (revenue, subsidy) by a party,
    or transferred from one party to another; amount x (1 + growth)^(year - start)."""

    __tablename__ = "scenario_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(
        sa.ForeignKey("scenarios.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    label: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[LineKind] = mapped_column(str_enum(LineKind))
    transfer_kind: Mapped[TransferKind | None] = mapped_column(str_enum(TransferKind))
    party_id: Mapped[int | None] = mapped_column(sa.ForeignKey("scenario_parties.id"))
    source_id: Mapped[int | None] = mapped_column(sa.ForeignKey("scenario_parties.id"))
    target_id: Mapped[int | None] = mapped_column(sa.ForeignKey("scenario_parties.id"))
    start_year: Mapped[int] = mapped_column(default=0)
    end_year: Mapped[int] = mapped_column(default=0)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    growth: Mapped[Decimal] = mapped_column(RATE, default=Decimal("0"))
    # Copied from the shared-asset register: the asset it came from.
    asset_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("shared_assets.id", ondelete="SET NULL")
    )

    scenario: Mapped[Scenario] = relationship(back_populates="lines")
    party: Mapped[ScenarioParty | None] = relationship(foreign_keys=[party_id])
    source: Mapped[ScenarioParty | None] = relationship(foreign_keys=[source_id])
    target: Mapped[ScenarioParty | None] = relationship(foreign_keys=[target_id])
    asset: Mapped[SharedAsset | None] = relationship()


class ScenarioEvent(db.Model):
    """Each step of a scenario's decision: who, when, from what to what, and why."""

    __tablename__ = "scenario_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(
        sa.ForeignKey("scenarios.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[ScenarioStatus | None] = mapped_column(str_enum(ScenarioStatus))
    to_status: Mapped[ScenarioStatus] = mapped_column(str_enum(ScenarioStatus))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The meeting whose decision this step carried out, if any.
    meeting_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("governance_meetings.id", ondelete="SET NULL")
    )

    scenario: Mapped[Scenario] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class ScenarioDraft(db.Model):
    """What an approved scenario put in the ledger: a shared asset or an agreement drafted
    from it (to be reviewed and signed as usual), and the line it came from."""

    __tablename__ = "scenario_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(
        sa.ForeignKey("scenarios.id", ondelete="CASCADE"), index=True
    )
    line_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("scenario_lines.id", ondelete="SET NULL")
    )
    agreement_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("agreements.id", ondelete="CASCADE"), unique=True
    )
    asset_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("shared_assets.id", ondelete="CASCADE"), unique=True
    )

    scenario: Mapped[Scenario] = relationship()
    agreement: Mapped[Agreement | None] = relationship()
    asset: Mapped[SharedAsset | None] = relationship()
