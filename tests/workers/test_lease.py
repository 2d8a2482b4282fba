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


def test_standby_reports_stale_heartbeat(app):
    from app.events import add_listener

    seen = []
    add_listener(app, lambda name, organisation_id, payload: seen.append((name, payload.get("problem"))))
    active, standby = Dispatcher(app), Dispatcher(app)
    active.hold_lease()
    assert standby.step() == 1.0  # standby: no lease, only the health check
    assert ("health.alert", "dispatcher_heartbeat_stale") in seen
