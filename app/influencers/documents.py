"""Private storage of consent and agreement documents under the instance folder.

Files live in `<instance>/private/influencer_documents/<organisation id>/<random key>`,
outside the static folder, and are only ever served by the download view after a
tenancy check. The type is decided from the file's first bytes, not its name.
"""
from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

#: Accepted types, recognised by their magic bytes.
SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
)


class DocumentRejected(ValueError):
    """The upload cannot be stored; the message is translated."""


@dataclass(frozen=True)
class StoredFile:
    storage_key: str
    filename: str
    content_type: str
    size_bytes: int
    sha256: str


def storage_root() -> Path:
    return Path(current_app.instance_path) / "private" / "influencer_documents"


def path_for(storage_key: str) -> Path:
    root = storage_root().resolve()
    path = (root / storage_key).resolve()
    if root not in path.parents:
        raise DocumentRejected("storage key outside the document folder")
    return path


def read_upload(upload: FileStorage | None) -> tuple[bytes, str, str]:
    """Validate an upload fully before anything is written: (bytes, content type, safe filename)."""
    if upload is None or not upload.filename:
        raise DocumentRejected(_("Choose a file to upload."))
    limit = current_app.config["WARTA_DOCUMENT_MAX_BYTES"]
    data = upload.stream.read(limit + 1)
    if not data:
        raise DocumentRejected(_("The file is empty."))
    if len(data) > limit:
        raise DocumentRejected(_("The file is larger than %(mb)d MB.", mb=max(1, limit // (1024 * 1024))))
    for magic, content_type, extension in SIGNATURES:
        if data.startswith(magic):
            name = secure_filename(upload.filename) or f"document{extension}"
            return data, content_type, name[:200]
    raise DocumentRejected(_("Only PDF, PNG or JPEG documents are accepted."))


def store(organisation_id: int, data: bytes, content_type: str, filename: str) -> StoredFile:
    """Write the bytes under a random key (mode 0600) and return what to record."""
    key = f"{organisation_id}/{secrets.token_hex(16)}"
    path = path_for(key)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return StoredFile(key, filename, content_type, len(data), hashlib.sha256(data).hexdigest())


def remove(storage_key: str) -> None:
    """Delete a stored file (used to undo a write when the transaction fails)."""
    path_for(storage_key).unlink(missing_ok=True)
