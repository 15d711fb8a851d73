"""notifications of events in the outbox: their author and details, no due date; an index
for each person's unread count, and one on roles for "who holds this permission"; when an
installment was disputed (how long its dispute has waited)

Revision ID: 0010_notifications
Revises: 0009_coverage
Create Date: 2026-12-03 08:29:29.846259

"""

import sqlalchemy as sa
from alembic import op

revision = "0010_notifications"
down_revision = "0009_coverage"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(op.f("ix_role_assignments_role"), "role_assignments", ["role"], unique=False)
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("actor_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("details", sa.JSON(), server_default="{}", nullable=False))
        batch_op.alter_column("due_date", existing_type=sa.DATE(), nullable=True)
        batch_op.create_index(
            "ix_outbox_messages_recipient_read", ["recipient_id", "read_at"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_messages_actor_id_users"), "users", ["actor_id"], ["id"]
        )
    with op.batch_alter_table("installments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("disputed_at", sa.DateTime(timezone=True), nullable=True))
    # A dispute already open waits since its last record in the audit log.
    installments = sa.table(
        "installments",
        sa.column("id", sa.Integer),
        sa.column("status", sa.String),
        sa.column("disputed_at", sa.DateTime(timezone=True)),
    )
    events = sa.table(
        "audit_events",
        sa.column("occurred_at", sa.DateTime(timezone=True)),
        sa.column("action", sa.String),
        sa.column("object_type", sa.String),
        sa.column("object_id", sa.Integer),
    )
    op.execute(
        installments.update()
        .where(installments.c.status == "disputed")
        .values(
            disputed_at=sa.select(sa.func.max(events.c.occurred_at))
            .where(
                events.c.action == "finance.installment_dispute",
                events.c.object_type == "installments",
                events.c.object_id == installments.c.id,
            )
            .scalar_subquery()
        )
    )


def downgrade():
    with op.batch_alter_table("installments", schema=None) as batch_op:
        batch_op.drop_column("disputed_at")
    # Events have no due date: they cannot stay in the older outbox.
    outbox = sa.table("outbox_messages", sa.column("occurrence", sa.String))
    op.execute(outbox.delete().where(outbox.c.occurrence == "event"))
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_outbox_messages_actor_id_users"), type_="foreignkey"
        )
        batch_op.drop_index("ix_outbox_messages_recipient_read")
        batch_op.alter_column("due_date", existing_type=sa.DATE(), nullable=False)
        batch_op.drop_column("details")
        batch_op.drop_column("actor_id")
    op.drop_index(op.f("ix_role_assignments_role"), table_name="role_assignments")
