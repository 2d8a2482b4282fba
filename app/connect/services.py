"""Connect-flow helpers: PKCE, the pending-accounts stash and storing a connected account."""
from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import asdict
from datetime import datetime
from typing import Any

from flask import current_app

from adapters.base import AccountFacts, ConnectableAccount, TokenSet
from app import audit
from app.crypto import decrypt_json, encrypt_json
from app.extensions import db
from app.models import AccountStatus, SocialAccount
from app.redis_conn import get_redis

PENDING_SECONDS = 15 * 60


def pkce_pair() -> tuple[str, str]:
    """(verifier, S256 challenge) per RFC 7636."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def tokens_to_dict(tokens: TokenSet) -> dict[str, Any]:
    data = asdict(tokens)
    data["expires_at"] = tokens.expires_at.isoformat() if tokens.expires_at else None
    data["scopes"] = list(tokens.scopes)
    return data


def tokens_from_dict(data: dict[str, Any]) -> TokenSet:
    expires = data.get("expires_at")
    return TokenSet(access_token=data["access_token"], refresh_token=data.get("refresh_token"),
                    expires_at=datetime.fromisoformat(expires) if expires else None,
                    scopes=tuple(data.get("scopes", ())), extra=dict(data.get("extra", {})))


def stash_pending(user_id: int, found: list[ConnectableAccount]) -> str:
    """Keep found accounts (tokens encrypted) in Redis for a short while; returns the stash key."""
    key = secrets.token_urlsafe(16)
    payload = {"user_id": user_id, "accounts": [
        {"platform": a.platform, "external_id": a.external_id, "handle": a.handle, "display_name": a.display_name,
         "tokens": tokens_to_dict(a.tokens), "facts": a.facts} for a in found]}
    get_redis(current_app).set(f"warta:connect:{key}", encrypt_json(payload), ex=PENDING_SECONDS)
    return key


def load_pending(key: str, user_id: int) -> list[dict[str, Any]] | None:
    raw = get_redis(current_app).get(f"warta:connect:{key}")
    if raw is None:
        return None
    payload = decrypt_json(raw)
    return payload["accounts"] if payload.get("user_id") == user_id else None


def drop_pending(key: str) -> None:
    get_redis(current_app).delete(f"warta:connect:{key}")


def facts_to_dict(facts: AccountFacts) -> dict[str, Any]:
    return {"token_valid": facts.token_valid, "scopes": list(facts.scopes),
            "expires_at": facts.expires_at.isoformat() if facts.expires_at else None,
            "profile": facts.profile, **facts.extra}


def store_account(found: dict[str, Any], organisation_id: int, facts: dict[str, Any],
                  existing: SocialAccount | None) -> SocialAccount:
    """Create or re-connect the account with encrypted tokens; records an audit event."""
    tokens = tokens_from_dict(found["tokens"])
    account = existing or SocialAccount(platform=found["platform"], external_id=found["external_id"])
    before = None if existing is None else {"organisation_id": existing.organisation_id, "status": existing.status}
    account.organisation_id = organisation_id
    account.handle = found["handle"][:200]
    account.display_name = (found.get("display_name") or found["handle"])[:200]
    account.credentials_encrypted = encrypt_json(tokens_to_dict(tokens))
    account.token_expires_at = tokens.expires_at
    account.status = AccountStatus.ACTIVE
    account.facts = {**found.get("facts", {}), **facts}
    db.session.add(account)
    db.session.flush()
    audit.record("account.connected" if existing is None else "account.reconnected", account, before=before,
                 after={"organisation_id": organisation_id, "platform": account.platform, "handle": account.handle,
                        "scopes": facts.get("scopes", [])})
    return account
