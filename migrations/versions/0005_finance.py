"""counterpart agreements, installments and shared assets

Revision ID: 0005_finance
Revises: 0004_commitments
Create Date: 2026-11-26 00:46:47.926146

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0005_finance"
down_revision = "0004_commitments"
branch_labels = None
depends_on = None


def upgrade():

    op.create_table(
        "shared_assets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "duct",
                "fibre_route",
                "tower",
                "shelter",
                "data_room",
                "street_furniture",
                name="assetkind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("capacity", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("capacity_unit", sa.String(length=40), nullable=False),
        sa.Column("capital_cost", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("yearly_operating_cost", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column(
            "key_basis",
            sa.Enum("percent", "units", name="keybasis", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["city_id"], ["cities.id"], name=op.f("fk_shared_assets_city_id_cities")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["organizations.id"], name=op.f("fk_shared_assets_owner_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shared_assets")),
    )
    with op.batch_alter_table("shared_assets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shared_assets_city_id"), ["city_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_shared_assets_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "asset_shares",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("weight", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.CheckConstraint("weight > 0", name=op.f("ck_asset_shares_positive_weight")),
        sa.ForeignKeyConstraint(
            ["asset_id"],
            ["shared_assets.id"],
            name=op.f("fk_asset_shares_asset_id_shared_assets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_asset_shares_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asset_shares")),
        sa.UniqueConstraint(
            "asset_id", "organization_id", name=op.f("uq_asset_shares_asset_id_organization_id")
        ),
    )
    with op.batch_alter_table("asset_shares", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_asset_shares_asset_id"), ["asset_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_asset_shares_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "agreements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("payer_id", sa.Integer(), nullable=False),
        sa.Column("payee_id", sa.Integer(), nullable=False),
        sa.Column(
            "purpose",
            sa.Enum(
                "usage_fee",
                "cofinancing",
                "contribution",
                "compensation",
                "other",
                name="agreementpurpose",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=True),
        sa.Column("asset_id", sa.Integer(), nullable=True),
        sa.Column(
            "cost_kind",
            sa.Enum("capital", "operating", name="costkind", native_enum=False, length=32),
            nullable=True,
        ),
        sa.Column("total_amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("convention_reference", sa.String(length=80), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "signed",
                "terminated",
                name="agreementstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("signed_on", sa.Date(), nullable=True),
        sa.Column("terminated_on", sa.Date(), nullable=True),
        sa.Column("termination_reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("payer_id <> payee_id", name=op.f("ck_agreements_distinct_parties")),
        sa.CheckConstraint("total_amount > 0", name=op.f("ck_agreements_positive_total")),
        sa.ForeignKeyConstraint(
            ["action_id"], ["actions.id"], name=op.f("fk_agreements_action_id_actions")
        ),
        sa.ForeignKeyConstraint(
            ["asset_id"], ["shared_assets.id"], name=op.f("fk_agreements_asset_id_shared_assets")
        ),
        sa.ForeignKeyConstraint(
            ["city_id"], ["cities.id"], name=op.f("fk_agreements_city_id_cities")
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["stored_files.id"],
            name=op.f("fk_agreements_document_id_stored_files"),
        ),
        sa.ForeignKeyConstraint(
            ["payee_id"], ["organizations.id"], name=op.f("fk_agreements_payee_id_organizations")
        ),
        sa.ForeignKeyConstraint(
            ["payer_id"], ["organizations.id"], name=op.f("fk_agreements_payer_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreements")),
    )
    with op.batch_alter_table("agreements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agreements_action_id"), ["action_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_agreements_asset_id"), ["asset_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_agreements_city_id"), ["city_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_agreements_payee_id"), ["payee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_agreements_payer_id"), ["payer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_agreements_status"), ["status"], unique=False)

    op.create_table(
        "installments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "planned",
                "invoiced",
                "paid",
                "disputed",
                "cancelled",
                name="installmentstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("invoice_reference", sa.String(length=80), nullable=False),
        sa.Column("invoiced_on", sa.Date(), nullable=True),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("payment_reference", sa.String(length=80), nullable=False),
        sa.Column("paid_recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_by_id", sa.Integer(), nullable=True),
        sa.Column("dispute_reason", sa.Text(), nullable=False),
        sa.Column("cancel_reason", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_installments_positive_amount")),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agreements.id"],
            name=op.f("fk_installments_agreement_id_agreements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["paid_recorded_by_id"],
            ["users.id"],
            name=op.f("fk_installments_paid_recorded_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["received_by_id"], ["users.id"], name=op.f("fk_installments_received_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_installments")),
    )
    with op.batch_alter_table("installments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_installments_agreement_id"), ["agreement_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_installments_due_date"), ["due_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_installments_status"), ["status"], unique=False)


def downgrade():

    with op.batch_alter_table("installments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_installments_status"))
        batch_op.drop_index(batch_op.f("ix_installments_due_date"))
        batch_op.drop_index(batch_op.f("ix_installments_agreement_id"))

    op.drop_table("installments")
    with op.batch_alter_table("agreements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agreements_status"))
        batch_op.drop_index(batch_op.f("ix_agreements_payer_id"))
        batch_op.drop_index(batch_op.f("ix_agreements_payee_id"))
        batch_op.drop_index(batch_op.f("ix_agreements_city_id"))
        batch_op.drop_index(batch_op.f("ix_agreements_asset_id"))
        batch_op.drop_index(batch_op.f("ix_agreements_action_id"))

    op.drop_table("agreements")
    with op.batch_alter_table("asset_shares", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_asset_shares_organization_id"))
        batch_op.drop_index(batch_op.f("ix_asset_shares_asset_id"))

    op.drop_table("asset_shares")
    with op.batch_alter_table("shared_assets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shared_assets_owner_id"))
        batch_op.drop_index(batch_op.f("ix_shared_assets_city_id"))

    op.drop_table("shared_assets")
