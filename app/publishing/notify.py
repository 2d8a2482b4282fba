"""Waking the dispatcher when a post is (re)scheduled, released or re-queued.

Code marks the session (`wake_dispatcher_after_commit()`); after the commit lands a
message is published on a Redis channel the dispatcher listens to, so it never
reads the database before the change is visible. Losing a message only costs a
poll interval (the dispatcher also wakes every couple of seconds).
"""
from __future__ import annotations

import logging

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import db

logger = logging.getLogger(__name__)

WAKE_CHANNEL = "warta:dispatcher:wake"
_FLAG = "warta_wake_dispatcher"


def wake_dispatcher_after_commit() -> None:
    """Ask for a dispatcher wake-up once the current transaction commits."""
    db.session.info[_FLAG] = True


def wake_dispatcher_now() -> None:
    from app.redis_conn import get_redis

    try:
        get_redis().publish(WAKE_CHANNEL, b"wake")
    except Exception:  # Redis down: the dispatcher's own poll will pick the change up
        logger.warning("could not wake the dispatcher", exc_info=True)


def _after_commit(session: Session) -> None:
    if session.info.pop(_FLAG, False):
        try:
            current_app._get_current_object()
        except RuntimeError:
            return
        wake_dispatcher_now()


def _after_rollback(session: Session) -> None:
    session.info.pop(_FLAG, None)


def init_app(app: Flask) -> None:
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", lambda s, _tx: _after_rollback(s))


