"""`flask db backup` and `flask db restore`: a round trip gives back every row, the audit
trail included, on SQLite (its backup API) and on PostgreSQL (pg_dump / pg_restore)."""

import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEvent, Role


def snapshot(app) -> tuple[dict[str, int], list[tuple]]:
    with app.app_context():
        counts = {
            table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
            for table in db.metadata.sorted_tables
        }
        trail = db.session.execute(
            sa.select(
                AuditEvent.id, AuditEvent.action, AuditEvent.object_id, AuditEvent.details
            ).order_by(AuditEvent.id)
        ).all()
        db.session.remove()
    return counts, [tuple(row) for row in trail]


def test_a_backup_restored_gives_back_every_row_and_the_audit_trail(
    app, demo_data, make_user, tmp_path
):
    runner = app.test_cli_runner()
    before = snapshot(app)
    assert before[0]["audit_events"] > 100 and before[0]["milestones"] > 50
    archive = tmp_path / "sdtn.backup"
    result = runner.invoke(args=["db", "backup", str(archive)])
    assert result.exit_code == 0, result.output
    assert archive.stat().st_size > 10_000

    # After the copy: a new account, and audit events lost (a disk error, a wrong command).
    make_user(role=Role.OBSERVER, email="apres.la.copie@example.org")
    with app.app_context():
        db.session.execute(sa.delete(AuditEvent).where(AuditEvent.id > 50))
        db.session.commit()
        db.session.remove()
    assert snapshot(app) != before

    # Restoring asks first; --yes goes on.
    refused = runner.invoke(args=["db", "restore", str(archive)], input="n\n")
    assert refused.exit_code != 0
    result = runner.invoke(args=["db", "restore", str(archive), "--yes"])
    assert result.exit_code == 0, result.output
    assert snapshot(app) == before
    # The portal works on the restored database: a new row takes a fresh id.
    make_user(role=Role.OBSERVER, email="apres.la.restauration@example.org")


def test_a_missing_archive_is_a_clear_error(app, tmp_path):
    result = app.test_cli_runner().invoke(
        args=["db", "restore", str(tmp_path / "absent.backup"), "--yes"]
    )
    assert result.exit_code == 1
    assert "absent.backup n'existe pas." in result.output
