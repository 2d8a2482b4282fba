"""RQ queues: one per platform, JSON serializer, explicit connection, deterministic job ids.

A job id is `publish-<target id>-<dispatch_seq>` (or `reconcile-...`, `native-...`). `dispatch_seq`
grows by one in the same database update that hands the target to the queue, so an
id is never reused: RQ runs a re-used id twice (RQ.md "Ids and exactly-once").
"""
from __future__ import annotations

from collections.abc import Iterable

from flask import current_app
from rq import Queue
from rq.serializers import JSONSerializer

from app.redis_conn import get_redis

PUBLISH_FUNC = "workers.jobs.publish_target"
MAINTENANCE_QUEUE = "maintenance"  # periodic jobs (workers/periodic.py)
RECONCILE_FUNC = "workers.jobs.reconcile_target"
NATIVE_FUNC = "workers.jobs.native_target"  # natively scheduled targets: cancel, update, confirm


def queue_name(platform: str) -> str:
    return f"publish-{platform}"


def get_queue(platform: str) -> Queue:
    return Queue(queue_name(platform), connection=get_redis(), serializer=JSONSerializer)


def job_id(kind: str, target_id: int, seq: int) -> str:
    return f"{kind}-{target_id}-{seq}"


def _job_options() -> dict:
    config = current_app.config
    return {
        "timeout": int(config.get("WARTA_PUBLISH_TIMEOUT", 120)),
        "result_ttl": 600,  # RQ keeps finished jobs 500 s by default; say it explicitly
        "failure_ttl": 7 * 24 * 3600,  # RQ's default is a year
    }


def enqueue_publish(items: Iterable[tuple[int, int, str]], kind: str = "publish") -> int:
    """Enqueue (target id, seq, platform) triples in one pipeline; returns how many."""
    by_platform: dict[str, list] = {}
    func = {"publish": PUBLISH_FUNC, "reconcile": RECONCILE_FUNC, "native": NATIVE_FUNC}[kind]
    options = _job_options()
    for target_id, seq, platform in items:
        by_platform.setdefault(platform, []).append(
            Queue.prepare_data(func, args=(target_id, seq), job_id=job_id(kind, target_id, seq),
                               description=f"{kind} target {target_id}", **options))
    count = 0
    redis = get_redis()
    with redis.pipeline() as pipe:
        for platform, datas in by_platform.items():
            get_queue(platform).enqueue_many(datas, pipeline=pipe)
            count += len(datas)
        pipe.execute()
    return count


def worker_queue_names() -> list[str]:
    """What `flask --app wsgi worker` serves by default: every platform queue, then maintenance."""
    return [*platform_queue_names(), MAINTENANCE_QUEUE]


def platform_queue_names() -> list[str]:
    import adapters

    return [queue_name(slug) for slug in sorted(adapters.adapter_classes())]
