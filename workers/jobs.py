"""Thin RQ jobs: they take ids, push an app context and call the publishing service."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask

T = TypeVar("T")

_app: Flask | None = None


def set_app(app: Flask) -> None:
    """The worker process's app (set once by the worker command, before any job runs)."""
    global _app
    _app = app


def _get_app() -> Flask:
    global _app
    if _app is None:
        from app import create_app

        _app = create_app()
    return _app


def _run(func: Callable[..., T], *args: Any) -> T:
    """Call a service inside the worker's app context; the session is always handed back."""
    from app.extensions import db

    with _get_app().app_context():
        try:
            return func(*args)
        finally:
            db.session.remove()


def publish_targets(pairs: list[list[int]]) -> list[str]:
    """Publish each [target id, seq] of the job in turn (one pair, or several in a burst)."""
    from app.publishing.publish import publish_targets as publish

    return _run(publish, [(int(t), int(s)) for t, s in pairs])


def publish_target(target_id: int, seq: int) -> str:
    """One target (jobs enqueued before publish jobs took lists still run)."""
    from app.publishing.publish import publish_target as publish

    return _run(publish, target_id, seq)


def reconcile_target(target_id: int, seq: int) -> str:
    from app.publishing.publish import reconcile_target as reconcile

    return _run(reconcile, target_id, seq)


def native_target(target_id: int, seq: int) -> str:
    from app.extensions import db
    from app.publishing.native import native_target as keep_in_step

    with _get_app().app_context():
        try:
            return keep_in_step(target_id, seq)
        finally:
            db.session.remove()


def refresh_tokens() -> dict[str, int]:
    """Periodic: refresh platform tokens before they expire, flag the ones that cannot be."""
    from workers.tokens import refresh_expiring_tokens

    return _run(refresh_expiring_tokens)


def verify_accounts() -> dict[str, int]:
    """Periodic: the security checklist's API checks and daily profile snapshots."""
    from workers.security import verify_accounts as verify

    return _run(verify)


def collect_audience() -> dict[str, int]:
    """Periodic: followers and per-post figures from the platforms that report them (app.activity)."""
    from app.activity.audience import collect

    return _run(collect)


def poll_collaborator_invites() -> dict[str, int]:
    """Periodic: read the fate of Instagram collaborator invites on recently published posts."""
    from app.influencers.invites import poll_collaborator_invites as poll

    return _run(poll)
