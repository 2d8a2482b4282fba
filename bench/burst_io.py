"""burst_io: 1,000 text posts due at once, each platform call answered after 200 ms.

Modes (`WARTA_BENCH_BURST_IO_MODE`):
- `x` (default): the real X adapter (adapters/x.py) publishes to the platform simulator's X
  endpoints (`POST /x/2/tweets`) with 200 ms latency on `x.tweets`; the simulator runs in this
  process and each of the 20 accounts has its own simulator token. Only Warta's worker model
  (processes × threads × calls in flight) is measured.
- `latency`: `tests.pipeline_adapters:LatencyAdapter` POSTs to a bare local server answering after
  200 ms; both worker models are measured with the same in-flight limit: Warta's worker
  (processes × threads, RQ SimpleWorkers in threads) and one SimpleWorker per process.
"""
from __future__ import annotations

import itertools
import json
import logging
import os
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from sqlalchemy import func, select

from bench.pipeline_env import BenchEnv, wait_for

COUNT = 1000
LATENCY_S = 0.2
#: Warta's worker model, `WARTA_BENCH_BURST_IO_WORKERS` = processes x threads x calls in flight per process
#: (1,000 due at once make jobs of `WARTA_PUBLISH_BATCH_MAX` = 8 targets, whose calls are made at the same
#: time within the process's call limit), and in `latency` mode one SimpleWorker per process with the
#: same limit of calls in flight.
_P, _T, _C = (int(n) for n in os.environ.get("WARTA_BENCH_BURST_IO_WORKERS", "2x4x16").split("x"))
MODELS = {
    "threads": ("--processes", str(_P), "--threads", str(_T), "--calls", str(_C)),
    "processes": ("--processes", str(_P * _C // 8), "--threads", "1", "--calls", "8"),
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


def _latency_env(model: str, url: str) -> tuple[BenchEnv, str]:
    x_caps = [{"scope": "account", "window_s": 900, "limit": 100}, {"scope": "app", "window_s": 86400, "limit": 10000}]
    env = BenchEnv(f"burst_io_{model}", "tests.pipeline_adapters:LatencyAdapter",
                   extra_config={"WARTA_QUOTAS": {"latency": x_caps}},
                   extra_env={"WARTA_LATENCY_URL": url, "WARTA_QUOTAS": json.dumps({"latency": x_caps})})
    return env, "latency"


def _x_env(model: str, url: str) -> tuple[BenchEnv, str]:
    env = BenchEnv(f"burst_io_x_{model}", "", extra_config={"WARTA_SIMULATOR_URL": url},
                   extra_env={"WARTA_SIMULATOR_URL": url, "WARTA_X_API_URL": f"{url}/x"})
    return env, "x"


def _give_x_tokens(state, account_ids: list[int]) -> None:
    """A simulator X user and its own access token per seeded Warta account."""
    from app.crypto import encrypt_json
    from app.extensions import db
    from app.models import SocialAccount

    for account_id in account_ids:
        account = db.session.get(SocialAccount, account_id)
        with state.lock:
            state.accounts["x"][account.external_id] = {"username": account.handle, "name": account.handle}
        issued = state.issue("x", account.external_id, ("tweet.read", "tweet.write", "users.read", "offline.access"),
                             lifetime=86400)
        account.credentials_encrypted = encrypt_json({"access_token": issued["access_token"],
                                                      "refresh_token": issued["refresh_token"]})
    db.session.commit()


def _one(model: str, args: tuple[str, ...], url: str, x_state=None) -> dict:
    env, platform = _x_env(model, url) if x_state is not None else _latency_env(model, url)
    try:
        from app.extensions import db
        from app.models import PostTarget, utcnow

        org_id, reviewer_id, accounts = env.seed_accounts(platform, 20)
        if x_state is not None:
            _give_x_tokens(x_state, accounts)
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
        first, last = db.session.execute(select(func.min(PostTarget.published_at),
                                                func.max(PostTarget.published_at))).one()
        elapsed = (last - due).total_seconds()
        from workers.queues import batch_size

        processes, threads, calls = int(args[1]), int(args[3]), int(args[5])
        per_job = batch_size(COUNT)  # the dispatcher's split of this burst: calls one job makes at once
        in_flight = processes * min(calls, threads * per_job)  # the calls allowed in flight at once
        rate = COUNT / elapsed
        return {"model": model, "complete": done, "seconds": round(elapsed, 2),
                "first_published_s": round((first - due).total_seconds(), 2), "publishes_per_s": round(rate, 1),
                "peak_rss_mb": round(peak, 1), "pss_mb_at_end": round(pss, 1), "in_flight": in_flight,
                "targets_per_job": per_job,
                "worker_cpu_ms_per_publish": round(cpu_ms, 1),
                "ratio_to_bound": round(rate / (in_flight / LATENCY_S), 3)}
    finally:
        env.close()


def _serve_x_simulator() -> tuple[object, object, str]:
    from werkzeug.serving import make_server

    from simulator import create_app

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log line per simulated call
    app = create_app()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    server.socket.listen(256)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, app.extensions["sim_state"], f"http://127.0.0.1:{server.server_port}"


def _run_x() -> dict:
    server, state, url = _serve_x_simulator()
    state.latency["x.tweets"] = LATENCY_S
    try:
        chosen = _one("threads", MODELS["threads"], url, x_state=state)
    finally:
        server.shutdown()
    texts = [r["text"] for r in state.published("x") if r["kind"] == "tweet"]
    return {
        "bench": "burst_io",
        "mode": "x",
        "posts": COUNT,
        "latency_s": LATENCY_S,
        "publishes_per_s": chosen["publishes_per_s"],
        "peak_rss_mb": chosen["peak_rss_mb"],
        "ratio_to_bound": chosen["ratio_to_bound"],
        "seconds": chosen["seconds"],
        "complete": chosen["complete"],
        "simulator_tweets": len(texts),
        "simulator_duplicates": len(texts) - len(set(texts)),
        "worker_model": f"threads: {' '.join(MODELS['threads'])}",
        "detail": chosen,
        "adapter": "adapters/x.py against the platform simulator's X endpoints (200 ms latency on x.tweets)",
    }


def _run_latency() -> dict:
    server = _serve()
    url = f"http://127.0.0.1:{server.server_address[1]}/2/tweets"
    try:
        results = {model: _one(model, args, url) for model, args in MODELS.items()}
    finally:
        server.shutdown()
    chosen = results["threads"]
    return {
        "bench": "burst_io",
        "mode": "latency",
        "posts": COUNT,
        "latency_s": LATENCY_S,
        "publishes_per_s": chosen["publishes_per_s"],
        "peak_rss_mb": chosen["peak_rss_mb"],
        "ratio_to_bound": chosen["ratio_to_bound"],
        "seconds": chosen["seconds"],
        "worker_model": f"threads: {' '.join(MODELS['threads'])}",
        "compared": results,
        "adapter": "LatencyAdapter: real HTTP call to a local server answering after 200 ms",
    }


def run() -> dict:
    mode = os.environ.get("WARTA_BENCH_BURST_IO_MODE", "x")
    if mode not in ("x", "latency"):
        raise SystemExit(f"WARTA_BENCH_BURST_IO_MODE must be 'x' or 'latency', not {mode!r}")
    return _run_x() if mode == "x" else _run_latency()
