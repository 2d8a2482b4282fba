"""Private document storage: type by magic bytes, size limit, files only inside the private folder."""
from __future__ import annotations

import io
import os
import stat

import pytest
from werkzeug.datastructures import FileStorage

from app.influencers import documents


def _upload(data: bytes, name: str = "doc.pdf") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name)


def test_upload_is_checked_by_content_and_size(app):
    app.config["WARTA_DOCUMENT_MAX_BYTES"] = 64
    data, content_type, name = documents.read_upload(_upload(b"\x89PNG\r\n\x1a\n" + b"0" * 10, "../../scan.png"))
    assert (content_type, name, len(data)) == ("image/png", "scan.png", 18)
    for bad in (b"", b"<html>not a pdf</html>", b"%PDF-" + b"0" * 64):
        with pytest.raises(documents.DocumentRejected):
            documents.read_upload(_upload(bad))
    with pytest.raises(documents.DocumentRejected):
        documents.read_upload(None)


def test_files_are_private_and_stay_inside_the_folder(app):
    stored = documents.store(7, b"%PDF-1.4 x", "application/pdf", "a.pdf")
    path = documents.path_for(stored.storage_key)
    assert path.read_bytes() == b"%PDF-1.4 x" and stored.storage_key.startswith("7/")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert str(path).startswith(app.instance_path)
    with pytest.raises(documents.DocumentRejected):
        documents.path_for("../../secret_key")
    documents.remove(stored.storage_key)
    assert not path.exists()
