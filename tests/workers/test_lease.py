from __future__ import annotations

import time

from workers import dispatcher as dispatcher_module
from workers.dispatcher import Dispatcher


def test_one_active_dispatcher_and_standby_takeover(app, monkeypatch):
    monkeypatch.setattr(dispatcher_module, "LEASE_TTL_MS", 500)
    first, second = Dispatcher(app), Dispatcher(app)
    assert first.hold_lease() is True
    assert second.hold_lease() is False
    assert first.hold_lease() is True  # renews its own lease
    started = time.monotonic()
    while not second.hold_lease():  # `first` died: it renews no more
        time.sleep(0.05)
    assert time.monotonic() - started < 1.5
    assert first.hold_lease() is False
