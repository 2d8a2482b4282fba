"""A fixture running the platform simulator on an ephemeral port in a background thread."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from simulator.serving import make_sim_server

#: How often a test server's loop looks for `shutdown()`: socketserver's 0.5 s made every teardown wait that long.
POLL_SECONDS = 0.02


def serve_in_background(server: Any) -> threading.Thread:
    """Run `server.serve_forever` in a daemon thread; `server.shutdown()` then returns within POLL_SECONDS."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": POLL_SECONDS}, daemon=True)
    thread.start()
    return thread


@pytest.fixture
def sim_server() -> Iterator[str]:
    """Base URL of a fresh, threaded simulator (container processing takes 2 polls)."""
    from simulator import create_app

    server = make_sim_server("127.0.0.1", 0, create_app({"SIM_CONTAINER_POLLS": 2}))
    thread = serve_in_background(server)
    url = f"http://127.0.0.1:{server.server_port}"
    try:
        yield url
    finally:
        server.shutdown()
        thread.join(timeout=5)


def sim_settings(url: str, **extra) -> dict:
    """Graph adapter settings pointing at the simulator at `url`."""
    from app.config import SIMULATOR_META_APP

    return {"graph_url": f"{url}/graph.facebook.com", "video_url": f"{url}/graph-video.facebook.com",
            "rupload_url": f"{url}/rupload.facebook.com", "www_url": f"{url}/www.facebook.com",
            "api_version": "v25.0", "app_id": SIMULATOR_META_APP[0],
            "app_secret": SIMULATOR_META_APP[1], "poll_interval": 0.01, "poll_max": 5, "timeout": 5, **extra}


def fault(url: str, **spec) -> dict:
    response = httpx.post(f"{url}/_sim/faults", json=spec)
    response.raise_for_status()
    return response.json()


def record(url: str, **filters) -> list[dict]:
    return httpx.get(f"{url}/_sim/record", params=filters).json()["record"]
