"""Domain events ("post.approved", "target.failed", ...) announced to listeners.

Core code calls `emit()`; the plugin system registers a listener that hands
each event to the `warta_event` hook (notifications, webhooks, ...). Listeners
run inside the caller's transaction: they may add rows to the session, and
should defer slow work (e-mail, webhooks) to background jobs.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from flask import Flask, current_app

Listener = Callable[..., None]
T = TypeVar("T")
_shared = threading.local()


def add_listener(app: Flask, listener: Listener) -> None:
    """Register `listener(name, organisation_id=..., payload=...)` for every event."""
    app.extensions.setdefault("warta_event_listeners", []).append(listener)


def emit(name: str, *, organisation_id: int | None = None, **payload: Any) -> None:
    """Announce event `name` about `organisation_id` with JSON-serialisable `payload`."""
    for listener in current_app.extensions.get("warta_event_listeners", []):
        listener(name, organisation_id=organisation_id, payload=payload)


@contextmanager
def shared_lookups() -> Iterator[None]:
    """Within: what listeners read through `lookup()` is read once for all the events emitted.

    For one transaction announcing many events of the same kind (a publish job recording the
    outcomes of all its targets); the rows looked up must not change inside it.
    """
    _shared.memo = {}
    try:
        yield
    finally:
        _shared.memo = None


def lookup(key: tuple, read: Callable[[], T]) -> T:
    """`read()`, or inside `shared_lookups()` the value an earlier event read under `key`."""
    memo = getattr(_shared, "memo", None)
    if memo is None:
        return read()
    if key not in memo:
        memo[key] = read()
    return memo[key]
