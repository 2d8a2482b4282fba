"""dispatch_lag: platform call start − scheduled time, with 100,000 future targets in PostgreSQL.

A zero-latency recording adapter notes when each call starts; a trickle of targets
with sub-second scheduled times comes due while the big future backlog sits in the
table. One dispatcher, one worker process with 4 threads.
"""
from __future__ import annotations

import random
import time
from datetime import timedelta

from bench.pipeline_env import BenchEnv, percentile, wait_for

FUTURE = 100_000
TRICKLE = 300
TRICKLE_SECONDS = 60


def run() -> dict:
    env = BenchEnv("dispatch_lag", "tests.pipeline_adapters:RecordingAdapter")
    try:
        from app.models import utcnow
        from tests.pipeline_adapters import read_records

        org_id, reviewer_id, accounts = env.seed_accounts("recorder", 50)
        rng = random.Random(7)
        now = utcnow()
        future = [now + timedelta(seconds=TRICKLE_SECONDS + 120 + rng.uniform(0, 3 * 86400)) for _ in range(FUTURE)]
        env.seed_targets(org_id, reviewer_id, accounts, future)
        env.start("dispatcher")
        env.start("worker", "--processes", "1", "--threads", "4")
        time.sleep(3)  # both processes up
        start = utcnow() + timedelta(seconds=2)
        trickle = [start + timedelta(seconds=rng.uniform(0, TRICKLE_SECONDS)) for _ in range(TRICKLE)]
        # Scheduled in small groups while running, as people would: the dispatcher is woken by each.
        env.seed_targets(org_id, reviewer_id, accounts, trickle)
        from app.publishing.notify import wake_dispatcher_now

        wake_dispatcher_now()
        done = wait_for(lambda: len(read_records(env.env["WARTA_RECORDER_LOG"])) >= TRICKLE,
                        timeout=TRICKLE_SECONDS + 60, every=0.5)
        lags = [r["start"] - r["scheduled"] for r in read_records(env.env["WARTA_RECORDER_LOG"])]
        return {
            "bench": "dispatch_lag",
            "future_targets": FUTURE,
            "trickle_targets": TRICKLE,
            "measured": len(lags),
            "complete": done,
            "min_s": round(min(lags), 4),
            "p50_s": round(percentile(lags, 0.5), 4),
            "p99_s": round(percentile(lags, 0.99), 4),
            "max_s": round(max(lags), 4),
            "early": sum(1 for lag in lags if lag < 0),
            "adapter": "zero-latency recording test adapter (tests.pipeline_adapters.RecordingAdapter)",
        }
    finally:
        env.close()
