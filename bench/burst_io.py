"""burst_io: 1,000 text posts due at once, each platform call answered after 200 ms.

The X adapter and the platform simulator are built elsewhere; until they are merged
this runs against `tests.pipeline_adapters:LatencyAdapter`, which makes a real HTTP
POST to a local server (below) that answers after 200 ms, with X's posting caps
applied to its slug. **At merge: point it at the X adapter + simulator.**

Two worker models are measured with the same in-flight limit: Warta's worker
(processes × threads, RQ SimpleWorkers in threads) and one SimpleWorker per process.
"""
from __future__ import annotations

import itertools
import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from sqlalchemy import func, select

from bench.pipeline_env import BenchEnv, wait_for

COUNT = 1000
LATENCY_S = 0.2
MODELS = {
    "threads": ("--processes", "2", "--threads", "20"),
    "processes": ("--processes", "40", "--threads", "1"),
}


class _SlowPlatform(BaseHTTPRequestHandler):
    ids = itertools.count(1)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        time.sleep(LATENCY_S)
        body = json.dumps({"id": str(next(self.ids))}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return


def _serve() -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowPlatform)
    server.daemon_threads = True
    server.request_queue_size = 256
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _one(model: str, args: tuple[str, ...], url: str) -> dict:
    x_caps = [{"scope": "account", "window_s": 900, "limit": 100}, {"scope": "app", "window_s": 86400, "limit": 10000}]
    env = BenchEnv(f"burst_io_{model}", "tests.pipeline_adapters:LatencyAdapter",
                   extra_config={"WARTA_QUOTAS": {"latency": x_caps}},
                   extra_env={"WARTA_LATENCY_URL": url, "WARTA_QUOTAS": json.dumps({"latency": x_caps})})
    try:
        from app.extensions import db
        from app.models import PostTarget, utcnow

        org_id, reviewer_id, accounts = env.seed_accounts("latency", 20)
        workers = env.start("worker", *args)
        env.start("dispatcher")
        time.sleep(4)
        due = utcnow().replace(microsecond=0) + timedelta(seconds=6)
        env.seed_targets(org_id, reviewer_id, accounts, [due] * COUNT)
        peak = 0.0
        cpu_before = env.cpu_seconds([workers])

        def finished() -> bool:
            nonlocal peak
            peak = max(peak, env.rss_mb([workers]))
            return env.published_count() >= COUNT

        done = wait_for(finished, timeout=300, every=0.25)
        cpu_ms = 1000 * (env.cpu_seconds([workers]) - cpu_before) / COUNT
        pss = env.pss_mb([workers])
        db.session.rollback()
        last = db.session.scalar(select(func.max(PostTarget.published_at)))
        elapsed = (last - due).total_seconds()
        processes, threads = int(args[1]), int(args[3])
        in_flight = processes * threads
        rate = COUNT / elapsed
        return {"model": model, "complete": done, "seconds": round(elapsed, 2), "publishes_per_s": round(rate, 1),
                "peak_rss_mb": round(peak, 1), "pss_mb_at_end": round(pss, 1), "in_flight": in_flight,
                "worker_cpu_ms_per_publish": round(cpu_ms, 1),
                "ratio_to_bound": round(rate / (in_flight / LATENCY_S), 3)}
    finally:
        env.close()


def run() -> dict:
    server = _serve()
    url = f"http://127.0.0.1:{server.server_address[1]}/2/tweets"
    try:
        results = {model: _one(model, args, url) for model, args in MODELS.items()}
    finally:
        server.shutdown()
    chosen = results["threads"]
    return {
        "bench": "burst_io",
        "posts": COUNT,
        "latency_s": LATENCY_S,
        "publishes_per_s": chosen["publishes_per_s"],
        "peak_rss_mb": chosen["peak_rss_mb"],
        "ratio_to_bound": chosen["ratio_to_bound"],
        "seconds": chosen["seconds"],
        "worker_model": f"threads: {' '.join(MODELS['threads'])}",
        "compared": results,
        "adapter": "LatencyAdapter: real HTTP call to a local server answering after 200 ms "
                   "(stand-in for the X adapter + simulator; re-point at merge)",
    }
