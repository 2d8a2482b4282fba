"""`flask --app wsgi dispatcher` and `flask --app wsgi worker`."""
from __future__ import annotations

import click
from flask import Flask, current_app


@click.command("dispatcher")
@click.option("--no-lease", is_flag=True, help="Dispatch without the Redis lease (tests of the database guard).")
def dispatcher_command(no_lease: bool) -> None:
    """Run the dispatcher (one active per installation; others wait as standby)."""
    import signal

    from app.publishing.logs import configure_json_logging
    from workers.dispatcher import Dispatcher

    configure_json_logging()
    dispatcher = Dispatcher(current_app._get_current_object(), use_lease=not no_lease)

    def stop(*_: object) -> None:
        dispatcher.stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    dispatcher.run()


@click.command("worker")
@click.option("--queues", default="", help="Comma-separated queue names (default: every platform queue).")
@click.option("--processes", default=None, type=int, help="Worker processes (default WARTA_WORKER_PROCESSES).")
@click.option("--threads", default=None, type=int, help="Jobs at once per process (default WARTA_WORKER_THREADS).")
@click.option("--calls", default=None, type=int,
              help="Platform calls in flight per process (default WARTA_WORKER_CALLS; 0: no limit).")
def worker_command(queues: str, processes: int | None, threads: int | None, calls: int | None) -> None:
    """Run publishing workers: P processes × T threads, each thread an RQ SimpleWorker, at most C calls in flight."""
    from app.publishing.logs import configure_json_logging
    from workers.queues import worker_queue_names
    from workers.worker import run_process, run_supervised

    configure_json_logging()
    app = current_app._get_current_object()
    names = [q.strip() for q in queues.split(",") if q.strip()] or worker_queue_names()
    processes = processes or int(app.config["WARTA_WORKER_PROCESSES"])
    threads = threads or int(app.config["WARTA_WORKER_THREADS"])
    calls = int(app.config["WARTA_WORKER_CALLS"]) if calls is None else calls
    if processes == 1:
        run_process(app, names, threads, calls)
    else:
        run_supervised(app, names, processes, threads, calls)


def init_app(app: Flask) -> None:
    app.cli.add_command(dispatcher_command)
    app.cli.add_command(worker_command)
