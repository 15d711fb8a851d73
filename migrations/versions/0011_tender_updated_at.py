"""when a tender was last edited (the date of its OCDS release)

Revision ID: 0011_tender_updated_at
Revises: 0010_notifications
Create Date: 2026-12-04 06:55:48.932938

"""

import sqlalchemy as sa
from alembic import op

revision = "0011_tender_updated_at"
down_revision = "0010_notifications"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tenders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
    # Existing tenders: their last edit is not known, their creation is.
    op.execute("UPDATE tenders SET updated_at = created_at")
    with op.batch_alter_table("tenders", schema=None) as batch_op:
        batch_op.alter_column(
            "updated_at", existing_type=sa.DateTime(timezone=True), nullable=False
        )


def downgrade():
    with op.batch_alter_table("tenders", schema=None) as batch_op:
        batch_op.drop_column("updated_at")
