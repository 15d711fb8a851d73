"""cities' involvement scenarios: their parties, who owns and runs each network layer, who
bears each risk, the coverage they deliver, their cash-flow lines, their decision history,
and the assets and agreements an approved one drafted in the ledger

Revision ID: 0014_scenarios
Revises: 0013_criteria_labels
Create Date: 2026-12-04 12:53:34.566861

"""

import sqlalchemy as sa
from alembic import op

revision = "0014_scenarios"
down_revision = "0013_criteria_labels"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "scenarios",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "investment_model",
            sa.Enum(
                "public_operation",
                "concession",
                "joint_venture",
                "gap_funding",
                "private_sharing",
                name="investmentmodel",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("horizon_years", sa.Integer(), nullable=False),
        sa.Column("discount_rate", sa.Numeric(precision=6, scale=4), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "returned",
                "submitted",
                "endorsed",
                "approved",
                "superseded",
                name="scenariostatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("status_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["city_id"], ["cities.id"], name=op.f("fk_scenarios_city_id_cities")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_scenarios_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scenarios")),
        sa.UniqueConstraint("city_id", "name", name=op.f("uq_scenarios_city_id_name")),
    )
    with op.batch_alter_table("scenarios", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scenarios_city_id"), ["city_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_scenarios_status"), ["status"], unique=False)

    op.create_table(
        "scenario_coverage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scenario_id", sa.Integer(), nullable=False),
        sa.Column(
            "measure",
            sa.Enum(
                "households_passed",
                "premises_passed",
                "sites_connected",
                "wifi_zones",
                "digital_spaces",
                name="coveragemeasure",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["coverage_indicators.id"],
            name=op.f("fk_scenario_coverage_indicator_id_coverage_indicators"),
        ),
        sa.ForeignKeyConstraint(
            ["scenario_id"],
            ["scenarios.id"],
            name=op.f("fk_scenario_coverage_scenario_id_scenarios"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scenario_coverage")),
        sa.UniqueConstraint(
            "scenario_id", "measure", name=op.f("uq_scenario_coverage_scenario_id_measure")
        ),
    )
    with op.batch_alter_table("scenario_coverage", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_scenario_coverage_scenario_id"), ["scenario_id"], unique=False
        )

    op.create_table(
        "scenario_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scenario_id", sa.Integer(), nullable=False),
        sa.Column(
            "from_status",
            sa.Enum(
                "draft",
                "returned",
                "submitted",
                "endorsed",
                "approved",
                "superseded",
                name="scenariostatus",
                native_enum=False,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column(
            "to_status",
            sa.Enum(
                "draft",
                "returned",
                "submitted",
                "endorsed",
                "approved",
                "superseded",
                name="scenariostatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_scenario_events_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["scenario_id"],
            ["scenarios.id"],
            name=op.f("fk_scenario_events_scenario_id_scenarios"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scenario_events")),
    )
    with op.batch_alter_table("scenario_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_scenario_events_scenario_id"), ["scenario_id"], unique=False
        )

    op.create_table(
        "scenario_parties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scenario_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_scenario_parties_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["scenario_id"],
            ["scenarios.id"],
            name=op.f("fk_scenario_parties_scenario_id_scenarios"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scenario_parties")),
        sa.UniqueConstraint(
            "scenario_id", "name", name=op.f("uq_scenario_parties_scenario_id_name")
        ),
    )
    with op.batch_alter_table("scenario_parties", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_scenario_parties_scenario_id"), ["scenario_id"], unique=False
        )

    op.create_table(
        "scenario_layers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scenario_id", sa.Integer(), nullable=False),
        sa.Column(
            "layer",
            sa.Enum(
                "passive", "active", "retail", name="networklayer", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("operator_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["scenario_parties.id"],
            name=op.f("fk_scenario_layers_operator_id_scenario_parties"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["scenario_parties.id"],
            name=op.f("fk_scenario_layers_owner_id_scenario_parties"),
        ),
        sa.ForeignKeyConstraint(
            ["scenario_id"],
            ["scenarios.id"],
            name=op.f("fk_scenario_layers_scenario_id_scenarios"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scenario_layers")),
        sa.UniqueConstraint(
            "scenario_id", "layer", name=op.f("uq_scenario_layers_scenario_id_layer")
        ),
    )
    with op.batch_alter_table("scenario_layers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_scenario_layers_scenario_id"), ["scenario_id"], unique=False
        )

    op.create_table(
        "scenario_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scenario_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "capex",
                "opex",
                "revenue",
                "subsidy",
                "transfer",
                name="linekind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "transfer_kind",
            sa.Enum(
                "rental_fee",
                "concession_fee",
                "dividend",
                "capital_contribution",
                "subsidy",
                "other",
                name="transferkind",
                native_enum=False,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("party_id", sa.Integer(), nullable=True),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("target_id", sa.Integer(), nullable=True),
        sa.Column("start_year", sa.Integer(), nullable=False),
        sa.Column("end_year", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("growth", sa.Numeric(precision=6, scale=4), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["asset_id"],
            ["shared_assets.id"],
            name=op.f("fk_scenario_lines_asset_id_shared_assets"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["party_id"],
            ["scenario_parties.id"],
            name=op.f("fk_scenario_lines_party_id_scenario_parties"),
        ),
        sa.ForeignKeyConstraint(
            ["scenario_id"],
            ["scenarios.id"],
            name=op.f("fk_scenario_lines_scenario_id_scenarios"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["scenario_parties.id"],
            name=op.f("fk_scenario_lines_source_id_scenario_parties"),
        ),
        sa.ForeignKeyConstraint(
            ["target_id"],
            ["scenario_parties.id"],
            name=op.f("fk_scenario_lines_target_id_scenario_parties"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scenario_lines")),
    )
    with op.batch_alter_table("scenario_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_scenario_lines_scenario_id"), ["scenario_id"], unique=False
        )

    op.create_table(
        "scenario_risks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scenario_id", sa.Integer(), nullable=False),
        sa.Column(
            "risk",
            sa.Enum(
                "construction",
                "demand",
                "operation",
                "regulatory",
                "financing",
                name="risk",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("bearer_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["bearer_id"],
            ["scenario_parties.id"],
            name=op.f("fk_scenario_risks_bearer_id_scenario_parties"),
        ),
        sa.ForeignKeyConstraint(
            ["scenario_id"],
            ["scenarios.id"],
            name=op.f("fk_scenario_risks_scenario_id_scenarios"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scenario_risks")),
        sa.UniqueConstraint("scenario_id", "risk", name=op.f("uq_scenario_risks_scenario_id_risk")),
    )
    with op.batch_alter_table("scenario_risks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_scenario_risks_scenario_id"), ["scenario_id"], unique=False
        )
    op.create_table(
        "scenario_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scenario_id", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=True),
        sa.Column("agreement_id", sa.Integer(), nullable=True),
        sa.Column("asset_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agreements.id"],
            name=op.f("fk_scenario_drafts_agreement_id_agreements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["asset_id"],
            ["shared_assets.id"],
            name=op.f("fk_scenario_drafts_asset_id_shared_assets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["line_id"],
            ["scenario_lines.id"],
            name=op.f("fk_scenario_drafts_line_id_scenario_lines"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["scenario_id"],
            ["scenarios.id"],
            name=op.f("fk_scenario_drafts_scenario_id_scenarios"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scenario_drafts")),
        sa.UniqueConstraint("agreement_id", name=op.f("uq_scenario_drafts_agreement_id")),
        sa.UniqueConstraint("asset_id", name=op.f("uq_scenario_drafts_asset_id")),
    )
    with op.batch_alter_table("scenario_drafts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_scenario_drafts_scenario_id"), ["scenario_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("scenario_drafts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scenario_drafts_scenario_id"))

    op.drop_table("scenario_drafts")
    with op.batch_alter_table("scenario_risks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scenario_risks_scenario_id"))

    op.drop_table("scenario_risks")
    with op.batch_alter_table("scenario_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scenario_lines_scenario_id"))

    op.drop_table("scenario_lines")
    with op.batch_alter_table("scenario_layers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scenario_layers_scenario_id"))

    op.drop_table("scenario_layers")
    with op.batch_alter_table("scenario_parties", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scenario_parties_scenario_id"))

    op.drop_table("scenario_parties")
    with op.batch_alter_table("scenario_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scenario_events_scenario_id"))

    op.drop_table("scenario_events")
    with op.batch_alter_table("scenario_coverage", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scenario_coverage_scenario_id"))

    op.drop_table("scenario_coverage")
    with op.batch_alter_table("scenarios", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scenarios_status"))
        batch_op.drop_index(batch_op.f("ix_scenarios_city_id"))

    op.drop_table("scenarios")
