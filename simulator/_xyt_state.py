"""Shared, thread-safe state of the X / YouTube / TikTok simulator blueprints.

Faults and latency are keyed by endpoint name (e.g. "x.tweets", "tiktok.video_init");
a fault is consumed once per queued entry. Everything published is appended to
`records` and to the account's feed. The lead merges this into the common simulator state.
"""
from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class TokenGrant:
    platform: str
    account: str
    scopes: tuple[str, ...]
    expires_at: float


@dataclass
class XytSimState:
    """Faults, latency, publish record, feeds, simulated accounts and issued tokens."""

    lock: threading.RLock = field(default_factory=threading.RLock)
    faults: dict[str, list[str]] = field(default_factory=dict)
    latency: dict[str, float] = field(default_factory=dict)
    records: list[dict[str, Any]] = field(default_factory=list)
    feeds: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    accounts: dict[str, dict[str, dict[str, Any]]] = field(default_factory=lambda: {
        "x": {"1001": {"username": "pemkot_demo", "name": "Pemkot Demo", "verified_type": "government"}},
        "youtube": {"UCdemo0001": {"title": "Pemkot Demo TV", "customUrl": "@pemkotdemo"}},
        "tiktok": {"tt-open-1": {"username": "pemkot.demo", "display_name": "Pemkot Demo"}},
    })
    tokens: dict[str, TokenGrant] = field(default_factory=dict)
    refresh_tokens: dict[str, TokenGrant] = field(default_factory=dict)
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    store: dict[str, dict[str, Any]] = field(default_factory=dict)  # per-platform scratch (uploads, publishes)
    processing_polls: int = 2  # how many status polls media/publishes stay "processing"

    # -- faults and latency --------------------------------------------------------------
    def add_fault(self, endpoint: str, name: str, times: int = 1) -> None:
        with self.lock:
            self.faults.setdefault(endpoint, []).extend([name] * times)

    def take_fault(self, endpoint: str) -> str | None:
        with self.lock:
            queue = self.faults.get(endpoint) or []
            return queue.pop(0) if queue else None

    def delay(self, endpoint: str) -> None:
        seconds = self.latency.get(endpoint, 0.0)
        if seconds:
            time.sleep(seconds)

    # -- tokens ---------------------------------------------------------------------------
    def issue(self, platform: str, account: str, scopes: tuple[str, ...], lifetime: int = 7200) -> dict[str, Any]:
        """New access + refresh token for an account (the caller revokes the old refresh token)."""
        with self.lock:
            access = f"{platform}-at-{secrets.token_urlsafe(12)}"
            refresh = f"{platform}-rt-{secrets.token_urlsafe(12)}"
            grant = TokenGrant(platform, account, scopes, time.time() + lifetime)
            self.tokens[access] = grant
            self.refresh_tokens[refresh] = grant
            return {"access_token": access, "refresh_token": refresh, "expires_in": lifetime}

    def account_for(self, platform: str, access_token: str) -> str | None:
        with self.lock:
            grant = self.tokens.get(access_token)
            if grant is None or grant.platform != platform or grant.expires_at < time.time():
                return None
            return grant.account

    def expire_tokens(self, platform: str, account: str) -> None:
        with self.lock:
            for grant in self.tokens.values():
                if grant.platform == platform and grant.account == account:
                    grant.expires_at = 0

    def new_code(self, platform: str, account: str, **extra: Any) -> str:
        with self.lock:
            code = secrets.token_urlsafe(16)
            self.codes[code] = {"platform": platform, "account": account, **extra}
            return code

    # -- what was published -----------------------------------------------------------
    def record(self, platform: str, account: str, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            entry = {"platform": platform, "account": account, "kind": kind, "at": time.time(), **payload}
            self.records.append(entry)
            self.feeds.setdefault(f"{platform}:{account}", []).insert(0, entry)
            return entry

    def published(self, platform: str) -> list[dict[str, Any]]:
        with self.lock:
            return [r for r in self.records if r["platform"] == platform]

    def scratch(self, platform: str) -> dict[str, Any]:
        with self.lock:
            return self.store.setdefault(platform, {})
