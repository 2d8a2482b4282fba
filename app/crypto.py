"""Encryption at rest for platform tokens and TOTP seeds (MultiFernet).

`WARTA_ENCRYPTION_KEYS` lists Fernet keys, newest first: the first encrypts,
all decrypt. To rotate: put a new key first, run `flask --app wsgi rotate-keys`,
then drop the old key. Fernet is AES-128-CBC with HMAC-SHA256 (encrypt-then-MAC),
an authenticated construction.
"""
from __future__ import annotations

import json
from typing import Any

from cryptography.fernet import Fernet, MultiFernet
from flask import current_app


def _fernet() -> MultiFernet:
    keys = current_app.config["WARTA_ENCRYPTION_KEYS"]
    if not keys:
        raise RuntimeError("WARTA_ENCRYPTION_KEYS is empty: Warta will not store secrets unencrypted.")
    return MultiFernet([Fernet(k.encode() if isinstance(k, str) else k) for k in keys])


def encrypt_text(value: str) -> bytes:
    return _fernet().encrypt(value.encode())


def decrypt_text(token: bytes) -> str:
    return _fernet().decrypt(bytes(token)).decode()


def encrypt_json(value: dict[str, Any]) -> bytes:
    return encrypt_text(json.dumps(value, separators=(",", ":")))


def decrypt_json(token: bytes) -> dict[str, Any]:
    return json.loads(decrypt_text(token))


def rotate(token: bytes) -> bytes:
    """Re-encrypt `token` under the newest key."""
    return _fernet().rotate(bytes(token))


def rotate_all() -> int:
    """Re-encrypt every stored secret with the newest key; returns how many were rotated."""
    from app.extensions import db
    from app.models import SocialAccount, User

    count = 0
    for account in db.session.scalars(db.select(SocialAccount).where(SocialAccount.credentials_encrypted.is_not(None))):
        account.credentials_encrypted = rotate(account.credentials_encrypted)
        count += 1
    for user in db.session.scalars(db.select(User).where(User.totp_secret_encrypted.is_not(None))):
        user.totp_secret_encrypted = rotate(user.totp_secret_encrypted)
        count += 1
    return count


def encrypt_bytes(value: bytes) -> bytes:
    """Encrypt a file's bytes (security evidence) under the newest key."""
    return _fernet().encrypt(value)


def decrypt_bytes(token: bytes) -> bytes:
    return _fernet().decrypt(bytes(token))
