"""Each city's SDTN: the plan, its domains and its actions."""

import enum
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.organizations import City, Organization
from portal.models.types import str_enum

MONEY = sa.Numeric(14, 2)


class PlanStatus(enum.Enum):
    DRAFT = "draft"
    ADOPTED = "adopted"


class Horizon(enum.Enum):
    SHORT = "short"
    MEDIUM = "medium"
    LONG = "long"


class Domain(db.Model):
    """A field of the plan (health, tourism, e-administration...), shared by every city."""

    __tablename__ = "domains"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    # Shown to the readers of English and Arabic; empty, the French name stands.
    name_en: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    name_ar: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    position: Mapped[int] = mapped_column(default=0)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class Plan(db.Model):
    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(sa.ForeignKey("cities.id"), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[PlanStatus] = mapped_column(str_enum(PlanStatus), default=PlanStatus.DRAFT)
    # Horizons are measured from this date.
    start_date: Mapped[date]
    adopted_on: Mapped[date | None]
    # The plan's own edition number, shown as "version 2"; `version` guards concurrent edits.
    edition: Mapped[int] = mapped_column(default=1)
    version: Mapped[int] = mapped_column(default=1)

    city: Mapped[City] = relationship()
    actions: Mapped[list["Action"]] = relationship(back_populates="plan", order_by="Action.code")

    __mapper_args__ = {"version_id_col": version}

    @property
    def adopted(self) -> bool:
        return self.status is PlanStatus.ADOPTED


class Action(db.Model):
    __tablename__ = "actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plans.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(20))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    domain_id: Mapped[int] = mapped_column(sa.ForeignKey("domains.id"), index=True)
    # Derived from the planned end and the plan's start date; stored so lists filter on it.
    horizon: Mapped[Horizon] = mapped_column(str_enum(Horizon), index=True)
    lead_organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    budget: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    planned_start: Mapped[date]
    planned_end: Mapped[date]
    version: Mapped[int] = mapped_column(default=1)

    plan: Mapped[Plan] = relationship(back_populates="actions")
    domain: Mapped[Domain] = relationship()
    lead_organization: Mapped[Organization] = relationship()

    __table_args__ = (sa.UniqueConstraint("plan_id", "code"),)
    __mapper_args__ = {"version_id_col": version}
