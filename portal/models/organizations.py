"""Cities and the organisations that take part in their SDTN."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.types import UTCDateTime, str_enum, utcnow


class City(db.Model):
    __tablename__ = "cities"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    # Shown to the readers of English and Arabic; empty, the French name stands.
    name_en: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    name_ar: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    slug: Mapped[str] = mapped_column(sa.String(60), unique=True)
    region: Mapped[str] = mapped_column(sa.String(120))
    version: Mapped[int] = mapped_column(default=1)

    organizations: Mapped[list["Organization"]] = relationship(back_populates="city")

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<City {self.slug}>"


class OrganizationKind(enum.Enum):
    MINISTRY = "ministry"
    URBAN_AGENCY = "urban_agency"
    COMMUNE = "commune"
    UTILITY = "utility"
    TELECOM_OPERATOR = "telecom_operator"
    REGULATOR = "regulator"
    CONSULTANT = "consultant"
    PROVIDER = "provider"


class Organization(db.Model):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    # Shown to the readers of English and Arabic; empty, the French name stands.
    name_en: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    name_ar: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    short_name: Mapped[str] = mapped_column(sa.String(40), unique=True)
    kind: Mapped[OrganizationKind] = mapped_column(str_enum(OrganizationKind))
    # National organisations (ministry, operators) have no city.
    city_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cities.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    city: Mapped[City | None] = relationship(back_populates="organizations")

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Organization {self.short_name}>"
