"""`get_adapter` keeps one adapter per slug, settings and process: shared by threads, rebuilt after a fork."""
from __future__ import annotations

import os
import threading
import time

from adapters import adapter_classes, get_adapter
from adapters.facebook import FacebookPageAdapter


def test_the_same_adapter_is_returned_until_its_settings_change(app):
    first = get_adapter("facebook", app)
    assert get_adapter("facebook", app) is first
    assert get_adapter("instagram", app) is not first
    app.config["WARTA_PLATFORMS"] = {**app.config.get("WARTA_PLATFORMS", {}),
                                     "facebook": {"graph_url": "http://127.0.0.1:9/graph"}}
    changed = get_adapter("facebook", app)
    assert changed is not first
    assert changed.client.graph_url == "http://127.0.0.1:9/graph"
    assert get_adapter("facebook", app) is changed


def test_threads_asking_at_once_share_one_adapter(app, monkeypatch):
    built = []

    class SlowToBuild(FacebookPageAdapter):
        def __init__(self, settings=None):
            built.append(threading.get_ident())
            time.sleep(0.05)  # wide window for a race
            super().__init__(settings)

    monkeypatch.setitem(adapter_classes(app), "facebook", SlowToBuild)
    start = threading.Barrier(8)
    seen = []

    def ask() -> None:
        start.wait()
        seen.append(get_adapter("facebook", app))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(built) == 1
    assert len({id(adapter) for adapter in seen}) == 1


def test_a_forked_worker_builds_its_own_adapter_and_client(app):
    parent = get_adapter("facebook", app)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: a worker process forked after start-up
        answer = b"0"
        try:
            child = get_adapter("facebook", app)
            fresh = child is not parent and child.client._http is not parent.client._http
            answer = b"1" if fresh and get_adapter("facebook", app) is child else b"0"
        finally:
            os.write(write_end, answer)
            os._exit(0)
    os.close(write_end)
    os.waitpid(pid, 0)
    assert os.read(read_end, 1) == b"1"
    os.close(read_end)
    assert get_adapter("facebook", app) is parent
