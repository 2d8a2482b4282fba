"""The simulator's in-memory state, safe for a threaded server (one lock around every change)."""
from __future__ import annotations

import itertools
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

#: Lifetime of the X/YouTube/TikTok tokens seeded for the demo accounts (a year: `make run` keeps working).
SEEDED_TOKEN_LIFETIME = 365 * 86400


@dataclass
class Fault:
    """An injected failure or delay for one endpoint key (`"*"` matches all)."""

    endpoint: str
    status: int = 0  # 0: no error response, only the delay
    body: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (a timeout when above the client's)
    times: int = 1  # how many requests it affects; -1 = until cleared
    name: str = ""  # a platform-specific fault (X/YouTube/TikTok families render the platform's error)
    id: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "endpoint": self.endpoint, "name": self.name, "status": self.status,
                "body": self.body, "headers": self.headers, "delay": self.delay, "times": self.times}


class SimState:
    """Objects, tokens, injected faults and the record of every publish, for all five platforms.

    Graph tokens are `{type, user_id, page_id, scopes, expires_at, ...}`; X/YouTube/TikTok tokens
    are `{platform, account, scopes, expires_at}` in the same `tokens` store (refresh tokens in
    `refresh_tokens`). `accounts[platform][id]` holds the X/YouTube/TikTok accounts, `store[platform]`
    their uploads and posts.
    """

    def __init__(self, container_polls: int = 2, processing_polls: int = 2) -> None:
        self.lock = threading.RLock()
        self.container_polls = container_polls
        self.processing_polls = processing_polls  # X media / TikTok publish status polls before done
        self._ids = itertools.count(17_900_000_000_000_001)
        self._fault_ids = itertools.count(1)
        self.tokens: dict[str, dict[str, Any]] = {}  # token -> {type, user_id, page_id, scopes, expires_at, ...}
        self.objects: dict[str, dict[str, Any]] = {}  # id -> node (user, page, ig user, container, media, post)
        self.codes: dict[str, dict[str, Any]] = {}  # oauth code -> {user_id, redirect_uri, scopes}
        self.record: list[dict[str, Any]] = []  # every publish, append-only
        self.faults: list[Fault] = []
        self.latency: dict[str, float] = {}  # endpoint key -> seconds
        self.requests: list[dict[str, Any]] = []  # method, endpoint, for tests counting calls
        self.refresh_tokens: dict[str, dict[str, Any]] = {}  # X/YouTube/TikTok refresh token -> grant
        self.accounts: dict[str, dict[str, dict[str, Any]]] = {}  # platform -> account id -> profile
        self.store: dict[str, dict[str, Any]] = {}  # platform -> scratch (uploads, tweets, publishes)
        self.clock_offset = 0.0  # seconds the platforms' clock runs ahead (`POST /_sim/clock`)

    def now(self) -> float:
        """The platforms' time: the real time plus `clock_offset` (scheduled posts go live by it)."""
        return time.time() + self.clock_offset

    def new_id(self) -> str:
        with self.lock:
            return str(next(self._ids))

    def reset(self) -> None:
        with self.lock:
            self.tokens.clear()
            self.objects.clear()
            self.codes.clear()
            self.record.clear()
            self.faults.clear()
            self.latency.clear()
            self.requests.clear()
            self.refresh_tokens.clear()
            self.accounts.clear()
            self.store.clear()
            self.clock_offset = 0.0

    # faults -------------------------------------------------------------------------
    def add_fault(self, fault: Fault) -> Fault:
        with self.lock:
            fault.id = next(self._fault_ids)
            self.faults.append(fault)
            return fault

    def take_fault(self, endpoint: str) -> Fault | None:
        """The first fault matching `endpoint`, consuming one of its uses."""
        with self.lock:
            self.requests.append({"endpoint": endpoint, "at": time.time()})
            for fault in self.faults:
                if fault.endpoint in (endpoint, "*") and fault.times != 0:
                    if fault.times > 0:
                        fault.times -= 1
                    return Fault(**{k: v for k, v in fault.as_dict().items()})
            return None

    def add_named_fault(self, endpoint: str, name: str, times: int = 1) -> Fault:
        """A platform-specific fault (e.g. `"x.tweets"`, `"rate_limit"`) for the X/YouTube/TikTok families."""
        return self.add_fault(Fault(endpoint=endpoint, name=name, times=times))

    def take_fault_name(self, endpoint: str) -> str | None:
        """The name of the next named fault for exactly `endpoint` (consumed), without any delay.

        For checkpoints inside a request (an upload chunk, a processing poll): `"*"` and literal faults
        are left for the request's own endpoint.
        """
        with self.lock:
            for fault in self.faults:
                if fault.endpoint == endpoint and fault.name and fault.times != 0:
                    if fault.times > 0:
                        fault.times -= 1
                    return fault.name
            return None

    def delay_for(self, endpoint: str) -> float:
        with self.lock:
            return self.latency.get(endpoint, self.latency.get("*", 0.0))

    # record -------------------------------------------------------------------------
    def add_record(self, entry: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            stored = {**entry, "recorded_at": time.time()}
            self.record.append(stored)
            return stored

    def published(self, platform: str) -> list[dict[str, Any]]:
        """Record entries of one platform, oldest first."""
        with self.lock:
            return [dict(r) for r in self.record if r["platform"] == platform]

    # X / YouTube / TikTok tokens and accounts -----------------------------------------
    def issue(self, platform: str, account: str, scopes: tuple[str, ...], lifetime: int = 7200,
              access: str | None = None, refresh: str | None = None) -> dict[str, Any]:
        """New access + refresh token for an account (the caller revokes the old refresh token)."""
        with self.lock:
            access = access or f"{platform}-at-{secrets.token_urlsafe(12)}"
            refresh = refresh or f"{platform}-rt-{secrets.token_urlsafe(12)}"
            grant = {"platform": platform, "account": account, "scopes": tuple(scopes),
                     "expires_at": time.time() + lifetime}
            self.tokens[access] = grant
            self.refresh_tokens[refresh] = dict(grant)
            return {"access_token": access, "refresh_token": refresh, "expires_in": lifetime}

    def grant_for(self, platform: str, access_token: str) -> dict[str, Any] | None:
        """The live grant of an X/YouTube/TikTok access token, or None (unknown, expired, other platform)."""
        with self.lock:
            grant = self.tokens.get(access_token)
            if grant is None or grant.get("platform") != platform or grant["expires_at"] < time.time():
                return None
            return grant

    def account_for(self, platform: str, access_token: str) -> str | None:
        grant = self.grant_for(platform, access_token)
        return grant["account"] if grant else None

    def expire_tokens(self, platform: str, account: str) -> int:
        with self.lock:
            grants = [g for g in self.tokens.values() if g.get("platform") == platform and g["account"] == account]
            for grant in grants:
                grant["expires_at"] = time.time() - 1
            return len(grants)

    def new_code(self, platform: str, account: str, **extra: Any) -> str:
        with self.lock:
            code = secrets.token_urlsafe(16)
            self.codes[code] = {"platform": platform, "account": account, **extra}
            return code

    def scratch(self, platform: str) -> dict[str, Any]:
        with self.lock:
            return self.store.setdefault(platform, {})
