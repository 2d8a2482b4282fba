"""Personal API tokens: creation (shown once), hashing, lookup, scopes, revocation (all audited).

A token is `wt_` + 43 URL-safe characters (256 random bits). Only its SHA-256 is stored:
with that much entropy a fast hash is the standard choice (a slow password hash would
buy nothing and cost every request). A token works only while its owner is active and
has two-step verification on, it is not revoked and not expired.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from app import audit
from app.extensions import db
from app.models import ApiToken, Role, User, utcnow
from app.tenancy import visible_organisation_ids

TOKEN_PREFIX = "wt_"  # noqa: S105 - a public marker, not a secret
#: Scopes a token may carry; "write" and "approve" include reading.
SCOPES = ("read", "write", "approve")
IMPLIED = {"read": {"read"}, "write": {"read", "write"}, "approve": {"read", "approve"}}
#: Roles that may approve or reject posts (app.publishing.lifecycle.approve checks the same).
APPROVER_ROLES = (Role.REVIEWER, Role.ADMIN)
LAST_USED_PRECISION = timedelta(minutes=1)


class TokenError(Exception):
    """A token that cannot be created; `code` names the problem."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # the full token, shown once


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def may_approve(user: User) -> bool:
    """Whether the user is a reviewer (or admin) anywhere, so an "approve" token makes sense."""
    return bool(visible_organisation_ids(user, APPROVER_ROLES))


def create_token(user: User, name: str, scopes: set[str], expires_at: datetime | None = None) -> NewToken:
    """Create and audit a token; the caller commits and shows `secret` once."""
    name = name.strip()
    if not name:
        raise TokenError("name_required")
    if not scopes or not scopes <= set(SCOPES):
        raise TokenError("bad_scopes")
    if not user.totp_enabled:
        raise TokenError("mfa_required")
    if "approve" in scopes and not may_approve(user):
        raise TokenError("not_a_reviewer")
    if expires_at is not None and expires_at <= utcnow():
        raise TokenError("expiry_in_past")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name[:100], token_hash=hash_token(secret), prefix=secret[:10],
                     scopes=" ".join(s for s in SCOPES if s in scopes), expires_at=expires_at)
    db.session.add(token)
    db.session.flush()
    audit.record("api_token.created", token, actor_id=user.id,
                 after={"name": token.name, "scopes": token.scopes, "prefix": token.prefix,
                        "expires_at": expires_at.isoformat() if expires_at else None})
    return NewToken(token, secret)


def revoke_token(token: ApiToken, actor: User) -> bool:
    """Revoke (audited); False when it was already revoked. The caller commits."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    audit.record("api_token.revoked", token, actor_id=actor.id, after={"name": token.name, "prefix": token.prefix})
    return True


def revoke_all(user: User) -> int:
    """Revoke every usable token of the user (after a password change); the caller commits."""
    now = utcnow()
    revoked = 0
    for token in tokens_of(user):
        if token.usable(now):
            revoke_token(token, user)
            revoked += 1
    return revoked


def tokens_of(user: User) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc())))


def authenticate(secret: str) -> ApiToken | None:
    """The usable token for `secret` (its owner active, with 2FA on), else None. Marks it used."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    now = utcnow()
    if token is None:
        return None
    reason = ("revoked" if token.revoked_at is not None else "expired" if not token.usable(now)
              else "user_inactive" if not token.user.active else "no_2fa" if not token.user.totp_enabled else None)
    if reason is not None:  # a real token that no longer works: worth a line in the owner's audit trail
        audit.record("api_token.rejected", token, actor_id=token.user_id, after={"reason": reason})
        db.session.commit()
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
        token.last_used_at = now  # at most one write a minute per token, not one per request
        db.session.commit()
    return token


def allows(token: ApiToken, scope: str) -> bool:
    """Whether `token` carries `scope`, directly or through a scope that includes it."""
    return any(scope in IMPLIED[held] for held in token.scope_set if held in IMPLIED)
