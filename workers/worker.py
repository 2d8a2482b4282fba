"""The worker process: `flask --app wsgi worker [--processes P] [--threads T] [--calls C]`.

RQ runs one job at a time per worker and has no threads. Publishing is mostly
waiting for the platform, so a Warta worker process runs T RQ `SimpleWorker`s in
threads (each with its own Redis connection, database session and thread-safe job
timeout), and P such processes share the CPUs. A job's platform calls run in
threads of their own, at most C at once per process: with more jobs than call slots,
some jobs are claimed and recorded while others' calls wait on the platform. bench
`burst_io` compares this with one-job-per-process SimpleWorkers. A parent with
P > 1 forks its children after disposing the database engine, and starts a new
child when one dies.
"""
from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time

from flask import Flask
from rq import SimpleWorker
from rq.serializers import JSONSerializer
from rq.timeouts import TimerDeathPenalty

from app.extensions import db
from app.publishing.dispatch import ALIVE_PREFIX
from app.publishing.publish import set_claimant
from app.redis_conn import get_redis

logger = logging.getLogger("warta.worker")

ALIVE_TTL = 6
ALIVE_EVERY = 1.0


class ThreadWorker(SimpleWorker):
    """A SimpleWorker that can live in a thread: no signal handlers, a timer-based job timeout."""

    death_penalty_class = TimerDeathPenalty

    def _install_signal_handlers(self) -> None:
        """Signals belong to the process's main thread, which stops all thread workers."""

    def execute_job(self, job, queue):
        set_claimant(self.name)
        return super().execute_job(job, queue)


def _keep_alive(app: Flask, process_name: str, stop: threading.Event) -> None:
    redis = get_redis(app)
    while not stop.is_set():
        try:
            redis.set(f"{ALIVE_PREFIX}{process_name}", "1", ex=ALIVE_TTL)
        except Exception:
            logger.warning("could not refresh the liveness key")
        stop.wait(ALIVE_EVERY)


def run_process(app: Flask, queues: list[str], threads: int, calls: int | None = None) -> None:
    """Run `threads` thread workers, at most `calls` platform calls in flight, in this process until SIGTERM/SIGINT."""
    from app.publishing.publish import limit_calls_in_flight
    from workers import jobs

    jobs.set_app(app)
    limit_calls_in_flight(calls)
    process_name = f"{socket.gethostname()}|{os.getpid()}"
    stop = threading.Event()
    threading.Thread(target=_keep_alive, args=(app, process_name, stop), daemon=True).start()
    url = app.config["REDIS_URL"]
    import redis as redis_lib

    workers = []
    for n in range(threads):
        connection = redis_lib.Redis.from_url(url)
        worker = ThreadWorker(queues, connection=connection, serializer=JSONSerializer,
                              name=f"{process_name}|{n}", worker_ttl=60)
        workers.append(worker)
    handles = [threading.Thread(target=w.work, kwargs={"logging_level": "WARNING"}, daemon=True,
                                name=w.name) for w in workers]

    def request_stop(*_: object) -> None:
        for w in workers:
            w._stop_requested = True
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    for handle in handles:
        handle.start()
    logger.info("worker process %s: %d threads, %s calls in flight, on %s", process_name, threads, calls or "any",
                ",".join(queues))
    while not stop.is_set() and any(h.is_alive() for h in handles):
        stop.wait(0.5)
    # Warm stop: let jobs in flight finish (at most 30 s), then leave.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(w.get_state() == "busy" for w in workers):
        time.sleep(0.2)
    for w in workers:
        try:
            w.register_death()
        except Exception:
            logger.debug("could not unregister %s", w.name)
    os._exit(0)


def run_supervised(app: Flask, queues: list[str], processes: int, threads: int, calls: int | None = None) -> None:
    """Fork `processes` children (engine disposed first) and keep that many alive."""
    children: dict[int, int] = {}
    stopping = False

    def spawn(slot: int) -> None:
        db.engine.dispose()  # never share pooled connections across fork
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            run_process(app, queues, threads, calls)
        children[pid] = slot

    def request_stop(*_: object) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    with app.app_context():
        for slot in range(processes):
            spawn(slot)
        while children:
            try:
                pid, _status = os.wait()
            except ChildProcessError:
                break
            except InterruptedError:
                continue
            slot = children.pop(pid, None)
            if slot is not None and not stopping:
                logger.warning("worker child %s died; starting a new one", pid)
                time.sleep(0.2)
                spawn(slot)
