"""Governance: the minutes of a meeting (draft, circulated for comments, adopted and frozen),
the members' comments, the transition a decision carried out on its object (and the meeting
in a scenario's, a site's or a tender's history), and the steering reports attached to meetings.

Revision ID: 0018_minutes
Revises: 0017_governance
Create Date: 2026-12-04 19:05:20.827973

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0018_minutes"
down_revision = "0017_governance"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "governance_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("city_id", sa.Integer(), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("generated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("generated_by_id", sa.Integer(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "period_end >= period_start", name=op.f("ck_governance_reports_period_ordered")
        ),
        sa.ForeignKeyConstraint(
            ["city_id"], ["cities.id"], name=op.f("fk_governance_reports_city_id_cities")
        ),
        sa.ForeignKeyConstraint(
            ["generated_by_id"],
            ["users.id"],
            name=op.f("fk_governance_reports_generated_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["governance_meetings.id"],
            name=op.f("fk_governance_reports_meeting_id_governance_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_reports")),
        sa.UniqueConstraint("meeting_id", name=op.f("uq_governance_reports_meeting_id")),
    )
    op.create_table(
        "governance_minutes_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["governance_meetings.id"],
            name=op.f("fk_governance_minutes_comments_meeting_id_governance_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_governance_minutes_comments_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_minutes_comments")),
    )
    with op.batch_alter_table("governance_minutes_comments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_governance_minutes_comments_meeting_id"), ["meeting_id"], unique=False
        )

    with op.batch_alter_table("governance_attendance", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "role",
                sa.Enum(
                    "chair",
                    "member",
                    "secretary",
                    "observer",
                    name="memberrole",
                    native_enum=False,
                    length=32,
                ),
                nullable=True,
            )
        )

    with op.batch_alter_table("governance_agenda_items", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("carried_out", sa.String(length=40), server_default="", nullable=False)
        )

    with op.batch_alter_table("governance_meetings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "minutes_status",
                sa.Enum(
                    "draft",
                    "circulated",
                    "adopted",
                    name="minutesstatus",
                    native_enum=False,
                    length=32,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("minutes_text", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("erratum", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("comments_until", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("adopted_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("adopted_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("minutes_record", sa.JSON(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_governance_meetings_adopted_by_id_users"),
            "users",
            ["adopted_by_id"],
            ["id"],
        )

    with op.batch_alter_table("scenario_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("meeting_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_scenario_events_meeting_id_governance_meetings"),
            "governance_meetings",
            ["meeting_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("coverage_site_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("meeting_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_coverage_site_events_meeting_id_governance_meetings"),
            "governance_meetings",
            ["meeting_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("tender_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("meeting_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_tender_events_meeting_id_governance_meetings"),
            "governance_meetings",
            ["meeting_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    op.drop_table("governance_reports")
    with op.batch_alter_table("tender_events", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_tender_events_meeting_id_governance_meetings"), type_="foreignkey"
        )
        batch_op.drop_column("meeting_id")
    with op.batch_alter_table("coverage_site_events", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_coverage_site_events_meeting_id_governance_meetings"), type_="foreignkey"
        )
        batch_op.drop_column("meeting_id")
    with op.batch_alter_table("scenario_events", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_scenario_events_meeting_id_governance_meetings"), type_="foreignkey"
        )
        batch_op.drop_column("meeting_id")

    with op.batch_alter_table("governance_meetings", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_governance_meetings_adopted_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("minutes_record")
        batch_op.drop_column("adopted_by_id")
        batch_op.drop_column("adopted_at")
        batch_op.drop_column("comments_until")
        batch_op.drop_column("erratum")
        batch_op.drop_column("minutes_text")
        batch_op.drop_column("minutes_status")

    with op.batch_alter_table("governance_agenda_items", schema=None) as batch_op:
        batch_op.drop_column("carried_out")

    with op.batch_alter_table("governance_attendance", schema=None) as batch_op:
        batch_op.drop_column("role")

    with op.batch_alter_table("governance_minutes_comments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_governance_minutes_comments_meeting_id"))

    op.drop_table("governance_minutes_comments")
