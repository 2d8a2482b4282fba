"""A live simulator (the one app, all five platforms) on an ephemeral port, for end-to-end adapter tests."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from werkzeug.serving import make_server

from simulator import create_app
from simulator.state import SimState
from tests.simulator.server import sim_server  # noqa: F401


@dataclass
class LiveSim:
    url: str
    state: SimState

    def settings(self, slug: str) -> dict:
        base = {
            "x": {"api_url": f"{self.url}/x", "authorize_url": f"{self.url}/x/i/oauth2/authorize",
                  "client_id": "cid", "client_secret": "", "processing_wait_max_seconds": 10},
            "youtube": {"api_url": f"{self.url}/youtube/", "authorize_url": f"{self.url}/youtube/o/oauth2/v2/auth",
                        "token_url": f"{self.url}/youtube/token", "tokeninfo_url": f"{self.url}/youtube/tokeninfo",
                        "client_id": "cid", "client_secret": "sec", "chunk_bytes": 256 * 1024},
            "tiktok": {"api_url": f"{self.url}/tiktok", "authorize_url": f"{self.url}/tiktok/v2/auth/authorize/",
                       "client_key": "ck", "client_secret": "cs", "audited": True, "status_poll_seconds": 0.01},
        }
        return base[slug]

    def click_through(self, authorize_url: str, account: str) -> str:
        """Open the consent page, approve as `account`, return the code from the redirect."""
        page = httpx.get(authorize_url)
        assert page.status_code == 200 and "Approve as" in page.text
        params = {k: v[0] for k, v in parse_qs(urlparse(authorize_url).query).items()}
        answer = httpx.post(authorize_url.split("?")[0], data={**params, "account": account})
        assert answer.status_code == 302
        query = parse_qs(urlparse(answer.headers["location"]).query)
        assert query["state"] == [params["state"]]
        return query["code"][0]


@pytest.fixture
def sim() -> Iterator[LiveSim]:
    app = create_app()
    state = app.extensions["sim_state"]
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveSim(url=f"http://127.0.0.1:{server.server_port}", state=state)
    finally:
        server.shutdown()
        thread.join(5)
