"""Real dispatcher and worker processes for the chaos tests (started like `make run` does)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parents[2]


def process_env(app: Flask, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": app.config["REDIS_URL"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "WARTA_ENCRYPTION_KEYS": ",".join(app.config["WARTA_ENCRYPTION_KEYS"]),
        "WARTA_EXTRA_ADAPTERS": "tests.pipeline_adapters:RecordingAdapter",
        "PYTHONPATH": str(ROOT),
    })
    env.update(extra or {})
    return env


class Processes:
    """Starts and stops process groups; never leaves one behind."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env = env
        self.log_dir = log_dir
        self.running: list[subprocess.Popen] = []
        self.count = 0

    def start(self, *args: str) -> subprocess.Popen:
        self.count += 1
        log = open(self.log_dir / f"proc-{self.count}-{args[0]}.log", "w")
        proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=self.env,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.running.append(proc)
        return proc

    def kill(self, proc: subprocess.Popen) -> None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        self.running.remove(proc)

    def stop_all(self) -> None:
        for proc in list(self.running):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for proc in list(self.running):
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.running.clear()
