"""deadline reminders: rules, planned days, outbox

Revision ID: 0007_reminders
Revises: 0006_tenders
Create Date: 2026-11-26 02:17:04.411581

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007_reminders"
down_revision = "0006_tenders"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "scheduler_leases",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("holder", sa.String(length=80), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scheduler_leases")),
    )
    op.create_table(
        "planned_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("planned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_planned_days")),
    )
    op.create_table(
        "reminder_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "milestone_due",
                "approval_waiting",
                "commitment_due",
                "installment_due",
                "tender_submission",
                "tender_evaluation",
                "tender_declaration",
                "change_request_waiting",
                name="reminderkind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("lead_days", sa.String(length=60), nullable=False),
        sa.Column("overdue_every_days", sa.Integer(), nullable=False),
        sa.Column("escalate_local_after", sa.Integer(), nullable=True),
        sa.Column("escalate_central_after", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_rules")),
        sa.UniqueConstraint("kind", name=op.f("uq_reminder_rules_kind")),
    )
    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "milestone_due",
                "approval_waiting",
                "commitment_due",
                "installment_due",
                "tender_submission",
                "tender_evaluation",
                "tender_declaration",
                "change_request_waiting",
                name="reminderkind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("item_type", sa.String(length=40), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("occurrence", sa.String(length=40), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("planned_for", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum("pending", "sent", "failed", name="outboxstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["recipient_id"], ["users.id"], name=op.f("fk_outbox_messages_recipient_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_messages")),
        sa.UniqueConstraint("key", name=op.f("uq_outbox_messages_key")),
    )
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outbox_messages_planned_for"), ["planned_for"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_outbox_messages_recipient_id"), ["recipient_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_outbox_messages_status"), ["status"], unique=False)


def downgrade():
    op.drop_table("scheduler_leases")

    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_messages_status"))
        batch_op.drop_index(batch_op.f("ix_outbox_messages_recipient_id"))
        batch_op.drop_index(batch_op.f("ix_outbox_messages_planned_for"))

    op.drop_table("outbox_messages")
    op.drop_table("reminder_rules")
    op.drop_table("planned_days")
