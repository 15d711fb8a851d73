"""names in English and Arabic for reference data: cities, organisations, domains and
indicators (and the indicators' units); empty, the French name stands

Revision ID: 0012_names_in_languages
Revises: 0011_tender_updated_at
Create Date: 2026-12-04 10:53:30.561811

"""

import sqlalchemy as sa
from alembic import op

revision = "0012_names_in_languages"
down_revision = "0011_tender_updated_at"
branch_labels = None
depends_on = None

COLUMNS = {
    "cities": [("name_en", 120), ("name_ar", 120)],
    "coverage_indicators": [("name_en", 200), ("name_ar", 200), ("unit_en", 40), ("unit_ar", 40)],
    "domains": [("name_en", 120), ("name_ar", 120)],
    "organizations": [("name_en", 200), ("name_ar", 200)],
}


def upgrade():
    # A plain ADD COLUMN (with its default for the existing rows): no table copy, so SQLite's
    # foreign keys to these tables stay as they are.
    for table, columns in COLUMNS.items():
        for name, length in columns:
            op.add_column(
                table, sa.Column(name, sa.String(length=length), server_default="", nullable=False)
            )


def downgrade():
    # SQLite 3.35+ drops a plain column in place; a batch copy would trip the foreign keys.
    for table, columns in COLUMNS.items():
        for name, _length in reversed(columns):
            op.execute(sa.text(f"ALTER TABLE {table} DROP COLUMN {name}"))
