"""Adapters for pipeline tests and benchmarks, loadable by worker subprocesses
(`WARTA_EXTRA_ADAPTERS=tests.pipeline_adapters:RecordingAdapter`).

`RecordingAdapter` is a platform whose record is an append-only file shared by all
processes (`WARTA_RECORDER_LOG`): one line per publish with the marker, the call
start time and the scheduled time; `find_published` reads it back, so a publish
that happened before a worker was killed is found by the reconciler.
`LatencyAdapter` makes a real HTTP call to a local server (`WARTA_LATENCY_URL`)
that answers after a delay — a stand-in for the X simulator in `burst_io`.
"""
from __future__ import annotations

import json
import os
import threading
import time

import httpx

from adapters.base import (
    AccountFacts,
    AccountRef,
    ConnectableAccount,
    PlatformAdapter,
    Problem,
    PublishJob,
    PublishResult,
    TokenSet,
    Variant,
)


class _TestAdapterBase(PlatformAdapter):
    def validate(self, variant: Variant) -> list[Problem]:
        return []

    def refresh_credentials(self, tokens: TokenSet) -> TokenSet:
        return tokens

    def authorize_url(self, state: str, redirect_uri: str, code_challenge: str | None = None) -> str:
        return f"http://127.0.0.1/authorize?state={state}"

    def exchange_code(self, code: str, redirect_uri: str, code_verifier: str | None = None) -> list[ConnectableAccount]:
        return []

    def account_facts(self, account: AccountRef) -> AccountFacts:
        return AccountFacts(token_valid=True)


class RecordingAdapter(_TestAdapterBase):
    slug = "recorder"
    display_name = "Recorder"

    @staticmethod
    def _log_path() -> str:
        return os.environ["WARTA_RECORDER_LOG"]

    def publish(self, job: PublishJob) -> PublishResult:
        started = time.time()
        delay = float(os.environ.get("WARTA_RECORDER_DELAY", "0"))
        if delay:
            time.sleep(delay)
        line = json.dumps({"marker": job.idempotency_marker, "start": started,
                           "scheduled": job.scheduled_at.timestamp() if job.scheduled_at else None,
                           "pid": os.getpid()})
        fd = os.open(self._log_path(), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (line + "\n").encode())
        finally:
            os.close(fd)
        return PublishResult(remote_id=job.idempotency_marker, permalink=f"https://recorder.test/{job.target_id}")

    def find_published(self, job: PublishJob) -> PublishResult | None:
        if not os.path.exists(self._log_path()):
            return None
        with open(self._log_path()) as fh:
            for raw in fh:
                if raw.strip() and json.loads(raw)["marker"] == job.idempotency_marker:
                    return PublishResult(remote_id=job.idempotency_marker,
                                         permalink=f"https://recorder.test/{job.target_id}")
        return None


def read_records(path: str) -> list[dict]:
    if not os.path.exists(path):
        return []
    with open(path) as fh:
        return [json.loads(line) for line in fh if line.strip()]


class LatencyAdapter(_TestAdapterBase):
    """Publishes by POSTing to a local server that answers after its configured latency."""

    slug = "latency"
    display_name = "Latency test platform"
    # One pooled client per process: building an httpx.Client (TLS context) per call costs
    # tens of milliseconds of CPU. httpx.Client is safe to share between threads.
    _client: httpx.Client | None = None
    _client_lock = threading.Lock()

    @classmethod
    def client(cls) -> httpx.Client:
        with cls._client_lock:
            if cls._client is None:
                cls._client = httpx.Client(timeout=10, limits=httpx.Limits(max_connections=200))
            return cls._client

    def publish(self, job: PublishJob) -> PublishResult:
        response = self.client().post(os.environ["WARTA_LATENCY_URL"], json={"text": job.variant.text,
                                                                              "marker": job.idempotency_marker})
        response.raise_for_status()
        return PublishResult(remote_id=response.json()["id"])

    def find_published(self, job: PublishJob) -> PublishResult | None:
        return None
