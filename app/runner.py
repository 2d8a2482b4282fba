"""`flask --app wsgi up`: run every Warta process under one supervisor.

The parent keeps the embedded Redis alive (when `REDIS_URL` is unset) and hands
its socket to the children, starts each child in its own process group and,
on Ctrl-C or SIGTERM, stops them all: a warm stop first, then a kill.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Flask


@dataclass(frozen=True)
class ProcessSpec:
    name: str
    argv: list[str]


def process_specs(app: Flask, host: str, port: int) -> list[ProcessSpec]:
    """The processes of a local Warta; later parts of the system add theirs here."""
    python = sys.executable
    specs = [
        ProcessSpec("web", [python, "-m", "gunicorn", "--bind", f"{host}:{port}", "--workers", "2",
                            "--access-logfile", "-", "wsgi:app"]),
        ProcessSpec("dispatcher", [python, "-m", "flask", "--app", "wsgi", "dispatcher"]),
        ProcessSpec("worker", [python, "-m", "flask", "--app", "wsgi", "worker"]),
        ProcessSpec("notifications", [python, "-m", "flask", "--app", "wsgi", "notifications-worker"]),
    ]
    simulator = urlsplit(app.config.get("WARTA_SIMULATOR_URL") or "")
    if app.config.get("WARTA_ENV") != "production" and simulator.hostname in ("127.0.0.1", "localhost"):
        specs.append(ProcessSpec("simulator", [python, "-m", "simulator", "--host", simulator.hostname,
                                               "--port", str(simulator.port or 80)]))
    return specs


def run_all(app: Flask, host: str, port: int, banner: list[str]) -> None:
    env = dict(os.environ, REDIS_URL=app.config["REDIS_URL"], WARTA_PUBLIC_URL=app.config["WARTA_PUBLIC_URL"])
    children: dict[str, subprocess.Popen] = {}
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    for spec in process_specs(app, host, port):
        children[spec.name] = subprocess.Popen(spec.argv, env=env, start_new_session=True)  # noqa: S603
        print(f"started {spec.name} (pid {children[spec.name].pid})", flush=True)
    print("\n".join(["", *banner, "Press Ctrl-C to stop everything.", ""]), flush=True)
    try:
        while not stopping:
            for name, child in children.items():
                if child.poll() is not None:
                    print(f"{name} exited with {child.returncode}; stopping everything", flush=True)
                    stopping = True
            time.sleep(0.5)
    finally:
        _stop_children(children)


def _stop_children(children: dict[str, subprocess.Popen]) -> None:
    for child in children.values():
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    for child in children.values():
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
    print("all Warta processes stopped", flush=True)
