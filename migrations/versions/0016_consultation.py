"""the public consultation: a city's consultations for a period, the expectations residents
send through them (awaiting moderation, then published), the e-mail left to be told what
became of one (erased once told), and the supports of published ones (keyed hashes only)

Revision ID: 0016_consultation
Revises: 0015_diagnostic
Create Date: 2026-12-04 15:13:07.542659

"""

import sqlalchemy as sa
from alembic import op

revision = "0016_consultation"
down_revision = "0015_diagnostic"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "consultations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("title_en", sa.String(length=200), nullable=False),
        sa.Column("title_ar", sa.String(length=200), nullable=False),
        sa.Column("introduction", sa.Text(), nullable=False),
        sa.Column("introduction_en", sa.Text(), nullable=False),
        sa.Column("introduction_ar", sa.Text(), nullable=False),
        sa.Column("districts", sa.JSON(), nullable=False),
        sa.Column("opens_on", sa.Date(), nullable=False),
        sa.Column("closes_on", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("closes_on >= opens_on", name=op.f("ck_consultations_period_in_order")),
        sa.ForeignKeyConstraint(
            ["city_id"], ["cities.id"], name=op.f("fk_consultations_city_id_cities")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_consultations_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultations")),
    )
    with op.batch_alter_table("consultations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consultations_city_id"), ["city_id"], unique=False)

    op.create_table(
        "consultation_contacts",
        sa.Column("expectation_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("due", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["expectation_id"],
            ["expectations.id"],
            name=op.f("fk_consultation_contacts_expectation_id_expectations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("expectation_id", name=op.f("pk_consultation_contacts")),
    )
    with op.batch_alter_table("consultation_contacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consultation_contacts_due"), ["due"], unique=False)

    op.create_table(
        "consultation_supports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("expectation_id", sa.Integer(), nullable=False),
        sa.Column("browser_key", sa.String(length=64), nullable=False),
        sa.Column("email_key", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["expectation_id"],
            ["expectations.id"],
            name=op.f("fk_consultation_supports_expectation_id_expectations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_supports")),
        sa.UniqueConstraint(
            "expectation_id",
            "browser_key",
            name=op.f("uq_consultation_supports_expectation_id_browser_key"),
        ),
        sa.UniqueConstraint(
            "expectation_id",
            "email_key",
            name=op.f("uq_consultation_supports_expectation_id_email_key"),
        ),
    )
    with op.batch_alter_table("consultation_supports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consultation_supports_expectation_id"), ["expectation_id"], unique=False
        )

    with op.batch_alter_table("expectations", schema=None) as batch_op:
        batch_op.alter_column("importance", existing_type=sa.SmallInteger(), nullable=True)
        batch_op.add_column(sa.Column("consultation_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("published_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_expectations_consultation_id"), ["consultation_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_expectations_consultation_id_consultations"),
            "consultations",
            ["consultation_id"],
            ["id"],
        )


def downgrade():
    # Residents' expectations still awaiting moderation have no importance yet: before this
    # revision they could not exist.
    op.execute("DELETE FROM expectations WHERE importance IS NULL")
    with op.batch_alter_table("expectations", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_expectations_consultation_id_consultations"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_expectations_consultation_id"))
        batch_op.drop_column("published_at")
        batch_op.drop_column("consultation_id")
        batch_op.alter_column("importance", existing_type=sa.SmallInteger(), nullable=False)

    with op.batch_alter_table("consultation_supports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consultation_supports_expectation_id"))

    op.drop_table("consultation_supports")
    with op.batch_alter_table("consultation_contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consultation_contacts_due"))

    op.drop_table("consultation_contacts")
    with op.batch_alter_table("consultations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consultations_city_id"))

    op.drop_table("consultations")
