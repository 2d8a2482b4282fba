"""Periodic token care: refresh platform tokens before they expire, flag the ones that cannot be.

`refresh_expiring_tokens()` takes no arguments and no ORM objects, so the
pipeline can schedule it as a plain periodic job (it needs an app context).
Admins are warned through the `token.expiring` event 7 days ahead; an account
whose grant is gone becomes `needs_reconnect` (event `account.needs_reconnect`).
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from adapters import adapter_classes, get_adapter
from adapters.base import AdapterError, AuthExpired
from app import audit
from app.connect.services import tokens_from_dict, tokens_to_dict
from app.crypto import decrypt_json, encrypt_json
from app.events import emit
from app.extensions import db
from app.models import AccountStatus, SocialAccount, utcnow

logger = logging.getLogger(__name__)
WARN_AHEAD = timedelta(days=7)


def _expiry(account: SocialAccount) -> datetime | None:
    """The earliest of token expiry and (Meta) data-access expiry."""
    candidates = [account.token_expires_at]
    data_access = (account.facts or {}).get("data_access_expires_at")
    if data_access:
        candidates.append(datetime.fromisoformat(data_access))
    present = [c for c in candidates if c is not None]
    return min(present) if present else None


def refresh_expiring_tokens(now: datetime | None = None) -> dict[str, int]:
    """Refresh tokens expiring within 7 days; warn or flag what cannot be refreshed. Returns counts."""
    now = now or utcnow()
    counts = {"checked": 0, "refreshed": 0, "warned": 0, "flagged": 0, "failed": 0}
    known = adapter_classes()
    accounts = db.session.scalars(db.select(SocialAccount).where(
        SocialAccount.status == AccountStatus.ACTIVE, SocialAccount.credentials_encrypted.is_not(None))).all()
    for account in accounts:
        expiry = _expiry(account)
        if account.platform not in known or expiry is None or expiry - now > WARN_AHEAD:
            continue
        counts["checked"] += 1
        outcome = _refresh_one(account, now)
        counts[outcome] += 1
        db.session.commit()
    return counts


def _refresh_one(account: SocialAccount, now: datetime) -> str:
    adapter = get_adapter(account.platform)
    tokens = tokens_from_dict(decrypt_json(account.credentials_encrypted))
    try:
        fresh = adapter.refresh_credentials(tokens)
    except AuthExpired as exc:
        before = {"status": account.status}
        account.status = AccountStatus.NEEDS_RECONNECT
        audit.record("account.needs_reconnect", account, before=before,
                     after={"status": account.status, "reason": exc.platform_message})
        emit("account.needs_reconnect", organisation_id=account.organisation_id, account_id=account.id,
             platform=account.platform, handle=account.handle, reason=exc.platform_message)
        return "flagged"
    except AdapterError as exc:
        logger.info("token refresh for account %s failed for now: %s", account.id, exc.code)
        return "failed"
    account.credentials_encrypted = encrypt_json(tokens_to_dict(fresh))
    account.token_expires_at = fresh.expires_at
    facts: dict[str, Any] = dict(account.facts or {})
    facts["scopes"] = list(fresh.scopes)
    facts["refreshed_at"] = now.isoformat()
    account.facts = facts
    audit.record("account.token_refreshed", account,
                 after={"expires_at": fresh.expires_at.isoformat() if fresh.expires_at else None})
    expiry = _expiry(account)
    if expiry is not None and expiry - now <= WARN_AHEAD:
        # Still expiring (e.g. Meta data access needs the person to log in again): warn once per expiry.
        if facts.get("expiry_warned_for") != expiry.isoformat():
            facts["expiry_warned_for"] = expiry.isoformat()
            account.facts = dict(facts)
            emit("token.expiring", organisation_id=account.organisation_id, account_id=account.id,
                 platform=account.platform, handle=account.handle, expires_at=expiry.isoformat())
            return "warned"
    return "refreshed"
