"""The example package in examples/ installed with pip and found through its entry point."""
from __future__ import annotations

import importlib
import json
import subprocess
import sys
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from rq import Queue, SimpleWorker
from rq.serializers import JSONSerializer

import plugins
from app import create_app, events
from app.extensions import db
from app.models import Role
from app.redis_conn import get_redis
from tests.factories import sign_in
from tests.simulator.server import serve_in_background

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "warta-example-chat"


@pytest.fixture(scope="session")
def example_installed() -> Iterator[None]:
    """pip-install the example into this environment for the session, then uninstall it."""
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "install", "--no-deps", str(EXAMPLE)], check=True)
    importlib.invalidate_caches()
    try:
        yield
    finally:
        subprocess.run([*pip, "uninstall", "-y", "warta-example-chat"], check=True)
        importlib.invalidate_caches()


@pytest.fixture
def example_app(example_installed, app_config):
    app_config.update(WARTA_LOAD_ENTRY_POINT_PLUGINS=True, WARTA_PLUGINS_ALLOW="example_chat")
    return app_config


class Receiver(BaseHTTPRequestHandler):
    received: ClassVar[list[dict]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def chat_server() -> Iterator[str]:
    Receiver.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    serve_in_background(server)
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


def test_example_is_discovered_through_its_entry_point(example_app, app):
    info = next(i for i in plugins.plugin_infos(app) if i.name == "example_chat")
    assert (info.source, info.package, info.version) == ("entry point", "warta-example-chat", "0.1.0")
    assert info.hooks == ["check_post", "organisation_settings_fields", "warta_event"]


def test_example_content_rule_blocks_placeholder_text(example_app, app, factory, client):
    org = factory.org("Diskominfo")
    sign_in(client, factory.user(org, Role.ADMIN))
    response = client.post(f"/posts/new?org_id={org.id}", data={"body": "Lorem ipsum dolor"},
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Teks masih berisi teks contoh" in page  # Indonesian by default
    post = factory.post(org, factory.user(org, Role.ADMIN), body="lorem ipsum")
    assert plugins.post_problems(post) == [
        "Teks masih berisi teks contoh (“lorem ipsum”). Ganti dengan isi yang sebenarnya."]
    assert plugins.post_problems(factory.post(org, post.author, body="Jadwal vaksinasi")) == []


def test_example_receives_an_event_and_a_worker_forwards_it(example_app, app, factory, client, chat_server):
    root = factory.org("Pemkot Balikpapan")
    child = factory.org("Dinas Kesehatan", parent=root)
    sign_in(client, factory.user(root, Role.ADMIN))
    page = client.get(f"/plugins/settings/{root.id}").get_data(as_text=True)
    assert "URL webhook obrolan" in page
    assert client.post(f"/plugins/settings/{root.id}",
                       data={"example_chat_webhook_url": chat_server}).status_code == 302

    events.emit("target.failed", organisation_id=child.id, target_id=5)  # inherited setting
    events.emit("target.failed", organisation_id=factory.org("Elsewhere").id, target_id=6)  # no webhook
    db.session.commit()
    queue = Queue("example_chat", connection=get_redis(app), serializer=JSONSerializer)
    assert queue.count == 1 and Receiver.received == []  # nothing sent inside the request

    worker = SimpleWorker([queue], connection=get_redis(app), serializer=JSONSerializer)
    assert worker.work(burst=True)
    assert Receiver.received == [{"text": "[Warta] Dinas Kesehatan: target.failed (target_id=5)"}]


def test_example_is_not_loaded_when_not_allowed(example_installed, app_config):
    app = create_app({**app_config, "WARTA_LOAD_ENTRY_POINT_PLUGINS": True, "WARTA_PLUGINS_DENY": "example_chat"})
    assert "example_chat" not in {i.name for i in plugins.plugin_infos(app)}
