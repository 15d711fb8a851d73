"""Who pays whom: counterpart agreements, their installments, and pooled assets' sharing keys."""

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.files import StoredFile
from portal.models.organizations import City, Organization
from portal.models.plans import MONEY, Action
from portal.models.types import UTCDateTime, str_enum, utcnow
from portal.models.users import User

# A share weight: a percentage with two decimals, or a number of usage units.
WEIGHT = sa.Numeric(14, 2)


class AssetKind(enum.Enum):
    DUCT = "duct"
    FIBRE_ROUTE = "fibre_route"
    TOWER = "tower"
    SHELTER = "shelter"
    DATA_ROOM = "data_room"
    STREET_FURNITURE = "street_furniture"


class KeyBasis(enum.Enum):
    PERCENT = "percent"
    UNITS = "units"


class SharedAsset(db.Model):
    """Infrastructure one organisation owns and others use: ducts, fibre, towers..."""

    __tablename__ = "shared_assets"

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(sa.ForeignKey("cities.id"), index=True)
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    kind: Mapped[AssetKind] = mapped_column(str_enum(AssetKind))
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    capacity: Mapped[Decimal | None] = mapped_column(WEIGHT)
    capacity_unit: Mapped[str] = mapped_column(sa.String(40), default="")
    capital_cost: Mapped[Decimal] = mapped_column(MONEY)
    yearly_operating_cost: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    key_basis: Mapped[KeyBasis] = mapped_column(str_enum(KeyBasis), default=KeyBasis.PERCENT)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    city: Mapped[City] = relationship()
    owner: Mapped[Organization] = relationship()
    shares: Mapped[list["AssetShare"]] = relationship(
        back_populates="asset", cascade="all, delete-orphan", order_by="AssetShare.id"
    )

    __mapper_args__ = {"version_id_col": version}


class AssetShare(db.Model):
    """One line of the sharing key: an organisation and its weight."""

    __tablename__ = "asset_shares"

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(
        sa.ForeignKey("shared_assets.id", ondelete="CASCADE"), index=True
    )
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    weight: Mapped[Decimal] = mapped_column(WEIGHT)

    asset: Mapped[SharedAsset] = relationship(back_populates="shares")
    organization: Mapped[Organization] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("asset_id", "organization_id"),
        sa.CheckConstraint("weight > 0", name="positive_weight"),
    )


class AgreementPurpose(enum.Enum):
    USAGE_FEE = "usage_fee"
    COFINANCING = "cofinancing"
    CONTRIBUTION = "contribution"
    COMPENSATION = "compensation"
    OTHER = "other"


class AgreementStatus(enum.Enum):
    DRAFT = "draft"
    SIGNED = "signed"
    TERMINATED = "terminated"


class CostKind(enum.Enum):
    """Which cost of a shared asset a generated agreement pays a share of."""

    CAPITAL = "capital"
    OPERATING = "operating"


class Agreement(db.Model):
    __tablename__ = "agreements"

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(sa.ForeignKey("cities.id"), index=True)
    payer_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    payee_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    purpose: Mapped[AgreementPurpose] = mapped_column(str_enum(AgreementPurpose))
    title: Mapped[str] = mapped_column(sa.String(200))
    action_id: Mapped[int | None] = mapped_column(sa.ForeignKey("actions.id"), index=True)
    asset_id: Mapped[int | None] = mapped_column(sa.ForeignKey("shared_assets.id"), index=True)
    # Set on agreements generated from a sharing key.
    cost_kind: Mapped[CostKind | None] = mapped_column(str_enum(CostKind))
    total_amount: Mapped[Decimal] = mapped_column(MONEY)
    start_date: Mapped[date]
    convention_reference: Mapped[str] = mapped_column(sa.String(80), default="")
    document_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stored_files.id"))
    status: Mapped[AgreementStatus] = mapped_column(
        str_enum(AgreementStatus), default=AgreementStatus.DRAFT, index=True
    )
    signed_on: Mapped[date | None]
    terminated_on: Mapped[date | None]
    termination_reason: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    city: Mapped[City] = relationship()
    payer: Mapped[Organization] = relationship(foreign_keys=[payer_id])
    payee: Mapped[Organization] = relationship(foreign_keys=[payee_id])
    action: Mapped[Action | None] = relationship()
    asset: Mapped[SharedAsset | None] = relationship()
    document: Mapped[StoredFile | None] = relationship()
    installments: Mapped[list["Installment"]] = relationship(
        back_populates="agreement",
        cascade="all, delete-orphan",
        order_by="[Installment.due_date, Installment.id]",
    )

    __table_args__ = (
        sa.CheckConstraint("payer_id <> payee_id", name="distinct_parties"),
        sa.CheckConstraint("total_amount > 0", name="positive_total"),
    )
    __mapper_args__ = {"version_id_col": version}


class InstallmentStatus(enum.Enum):
    PLANNED = "planned"
    INVOICED = "invoiced"
    PAID = "paid"
    DISPUTED = "disputed"
    CANCELLED = "cancelled"


# Not paid yet (what the payer is reminded of), and still open (what termination cancels).
UNPAID = frozenset({InstallmentStatus.PLANNED, InstallmentStatus.INVOICED})
OPEN_INSTALLMENTS = frozenset({*UNPAID, InstallmentStatus.DISPUTED})


class Installment(db.Model):
    __tablename__ = "installments"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("agreements.id", ondelete="CASCADE"), index=True
    )
    due_date: Mapped[date] = mapped_column(index=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    status: Mapped[InstallmentStatus] = mapped_column(
        str_enum(InstallmentStatus), default=InstallmentStatus.PLANNED, index=True
    )
    invoice_reference: Mapped[str] = mapped_column(sa.String(80), default="")
    invoiced_on: Mapped[date | None]
    paid_on: Mapped[date | None]
    payment_reference: Mapped[str] = mapped_column(sa.String(80), default="")
    paid_recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    dispute_reason: Mapped[str] = mapped_column(sa.Text, default="")
    disputed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str] = mapped_column(sa.Text, default="")
    version: Mapped[int] = mapped_column(default=1)

    agreement: Mapped[Agreement] = relationship(back_populates="installments")
    paid_recorded_by: Mapped[User | None] = relationship(foreign_keys=[paid_recorded_by_id])
    received_by: Mapped[User | None] = relationship(foreign_keys=[received_by_id])

    __table_args__ = (sa.CheckConstraint("amount > 0", name="positive_amount"),)
    __mapper_args__ = {"version_id_col": version}

    # "Overdue", the one definition: not paid yet and due before today. In Python on an
    # installment, in SQL on the class (Installment.is_overdue(today) in a query).
    @hybrid_method
    def is_overdue(self, today: date) -> bool:
        return self.status in UNPAID and self.due_date < today

    @is_overdue.inplace.expression
    @classmethod
    def _is_overdue_expression(cls, today: date):
        return sa.and_(cls.status.in_(UNPAID), cls.due_date < today)
