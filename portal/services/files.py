"""Evidence files: the type is read from the content, never trusted from the name."""

import hashlib
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session as SASession

from portal.bidi import listed
from portal.extensions import db
from portal.models.files import StoredFile
from portal.models.users import User
from portal.services.errors import InvalidInput


@dataclass(frozen=True)
class FileKind:
    content_type: str
    extension: str

    @property
    def label(self) -> str:
        return "JPEG" if self.extension == "jpg" else self.extension.upper()


PDF = FileKind("application/pdf", "pdf")
PNG = FileKind("image/png", "png")
JPEG = FileKind("image/jpeg", "jpg")
XLSX = FileKind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")
DOCX = FileKind("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx")
EVIDENCE_KINDS = (PDF, PNG, JPEG, XLSX, DOCX)


def sniff(data: bytes) -> FileKind | None:
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(BytesIO(data)) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            return None
        if "[Content_Types].xml" in names:
            if "xl/workbook.xml" in names:
                return XLSX
            if "word/document.xml" in names:
                return DOCX
    return None


KIND_BY_TYPE = {kind.content_type: kind for kind in EVIDENCE_KINDS}


def clean_name(name: str) -> str:
    """A file name as people may see it: without control characters nor the invisible
    formatting ones (right-to-left overrides and the like) that can disguise an extension."""
    kept = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf"))
    return Path(kept.replace("\\", "/")).name.strip()[:255]


def download_name(stored: StoredFile) -> str:
    """The name a file is served under: the uploader's name without its extension, and the
    extension of the type read from the content (a PDF named report.html is report.pdf)."""
    kind = KIND_BY_TYPE.get(stored.content_type)
    stem = Path(clean_name(stored.original_name)).stem.strip(". ") or "fichier"
    return f"{stem}.{kind.extension}" if kind else stem


def human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return str(_l("%(n)s Mo", n=f"{size / (1024 * 1024):.1f}".removesuffix(".0")))
    return str(_l("%(n)s ko", n=max(1, size // 1024)))


def upload_folder() -> Path:
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def store(actor: User, upload, kinds=EVIDENCE_KINDS) -> StoredFile:
    """Check and keep an uploaded file (a Werkzeug FileStorage); raise with a clear message
    and store nothing when it is empty, too large, or of a type not accepted."""
    limit = current_app.config["UPLOAD_MAX_BYTES"]
    data = upload.stream.read(limit + 1)
    if not data:
        raise InvalidInput(_l("Le fichier est vide."), field="evidence")
    if len(data) > limit:
        raise InvalidInput(
            _l(
                "Le fichier dépasse la taille autorisée (%(size)s).",
                size=human_size(limit),
            ),
            field="evidence",
        )
    kind = sniff(data)
    if kind not in kinds:
        # The message names the types this very upload accepts.
        *first, last = [k.label for k in kinds]
        raise InvalidInput(
            _l(
                "Type de fichier non accepté : %(kinds)s ou %(last)s uniquement.",
                kinds=listed(first),
                last=last,
            )
            if first
            else _l("Type de fichier non accepté : %(last)s uniquement.", last=last),
            field="evidence",
        )
    storage_name = f"{secrets.token_hex(16)}.{kind.extension}"
    path = upload_folder() / storage_name
    path.write_bytes(data)
    # Removed again if this transaction rolls back, whatever the reason (see below).
    db.session.info.setdefault(_WRITTEN, []).append(path)
    original = clean_name(upload.filename or "") or f"fichier.{kind.extension}"
    stored = StoredFile(
        storage_name=storage_name,
        original_name=original,
        content_type=kind.content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=actor,
    )
    db.session.add(stored)
    return stored


_WRITTEN = "files_written"


@sa_event.listens_for(SASession, "after_commit")
def _keep_written(session) -> None:
    session.info.pop(_WRITTEN, None)


@sa_event.listens_for(SASession, "after_soft_rollback")
def _remove_written(session, previous_transaction) -> None:
    """A file whose row never reached the database leaves nothing on the disk."""
    if previous_transaction.parent is not None:
        return  # a savepoint: the outer transaction may still commit
    for path in session.info.pop(_WRITTEN, []):
        path.unlink(missing_ok=True)


def discard(stored: StoredFile) -> None:
    """Remove a file whose row was rolled back, so that nothing is left behind."""
    path_of(stored).unlink(missing_ok=True)


def path_of(stored: StoredFile) -> Path:
    return upload_folder() / stored.storage_name
