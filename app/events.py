"""Domain events ("post.approved", "target.failed", ...) announced to listeners.

Core code calls `emit()`; the plugin system registers a listener that hands
each event to the `warta_event` hook (notifications, webhooks, ...). Listeners
run inside the caller's transaction: they may add rows to the session, and
should defer slow work (e-mail, webhooks) to background jobs.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, current_app

Listener = Callable[..., None]


def add_listener(app: Flask, listener: Listener) -> None:
    """Register `listener(name, organisation_id=..., payload=...)` for every event."""
    app.extensions.setdefault("warta_event_listeners", []).append(listener)


def emit(name: str, *, organisation_id: int | None = None, **payload: Any) -> None:
    """Announce event `name` about `organisation_id` with JSON-serialisable `payload`."""
    for listener in current_app.extensions.get("warta_event_listeners", []):
        listener(name, organisation_id=organisation_id, payload=payload)
