"""Second factor: TOTP (pyotp) with replay protection, and hashed single-use recovery codes."""
from __future__ import annotations

import hashlib
import hmac
import io
import secrets
import time

import pyotp
import qrcode
import qrcode.image.svg
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.crypto import decrypt_text, encrypt_text
from app.extensions import db
from app.models import Membership, Organisation, RecoveryCode, User, utcnow

ISSUER = "Warta"
RECOVERY_CODE_COUNT = 10


def new_totp_secret() -> str:
    return pyotp.random_base32()


def set_totp_secret(user: User, secret: str) -> None:
    user.totp_secret_encrypted = encrypt_text(secret)


def totp_secret(user: User) -> str | None:
    return decrypt_text(user.totp_secret_encrypted) if user.totp_secret_encrypted else None


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The provisioning URI as an inline SVG QR code (no image library needed)."""
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


def verify_totp(user: User, code: str, secret: str | None = None, now: float | None = None) -> bool:
    """Accept a code once within ±1 step; remember its step so it cannot be replayed."""
    secret = secret or totp_secret(user)
    code = (code or "").strip().replace(" ", "")
    if not secret or not code.isdigit():
        return False
    totp = pyotp.TOTP(secret)
    now = time.time() if now is None else now
    current_step = int(now // totp.interval)
    for step in (current_step - 1, current_step, current_step + 1):
        if user.totp_last_timestep is not None and step <= user.totp_last_timestep:
            continue
        if hmac.compare_digest(totp.at(step * totp.interval), code):
            user.totp_last_timestep = step
            return True
    return False


def _hash_code(code: str) -> str:
    # Recovery codes are 80-bit random values, so one SHA-256 is enough (no dictionary to try).
    return hashlib.sha256(code.replace("-", "").lower().encode()).hexdigest()


def new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes; returns the plaintext codes to show once."""
    user.recovery_codes.clear()
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = secrets.token_hex(5)
        code = f"{raw[:5]}-{raw[5:]}"
        codes.append(code)
        user.recovery_codes.append(RecoveryCode(code_hash=_hash_code(code)))
    return codes


def use_recovery_code(user: User, code: str) -> bool:
    """Spend one unused recovery code; False when it is wrong or already used."""
    wanted = _hash_code(code.strip())
    for stored in user.recovery_codes:
        if stored.used_at is None and hmac.compare_digest(stored.code_hash, wanted):
            stored.used_at = utcnow()
            return True
    return False


def user_requires_2fa(user: User) -> bool:
    """True when the user enabled TOTP or any organisation above a membership demands it."""
    if user.totp_enabled:
        return True
    paths = db.session.scalars(
        select(Organisation.path).join(Membership).where(Membership.user_id == user.id)
    ).all()
    ancestor_ids = {int(p) for path in paths for p in path.strip("/").split("/") if p}
    if not ancestor_ids:
        return False
    return bool(db.session.scalar(
        select(Organisation.id).where(Organisation.id.in_(ancestor_ids), Organisation.require_2fa.is_(True)).limit(1)
    ))


#: Values of `mfa_status()`, for the members page (admin view of everyone's 2FA).
MFA_ON = "on"  # TOTP enrolled
MFA_MISSING = "missing"  # an organisation requires 2FA but the user has not enrolled yet
MFA_OFF = "off"  # not enrolled and not required


#: Labels for the values of `mfa_status()` (translated when rendered).
MFA_STATUS_LABELS = {
    MFA_ON: _l("On"),
    MFA_MISSING: _l("Required, not set up yet"),
    MFA_OFF: _l("Off"),
}


def mfa_status(user: User) -> str:
    """The user's second-factor status: `MFA_ON`, `MFA_MISSING` or `MFA_OFF`."""
    if user.totp_enabled:
        return MFA_ON
    return MFA_MISSING if user_requires_2fa(user) else MFA_OFF
