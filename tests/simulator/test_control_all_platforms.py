"""The control API (`/_sim/...`) acts on all five platforms of the one simulator, over real HTTP."""
from __future__ import annotations

import time

import httpx
import pytest

from adapters.base import AccountRef, AuthExpired, MediaItem, PublishJob, RateLimited, Transient, Variant
from adapters.facebook import FacebookPageAdapter
from adapters.instagram import InstagramAdapter
from adapters.tiktok import TikTokAdapter
from adapters.x import XAdapter
from adapters.youtube import YouTubeAdapter
from simulator import tiktok, x, youtube
from simulator.graph import DEMO_PAGES
from tests.simulator.server import sim_settings

PAGE_ID, PAGE_NAME, PAGE_TOKEN, IG_ID, IG_NAME = DEMO_PAGES[0]
X_ID, X_NAME, _, _, X_TOKEN, _ = x.DEMO_ACCOUNTS[1]
YT_ID, YT_TITLE, _, YT_TOKEN, _ = youtube.DEMO_ACCOUNTS[1]
TT_ID, TT_NAME, _, TT_TOKEN, _ = tiktok.DEMO_ACCOUNTS[1]
RECORD_KEYS = {"platform", "account_id", "account", "action", "remote_id", "kind", "text", "media", "fields",
               "recorded_at"}


def _job(external_id: str, handle: str, token: str, variant: Variant, extra: dict | None = None) -> PublishJob:
    account = AccountRef(1, external_id, handle, credentials={"access_token": token, "extra": extra or {}})
    return PublishJob(target_id=1, account=account, variant=variant, idempotency_marker=f"w-{external_id}")


def _adapters(sim) -> dict:
    return {
        "instagram": InstagramAdapter(sim_settings(sim.url)),
        "facebook": FacebookPageAdapter(sim_settings(sim.url)),
        "x": XAdapter(sim.settings("x"), sleep=lambda s: None),
        "youtube": YouTubeAdapter(sim.settings("youtube")),
        "tiktok": TikTokAdapter(sim.settings("tiktok"), sleep=lambda s: None),
    }


def _jobs(media_files) -> dict[str, PublishJob]:
    image_url, _ = media_files.add("foto.jpg", 2048)
    video_url, video_path = media_files.add("video.mp4", 3000)
    image = MediaItem(url=image_url, kind="image", content_type="image/jpeg", size_bytes=2048, width=1080,
                      height=1080)
    video = MediaItem(url=video_url, kind="video", content_type="video/mp4", size_bytes=3000, path=video_path,
                      duration_seconds=10)
    return {
        "instagram": _job(IG_ID, IG_NAME, PAGE_TOKEN, Variant(text="Halo dari Instagram", media=(image,)),
                          {"page_id": PAGE_ID}),
        "facebook": _job(PAGE_ID, PAGE_NAME, PAGE_TOKEN, Variant(text="Halo dari Facebook")),
        "x": _job(X_ID, X_NAME, X_TOKEN, Variant(text="Halo dari X")),
        "youtube": _job(YT_ID, YT_TITLE, YT_TOKEN, Variant(text="Halo dari YouTube", title="Video kota",
                                                           media=(video,))),
        "tiktok": _job(TT_ID, TT_NAME, TT_TOKEN, Variant(text="Halo dari TikTok", media=(video,),
                                                         options={"privacy_level": "SELF_ONLY"})),
    }


def _control(sim, path: str, **body) -> dict:
    response = httpx.post(f"{sim.url}/_sim/{path}", json=body)
    response.raise_for_status()
    return response.json()


def _ids(entry: dict) -> tuple[str, ...]:
    """The ids an adapter may report for a record entry (TikTok: the publish id of a private post)."""
    return entry["remote_id"], entry.get("publish_id", entry["remote_id"])


def _record(sim, **filters) -> list[dict]:
    return httpx.get(f"{sim.url}/_sim/record", params=filters).json()["record"]


def test_record_and_feeds_hold_a_publish_of_every_platform(sim, media_files):
    adapters, jobs = _adapters(sim), _jobs(media_files)
    results = {slug: adapters[slug].publish(job) for slug, job in jobs.items()}
    entries = _record(sim)
    assert sorted(e["platform"] for e in entries) == ["facebook", "instagram", "tiktok", "x", "youtube"]
    for entry in entries:
        assert RECORD_KEYS <= set(entry), entry["platform"]
        assert entry["action"] == "publish"
        assert results[entry["platform"]].remote_id in _ids(entry)
        assert "Halo dari" in entry["text"]
    by_platform = {e["platform"]: e for e in entries}
    assert by_platform["x"]["account_id"] == X_ID and by_platform["x"]["account"] == X_NAME
    assert by_platform["youtube"]["account"] == YT_TITLE and by_platform["youtube"]["kind"] == "video"
    assert by_platform["youtube"]["media"][0]["bytes"] == 3000
    assert by_platform["tiktok"]["account"] == TT_NAME
    assert by_platform["tiktok"]["fields"]["privacy_level"] == "SELF_ONLY"
    assert len(httpx.get(by_platform["instagram"]["media"][0]["url"]).content) == 2048  # served by the test
    assert [e["platform"] for e in _record(sim, platform="tiktok", account=TT_NAME)] == ["tiktok"]
    for platform, account in (("x", X_NAME), ("youtube", YT_ID), ("tiktok", TT_NAME)):
        feed = httpx.get(f"{sim.url}/_sim/feed/{platform}/{account}")
        assert feed.status_code == 200 and by_platform[platform]["text"] in feed.text, platform


