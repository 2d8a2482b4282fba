"""The platform simulator: Graph shapes, OAuth pages, faults, record, feed, concurrency, own process."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from adapters.base import AccountRef, AuthExpired, OutcomeUnknown, Permanent, RateLimited, Transient
from adapters.facebook import FacebookPageAdapter
from adapters.instagram import InstagramAdapter
from simulator.graph import DEMO_PAGES
from tests.adapters.graph_fixtures import collab, image, job, video
from tests.simulator.server import fault, record, sim_settings

PAGE_ID, PAGE_NAME, PAGE_TOKEN, IG_ID, IG_NAME = DEMO_PAGES[0]


def _ig_job(**kw):
    base = job(IG_ID, **kw)
    account = AccountRef(1, IG_ID, IG_NAME, credentials={"access_token": PAGE_TOKEN, "extra": {"page_id": PAGE_ID}})
    return type(base)(target_id=base.target_id, account=account, variant=base.variant,
                      idempotency_marker=base.idempotency_marker, scheduled_at=base.scheduled_at)


def _fb_job(**kw):
    base = job(PAGE_ID, **kw)
    account = AccountRef(2, PAGE_ID, PAGE_NAME, credentials={"access_token": PAGE_TOKEN})
    return type(base)(target_id=base.target_id, account=account, variant=base.variant,
                      idempotency_marker=base.idempotency_marker, scheduled_at=base.scheduled_at)


def test_instagram_container_polls_publish_record_and_feed(sim_server):
    adapter = InstagramAdapter(sim_settings(sim_server))
    result = adapter.publish(_ig_job(media=[image(), image(url="https://warta.test/b.jpg")],
                                     collaborations=[collab("rina")]))
    entries = record(sim_server, platform="instagram")
    assert len(entries) == 1 and entries[0]["remote_id"] == result.remote_id
    assert entries[0]["kind"] == "CAROUSEL" and entries[0]["collaborators"] == ["rina"]
    assert [m["url"] for m in entries[0]["media"]] == ["https://warta.test/public/media/1/sig",
                                                       "https://warta.test/b.jpg"]
    assert result.permalink.endswith(f"/_sim/feed/instagram/{IG_NAME}#{result.remote_id}")
    feed = httpx.get(f"{sim_server}/_sim/feed/instagram/{IG_NAME}")
    assert feed.status_code == 200 and "Halo Balikpapan" in feed.text and "rina" in feed.text
    assert adapter.find_published(_ig_job()).remote_id == result.remote_id
    assert adapter.publishing_quota(_ig_job().account) == {"used": 1, "total": 50, "window_seconds": 86400}


def test_container_still_processing_is_transient(sim_server):
    httpx.post(f"{sim_server}/_sim/config", json={"container_polls": 10})
    with pytest.raises(Transient, match="still processing"):
        InstagramAdapter(sim_settings(sim_server, poll_max=3)).publish(_ig_job(media=[image()]))
    assert record(sim_server) == []


@pytest.mark.parametrize(("preset", "endpoint", "error"), [
    ("rate_limited", "ig.media_publish", RateLimited), ("daily_publish_cap", "ig.media_publish", RateLimited),
    ("server_error", "ig.media_create", Transient), ("bad_gateway", "ig.container_status", Transient),
    ("expired_token", "ig.media_create", AuthExpired), ("content_rejected", "ig.media_create", Permanent),
    ("spam", "ig.media_publish", Permanent), ("too_many_requests", "ig.content_publishing_limit", RateLimited)])
def test_fault_presets_map_to_typed_errors(sim_server, preset, endpoint, error):
    fault(sim_server, endpoint=endpoint, preset=preset)
    with pytest.raises(error) as excinfo:
        InstagramAdapter(sim_settings(sim_server)).publish(_ig_job(media=[image()]))
    if preset == "rate_limited":
        assert excinfo.value.retry_at - datetime.now(UTC) > timedelta(minutes=6)
    assert record(sim_server) == []
    # One-shot by default: the next attempt goes through.
    InstagramAdapter(sim_settings(sim_server)).publish(_ig_job(media=[image()]))
    assert len(record(sim_server)) == 1


def test_timeout_after_sending_publish_is_outcome_unknown(sim_server):
    fault(sim_server, endpoint="fb.feed_create", delay=1.5)
    with pytest.raises(OutcomeUnknown):
        FacebookPageAdapter(sim_settings(sim_server, timeout=0.5)).publish(_fb_job())
    time.sleep(1.2)  # the simulator finishes the request: the post exists, which is why it is "unknown"
    assert len(record(sim_server, platform="facebook")) == 1
    assert FacebookPageAdapter(sim_settings(sim_server)).find_published(_fb_job()) is not None


def test_expired_token_through_control_api(sim_server):
    assert httpx.post(f"{sim_server}/_sim/tokens/expire", json={"token": PAGE_TOKEN}).json() == {"expired": 1}
    with pytest.raises(AuthExpired):
        FacebookPageAdapter(sim_settings(sim_server)).publish(_fb_job())


def test_facebook_duplicate_and_native_schedule(sim_server):
    adapter = FacebookPageAdapter(sim_settings(sim_server))
    adapter.publish(_fb_job(text="Sama"))
    with pytest.raises(Permanent) as duplicate:
        adapter.publish(_fb_job(text="Sama"))
    assert duplicate.value.code == "506"
    when = datetime.now(UTC) + timedelta(days=1)
    result = adapter.publish(_fb_job(text="Nanti", options={"native_schedule": True}, scheduled_at=when))
    scheduled = record(sim_server, action="schedule")
    assert scheduled[0]["scheduled_publish_time"] == int(when.timestamp())
    adapter.cancel_native_schedule(_fb_job().account, result.remote_id)
    assert [r["action"] for r in record(sim_server)] == ["publish", "schedule", "delete"]


def test_facebook_scheduled_post_goes_live_only_at_its_time_and_can_be_moved(sim_server):
    adapter = FacebookPageAdapter(sim_settings(sim_server))
    account = _fb_job().account
    when = (datetime.now(UTC) + timedelta(hours=1)).replace(microsecond=0)
    result = adapter.publish(_fb_job(text="Nanti sore", options={"native_schedule": True}, scheduled_at=when))
    assert result.details["native_scheduled"] is True
    assert adapter.native_schedule_status(account, result.remote_id) is None
    assert adapter.find_published(_fb_job(text="Nanti sore")) is None  # not in published_posts yet
    later = when + timedelta(hours=2)
    adapter.update_native_schedule(_fb_job(text="Nanti sore", scheduled_at=later), result.remote_id)
    with pytest.raises(Permanent):  # outside Facebook's window
        adapter.update_native_schedule(_fb_job(text="Nanti sore", scheduled_at=datetime.now(UTC)), result.remote_id)
    httpx.post(f"{sim_server}/_sim/clock", json={"advance": 3600 + 60}).raise_for_status()
    assert adapter.native_schedule_status(account, result.remote_id) is None  # moved: still held
    assert record(sim_server, action="publish") == []
    went = httpx.post(f"{sim_server}/_sim/clock", json={"advance": 7200}).json()["went_live"]
    assert went == [result.remote_id]
    assert adapter.native_schedule_status(account, result.remote_id) is not None
    live = record(sim_server, action="publish")
    assert [(r["remote_id"], r["from_schedule"], r["scheduled_publish_time"]) for r in live] == [
        (result.remote_id, True, int(later.timestamp()))]
    assert adapter.find_published(_fb_job(text="Nanti sore")) is not None


def test_facebook_scheduled_page_video_is_reached_by_its_video_id(sim_server):
    adapter = FacebookPageAdapter(sim_settings(sim_server))
    account = _fb_job().account
    when = datetime.now(UTC) + timedelta(hours=1)
    first = adapter.publish(_fb_job(text="Video", media=[video()], options={"native_schedule": True},
                                    scheduled_at=when))
    assert "_" not in first.remote_id and adapter.native_schedule_status(account, first.remote_id) is None
    httpx.post(f"{sim_server}/_sim/clock", json={"advance": 3700}).raise_for_status()
    assert adapter.native_schedule_status(account, first.remote_id) is not None
    second = adapter.publish(_fb_job(text="Video 2", media=[video()], options={"native_schedule": True},
                                     scheduled_at=when + timedelta(hours=3)))
    adapter.cancel_native_schedule(account, second.remote_id)
    with pytest.raises(Permanent):
        adapter.native_schedule_status(account, second.remote_id)
    httpx.post(f"{sim_server}/_sim/clock", json={"advance": 5 * 3600}).raise_for_status()
    assert [r["text"] for r in record(sim_server, action="publish")] == ["Video"]


def test_facebook_deleted_scheduled_post_is_gone(sim_server):
    adapter = FacebookPageAdapter(sim_settings(sim_server))
    account = _fb_job().account
    when = datetime.now(UTC) + timedelta(hours=1)
    result = adapter.publish(_fb_job(text="Batal", options={"native_schedule": True}, scheduled_at=when))
    adapter.cancel_native_schedule(account, result.remote_id)
    with pytest.raises(Permanent) as gone:
        adapter.native_schedule_status(account, result.remote_id)
    assert gone.value.code == "native_gone"
    with pytest.raises(Permanent):
        adapter.cancel_native_schedule(account, result.remote_id)
    httpx.post(f"{sim_server}/_sim/clock", json={"advance": 7200}).raise_for_status()
    assert record(sim_server, action="publish") == []
    # The same text may be scheduled again: a cancelled post is no duplicate.
    adapter.publish(_fb_job(text="Batal", options={"native_schedule": True}, scheduled_at=when + timedelta(hours=3)))


def test_latency_and_fault_listing(sim_server):
    httpx.post(f"{sim_server}/_sim/latency", json={"endpoint": "graph.debug_token", "seconds": 0.3})
    fault(sim_server, endpoint="*", status=503, times=2)
    listing = httpx.get(f"{sim_server}/_sim/faults").json()
    assert listing["faults"][0]["times"] == 2 and "rate_limited" in listing["presets"]
    assert httpx.post(f"{sim_server}/_sim/faults", json={"endpoint": "x", "preset": "nope"}).status_code == 400
    started = time.monotonic()
    response = httpx.get(f"{sim_server}/graph.facebook.com/v25.0/debug_token", params={"input_token": "x"})
    assert response.status_code == 503 and time.monotonic() - started >= 0.3
    httpx.delete(f"{sim_server}/_sim/faults")
    assert httpx.get(f"{sim_server}/_sim/faults").json()["faults"] == []


def test_graph_error_body_shape_for_bad_token(sim_server):
    response = httpx.get(f"{sim_server}/graph.facebook.com/v25.0/{PAGE_ID}/feed",
                         headers={"Authorization": "Bearer nope"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == 190 and error["type"] == "OAuthException" and error["fbtrace_id"]


def test_concurrent_publishes_are_all_recorded_once(sim_server):
    adapter_settings = sim_settings(sim_server)

    def publish(n: int) -> str:
        return FacebookPageAdapter(adapter_settings).publish(_fb_job(text=f"Post {n}")).remote_id

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(publish, range(24)))
    entries = record(sim_server, platform="facebook")
    assert len(set(ids)) == 24 and sorted(r["remote_id"] for r in entries) == sorted(ids)


def test_simulator_runs_as_its_own_process():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # As started by `flask --app wsgi up`, which leaves FLASK_RUN_FROM_CLI in the environment.
    env = {**os.environ, "FLASK_RUN_FROM_CLI": "true"}
    process = subprocess.Popen([sys.executable, "-m", "simulator", "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        for _ in range(100):
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/_sim/record", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert response.json() == {"count": 0, "record": []}
    finally:
        process.terminate()
        process.wait(timeout=10)
