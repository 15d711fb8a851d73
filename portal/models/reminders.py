"""Deadline reminders: the rules per kind, the days already planned, and the outbox."""

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.types import UTCDateTime, str_enum, utcnow
from portal.models.users import User


class ReminderKind(enum.Enum):
    """What a notification is about: a deadline (the reminders) or an event that concerns
    the person (a milestone submitted to them, a payment they received...)."""

    # Deadlines, planned daily by services.reminders.
    MILESTONE_DUE = "milestone_due"
    APPROVAL_WAITING = "approval_waiting"
    COMMITMENT_DUE = "commitment_due"
    INSTALLMENT_DUE = "installment_due"
    TENDER_SUBMISSION = "tender_submission"
    TENDER_EVALUATION = "tender_evaluation"
    TENDER_DECLARATION = "tender_declaration"
    CHANGE_REQUEST_WAITING = "change_request_waiting"
    # Events, written by services.notifications in the transaction of the change.
    MILESTONE_SUBMITTED = "milestone_submitted"
    MILESTONE_APPROVED_LOCALLY = "milestone_approved_locally"
    MILESTONE_APPROVED = "milestone_approved"
    MILESTONE_RETURNED = "milestone_returned"
    CHANGE_REQUESTED = "change_requested"
    CHANGE_DECIDED = "change_decided"
    COMMITMENT_PROPOSED = "commitment_proposed"
    COMMITMENT_ACCEPTED = "commitment_accepted"
    PROGRESS_DECLARED = "progress_declared"
    PROGRESS_DECIDED = "progress_decided"
    AGREEMENT_SIGNED = "agreement_signed"
    INSTALLMENT_INVOICED = "installment_invoiced"
    PAYMENT_RECORDED = "payment_recorded"
    RECEIPT_CONFIRMED = "receipt_confirmed"
    DISPUTE_OPENED = "dispute_opened"
    DISPUTE_SETTLED = "dispute_settled"
    TENDER_PUBLISHED = "tender_published"
    TENDER_COMMITTEE = "tender_committee"
    BID_RECEIVED = "bid_received"
    TENDER_STAGE = "tender_stage"
    TENDER_DECIDED = "tender_decided"
    SITE_TO_DECIDE = "site_to_decide"
    SITE_DECIDED = "site_decided"
    SCENARIO_SUBMITTED = "scenario_submitted"
    SCENARIO_ENDORSED = "scenario_endorsed"
    SCENARIO_APPROVED = "scenario_approved"
    SCENARIO_RETURNED = "scenario_returned"
    MEETING_INVITATION = "meeting_invitation"  # with its iCalendar request or cancellation
    MINUTES_CIRCULATED = "minutes_circulated"
    # A deadline too: a follow-up action a meeting asked for.
    FOLLOW_UP_DUE = "follow_up_due"


DEADLINE_KINDS = (*list(ReminderKind)[:8], ReminderKind.FOLLOW_UP_DUE)
EVENT_KINDS = tuple(kind for kind in ReminderKind if kind not in DEADLINE_KINDS)


class ReminderRule(db.Model):
    """How early, how often once late, and when to climb the hierarchy, per kind."""

    __tablename__ = "reminder_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ReminderKind] = mapped_column(str_enum(ReminderKind), unique=True)
    # Days before the deadline, e.g. "30,7,1".
    lead_days: Mapped[str] = mapped_column(sa.String(60), default="30,7,1")
    overdue_every_days: Mapped[int] = mapped_column(default=7)
    escalate_local_after: Mapped[int | None] = mapped_column(default=7)
    escalate_central_after: Mapped[int | None] = mapped_column(default=21)
    # For what waits on someone (an approval, a change request): the days allowed to act,
    # counted from when it started waiting; that is its deadline.
    respond_within_days: Mapped[int] = mapped_column(default=10, server_default="10")
    active: Mapped[bool] = mapped_column(default=True)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    @property
    def leads(self) -> list[int]:
        return sorted({int(d) for d in self.lead_days.split(",") if d.strip()}, reverse=True)


class PlannedDay(db.Model):
    """A day whose reminders have been planned: the catch-up starts after the last one."""

    __tablename__ = "planned_days"

    day: Mapped[date] = mapped_column(primary_key=True)
    planned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    messages: Mapped[int] = mapped_column(default=0)


class OutboxStatus(enum.Enum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by one sender
    SENT = "sent"
    FAILED = "failed"
    MUTED = "muted"  # the recipient muted this kind: shown in the portal, not e-mailed
    DISCARDED = "discarded"  # failed, and the administrator gave up on it


class OutboxMessage(db.Model):
    """One reminder for one person. `key` (item, recipient, kind, occurrence) is unique, so
    planning twice, or in two processes at once, never writes it twice."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    recipient_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    kind: Mapped[ReminderKind] = mapped_column(str_enum(ReminderKind))
    item_type: Mapped[str] = mapped_column(sa.String(40))
    item_id: Mapped[int]
    # "lead-7", "overdue-14", "escalation-local"..., or "event" for an event.
    occurrence: Mapped[str] = mapped_column(sa.String(40))
    # A reminder's deadline; an event has none.
    due_date: Mapped[date | None]
    planned_for: Mapped[date] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[OutboxStatus] = mapped_column(
        str_enum(OutboxStatus), default=OutboxStatus.PENDING, index=True
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The sender that claimed it (a digest claims several rows at once).
    claim: Mapped[str | None] = mapped_column(sa.String(40))
    # An event's author, and what the notification quotes of it (a reason, a stage...).
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    recipient: Mapped[User] = relationship(foreign_keys=[recipient_id])
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])

    __table_args__ = (
        # The unread count in the navigation, on every page.
        sa.Index("ix_outbox_messages_recipient_read", "recipient_id", "read_at"),
    )


class ReminderMute(db.Model):
    """A kind whose reminders a person does not want by e-mail (escalations still come)."""

    __tablename__ = "reminder_mutes"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[ReminderKind] = mapped_column(str_enum(ReminderKind), primary_key=True)


class Lease(db.Model):
    """Who runs a scheduled job: a second scheduler finds the lease held and stays idle."""

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(sa.String(80))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
