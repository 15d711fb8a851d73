"""A copy of the whole database and its restoration: SQLite through its online backup API
(a consistent copy while the portal runs), PostgreSQL through pg_dump and pg_restore."""

import shutil
import sqlite3
import subprocess
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy.engine import make_url

from portal.extensions import db


class BackupError(RuntimeError):
    pass


def _sqlite_path(url) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError(_("Une base SQLite en mémoire n'a rien à sauvegarder."))
    return Path(url.database)


def _libpq_url(url) -> str:
    # pg_dump speaks libpq: the same address without SQLAlchemy's driver name.
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _run(*command: str) -> None:
    program = shutil.which(command[0])
    if program is None:
        raise BackupError(_("%(program)s n'est pas installé.", program=command[0]))
    done = subprocess.run([program, *command[1:]], capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(done.stderr.strip() or _("%(program)s a échoué.", program=command[0]))


def create(target: Path) -> None:
    """Write a copy of the database to `target` (SQLite: a database file; PostgreSQL: a
    pg_dump archive in its custom format)."""
    url = make_url(str(db.engine.url))
    target.parent.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(_sqlite_path(url))
        copy = sqlite3.connect(target)
        try:
            with copy:
                source.backup(copy)
        finally:
            copy.close()
            source.close()
    elif url.get_backend_name() == "postgresql":
        _run("pg_dump", "--format=custom", "--no-owner", f"--file={target}", _libpq_url(url))
    else:
        raise BackupError(_("Pas de sauvegarde pour %(engine)s.", engine=url.get_backend_name()))


def restore(source: Path) -> None:
    """Replace the database's whole content by the copy in `source`."""
    if not source.is_file():
        raise BackupError(_("%(path)s n'existe pas.", path=source))
    url = make_url(str(db.engine.url))
    db.session.remove()
    db.engine.dispose()  # no open connection holds a lock on what is replaced
    if url.get_backend_name() == "sqlite":
        copy = sqlite3.connect(source)
        live = sqlite3.connect(_sqlite_path(url))
        try:
            with live:
                copy.backup(live)
        finally:
            live.close()
            copy.close()
    elif url.get_backend_name() == "postgresql":
        _run(
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            f"--dbname={_libpq_url(url)}",
            str(source),
        )
    else:
        raise BackupError(_("Pas de restauration pour %(engine)s.", engine=url.get_backend_name()))
