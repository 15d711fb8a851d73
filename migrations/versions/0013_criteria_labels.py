"""criteria labels in English and Arabic, for tenders' criteria and cities' site criteria;
empty, the French label stands

Revision ID: 0013_criteria_labels
Revises: 0012_names_in_languages
Create Date: 2026-12-04 09:20:11.402519

"""

import sqlalchemy as sa
from alembic import op

revision = "0013_criteria_labels"
down_revision = "0012_names_in_languages"
branch_labels = None
depends_on = None

TABLES = ("coverage_criteria", "criteria")
COLUMNS = ("label_en", "label_ar")


def upgrade():
    # A plain ADD COLUMN, as in 0012: no table copy, the foreign keys stay as they are.
    for table in TABLES:
        for name in COLUMNS:
            op.add_column(
                table, sa.Column(name, sa.String(length=300), server_default="", nullable=False)
            )


def downgrade():
    for table in TABLES:
        for name in reversed(COLUMNS):
            op.execute(sa.text(f"ALTER TABLE {table} DROP COLUMN {name}"))
