"""Evidence files: type and size limits, secret detection, encrypted private storage.

Files live encrypted (app.crypto, MultiFernet) under `<instance>/security-evidence/`
with a random name; they are only ever served through the tenancy-checked
download route, never from a public URL. The SHA-256 is of the original file.

Secret detection: images are decoded with zxing-cpp (QR codes and other
barcodes). A QR code carrying an `otpauth://` URI (a TOTP seed) is refused; any
other barcode, a file or note naming backup/recovery codes or passwords, or a
note holding groups of digits like backup codes, produces a warning that the
reviewer sees. PDFs are only searched for a literal `otpauth` in their bytes.
There is no OCR: a screenshot of backup codes without a QR code is not detected
and relies on the reviewer.
"""
from __future__ import annotations

import hashlib
import io
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from app.crypto import decrypt_bytes, encrypt_bytes

#: Magic bytes → content type of the accepted formats.
ACCEPTED_TYPES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"%PDF-", "application/pdf"),
)
SECRET_WORDS = ("backup code", "backup_code", "backup-code", "kode cadangan", "recovery code", "kode pemulihan",
                "password", "kata sandi", "secret", "otpauth")
CODE_GROUPS = re.compile(r"(?:\b\d{4}[ -]?\d{4}\b\D{0,5}){3,}")
MAX_PIXELS = 40_000_000


class EvidenceRefused(ValueError):
    """The upload is not accepted; the message is translated and shown to the person."""


@dataclass
class CheckedUpload:
    data: bytes
    filename: str
    content_type: str
    sha256: str
    warnings: list[str] = field(default_factory=list)


def _sniff(data: bytes) -> str | None:
    return next((ctype for magic, ctype in ACCEPTED_TYPES if data.startswith(magic)), None)


def _barcodes(data: bytes) -> list[str]:
    """Texts of the QR codes / barcodes in an image; refuses files that are not valid images."""
    import zxingcpp
    from PIL import Image, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            return [result.text for result in zxingcpp.read_barcodes(image.convert("RGB"))]
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise EvidenceRefused(_("The image could not be read. Upload a PNG or JPEG screenshot.")) from exc


def text_warnings(text: str) -> list[str]:
    """Warnings for a filename or note that looks like it holds secrets; refuses TOTP URIs."""
    lowered = text.lower()
    if "otpauth://" in lowered or "otpauth-migration://" in lowered:
        raise EvidenceRefused(_("Never upload authenticator (TOTP) secrets. Remove them and try again."))
    warnings = []
    if any(word in lowered for word in SECRET_WORDS):
        warnings.append(_("The file name or note mentions passwords, backup codes or secrets."))
    if CODE_GROUPS.search(text):
        warnings.append(_("The note contains groups of digits that look like backup codes."))
    return warnings


def check_upload(data: bytes, filename: str, note: str = "") -> CheckedUpload:
    """Validate an evidence upload; raise `EvidenceRefused` or return it with its warnings."""
    limit = int(current_app.config["WARTA_SECURITY_EVIDENCE_MAX_BYTES"])
    if not data:
        raise EvidenceRefused(_("The evidence file is empty."))
    if len(data) > limit:
        raise EvidenceRefused(_("The evidence file is larger than %(mb)s MB.", mb=limit // (1024 * 1024)))
    content_type = _sniff(data)
    if content_type is None:
        raise EvidenceRefused(_("Only PNG, JPEG or PDF files are accepted as evidence."))
    warnings = text_warnings(f"{filename}\n{note}")
    if content_type.startswith("image/"):
        codes = _barcodes(data)
        if any(code.lower().startswith(("otpauth://", "otpauth-migration://")) for code in codes):
            raise EvidenceRefused(_("This image contains an authenticator (TOTP) QR code, which is a secret. "
                                    "Never upload it; take a screenshot of the setting instead."))
        if codes:
            warnings.append(_("The image contains a QR code or barcode; check that it reveals no secret."))
    elif b"otpauth" in data:
        raise EvidenceRefused(_("Never upload authenticator (TOTP) secrets. Remove them and try again."))
    safe_name = re.sub(r"[^\w.\- ]", "_", Path(filename or "evidence").name)[:200] or "evidence"
    return CheckedUpload(data, safe_name, content_type, hashlib.sha256(data).hexdigest(), warnings)


def storage_dir() -> Path:
    path = Path(current_app.instance_path) / "security-evidence"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def store(data: bytes) -> str:
    """Encrypt and write `data`; returns the storage key."""
    key = secrets.token_hex(16)
    (storage_dir() / key).write_bytes(encrypt_bytes(data))
    return key


def load(storage_key: str) -> bytes:
    if not re.fullmatch(r"[0-9a-f]{32}", storage_key):
        raise FileNotFoundError(storage_key)
    return decrypt_bytes((storage_dir() / storage_key).read_bytes())
