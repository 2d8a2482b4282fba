"""The simulator's in-memory state, safe for a threaded server (one lock around every change)."""
from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Fault:
    """An injected failure or delay for one endpoint key (`"*"` matches all)."""

    endpoint: str
    status: int = 0  # 0: no error response, only the delay
    body: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (a timeout when above the client's)
    times: int = 1  # how many requests it affects; -1 = until cleared
    id: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "endpoint": self.endpoint, "status": self.status, "body": self.body,
                "headers": self.headers, "delay": self.delay, "times": self.times}


class SimState:
    """Objects, tokens, injected faults and the record of every publish."""

    def __init__(self, container_polls: int = 2) -> None:
        self.lock = threading.RLock()
        self.container_polls = container_polls
        self._ids = itertools.count(17_900_000_000_000_001)
        self._fault_ids = itertools.count(1)
        self.tokens: dict[str, dict[str, Any]] = {}  # token -> {type, user_id, page_id, scopes, expires_at, ...}
        self.objects: dict[str, dict[str, Any]] = {}  # id -> node (user, page, ig user, container, media, post)
        self.codes: dict[str, dict[str, Any]] = {}  # oauth code -> {user_id, redirect_uri, scopes}
        self.record: list[dict[str, Any]] = []  # every publish, append-only
        self.faults: list[Fault] = []
        self.latency: dict[str, float] = {}  # endpoint key -> seconds
        self.requests: list[dict[str, Any]] = []  # method, endpoint, for tests counting calls

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

    def delay_for(self, endpoint: str) -> float:
        with self.lock:
            return self.latency.get(endpoint, self.latency.get("*", 0.0))

    # record -------------------------------------------------------------------------
    def add_record(self, entry: dict[str, Any]) -> None:
        with self.lock:
            self.record.append({**entry, "recorded_at": time.time()})
