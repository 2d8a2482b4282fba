"""Each adapter against its simulator blueprint over real HTTP: connect, publish, reconcile, faults."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from adapters._common import make_pkce_pair
from adapters.base import (
    AccountRef,
    AuthExpired,
    Collaboration,
    MediaItem,
    OutcomeUnknown,
    Permanent,
    PublishJob,
    RateLimited,
    Variant,
)
from adapters.tiktok import TikTokAdapter
from adapters.x import XAdapter
from adapters.youtube import YouTubeAdapter

REDIRECT = "http://127.0.0.1:5000/connect/callback"


def _connect(sim, adapter, account: str, pkce: bool = True):
    verifier, challenge = make_pkce_pair() if pkce else (None, None)
    url = adapter.authorize_url("st4te", REDIRECT, challenge)
    code = sim.click_through(url, account)
    [found] = adapter.exchange_code(code, REDIRECT, verifier)
    return found


def _ref(found) -> AccountRef:
    tokens = found.tokens
    return AccountRef(account_id=1, external_id=found.external_id, handle=found.handle, credentials={
        "access_token": tokens.access_token, "refresh_token": tokens.refresh_token, "scopes": list(tokens.scopes)})


def _file(tmp_path: Path, name: str, size: int) -> str:
    path = tmp_path / name
    path.write_bytes(bytes(range(256)) * (size // 256) + b"\0" * (size % 256))
    return str(path)


def test_x_connect_publish_thread_with_video_and_reconcile(sim, tmp_path):
    adapter = XAdapter(sim.settings("x"), sleep=lambda s: None)
    found = _connect(sim, adapter, "1001")
    assert found.handle == "pemkot_demo" and found.facts["profile"]["verified_type"] == "government"
    assert "offline.access" in found.tokens.scopes and found.tokens.refresh_token
    video = MediaItem(url="http://unused", kind="video", content_type="video/mp4", path=_file(tmp_path, "v.mp4", 9000))
    variant = Variant(text="Jalan ditutup 🚧 https://pemkot.example/info", media=(video,),
                      options={"thread": ["Bagian kedua"], "made_with_ai": True, "reply_settings": "following"})
    assert adapter.validate(variant) == []
    job = PublishJob(target_id=7, account=_ref(found), variant=variant, idempotency_marker="w-7")
    result = adapter.publish(job)
    posts = sim.state.published("x")
    assert [p["request"]["text"] for p in posts] == [variant.text, "Bagian kedua"]
    assert posts[0]["request"]["made_with_ai"] is True and posts[0]["request"]["reply_settings"] == "following"
    assert posts[1]["request"]["reply"] == {"in_reply_to_tweet_id": result.remote_id}
    assert posts[0]["media"][0] == {"media_type": "VIDEO", "url": None, "type": "video/mp4", "category": "tweet_video",
                                    "total": 9000, "alt_text": None}
    assert adapter.find_published(job).remote_id == result.remote_id


def test_x_rate_limit_expired_token_and_rotation(sim):
    adapter = XAdapter(sim.settings("x"))
    found = _connect(sim, adapter, "1001")
    job = PublishJob(target_id=1, account=_ref(found), variant=Variant(text="halo"), idempotency_marker="m")
    sim.state.add_named_fault("x.tweets", "rate_limit")
    with pytest.raises(RateLimited) as limited:
        adapter.publish(job)
    assert limited.value.retry_at.timestamp() > 0
    sim.state.expire_tokens("x", "1001")
    with pytest.raises(AuthExpired):
        adapter.publish(job)
    fresh = adapter.refresh_credentials(found.tokens)
    assert fresh.refresh_token != found.tokens.refresh_token
    with pytest.raises(AuthExpired):  # the old refresh token died with the rotation
        adapter.refresh_credentials(found.tokens)
    facts = adapter.account_facts(AccountRef(1, "1001", "pemkot_demo", {"access_token": fresh.access_token}))
    assert facts.token_valid and facts.profile["handle"] == "pemkot_demo"


def test_youtube_connect_resumable_upload_with_lost_chunk(sim, tmp_path):
    adapter = YouTubeAdapter(sim.settings("youtube"))
    found = _connect(sim, adapter, "UCdemo0001")
    assert found.display_name == "Pemkot Demo TV"
    path = _file(tmp_path, "v.mp4", 700 * 1024)
    variant = Variant(text="Rapat paripurna", title="Rapat DPRD", options={
        "made_for_kids": False, "tags": ["dprd"], "paid_partnership": True, "made_with_ai": False,
        "privacy": "unlisted"},
        media=(MediaItem(url="http://unused", kind="video", content_type="video/mp4", path=path),))
    assert adapter.validate(variant) == []
    sim.state.add_named_fault("youtube.chunk", "server_error")  # the second chunk is lost once
    sim.state.latency["youtube.chunk"] = 0
    job = PublishJob(target_id=3, account=_ref(found), variant=variant, idempotency_marker="w-3")
    result = adapter.publish(job)
    [record] = sim.state.published("youtube")
    assert record["bytes"] == 700 * 1024
    assert record["request"]["paidProductPlacementDetails"] == {"hasPaidProductPlacement": True}
    assert record["request"]["status"]["privacyStatus"] == "unlisted"
    assert "paidProductPlacementDetails" in record["parts"]
    assert adapter.find_published(job).remote_id == result.remote_id
    facts = adapter.account_facts(_ref(found))
    assert facts.token_valid and "https://www.googleapis.com/auth/youtube.upload" in facts.scopes


def test_youtube_quota_and_invalid_grant(sim, tmp_path):
    adapter = YouTubeAdapter(sim.settings("youtube"))
    found = _connect(sim, adapter, "UCdemo0001")
    variant = Variant(text="", title="t", options={"made_for_kids": True}, media=(MediaItem(
        url="http://unused", kind="video", content_type="video/mp4", path=_file(tmp_path, "v.mp4", 1000)),))
    job = PublishJob(target_id=3, account=_ref(found), variant=variant, idempotency_marker="w")
    sim.state.add_named_fault("youtube.videos_insert", "quota")
    with pytest.raises(RateLimited) as limited:
        adapter.publish(job)
    assert limited.value.code == "quotaExceeded"
    refreshed = adapter.refresh_credentials(found.tokens)
    assert refreshed.access_token != found.tokens.access_token
    assert refreshed.refresh_token == found.tokens.refresh_token
    sim.state.add_named_fault("youtube.token", "invalid_grant")
    with pytest.raises(AuthExpired):
        adapter.refresh_credentials(found.tokens)


def test_tiktok_connect_file_upload_chunks_and_reconcile(sim, tmp_path):
    adapter = TikTokAdapter({**sim.settings("tiktok"), "chunk_bytes": 4000, "min_chunk_bytes": 1000},
                            sleep=lambda s: None)
    found = _connect(sim, adapter, "tt-open-1", pkce=False)
    assert found.external_id == "tt-open-1" and found.tokens.extra["refresh_expires_at"]
    info = adapter.creator_info(_ref(found))
    assert info.max_video_post_duration_sec == 300 and info.stitch_disabled
    video = MediaItem(url="http://unused/v.mp4", kind="video", content_type="video/mp4",
                      path=_file(tmp_path, "v.mp4", 10_500), duration_seconds=30)
    variant = Variant(text="Festival kota #budaya", media=(video,), options={"privacy_level": "PUBLIC_TO_EVERYONE"},
                      collaborations=(Collaboration(handle="@brand", paid=True),))
    assert adapter.validate(variant) == []
    job = PublishJob(target_id=9, account=_ref(found), variant=variant, idempotency_marker="w-9")
    result = adapter.publish(job)
    [record] = sim.state.published("tiktok")
    assert record["uploaded_bytes"] == 10_500
    info_sent = record["request"]["post_info"]
    assert info_sent["brand_content_toggle"] is True and info_sent["disable_stitch"] is True
    assert record["request"]["source_info"]["total_chunk_count"] == 2
    assert adapter.find_published(job).remote_id == result.remote_id
    facts = adapter.account_facts(_ref(found))
    assert facts.token_valid and facts.profile["handle"] == "pemkot.demo" and facts.profile["verified"] is False
    assert "video.publish" in facts.scopes


def test_tiktok_spam_risk_defers_and_fail_reason_and_rotation(sim, tmp_path):
    adapter = TikTokAdapter({**sim.settings("tiktok"), "pull_url_prefixes": ["https://media.example/"]},
                            sleep=lambda s: None)
    found = _connect(sim, adapter, "tt-open-1", pkce=False)
    photos = tuple(MediaItem(url=f"https://media.example/{i}.jpg", kind="image", content_type="image/jpeg")
                   for i in range(2))
    variant = Variant(text="Foto kegiatan", title="Kegiatan", media=photos, options={"privacy_level": "SELF_ONLY"})
    job = PublishJob(target_id=2, account=_ref(found), variant=variant, idempotency_marker="w-2")
    sim.state.add_named_fault("tiktok.creator_info", "spam_risk")
    with pytest.raises(RateLimited) as deferred:
        adapter.publish(job)
    assert deferred.value.code == "spam_risk_too_many_posts"
    sim.state.add_named_fault("tiktok.publish", "picture_size_check_failed")
    with pytest.raises(Permanent) as failed:
        adapter.publish(job)
    assert failed.value.platform_message == "picture_size_check_failed"
    result = adapter.publish(job)
    assert result.details["status"] == "PUBLISH_COMPLETE"
    assert sim.state.published("tiktok")[0]["request"]["media_type"] == "PHOTO"
    rotated = adapter.refresh_credentials(found.tokens)
    assert rotated.refresh_token != found.tokens.refresh_token
    with pytest.raises(AuthExpired):
        adapter.refresh_credentials(found.tokens)
    sim.state.add_named_fault("tiktok.creator_info", "token_invalid")
    with pytest.raises(AuthExpired) as invalid:
        adapter.publish(job)
    assert invalid.value.code == "access_token_invalid"


def test_x_timeout_is_an_unknown_outcome_that_reconciliation_resolves(sim):
    adapter = XAdapter({**sim.settings("x"), "timeout": 0.5})
    found = _connect(sim, adapter, "1001")
    job = PublishJob(target_id=5, account=_ref(found), variant=Variant(text="Pengumuman banjir"),
                     idempotency_marker="w-5")
    sim.state.add_named_fault("x.tweets", "timeout")
    with pytest.raises(OutcomeUnknown):
        adapter.publish(job)
    deadline = time.monotonic() + 5
    while not sim.state.published("x") and time.monotonic() < deadline:
        time.sleep(0.1)
    [record] = sim.state.published("x")
    assert adapter.find_published(job).remote_id == record["remote_id"]  # reconciled: no second post


def test_simulator_latency_is_honoured(sim):
    adapter = XAdapter(sim.settings("x"))
    found = _connect(sim, adapter, "1001")
    sim.state.latency["x.users_me"] = 0.3
    started = time.monotonic()
    adapter.account_facts(_ref(found))
    assert time.monotonic() - started >= 0.3
