"""the diagnostic: per city, the inventory of digital services (each one's provider, domain,
channels, maturity at the baseline and now, planned change, monthly use), the
infrastructure that exists before the plan, and the territories' expectations with their
qualification and the actions that answer them

Revision ID: 0015_diagnostic
Revises: 0014_scenarios
Create Date: 2026-12-04 13:44:50.748101

"""

import sqlalchemy as sa
from alembic import op

revision = "0015_diagnostic"
down_revision = "0014_scenarios"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "digital_services",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("domain_id", sa.Integer(), nullable=False),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("baseline_level", sa.SmallInteger(), nullable=False),
        sa.Column("baseline_on", sa.Date(), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("level_on", sa.Date(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=True),
        sa.Column("target_level", sa.SmallInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "baseline_level BETWEEN 1 AND 5", name=op.f("ck_digital_services_baseline_level_scale")
        ),
        sa.CheckConstraint("level BETWEEN 1 AND 5", name=op.f("ck_digital_services_level_scale")),
        sa.CheckConstraint(
            "target_level IS NULL OR target_level BETWEEN 1 AND 5",
            name=op.f("ck_digital_services_target_level_scale"),
        ),
        sa.ForeignKeyConstraint(
            ["action_id"], ["actions.id"], name=op.f("fk_digital_services_action_id_actions")
        ),
        sa.ForeignKeyConstraint(
            ["city_id"], ["cities.id"], name=op.f("fk_digital_services_city_id_cities")
        ),
        sa.ForeignKeyConstraint(
            ["domain_id"], ["domains.id"], name=op.f("fk_digital_services_domain_id_domains")
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["organizations.id"],
            name=op.f("fk_digital_services_provider_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digital_services")),
        sa.UniqueConstraint("city_id", "name", name=op.f("uq_digital_services_city_id_name")),
    )
    with op.batch_alter_table("digital_services", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_digital_services_action_id"), ["action_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_digital_services_city_id"), ["city_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_digital_services_domain_id"), ["domain_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_digital_services_provider_id"), ["provider_id"], unique=False
        )

    op.create_table(
        "digital_service_uses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("volume", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("volume >= 0", name=op.f("ck_digital_service_uses_volume_not_negative")),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["digital_services.id"],
            name=op.f("fk_digital_service_uses_service_id_digital_services"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digital_service_uses")),
        sa.UniqueConstraint(
            "service_id", "month", name=op.f("uq_digital_service_uses_service_id_month")
        ),
    )
    with op.batch_alter_table("digital_service_uses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_digital_service_uses_service_id"), ["service_id"], unique=False
        )
    op.create_table(
        "expectations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("domain_id", sa.Integer(), nullable=False),
        sa.Column("district", sa.String(length=120), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column(
            "source",
            sa.Enum(
                "organization",
                "workshop",
                "consultation",
                name="expectationsource",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("workshop", sa.String(length=200), nullable=False),
        sa.Column("importance", sa.SmallInteger(), nullable=False),
        sa.Column("population", sa.BigInteger(), nullable=False),
        sa.Column("feasibility", sa.SmallInteger(), nullable=True),
        sa.Column("priority", sa.SmallInteger(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "submitted",
                "qualified",
                "merged",
                "rejected",
                name="expectationstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("rejection_reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "feasibility IS NULL OR feasibility BETWEEN 1 AND 5",
            name=op.f("ck_expectations_feasibility_scale"),
        ),
        sa.CheckConstraint(
            "importance BETWEEN 1 AND 5", name=op.f("ck_expectations_importance_scale")
        ),
        sa.CheckConstraint("population >= 0", name=op.f("ck_expectations_population_not_negative")),
        sa.ForeignKeyConstraint(
            ["city_id"], ["cities.id"], name=op.f("fk_expectations_city_id_cities")
        ),
        sa.ForeignKeyConstraint(
            ["domain_id"], ["domains.id"], name=op.f("fk_expectations_domain_id_domains")
        ),
        sa.ForeignKeyConstraint(
            ["merged_into_id"],
            ["expectations.id"],
            name=op.f("fk_expectations_merged_into_id_expectations"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_expectations_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expectations")),
    )
    with op.batch_alter_table("expectations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_expectations_city_id"), ["city_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_expectations_domain_id"), ["domain_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_expectations_priority"), ["priority"], unique=False)
        batch_op.create_index(batch_op.f("ix_expectations_status"), ["status"], unique=False)

    op.create_table(
        "expectation_actions",
        sa.Column("expectation_id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["actions.id"],
            name=op.f("fk_expectation_actions_action_id_actions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["expectation_id"],
            ["expectations.id"],
            name=op.f("fk_expectation_actions_expectation_id_expectations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("expectation_id", "action_id", name=op.f("pk_expectation_actions")),
    )
    op.create_table(
        "infrastructure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "backbone_fibre",
                "access_fibre",
                "duct",
                "tower",
                "data_room",
                "wifi_zone",
                "digital_space",
                name="infrastructurekind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("latitude", sa.Numeric(precision=9, scale=6), nullable=True),
        sa.Column("longitude", sa.Numeric(precision=9, scale=6), nullable=True),
        sa.Column("path", sa.JSON(), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity >= 0", name=op.f("ck_infrastructure_quantity_not_negative")),
        sa.ForeignKeyConstraint(
            ["asset_id"],
            ["shared_assets.id"],
            name=op.f("fk_infrastructure_asset_id_shared_assets"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["city_id"], ["cities.id"], name=op.f("fk_infrastructure_city_id_cities")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["organizations.id"],
            name=op.f("fk_infrastructure_owner_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_infrastructure")),
        sa.UniqueConstraint("asset_id", name=op.f("uq_infrastructure_asset_id")),
        sa.UniqueConstraint("city_id", "name", name=op.f("uq_infrastructure_city_id_name")),
    )
    with op.batch_alter_table("infrastructure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_infrastructure_city_id"), ["city_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_infrastructure_owner_id"), ["owner_id"], unique=False)


def downgrade():
    with op.batch_alter_table("infrastructure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_infrastructure_owner_id"))
        batch_op.drop_index(batch_op.f("ix_infrastructure_city_id"))

    op.drop_table("infrastructure")
    op.drop_table("expectation_actions")
    with op.batch_alter_table("expectations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_expectations_status"))
        batch_op.drop_index(batch_op.f("ix_expectations_priority"))
        batch_op.drop_index(batch_op.f("ix_expectations_domain_id"))
        batch_op.drop_index(batch_op.f("ix_expectations_city_id"))

    op.drop_table("expectations")
    with op.batch_alter_table("digital_service_uses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_digital_service_uses_service_id"))

    op.drop_table("digital_service_uses")
    with op.batch_alter_table("digital_services", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_digital_services_provider_id"))
        batch_op.drop_index(batch_op.f("ix_digital_services_domain_id"))
        batch_op.drop_index(batch_op.f("ix_digital_services_city_id"))
        batch_op.drop_index(batch_op.f("ix_digital_services_action_id"))

    op.drop_table("digital_services")
