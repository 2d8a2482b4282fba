"""Pipeline metrics kept in Redis (shared by every worker process) and exposed as Prometheus text.

Workers add to counters and histogram buckets with pipelined round trips (one per publish job:
`batched()`);
`/metrics` reads them back with queue depths and target counts from the database.
A Redis flush resets the counters, which Prometheus treats as a counter reset.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

PREFIX = "warta:metrics:"
#: Histogram upper bounds in seconds.
LAG_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 30.0, 120.0)
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 120.0)


def _redis():
    from app.redis_conn import get_redis

    return get_redis(current_app._get_current_object())


_batch = threading.local()


def _safely(write) -> None:
    try:
        write()
    except Exception:  # metrics must never break publishing
        logger.debug("metrics write failed", exc_info=True)


@contextmanager
def batched() -> Iterator[None]:
    """Collect this thread's metric writes and send them in one Redis round trip at the end
    (a publish job writes three or four; each used to be its own round trip)."""
    if getattr(_batch, "pipe", None) is not None:
        yield
        return
    try:
        _batch.pipe = _redis().pipeline(transaction=False)
    except Exception:
        _batch.pipe = None
        logger.debug("metrics pipeline unavailable", exc_info=True)
    try:
        yield
    finally:
        pipe, _batch.pipe = _batch.pipe, None
        if pipe is not None:
            _safely(pipe.execute)


def _write(commands) -> None:
    """Run `commands(pipe)` in the current batch, else in a pipeline of its own."""
    pipe = getattr(_batch, "pipe", None)
    if pipe is not None:
        _safely(lambda: commands(pipe))
        return

    def write() -> None:
        own = _redis().pipeline(transaction=False)
        commands(own)
        own.execute()

    _safely(write)


def _observe(name: str, platform: str, value: float, buckets: tuple[float, ...]) -> None:
    def commands(pipe) -> None:
        key = f"{PREFIX}{name}:{platform}"
        for bound in buckets:
            if value <= bound:
                pipe.hincrby(key, str(bound), 1)
        pipe.hincrby(key, "count", 1)
        pipe.hincrbyfloat(key, "sum", value)
        pipe.sadd(f"{PREFIX}platforms", platform)

    _write(commands)


def observe_dispatch_lag(platform: str, seconds: float) -> None:
    """Platform call start minus scheduled time."""
    _observe("dispatch_lag", platform, seconds, LAG_BUCKETS)


def observe_publish_latency(platform: str, seconds: float) -> None:
    _observe("publish_latency", platform, seconds, LATENCY_BUCKETS)


def count_publish(platform: str, outcome: str) -> None:
    _write(lambda pipe: pipe.hincrby(f"{PREFIX}publishes", f"{platform}|{outcome}", 1))


def count_quota_deferral(platform: str) -> None:
    _write(lambda pipe: pipe.hincrby(f"{PREFIX}quota_deferrals", platform, 1))


class PipelineCollector(Collector):
    """Reads the shared counters and the live health figures at scrape time."""

    def __init__(self, app) -> None:
        self.app = app

    def collect(self) -> Iterator:
        from app.publishing.health import health_snapshot

        with self.app.app_context():
            redis = _redis()
            publishes = CounterMetricFamily("warta_publishes", "Publish outcomes by platform",
                                            labels=["platform", "outcome"])
            for field, value in redis.hgetall(f"{PREFIX}publishes").items():
                platform, outcome = field.decode().split("|", 1)
                publishes.add_metric([platform, outcome], int(value))
            yield publishes
            deferrals = CounterMetricFamily("warta_quota_deferrals", "Targets deferred by a quota",
                                            labels=["platform"])
            for platform, value in redis.hgetall(f"{PREFIX}quota_deferrals").items():
                deferrals.add_metric([platform.decode()], int(value))
            yield deferrals
            for name, buckets, doc in (
                ("dispatch_lag", LAG_BUCKETS, "Platform call start minus scheduled time (seconds)"),
                ("publish_latency", LATENCY_BUCKETS, "Duration of the platform publish call (seconds)"),
            ):
                family = HistogramMetricFamily(f"warta_{name}_seconds", doc, labels=["platform"])
                for raw in sorted(redis.smembers(f"{PREFIX}platforms")):
                    platform = raw.decode()
                    data = {k.decode(): v for k, v in redis.hgetall(f"{PREFIX}{name}:{platform}").items()}
                    if not data:
                        continue
                    cumulative = [(str(b), int(data.get(str(b), 0))) for b in buckets]
                    cumulative.append(("+Inf", int(data.get("count", 0))))
                    family.add_metric([platform], cumulative, float(data.get("sum", 0)))
                yield family
            snapshot = health_snapshot()
            depth = GaugeMetricFamily("warta_queue_depth", "Jobs waiting per queue", labels=["queue"])
            for queue, jobs in snapshot["queues"].items():
                depth.add_metric([queue], jobs["depth"])
            yield depth
            targets = GaugeMetricFamily("warta_targets", "Targets needing attention by state", labels=["state"])
            for state, count in snapshot["targets"].items():
                targets.add_metric([state], count)
            yield targets
            heartbeat = GaugeMetricFamily("warta_dispatcher_heartbeat_age_seconds", "Seconds since the "
                                          "active dispatcher's last heartbeat (-1: never)")
            age = snapshot["dispatcher"]["heartbeat_age_s"]
            heartbeat.add_metric([], -1 if age is None else age)
            yield heartbeat
