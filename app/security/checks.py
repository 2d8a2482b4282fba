"""Automatic checks over an adapter's `AccountFacts`.

Each check returns None when the API does not expose the fact (the item then
falls back to attestation), else (passed, detail).
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from adapters.base import AccountFacts

CheckResult = tuple[bool, dict[str, Any]] | None
#: A token expiring sooner than this fails G11 so someone reconnects in time.
TOKEN_EXPIRY_MARGIN = timedelta(days=3)


def check_token(facts: AccountFacts, required_scopes: tuple[str, ...], now: datetime) -> CheckResult:
    missing = sorted(set(required_scopes) - set(facts.scopes))
    expiring = facts.expires_at is not None and facts.expires_at < now + TOKEN_EXPIRY_MARGIN
    detail = {"token_valid": facts.token_valid, "scopes": list(facts.scopes), "missing_scopes": missing,
              "expires_at": facts.expires_at.isoformat() if facts.expires_at else None}
    return facts.token_valid and not missing and not expiring, detail


def check_meta_business_2fa(facts: AccountFacts, required_scopes: tuple[str, ...], now: datetime) -> CheckResult:
    value = facts.extra.get("business_two_factor_type")
    if value is None:
        return None
    return value == "all_required", {"business_two_factor_type": value}


def check_verified_badge(facts: AccountFacts, required_scopes: tuple[str, ...], now: datetime) -> CheckResult:
    verified_type = facts.extra.get("verified_type") or facts.profile.get("verified_type")
    verified = facts.profile.get("verified")
    if verified is None and verified_type is None:
        return None
    passed = bool(verified) or verified_type in {"government", "business", "blue"}
    return passed, {"verified": verified, "verified_type": verified_type}


CHECKS: dict[str, Callable[[AccountFacts, tuple[str, ...], datetime], CheckResult]] = {
    "token": check_token,
    "meta_business_2fa": check_meta_business_2fa,
    "verified_badge": check_verified_badge,
}

#: Profile facts kept in the daily snapshot and compared for takeover detection.
SNAPSHOT_FIELDS = ("display_name", "handle", "avatar_url", "bio", "verified", "verified_type", "page_tasks",
                   "live_broadcast")


def snapshot_profile(facts: AccountFacts) -> dict[str, Any]:
    """The watched facts, from `profile` first and `extra` second; absent ones are left out."""
    merged = {**{k: v for k, v in facts.extra.items() if k in SNAPSHOT_FIELDS},
              **{k: v for k, v in facts.profile.items() if k in SNAPSHOT_FIELDS}}
    if isinstance(merged.get("page_tasks"), list | tuple):
        merged["page_tasks"] = sorted(merged["page_tasks"])
    return merged


def profile_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [before, after]} for watched fields present in both and different."""
    return {key: [before[key], after[key]] for key in SNAPSHOT_FIELDS
            if key in before and key in after and before[key] != after[key]}