@pytest.mark.parametrize(("slug", "endpoint", "preset", "error", "code"), [
    ("x", "x.tweets", "rate_limit", RateLimited, None),
    ("youtube", "youtube.videos_insert", "quota", RateLimited, "quotaExceeded"),
    ("tiktok", "tiktok.creator_info", "spam_risk", RateLimited, "spam_risk_too_many_posts"),
    ("instagram", "ig.media_create", "rate_limited", RateLimited, None),
    ("facebook", "fb.feed_create", "server_error", Transient, None),
])
def test_a_named_fault_gives_the_platforms_own_error(sim, media_files, slug, endpoint, preset, error, code):
    assert _control(sim, "faults", endpoint=endpoint, preset=preset)["endpoint"] == endpoint
    adapter, job = _adapters(sim)[slug], _jobs(media_files)[slug]
    with pytest.raises(error) as raised:
        adapter.publish(job)
    if code:
        assert raised.value.code == code
    assert _record(sim) == []
    assert adapter.publish(job).remote_id in _ids(_record(sim)[0])  # the fault was used up


def test_x_fault_body_and_headers_are_xs(sim):
    _control(sim, "faults", endpoint="x.tweets", preset="rate_limit")
    answer = httpx.post(f"{sim.url}/x/2/tweets", json={"text": "a"}, headers={"Authorization": f"Bearer {X_TOKEN}"})
    assert answer.status_code == 429 and answer.json()["title"] == "Too Many Requests"
    assert answer.headers["x-rate-limit-remaining"] == "0"
    unknown = httpx.post(f"{sim.url}/_sim/faults", json={"endpoint": "x.tweets", "preset": "rate_limited"})
    assert unknown.status_code == 400 and "rate_limit" in unknown.json()["error"]
    [listed] = httpx.get(f"{sim.url}/_sim/faults").json()["faults"]
    assert listed["name"] == "rate_limit" and listed["times"] == 0  # used up


def test_a_literal_status_fault_works_on_x_youtube_tiktok(sim, media_files):
    jobs, adapters = _jobs(media_files), _adapters(sim)
    for slug, endpoint in (("x", "x.tweets"), ("youtube", "youtube.videos_insert"), ("tiktok", "tiktok.creator_info")):
        _control(sim, "faults", endpoint=endpoint, status=503, body={"detail": "down"})
        with pytest.raises(Transient):
            adapters[slug].publish(jobs[slug])


def test_latency_per_endpoint_on_x_youtube_tiktok(sim, media_files):
    jobs, adapters = _jobs(media_files), _adapters(sim)
    for slug, endpoint in (("x", "x.tweets"), ("youtube", "youtube.videos_insert"), ("tiktok", "tiktok.creator_info")):
        _control(sim, "latency", endpoint=endpoint, seconds=0.3)
        started = time.monotonic()
        adapters[slug].publish(jobs[slug])
        assert time.monotonic() - started >= 0.3, slug
    httpx.delete(f"{sim.url}/_sim/faults").raise_for_status()
    assert sim.state.latency == {}


@pytest.mark.parametrize(("slug", "account"), [("x", X_ID), ("youtube", YT_ID), ("tiktok", TT_ID)])
def test_tokens_expire_for_x_youtube_tiktok(sim, media_files, slug, account):
    assert _control(sim, "tokens/expire", platform=slug, account=account) == {"expired": 1}
    with pytest.raises(AuthExpired):
        _adapters(sim)[slug].publish(_jobs(media_files)[slug])


def test_expire_all_reaches_every_platform(sim, media_files):
    expired = _control(sim, "tokens/expire", all=True)["expired"]
    assert expired == len(sim.state.tokens) and expired >= 5
    adapters, jobs = _adapters(sim), _jobs(media_files)
    for slug in jobs:
        with pytest.raises(AuthExpired):
            adapters[slug].publish(jobs[slug])


def test_reset_clears_every_platform_and_reseeds(sim, media_files):
    adapters, jobs = _adapters(sim), _jobs(media_files)
    for slug in ("x", "tiktok"):
        adapters[slug].publish(jobs[slug])
    _control(sim, "faults", endpoint="youtube.videos_insert", preset="quota")
    _control(sim, "tokens/expire", all=True)
    assert _control(sim, "reset") == {"reset": True}
    assert _record(sim) == [] and httpx.get(f"{sim.url}/_sim/faults").json()["faults"] == []
    assert sim.state.scratch("x") == {} and sim.state.published("tiktok") == []
    for slug in jobs:  # seeded accounts and tokens are back, nothing left of before
        adapters[slug].publish(jobs[slug])
    assert len(_record(sim)) == 5
    _control(sim, "reset", seed=False)
    assert sim.state.accounts == {} and sim.state.tokens == {}


def test_config_sets_processing_polls(sim):
    assert _control(sim, "config", processing_polls=4) == {"container_polls": 2, "processing_polls": 4}
    assert sim.state.processing_polls == 4
