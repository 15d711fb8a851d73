"""local governance: the bodies that steer the plan (steering committees, the national
committee, working groups), their members with their role, their meetings (in UTC, with the
invitation's sequence), agenda items linked to the objects they are about and their
outcomes, attendance, and the follow-up actions meetings ask for

Revision ID: 0017_governance
Revises: 0016_consultation
Create Date: 2026-12-04 16:44:00.624519

"""

import sqlalchemy as sa
from alembic import op

revision = "0017_governance"
down_revision = "0016_consultation"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "governance_bodies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "steering",
                "national",
                "working_group",
                name="bodykind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("name_ar", sa.String(length=200), nullable=False),
        sa.Column("city_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("quorum", sa.Integer(), nullable=False),
        sa.Column("meets_every_months", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "meets_every_months IS NULL OR meets_every_months BETWEEN 1 AND 12",
            name=op.f("ck_governance_bodies_frequency_in_range"),
        ),
        sa.CheckConstraint("quorum >= 1", name=op.f("ck_governance_bodies_quorum_positive")),
        sa.ForeignKeyConstraint(
            ["city_id"], ["cities.id"], name=op.f("fk_governance_bodies_city_id_cities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_bodies")),
        sa.UniqueConstraint("name", name=op.f("uq_governance_bodies_name")),
    )
    with op.batch_alter_table("governance_bodies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_governance_bodies_city_id"), ["city_id"], unique=False)

    op.create_table(
        "governance_meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("body_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(length=300), nullable=False),
        sa.Column("video_link", sa.String(length=500), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "scheduled", "held", "cancelled", name="meetingstatus", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "ends_at > starts_at", name=op.f("ck_governance_meetings_ends_after_start")
        ),
        sa.ForeignKeyConstraint(
            ["body_id"],
            ["governance_bodies.id"],
            name=op.f("fk_governance_meetings_body_id_governance_bodies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_meetings")),
    )
    with op.batch_alter_table("governance_meetings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_governance_meetings_body_id"), ["body_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_governance_meetings_starts_at"), ["starts_at"], unique=False
        )

    op.create_table(
        "governance_agenda_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=True),
        sa.Column("link_id", sa.Integer(), nullable=True),
        sa.Column("city_id", sa.Integer(), nullable=True),
        sa.Column(
            "outcome",
            sa.Enum(
                "information", "decision", "action", name="outcome", native_enum=False, length=32
            ),
            nullable=True,
        ),
        sa.Column("outcome_text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["city_id"], ["cities.id"], name=op.f("fk_governance_agenda_items_city_id_cities")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["governance_meetings.id"],
            name=op.f("fk_governance_agenda_items_meeting_id_governance_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_agenda_items")),
    )
    with op.batch_alter_table("governance_agenda_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_governance_agenda_items_meeting_id"), ["meeting_id"], unique=False
        )
        batch_op.create_index(
            "ix_governance_agenda_items_source_link", ["source", "link_id"], unique=False
        )

    op.create_table(
        "governance_attendance",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "presence",
            sa.Enum(
                "present", "apologised", "absent", name="presence", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["governance_meetings.id"],
            name=op.f("fk_governance_attendance_meeting_id_governance_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_governance_attendance_user_id_users")
        ),
        sa.PrimaryKeyConstraint("meeting_id", "user_id", name=op.f("pk_governance_attendance")),
    )
    op.create_table(
        "governance_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("body_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
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
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["body_id"],
            ["governance_bodies.id"],
            name=op.f("fk_governance_members_body_id_governance_bodies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_governance_members_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_members")),
        sa.UniqueConstraint(
            "body_id", "user_id", name=op.f("uq_governance_members_body_id_user_id")
        ),
    )
    with op.batch_alter_table("governance_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_governance_members_body_id"), ["body_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_governance_members_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "governance_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("owner_organization_id", sa.Integer(), nullable=False),
        sa.Column("owner_user_id", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("open", "done", "cancelled", name="actionstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("done_note", sa.Text(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["governance_agenda_items.id"],
            name=op.f("fk_governance_actions_item_id_governance_agenda_items"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["governance_meetings.id"],
            name=op.f("fk_governance_actions_meeting_id_governance_meetings"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_organization_id"],
            ["organizations.id"],
            name=op.f("fk_governance_actions_owner_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_user_id"], ["users.id"], name=op.f("fk_governance_actions_owner_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_actions")),
    )
    with op.batch_alter_table("governance_actions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_governance_actions_due_on"), ["due_on"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_governance_actions_meeting_id"), ["meeting_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_governance_actions_owner_organization_id"),
            ["owner_organization_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_governance_actions_owner_user_id"), ["owner_user_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_governance_actions_status"), ["status"], unique=False)


def downgrade():
    with op.batch_alter_table("governance_actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_governance_actions_status"))
        batch_op.drop_index(batch_op.f("ix_governance_actions_owner_user_id"))
        batch_op.drop_index(batch_op.f("ix_governance_actions_owner_organization_id"))
        batch_op.drop_index(batch_op.f("ix_governance_actions_meeting_id"))
        batch_op.drop_index(batch_op.f("ix_governance_actions_due_on"))

    op.drop_table("governance_actions")
    with op.batch_alter_table("governance_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_governance_members_user_id"))
        batch_op.drop_index(batch_op.f("ix_governance_members_body_id"))

    op.drop_table("governance_members")
    op.drop_table("governance_attendance")
    with op.batch_alter_table("governance_agenda_items", schema=None) as batch_op:
        batch_op.drop_index("ix_governance_agenda_items_source_link")
        batch_op.drop_index(batch_op.f("ix_governance_agenda_items_meeting_id"))

    op.drop_table("governance_agenda_items")
    with op.batch_alter_table("governance_meetings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_governance_meetings_starts_at"))
        batch_op.drop_index(batch_op.f("ix_governance_meetings_body_id"))

    op.drop_table("governance_meetings")
    with op.batch_alter_table("governance_bodies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_governance_bodies_city_id"))

    op.drop_table("governance_bodies")
