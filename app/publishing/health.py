"""Operational health: dispatcher heartbeat, live workers and depth per queue, targets needing attention.

`check_and_alert()` (run by the dispatcher) emits `health.alert` when the heartbeat
is stale (> 30 s) or a target is overdue, at most once a minute per problem.
"""
from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from app.events import emit
from app.extensions import db
from app.models import Post, PostState, PostTarget, TargetState, utcnow
from app.redis_conn import get_redis

STALE_HEARTBEAT_S = 30
#: A scheduled target this long past its due time counts as overdue.
OVERDUE_AFTER = timedelta(seconds=60)


def _heartbeat_age(redis) -> float | None:
    from workers.dispatcher import HEARTBEAT_KEY

    raw = redis.get(HEARTBEAT_KEY)
    if not raw:
        return None
    return round(time.time() - float(raw.decode().split("|", 1)[0]), 3)


def _queues(redis) -> dict[str, dict[str, int]]:
    from rq import Queue, Worker
    from rq.serializers import JSONSerializer

    from workers.queues import platform_queue_names

    result = {}
    workers = Worker.all(connection=redis, serializer=JSONSerializer)
    for name in platform_queue_names():
        queue = Queue(name, connection=redis, serializer=JSONSerializer)
        live = [w for w in workers if name in w.queue_names()]
        result[name] = {"depth": queue.count, "workers": len(live)}
    return result


def target_counts() -> dict[str, int]:
    now = utcnow()
    counts = dict(db.session.execute(
        select(PostTarget.state, func.count()).where(PostTarget.state.in_(
            [TargetState.UNCONFIRMED, TargetState.FAILED, TargetState.NEEDS_RECONNECT, TargetState.HELD]))
        .group_by(PostTarget.state)).all())
    overdue = db.session.scalar(
        select(func.count()).select_from(PostTarget).join(Post, Post.id == PostTarget.post_id)
        .where(PostTarget.state.in_([TargetState.SCHEDULED, TargetState.QUEUED]),
               Post.state == PostState.SCHEDULED, PostTarget.due_at < now - OVERDUE_AFTER)) or 0
    # Natively scheduled targets the platform still holds although Warta could not cancel or move them there.
    native_stuck = db.session.scalar(select(func.count()).select_from(PostTarget).where(
        PostTarget.state == TargetState.PLATFORM_SCHEDULED, PostTarget.last_error.is_not(None))) or 0
    return {"overdue": overdue, "native_cancel_failed": native_stuck, **{s: int(counts.get(s, 0)) for s in (
        TargetState.UNCONFIRMED, TargetState.FAILED, TargetState.NEEDS_RECONNECT, TargetState.HELD)}}


def health_snapshot() -> dict[str, Any]:
    redis = get_redis()
    age = _heartbeat_age(redis)
    targets = target_counts()
    queues = _queues(redis)
    problems = []
    if age is None or age > STALE_HEARTBEAT_S:
        problems.append("dispatcher_heartbeat_stale")
    if targets["overdue"]:
        problems.append("targets_overdue")
    if targets["native_cancel_failed"]:
        problems.append("native_cancel_failed")
    if any(q["depth"] and not q["workers"] for q in queues.values()):
        problems.append("queue_without_workers")
    return {
        "status": "ok" if not problems else "degraded",
        "problems": problems,
        "dispatcher": {"heartbeat_age_s": age, "stale_after_s": STALE_HEARTBEAT_S},
        "queues": queues,
        "targets": targets,
    }


def check_and_alert() -> dict[str, Any]:
    """Emit `health.alert` for each current problem (rate-limited to once a minute each)."""
    snapshot = health_snapshot()
    redis = get_redis()
    for problem in snapshot["problems"]:
        if redis.set(f"warta:health:alerted:{problem}", "1", nx=True, ex=60):
            emit("health.alert", organisation_id=None, problem=problem, snapshot=snapshot)
    return snapshot
