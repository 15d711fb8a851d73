"""Accounts and the roles they hold."""

import enum
import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.organizations import City, Organization
from portal.models.types import UTCDateTime, str_enum, utcnow


class Role(enum.Enum):
    ADMIN = "admin"
    CENTRAL_DECISION_MAKER = "central_decision_maker"
    LOCAL_DECISION_MAKER = "local_decision_maker"
    CONTRIBUTOR = "contributor"
    SECRETARIAT = "secretariat"
    EVALUATOR = "evaluator"
    OBSERVER = "observer"


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    preferred_language: Mapped[str] = mapped_column(sa.String(8), default="fr")
    active: Mapped[bool] = mapped_column(default=True)
    # Reminders by e-mail: one message each (False) or one daily digest (True).
    mail_digest: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    failed_login_count: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Sessions carry this token, not the id: rotating it ends every open session.
    session_token: Mapped[str] = mapped_column(
        sa.String(64), unique=True, default=new_session_token
    )
    # The secret in this person's calendar feed URLs; replacing it revokes the old links.
    calendar_token: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    organization: Mapped[Organization] = relationship()
    role_assignments: Mapped[list["RoleAssignment"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="RoleAssignment.id"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return self.session_token

    @property
    def roles(self) -> set[Role]:
        return {a.role for a in self.role_assignments}

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class RoleAssignment(db.Model):
    __tablename__ = "role_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Indexed: "who holds this permission" starts from the few holders of a role.
    role: Mapped[Role] = mapped_column(str_enum(Role), index=True)
    # Only city-scoped roles (local decision-maker, optionally observer) carry a city.
    city_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cities.id"), index=True)

    user: Mapped[User] = relationship(back_populates="role_assignments")
    city: Mapped[City | None] = relationship()

    __table_args__ = (sa.UniqueConstraint("user_id", "role", "city_id"),)
