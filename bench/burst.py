"""burst: 5,000 targets due in the same second vs. raw RQ draining 5,000 no-op jobs.

Both runs use the same worker command and shape (WORKER_ARGS): Warta's worker
processes, each running RQ SimpleWorkers in threads. The zero-latency recording
adapter stands in for the platform.
"""
from __future__ import annotations

import os
import subprocess
import time
from datetime import timedelta

from sqlalchemy import func, select

from bench.pipeline_env import BenchEnv, wait_for

COUNT = 5000
_SHAPE = os.environ.get("WARTA_BENCH_BURST_WORKERS", "2x2").split("x")  # processes x threads, for both runs
WORKER_ARGS = ("--processes", _SHAPE[0], "--threads", _SHAPE[1])


def _raw_rq(env: BenchEnv) -> float:
    from rq import Queue
    from rq.registry import FinishedJobRegistry
    from rq.serializers import JSONSerializer

    from app.redis_conn import get_redis

    redis = get_redis()
    queue = Queue("bench-raw", connection=redis, serializer=JSONSerializer)
    workers = env.start("worker", "--queues", "bench-raw", *WORKER_ARGS)
    time.sleep(3)
    datas = [Queue.prepare_data("bench.jobs.noop", job_id=f"raw-{n}", result_ttl=600) for n in range(COUNT)]
    started = time.monotonic()
    with redis.pipeline() as pipe:
        queue.enqueue_many(datas, pipeline=pipe)
        pipe.execute()
    registry = FinishedJobRegistry(queue=queue)
    wait_for(lambda: registry.count >= COUNT, timeout=300, every=0.05)
    elapsed = time.monotonic() - started
    import signal

    os.killpg(workers.pid, signal.SIGTERM)
    try:
        workers.wait(timeout=60)
    except subprocess.TimeoutExpired:  # a loaded machine: stop waiting for the warm shutdown
        os.killpg(workers.pid, signal.SIGKILL)
        workers.wait(timeout=30)
    return COUNT / elapsed


def run() -> dict:
    env = BenchEnv("burst", "tests.pipeline_adapters:RecordingAdapter")
    try:
        from app.extensions import db
        from app.models import PostTarget, utcnow

        raw_rate = _raw_rq(env)
        org_id, reviewer_id, accounts = env.seed_accounts("recorder", 100)
        env.start("dispatcher")
        workers = env.start("worker", *WORKER_ARGS)
        time.sleep(3)
        cpu_before = env.cpu_seconds([workers])
        due = utcnow().replace(microsecond=0) + timedelta(seconds=8)
        env.seed_targets(org_id, reviewer_id, accounts, [due] * COUNT)
        done = wait_for(lambda: env.published_count() >= COUNT, timeout=600, every=0.2)
        cpu_ms = 1000 * (env.cpu_seconds([workers]) - cpu_before) / COUNT
        db.session.rollback()
        last = db.session.scalar(select(func.max(PostTarget.published_at)))
        elapsed = (last - due).total_seconds()
        rate = COUNT / elapsed
        return {
            "bench": "burst",
            "targets": COUNT,
            "complete": done,
            "seconds": round(elapsed, 2),
            "publishes_per_s": round(rate, 1),
            "raw_rq_jobs_per_s": round(raw_rate, 1),
            "ratio_to_raw_rq": round(rate / raw_rate, 3),
            "worker_cpu_ms_per_publish": round(cpu_ms, 1),
            "workers": " ".join(WORKER_ARGS),
            "adapter": "zero-latency recording test adapter",
        }
    finally:
        env.close()
