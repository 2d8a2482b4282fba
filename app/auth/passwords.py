"""Password hashing (argon2id) and the password rules (ASVS 5: length, not composition)."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

MIN_LENGTH = 8
MAX_LENGTH = 128


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# Argon2 verification of a fixed dummy hash keeps failed logins for unknown
# e-mail addresses as slow as for known ones (no user enumeration by timing).
DUMMY_HASH = _hasher.hash("warta-dummy-password")
