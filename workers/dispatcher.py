"""The dispatcher process: `flask --app wsgi dispatcher`.

Only the holder of a Redis lease dispatches; a standby tries every second and takes
over within `LEASE_TTL + 1` seconds (< 10 s) when the active one dies. The active one
sleeps until the next due time or until a wake-up message arrives on
`warta:dispatcher:wake` (a post was scheduled, released or deferred), and at least
every `REPAIR_EVERY` seconds checks Redis against the database (flush, lost jobs,
dead workers). It never enqueues anything before its due time.
"""
from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from datetime import timedelta

from flask import Flask

from app.extensions import db
from app.models import utcnow
from app.publishing import dispatch
from app.publishing.notify import WAKE_CHANNEL
from app.redis_conn import get_redis
from workers import periodic

logger = logging.getLogger("warta.dispatcher")

LEASE_KEY = "warta:dispatcher:lease"
HEARTBEAT_KEY = "warta:dispatcher:heartbeat"
LEASE_TTL_MS = 6000
REPAIR_EVERY = 2.0
MAX_SLEEP = 2.0
HEALTH_EVERY = 10.0

# Renew only while we still hold the lease (compare token, then extend).
_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""


class Dispatcher:
    def __init__(self, app: Flask, use_lease: bool = True) -> None:
        self.app = app
        self.use_lease = use_lease
        self.token = f"{socket.gethostname()}|{os.getpid()}|{uuid.uuid4().hex[:8]}"
        self.redis = get_redis(app)
        self.state = dispatch.DispatchState()
        self.active = False
        self.stopping = False
        self._last_repair = 0.0
        self._last_health = 0.0

    def check_health(self) -> None:
        """Every HEALTH_EVERY seconds (active or standby): emit events for a stale heartbeat or overdue posts."""
        if time.monotonic() - self._last_health < HEALTH_EVERY:
            return
        self._last_health = time.monotonic()
        from app.publishing.health import check_and_alert

        with self.app.app_context():
            try:
                check_and_alert()
                db.session.commit()  # listeners may have added rows (notifications)
            finally:
                db.session.remove()

    def hold_lease(self) -> bool:
        """Acquire or renew the lease; False while another dispatcher holds it."""
        if not self.use_lease:
            return True
        if self.active and self.redis.eval(_RENEW, 1, LEASE_KEY, self.token, LEASE_TTL_MS):
            return True
        got = bool(self.redis.set(LEASE_KEY, self.token, nx=True, px=LEASE_TTL_MS))
        if got != self.active:
            logger.info("dispatcher %s", "active" if got else "standby")
        self.active = got
        return got

    def release_lease(self) -> None:
        if self.active and self.redis.get(LEASE_KEY) == self.token.encode():
            self.redis.delete(LEASE_KEY)

    def step(self) -> float:
        """One pass when active; returns seconds to sleep before the next one."""
        if not self.hold_lease():
            self.check_health()
            return 1.0
        self.redis.set(HEARTBEAT_KEY, f"{time.time():.3f}|{self.token}", ex=3600)
        do_repair = time.monotonic() - self._last_repair >= REPAIR_EVERY
        with self.app.app_context():
            try:
                counts = dispatch.run_pass(self.redis, self.state, do_repair)
                now = utcnow()
                wake = dispatch.next_wake(now, timedelta(seconds=MAX_SLEEP))
            finally:
                db.session.remove()
        if do_repair:
            self._last_repair = time.monotonic()
            periodic.enqueue_due(self.redis)  # token refresh, security checks (once per interval)
        if any(counts.values()):
            logger.info("pass: %s", counts, extra={"count": sum(counts.values())})
        delay = max(0.0, (wake - utcnow()).total_seconds())
        if delay > 0.5:  # the health check never delays a due target
            self.check_health()
            delay = max(0.0, (wake - utcnow()).total_seconds())
        return delay

    def run(self) -> None:
        pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        pubsub.subscribe(WAKE_CHANNEL)
        try:
            while not self.stopping:
                try:
                    delay = self.step()
                except Exception:
                    logger.exception("dispatcher pass failed; retrying")
                    delay = 1.0
                    try:
                        pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
                        pubsub.subscribe(WAKE_CHANNEL)
                    except Exception:
                        logger.warning("Redis unavailable")
                if delay > 0:
                    # Wakes early on a message; a tiny margin past the due time keeps "never early" safe.
                    message = pubsub.get_message(timeout=delay + 0.001)
                    while message is not None:
                        message = pubsub.get_message(timeout=0)
        finally:
            self.release_lease()
            pubsub.close()
