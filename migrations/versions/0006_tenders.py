"""provider selection: tenders, lots, criteria, committee, sealed bids, scores

Revision ID: 0006_tenders
Revises: 0005_finance
Create Date: 2026-11-26 01:24:20.296121

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006_tenders"
down_revision = "0005_finance"
branch_labels = None
depends_on = None


def upgrade():

    op.create_table(
        "tenders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=60), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("city_id", sa.Integer(), nullable=True),
        sa.Column("action_id", sa.Integer(), nullable=True),
        sa.Column(
            "category",
            sa.Enum(
                "works",
                "supplies",
                "services",
                "studies",
                name="tendercategory",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "procedure",
            sa.Enum(
                "open_call",
                "restricted",
                "preselection",
                "consultation",
                name="procedure",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("estimate", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("publication_date", sa.Date(), nullable=True),
        sa.Column("submission_deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("opening_session", sa.DateTime(timezone=True), nullable=True),
        sa.Column("evaluation_due", sa.Date(), nullable=True),
        sa.Column(
            "stage",
            sa.Enum(
                "draft",
                "published",
                "submissions_closed",
                "administrative_check",
                "technical_evaluation",
                "technical_locked",
                "financial_opening",
                "financial_evaluation",
                "ranking",
                "award_proposed",
                "awarded",
                "unsuccessful",
                "cancelled",
                name="tenderstage",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("cancel_reason", sa.Text(), nullable=False),
        sa.Column(
            "method",
            sa.Enum(
                "weighted",
                "lowest_price",
                "reference_price",
                name="financialmethod",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("technical_weight", sa.Numeric(precision=4, scale=3), nullable=True),
        sa.Column("financial_weight", sa.Numeric(precision=4, scale=3), nullable=True),
        sa.Column("technical_threshold", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column(
            "normalization",
            sa.Enum("raw", "relative_to_best", name="normalization", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("decimals", sa.Integer(), nullable=False),
        sa.Column("excessive_above", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("abnormal_below_works", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("abnormal_below_other", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("spread_limit", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"], ["actions.id"], name=op.f("fk_tenders_action_id_actions")
        ),
        sa.ForeignKeyConstraint(["city_id"], ["cities.id"], name=op.f("fk_tenders_city_id_cities")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenders")),
        sa.UniqueConstraint("reference", name=op.f("uq_tenders_reference")),
    )
    with op.batch_alter_table("tenders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tenders_action_id"), ["action_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tenders_city_id"), ["city_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tenders_stage"), ["stage"], unique=False)

    op.create_table(
        "committee_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tender_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "president",
                "rapporteur",
                "member",
                "observer",
                name="committeerole",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "declaration",
            sa.Enum("no_conflict", "conflict", name="declaration", native_enum=False, length=32),
            nullable=True,
        ),
        sa.Column("declaration_note", sa.Text(), nullable=False),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("scores_submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tender_id"],
            ["tenders.id"],
            name=op.f("fk_committee_members_tender_id_tenders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_committee_members_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_committee_members")),
        sa.UniqueConstraint(
            "tender_id", "user_id", name=op.f("uq_committee_members_tender_id_user_id")
        ),
    )
    with op.batch_alter_table("committee_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_committee_members_tender_id"), ["tender_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_committee_members_user_id"), ["user_id"], unique=False)

    op.create_table(
        "criteria",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tender_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum("eliminatory", "technical", name="criterionkind", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.Column("max_points", sa.Numeric(precision=8, scale=2), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["criteria.id"],
            name=op.f("fk_criteria_parent_id_criteria"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tender_id"],
            ["tenders.id"],
            name=op.f("fk_criteria_tender_id_tenders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_criteria")),
    )
    with op.batch_alter_table("criteria", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_criteria_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_criteria_tender_id"), ["tender_id"], unique=False)

    op.create_table(
        "lots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tender_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("estimate", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum("awarded", "unsuccessful", name="lotoutcome", native_enum=False, length=32),
            nullable=True,
        ),
        sa.Column("reference_price", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.ForeignKeyConstraint(
            ["tender_id"],
            ["tenders.id"],
            name=op.f("fk_lots_tender_id_tenders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lots")),
        sa.UniqueConstraint("tender_id", "number", name=op.f("uq_lots_tender_id_number")),
    )
    with op.batch_alter_table("lots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lots_tender_id"), ["tender_id"], unique=False)

    op.create_table(
        "tender_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tender_id", sa.Integer(), nullable=False),
        sa.Column(
            "from_stage",
            sa.Enum(
                "draft",
                "published",
                "submissions_closed",
                "administrative_check",
                "technical_evaluation",
                "technical_locked",
                "financial_opening",
                "financial_evaluation",
                "ranking",
                "award_proposed",
                "awarded",
                "unsuccessful",
                "cancelled",
                name="tenderstage",
                native_enum=False,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column(
            "to_stage",
            sa.Enum(
                "draft",
                "published",
                "submissions_closed",
                "administrative_check",
                "technical_evaluation",
                "technical_locked",
                "financial_opening",
                "financial_evaluation",
                "ranking",
                "award_proposed",
                "awarded",
                "unsuccessful",
                "cancelled",
                name="tenderstage",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("present", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_tender_events_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["tender_id"],
            ["tenders.id"],
            name=op.f("fk_tender_events_tender_id_tenders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tender_events")),
    )
    with op.batch_alter_table("tender_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tender_events_tender_id"), ["tender_id"], unique=False)

    op.create_table(
        "bids",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("bidder_id", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("admissible", sa.Boolean(), nullable=True),
        sa.Column("inadmissibility_reason", sa.Text(), nullable=False),
        sa.Column("sealed_price", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("justification", sa.Text(), nullable=False),
        sa.Column("justification_accepted", sa.Boolean(), nullable=True),
        sa.Column("award_proposed", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("sealed_price > 0", name=op.f("ck_bids_positive_price")),
        sa.ForeignKeyConstraint(
            ["bidder_id"], ["organizations.id"], name=op.f("fk_bids_bidder_id_organizations")
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["lots.id"], name=op.f("fk_bids_lot_id_lots"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bids")),
        sa.UniqueConstraint("lot_id", "bidder_id", name=op.f("uq_bids_lot_id_bidder_id")),
    )
    with op.batch_alter_table("bids", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bids_bidder_id"), ["bidder_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_bids_lot_id"), ["lot_id"], unique=False)

    op.create_table(
        "bid_files",
        sa.Column("bid_id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bid_id"], ["bids.id"], name=op.f("fk_bid_files_bid_id_bids"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["file_id"], ["stored_files.id"], name=op.f("fk_bid_files_file_id_stored_files")
        ),
        sa.PrimaryKeyConstraint("bid_id", "file_id", name=op.f("pk_bid_files")),
    )
    op.create_table(
        "consensus_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bid_id", sa.Integer(), nullable=False),
        sa.Column("criterion_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.Numeric(precision=8, scale=2), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["bid_id"],
            ["bids.id"],
            name=op.f("fk_consensus_scores_bid_id_bids"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["criterion_id"],
            ["criteria.id"],
            name=op.f("fk_consensus_scores_criterion_id_criteria"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_consensus_scores_decided_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consensus_scores")),
        sa.UniqueConstraint(
            "bid_id", "criterion_id", name=op.f("uq_consensus_scores_bid_id_criterion_id")
        ),
    )
    with op.batch_alter_table("consensus_scores", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consensus_scores_bid_id"), ["bid_id"], unique=False)

    op.create_table(
        "elimination_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bid_id", sa.Integer(), nullable=False),
        sa.Column("criterion_id", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bid_id"],
            ["bids.id"],
            name=op.f("fk_elimination_checks_bid_id_bids"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["criterion_id"],
            ["criteria.id"],
            name=op.f("fk_elimination_checks_criterion_id_criteria"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_elimination_checks")),
        sa.UniqueConstraint(
            "bid_id", "criterion_id", name=op.f("uq_elimination_checks_bid_id_criterion_id")
        ),
    )
    with op.batch_alter_table("elimination_checks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_elimination_checks_bid_id"), ["bid_id"], unique=False)

    op.create_table(
        "scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("bid_id", sa.Integer(), nullable=False),
        sa.Column("criterion_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.Numeric(precision=8, scale=2), nullable=False),
        sa.Column("justification", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["bid_id"], ["bids.id"], name=op.f("fk_scores_bid_id_bids"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["criterion_id"],
            ["criteria.id"],
            name=op.f("fk_scores_criterion_id_criteria"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["committee_members.id"],
            name=op.f("fk_scores_member_id_committee_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scores")),
        sa.UniqueConstraint(
            "member_id",
            "bid_id",
            "criterion_id",
            name=op.f("uq_scores_member_id_bid_id_criterion_id"),
        ),
    )
    with op.batch_alter_table("scores", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scores_bid_id"), ["bid_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_scores_member_id"), ["member_id"], unique=False)


def downgrade():

    with op.batch_alter_table("scores", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scores_member_id"))
        batch_op.drop_index(batch_op.f("ix_scores_bid_id"))

    op.drop_table("scores")
    with op.batch_alter_table("elimination_checks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_elimination_checks_bid_id"))

    op.drop_table("elimination_checks")
    with op.batch_alter_table("consensus_scores", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consensus_scores_bid_id"))

    op.drop_table("consensus_scores")
    op.drop_table("bid_files")
    with op.batch_alter_table("bids", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bids_lot_id"))
        batch_op.drop_index(batch_op.f("ix_bids_bidder_id"))

    op.drop_table("bids")
    with op.batch_alter_table("tender_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tender_events_tender_id"))

    op.drop_table("tender_events")
    with op.batch_alter_table("lots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lots_tender_id"))

    op.drop_table("lots")
    with op.batch_alter_table("criteria", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_criteria_tender_id"))
        batch_op.drop_index(batch_op.f("ix_criteria_parent_id"))

    op.drop_table("criteria")
    with op.batch_alter_table("committee_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_committee_members_user_id"))
        batch_op.drop_index(batch_op.f("ix_committee_members_tender_id"))

    op.drop_table("committee_members")
    with op.batch_alter_table("tenders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tenders_stage"))
        batch_op.drop_index(batch_op.f("ix_tenders_city_id"))
        batch_op.drop_index(batch_op.f("ix_tenders_action_id"))

    op.drop_table("tenders")
