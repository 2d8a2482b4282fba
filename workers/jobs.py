"""Thin RQ jobs: they take ids, push an app context and call the publishing service."""
from __future__ import annotations

from flask import Flask

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


def publish_target(target_id: int, seq: int) -> str:
    from app.extensions import db
    from app.publishing.publish import publish_target as publish

    with _get_app().app_context():
        try:
            return publish(target_id, seq)
        finally:
            db.session.remove()


def reconcile_target(target_id: int, seq: int) -> str:
    from app.extensions import db
    from app.publishing.publish import reconcile_target as reconcile

    with _get_app().app_context():
        try:
            return reconcile(target_id, seq)
        finally:
            db.session.remove()


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
    from app.extensions import db
    from workers.tokens import refresh_expiring_tokens

    with _get_app().app_context():
        try:
            return refresh_expiring_tokens()
        finally:
            db.session.remove()


def verify_accounts() -> dict[str, int]:
    """Periodic: the security checklist's API checks and daily profile snapshots."""
    from app.extensions import db
    from workers.security import verify_accounts as verify

    with _get_app().app_context():
        try:
            return verify()
        finally:
            db.session.remove()
