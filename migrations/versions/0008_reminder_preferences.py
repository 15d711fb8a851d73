"""reminder preferences (digest, muted kinds), respond-within days, digest claims; outbox
keys carry the due date so that a moved deadline is reminded again

Revision ID: 0008_reminder_preferences
Revises: 0007_reminders
Create Date: 2026-11-26 03:19:16.681626

"""

import sqlalchemy as sa
from alembic import op

revision = "0008_reminder_preferences"
down_revision = "0007_reminders"
branch_labels = None
depends_on = None

KINDS = (
    "milestone_due",
    "approval_waiting",
    "commitment_due",
    "installment_due",
    "tender_submission",
    "tender_evaluation",
    "tender_declaration",
    "change_request_waiting",
)


def upgrade():
    op.create_table(
        "reminder_mutes",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(*KINDS, name="reminderkind", native_enum=False, length=32),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_reminder_mutes_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "kind", name=op.f("pk_reminder_mutes")),
    )
    # Plain ADD COLUMN, not a batch: recreating `users` on SQLite would drop a table that
    # other rows point to.
    op.add_column("outbox_messages", sa.Column("claim", sa.String(length=40), nullable=True))
    op.add_column(
        "reminder_rules",
        sa.Column("respond_within_days", sa.Integer(), server_default="10", nullable=False),
    )
    op.add_column(
        "users", sa.Column("mail_digest", sa.Boolean(), server_default=sa.false(), nullable=False)
    )

    # Keys now end with the due date; rewrite the old ones so that a day planned again
    # after the upgrade finds them and writes nothing twice.
    outbox = sa.table(
        "outbox_messages", sa.column("key", sa.String), sa.column("due_date", sa.Date)
    )
    if op.get_bind().dialect.name == "postgresql":
        # Whatever the server's DateStyle.
        day = sa.func.to_char(outbox.c.due_date, "YYYY-MM-DD")
    else:
        day = sa.cast(outbox.c.due_date, sa.String)  # stored as YYYY-MM-DD
    op.execute(outbox.update().values(key=outbox.c.key + ":" + day))


def downgrade():
    outbox = sa.table(
        "outbox_messages",
        sa.column("id", sa.Integer),
        sa.column("key", sa.String),
        sa.column("status", sa.String),
        sa.column("last_error", sa.Text),
    )
    old_key = sa.func.substr(outbox.c.key, 1, sa.func.length(outbox.c.key) - 11)
    # A deadline reminded again after it moved would share its old key: keep the latest.
    latest = sa.select(sa.func.max(outbox.c.id)).group_by(old_key)
    op.execute(outbox.delete().where(outbox.c.id.not_in(latest)))
    # The older code knows no "muted": those were never e-mailed.
    op.execute(
        outbox.update()
        .where(outbox.c.status == "muted")
        .values(status="failed", last_error="muted by the recipient, not e-mailed")
    )
    # Strip the ":YYYY-MM-DD" suffix again.
    op.execute(outbox.update().values(key=old_key))
    op.drop_column("users", "mail_digest")
    op.drop_column("reminder_rules", "respond_within_days")
    op.drop_column("outbox_messages", "claim")
    op.drop_table("reminder_mutes")
