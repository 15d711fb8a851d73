"""Local governance: the bodies that steer the plan (each city's steering committee, the
programme's national committee, thematic working groups), their members and their
meetings with an agenda."""

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.organizations import City, Organization
from portal.models.types import UTCDateTime, str_enum, utcnow
from portal.models.users import User


class BodyKind(enum.Enum):
    STEERING = "steering"  # a city's comité de pilotage
    NATIONAL = "national"  # the programme's national committee
    WORKING_GROUP = "working_group"  # a thematic working group, of a city or the programme


class MemberRole(enum.Enum):
    CHAIR = "chair"
    MEMBER = "member"
    SECRETARY = "secretary"  # prepares the meetings and their minutes
    OBSERVER = "observer"


# The members who count towards the quorum.
VOTING = frozenset({MemberRole.CHAIR, MemberRole.MEMBER})


class Body(db.Model):
    """A body that steers the plan: of one city, or of the whole programme (city_id None)."""

    __tablename__ = "governance_bodies"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[BodyKind] = mapped_column(str_enum(BodyKind))
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    name_en: Mapped[str] = mapped_column(sa.String(200), default="")
    name_ar: Mapped[str] = mapped_column(sa.String(200), default="")
    city_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cities.id"), index=True)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    # Voting members (chair and members) present for the body to decide.
    quorum: Mapped[int] = mapped_column(default=1)
    # How often it meets, in months; None: when needed.
    meets_every_months: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    city: Mapped[City | None] = relationship()
    members: Mapped[list["BodyMember"]] = relationship(
        back_populates="body", cascade="all, delete-orphan", order_by="BodyMember.id"
    )

    __table_args__ = (
        sa.CheckConstraint("quorum >= 1", name="quorum_positive"),
        sa.CheckConstraint(
            "meets_every_months IS NULL OR meets_every_months BETWEEN 1 AND 12",
            name="frequency_in_range",
        ),
    )
    __mapper_args__ = {"version_id_col": version}


class BodyMember(db.Model):
    __tablename__ = "governance_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(
        sa.ForeignKey("governance_bodies.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    role: Mapped[MemberRole] = mapped_column(str_enum(MemberRole))

    body: Mapped[Body] = relationship(back_populates="members")
    user: Mapped[User] = relationship()

    __table_args__ = (sa.UniqueConstraint("body_id", "user_id"),)


class MeetingStatus(enum.Enum):
    SCHEDULED = "scheduled"
    HELD = "held"
    CANCELLED = "cancelled"


class MinutesStatus(enum.Enum):
    DRAFT = "draft"
    CIRCULATED = "circulated"  # sent to the members for comments until a set day
    ADOPTED = "adopted"  # by the chair: frozen from then on


class Meeting(db.Model):
    """One meeting of a body: when and where, and its agenda."""

    __tablename__ = "governance_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(sa.ForeignKey("governance_bodies.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(sa.String(300), default="")
    video_link: Mapped[str] = mapped_column(sa.String(500), default="")
    status: Mapped[MeetingStatus] = mapped_column(
        str_enum(MeetingStatus), default=MeetingStatus.SCHEDULED
    )
    # Readable by everyone with a role, not only the body's members.
    published: Mapped[bool] = mapped_column(default=False)
    # The invitation's iCalendar SEQUENCE: one more at each change members are told of.
    sequence: Mapped[int] = mapped_column(default=0)
    # The minutes: the secretary's account of the discussion, and the correction of an
    # earlier meeting's adopted minutes (which never change themselves).
    minutes_status: Mapped[MinutesStatus | None] = mapped_column(str_enum(MinutesStatus))
    minutes_text: Mapped[str] = mapped_column(sa.Text, default="")
    erratum: Mapped[str] = mapped_column(sa.Text, default="")
    comments_until: Mapped[date | None]
    adopted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    adopted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # What the adopted minutes say, frozen at adoption: the PDF in every language is
    # written from it, whatever becomes of the actions and the members afterwards.
    minutes_record: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    body: Mapped[Body] = relationship()
    adopted_by: Mapped[User | None] = relationship()
    items: Mapped[list["AgendaItem"]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="AgendaItem.position"
    )

    __table_args__ = (sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),)
    __mapper_args__ = {"version_id_col": version}


class Outcome(enum.Enum):
    INFORMATION = "information"
    DECISION = "decision"
    ACTION = "action"  # a follow-up action, with its owner and date


class AgendaItem(db.Model):
    """One item of a meeting's agenda: free, or about a portal object (a milestone waiting
    for this body's decision, an overdue installment...), which it links to."""

    __tablename__ = "governance_agenda_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("governance_meetings.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(300))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    # The task kind that proposed it ("milestone_approve_local"...) and its object.
    source: Mapped[str] = mapped_column(sa.String(40), default="")
    object_id: Mapped[int | None]
    link_id: Mapped[int | None]
    city_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cities.id"))
    # What the meeting made of it, once held.
    outcome: Mapped["Outcome | None"] = mapped_column(str_enum(Outcome))
    outcome_text: Mapped[str] = mapped_column(sa.Text, default="")
    # The object's own transition the decision carried out ("approve_local", "accept"...).
    carried_out: Mapped[str] = mapped_column(sa.String(40), default="", server_default="")

    meeting: Mapped[Meeting] = relationship(back_populates="items")

    # An object's page lists the meetings that dealt with it.
    __table_args__ = (sa.Index("ix_governance_agenda_items_source_link", "source", "link_id"),)


class MinutesComment(db.Model):
    """A member's remark on the circulated minutes."""

    __tablename__ = "governance_minutes_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("governance_meetings.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


class Presence(enum.Enum):
    PRESENT = "present"
    APOLOGISED = "apologised"  # sent apologies
    ABSENT = "absent"


class Attendance(db.Model):
    """Whether a member came: their apologies before, the secretary's record after."""

    __tablename__ = "governance_attendance"

    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("governance_meetings.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    presence: Mapped[Presence] = mapped_column(str_enum(Presence))
    # Their role in the body then: the quorum and the minutes keep it if it changes later.
    role: Mapped[MemberRole | None] = mapped_column(str_enum(MemberRole))

    user: Mapped[User] = relationship()


class ActionStatus(enum.Enum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class FollowUpAction(db.Model):
    """What a meeting asked someone to do: an organisation (and, if named, a person of it)
    by a date."""

    __tablename__ = "governance_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("governance_meetings.id"), index=True)
    item_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("governance_agenda_items.id", ondelete="SET NULL")
    )
    title: Mapped[str] = mapped_column(sa.String(300))
    owner_organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id"), index=True
    )
    owner_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    due_on: Mapped[date] = mapped_column(index=True)
    status: Mapped[ActionStatus] = mapped_column(
        str_enum(ActionStatus), default=ActionStatus.OPEN, index=True
    )
    done_note: Mapped[str] = mapped_column(sa.Text, default="")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    meeting: Mapped[Meeting] = relationship()
    owner_organization: Mapped[Organization] = relationship()
    owner_user: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": version}


class SteeringReport(db.Model):
    """The steering report the secretariat generated for a meeting: a city's or the
    programme's figures on the day it was generated, for a period, kept as generated."""

    __tablename__ = "governance_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("governance_meetings.id", ondelete="CASCADE"), unique=True
    )
    city_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cities.id"))
    period_start: Mapped[date]
    period_end: Mapped[date]
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    generated_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    figures: Mapped[dict[str, Any]] = mapped_column(sa.JSON)

    __table_args__ = (sa.CheckConstraint("period_end >= period_start", name="period_ordered"),)
