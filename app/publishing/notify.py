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
#: Grows by one after each commit that starts a hold. A publish job reads it before its re-checks and
#: again before a call that had to wait for a slot: when it moved, the call is not made (the target
#: goes back to the dispatcher, which applies the hold).
HOLD_GENERATION_KEY = "warta:holds:generation"
_HOLD_FLAG = "warta_hold_started"


def wake_dispatcher_after_commit() -> None:
    """Ask for a dispatcher wake-up once the current transaction commits."""
    db.session.info[_FLAG] = True


def wake_dispatcher_now() -> None:
    from app.redis_conn import get_redis

    try:
        get_redis().publish(WAKE_CHANNEL, b"wake")
    except Exception:  # Redis down: the dispatcher's own poll will pick the change up
        logger.warning("could not wake the dispatcher", exc_info=True)


def announce_hold_after_commit() -> None:
    """Move the hold generation on once the current transaction (which starts a hold) commits."""
    db.session.info[_HOLD_FLAG] = True


def hold_generation() -> int | None:
    """The current hold generation; None when Redis cannot be asked."""
    from app.redis_conn import get_redis

    try:
        return int(get_redis().get(HOLD_GENERATION_KEY) or 0)
    except Exception:
        logger.warning("could not read the hold generation", exc_info=True)
        return None


def _after_commit(session: Session) -> None:
    wake, hold = session.info.pop(_FLAG, False), session.info.pop(_HOLD_FLAG, False)
    if not (wake or hold):
        return
    try:
        current_app._get_current_object()
    except RuntimeError:
        return
    if hold:
        from app.redis_conn import get_redis

        try:
            get_redis().incr(HOLD_GENERATION_KEY)
        except Exception:  # the claim-time re-check and the dispatcher still apply the hold
            logger.warning("could not move the hold generation on", exc_info=True)
    if wake:
        wake_dispatcher_now()


def _after_rollback(session: Session) -> None:
    session.info.pop(_FLAG, None)
    session.info.pop(_HOLD_FLAG, None)


def init_app(app: Flask) -> None:
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", lambda s, _tx: _after_rollback(s))


