"""The Alembic migrations produce exactly the schema the models describe."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from portal.extensions import db
from tests.conftest import reset_schema


def _differences(app):
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_migrations_match_the_models(app):
    assert _differences(app) == []


def test_migrations_go_down_to_nothing_and_up_again(app):
    try:
        with app.app_context():
            downgrade(revision="base")
            tables = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
            assert tables == set()
            upgrade()
        assert _differences(app) == []
    finally:
        reset_schema(app)


def test_the_reminder_preferences_migration_keeps_the_data_and_rewrites_outbox_keys(app):
    """Upgrading a database with people and reminders in it (on SQLite, a table rebuild of
    `users` would fail on the rows that point to it)."""
    rows = [
        "INSERT INTO organizations (id, name, short_name, kind, created_at, version) "
        "VALUES (1, 'Commune', 'C', 'commune', '2026-01-01 00:00:00', 1)",
        "INSERT INTO users (id, email, full_name, password_hash, organization_id, "
        "preferred_language, active, failed_login_count, session_token, created_at, version) "
        "VALUES (2, 'a@example.org', 'A', 'x', 1, 'fr', true, 0, 't', '2026-01-01 00:00:00', 1)",
        "INSERT INTO outbox_messages (key, recipient_id, kind, item_type, item_id, occurrence, "
        "due_date, planned_for, created_at, status, attempts, last_error) VALUES "
        "('milestone_due:milestone:1:2:lead-7', 2, 'milestone_due', 'milestone', 1, 'lead-7', "
        "'2026-12-02', '2026-11-25', '2026-11-25 07:00:00', 'sent', 1, '')",
    ]
    keys = sa.text("SELECT key FROM outbox_messages")
    try:
        with app.app_context():
            downgrade(revision="0007_reminders")
            with db.engine.begin() as conn:
                for row in rows:
                    conn.execute(sa.text(row))
            upgrade()
            with db.engine.connect() as conn:
                assert conn.execute(keys).scalars().all() == [
                    "milestone_due:milestone:1:2:lead-7:2026-12-02"
                ]
                assert conn.execute(sa.text("SELECT mail_digest FROM users")).scalar() in (
                    False,
                    0,
                )
            # The deadline moved and was reminded again; another reminder was muted.
            with db.engine.begin() as conn:
                conn.execute(
                    sa.text(
                        "INSERT INTO outbox_messages (key, recipient_id, kind, item_type, "
                        "item_id, occurrence, due_date, planned_for, created_at, status, "
                        "attempts, last_error) VALUES (:key, 2, 'milestone_due', 'milestone', "
                        ":item, 'lead-7', :due, '2026-12-01', '2026-12-01 07:00:00', :status, "
                        "0, '')"
                    ),
                    [
                        {
                            "key": "milestone_due:milestone:1:2:lead-7:2026-12-09",
                            "item": 1,
                            "due": "2026-12-09",
                            "status": "sent",
                        },
                        {
                            "key": "milestone_due:milestone:3:2:lead-7:2026-12-09",
                            "item": 3,
                            "due": "2026-12-09",
                            "status": "muted",
                        },
                    ],
                )
            downgrade(revision="0007_reminders")
            with db.engine.connect() as conn:
                rows = conn.execute(
                    sa.text("SELECT key, due_date, status FROM outbox_messages ORDER BY key")
                ).all()
            assert [(key, str(due), status) for key, due, status in rows] == [
                ("milestone_due:milestone:1:2:lead-7", "2026-12-09", "sent"),
                ("milestone_due:milestone:3:2:lead-7", "2026-12-09", "failed"),
            ]
    finally:
        reset_schema(app)


def test_a_dispute_open_before_the_upgrade_waits_since_its_last_record(
    app, make_city, make_org, make_user
):
    """Upgrading to 0010 dates each open dispute from the audit log (its last dispute there);
    a dispute already settled stays undated."""
    from datetime import UTC, date, datetime
    from decimal import Decimal

    from portal.models import Agreement, AgreementPurpose, AuditEvent, Installment

    city, payer, payee = make_city(), make_org(), make_org()
    actor = make_user()
    at = [datetime(2026, 5, day, 9, 0, tzinfo=UTC) for day in (2, 9)]
    try:
        with app.app_context():
            signed = Agreement(
                city_id=city.id,
                payer_id=payer.id,
                payee_id=payee.id,
                purpose=AgreementPurpose.USAGE_FEE,
                title="Droit de passage",
                total_amount=Decimal("200.00"),
                start_date=date(2026, 1, 1),
            )
            open_, settled = (
                Installment(agreement=signed, due_date=date(2026, 4, 30), amount=Decimal(100)),
                Installment(agreement=signed, due_date=date(2026, 5, 31), amount=Decimal(100)),
            )
            db.session.add_all([signed, open_, settled])
            db.session.flush()
            ids = open_.id, settled.id
            for when, installment in [(at[0], open_), (at[1], open_), (at[0], settled)]:
                db.session.add(
                    AuditEvent(
                        occurred_at=when,
                        actor_id=actor.id,
                        action="finance.installment_dispute",
                        object_type="installments",
                        object_id=installment.id,
                    )
                )
            db.session.commit()
            # An open transaction would hold the table the downgrade alters (PostgreSQL).
            db.session.remove()
            downgrade(revision="0009_coverage")
            with db.engine.begin() as conn:
                conn.execute(
                    sa.text("UPDATE installments SET status = 'disputed' WHERE id = :id"),
                    {"id": ids[0]},
                )
            upgrade()
            db.session.remove()
            dated = {i.id: i.disputed_at for i in db.session.scalars(sa.select(Installment)).all()}
            db.session.remove()
            assert dated == {ids[0]: at[1], ids[1]: None}
    finally:
        reset_schema(app)
