"""X adapter: weighted counting, validation, and the exact requests and error mapping (respx)."""
from __future__ import annotations

import json

import httpx
import pytest
import respx

from adapters.base import (
    AccountRef,
    AuthExpired,
    MediaItem,
    OutcomeUnknown,
    Permanent,
    PublishJob,
    RateLimited,
    Transient,
    Variant,
)
from adapters.x import XAdapter, count_text, split_thread

API = "https://x.test"


@pytest.mark.parametrize(("text", "weight"), [
    ("hello", 5), ("日本語", 6), ("👍🏽", 2), ("👨‍👩‍👧", 2), ("🇮🇩", 2), ("1️⃣", 2),
    ("https://example.com/a/very/long/path?with=query", 23), ("lihat pemkot.go.id.", 6 + 23 + 1),
    ("a" * 280, 280), ("é", 1), ("e\u0301", 1),
])
def test_count_text_weights_like_x(text, weight):
    assert count_text(text) == weight


def test_split_thread_parts_fit_and_keep_words():
    parts = split_thread("kata " * 150)
    assert all(count_text(p) <= 280 for p in parts) and " ".join(parts).split() == ["kata"] * 150


def test_validate_reports_each_part_and_media_rules():
    adapter = XAdapter()
    variant = Variant(text="字" * 141, options={"thread": ["ok", ""]}, media=(
        MediaItem(url="u", kind="video", content_type="video/mp4", duration_seconds=200),
        MediaItem(url="u", kind="image", content_type="image/jpeg")))
    codes = {p.code for p in adapter.validate(variant)}
    assert codes == {"x_text_too_long", "x_text_empty", "x_media_mix", "x_video_duration"}


def _job(**variant) -> PublishJob:
    return PublishJob(target_id=1, account=AccountRef(1, "42", "@dinas", {"access_token": "AT"}),
                      variant=Variant(**variant), idempotency_marker="mk")


@respx.mock(base_url=API, assert_all_called=True)
def test_publish_image_with_disclosure_sends_exact_requests(respx_mock, tmp_path):
    path = tmp_path / "p.jpg"
    path.write_bytes(b"x" * 10)
    init = respx_mock.post("/2/media/upload/initialize").respond(200, json={"data": {"id": "77"}})
    append = respx_mock.post("/2/media/upload/77/append").respond(200, json={"data": {}})
    respx_mock.post("/2/media/upload/77/finalize").respond(200, json={"data": {"id": "77", "size": 10}})
    meta = respx_mock.post("/2/media/metadata").respond(200, json={"data": {"associated_metadata": True}})
    tweet = respx_mock.post("/2/tweets").respond(201, json={"data": {"id": "900", "text": "hi"}})
    media = MediaItem(url="u", kind="image", content_type="image/jpeg", path=str(path), alt_text="peta")
    from adapters.base import Collaboration
    result = XAdapter({"api_url": API}).publish(_job(text="hi", media=(media,), options={"made_with_ai": True},
                                                     collaborations=(Collaboration("@a", "5", paid=True),)))
    assert result.remote_id == "900" and result.permalink == "https://x.com/dinas/status/900"
    assert json.loads(init.calls[0].request.content) == {"media_type": "image/jpeg", "total_bytes": 10,
                                                         "media_category": "tweet_image"}
    assert b'name="segment_index"\r\n\r\n0' in append.calls[0].request.content
    assert json.loads(meta.calls[0].request.content) == {"id": "77", "metadata": {"alt_text": {"text": "peta"}}}
    sent = tweet.calls[0].request
    assert sent.headers["Authorization"] == "Bearer AT"
    assert json.loads(sent.content) == {"text": "hi", "paid_partnership": True, "made_with_ai": True,
                                        "media": {"media_ids": ["77"], "tagged_user_ids": ["5"]}}


@respx.mock(base_url=API)
def test_video_status_polling_until_succeeded(respx_mock, tmp_path):
    path = tmp_path / "v.mp4"
    path.write_bytes(b"v" * 5)
    respx_mock.post("/2/media/upload/initialize").respond(200, json={"data": {"id": "8"}})
    respx_mock.post("/2/media/upload/8/append").respond(200, json={"data": {}})
    respx_mock.post("/2/media/upload/8/finalize").respond(200, json={"data": {
        "id": "8", "processing_info": {"state": "pending", "check_after_secs": 2}}})
    status = respx_mock.get("/2/media/upload", params={"command": "STATUS", "media_id": "8"}).mock(side_effect=[
        httpx.Response(200, json={"data": {"processing_info": {"state": "in_progress", "check_after_secs": 3}}}),
        httpx.Response(200, json={"data": {"processing_info": {"state": "succeeded"}}})])
    respx_mock.post("/2/tweets").respond(201, json={"data": {"id": "1"}})
    slept: list[float] = []
    XAdapter({"api_url": API}, sleep=slept.append).publish(
        _job(text="v", media=(MediaItem(url="u", kind="video", content_type="video/mp4", path=str(path)),)))
    assert status.call_count == 2 and slept == [2.0, 3.0]


@pytest.mark.parametrize(("response", "error"), [
    (httpx.Response(429, headers={"x-rate-limit-reset": "1900000000"}, json={"title": "Too Many Requests"}),
     RateLimited),
    (httpx.Response(401, json={"title": "Unauthorized"}), AuthExpired),
    (httpx.Response(403, json={"detail": "You are not allowed to create a Tweet with duplicate content."}),
     Permanent),
    (httpx.Response(400, json={"errors": [{"message": "Invalid"}]}), Permanent),
    (httpx.Response(503), Transient),
    (httpx.TimeoutException("slow"), OutcomeUnknown),
])
def test_tweet_errors_map_to_typed_errors(response, error):
    with respx.mock(base_url=API) as respx_mock, pytest.raises(error) as raised:
        route = respx_mock.post("/2/tweets")
        if isinstance(response, Exception):
            route.mock(side_effect=response)
        else:
            route.mock(return_value=response)
        XAdapter({"api_url": API}).publish(_job(text="hi"))
    if error is RateLimited:
        assert int(raised.value.retry_at.timestamp()) == 1900000000


@respx.mock(base_url=API)
def test_thread_replies_chain(respx_mock):
    route = respx_mock.post("/2/tweets").mock(side_effect=[
        httpx.Response(201, json={"data": {"id": "1"}}), httpx.Response(201, json={"data": {"id": "2"}})])
    result = XAdapter({"api_url": API}).publish(_job(text="a", options={"thread": ["b"]}))
    assert json.loads(route.calls[1].request.content) == {"text": "b", "reply": {"in_reply_to_tweet_id": "1"}}
    assert result.details["thread_ids"] == ["1", "2"]


@respx.mock(base_url=API)
def test_refresh_rotates_and_invalid_grant_is_auth_expired(respx_mock):
    from adapters.base import TokenSet
    route = respx_mock.post("/2/oauth2/token").mock(side_effect=[
        httpx.Response(200, json={"access_token": "A2", "refresh_token": "R2", "expires_in": 7200,
                                  "scope": "tweet.write offline.access"}),
        httpx.Response(400, json={"error": "invalid_request", "error_description": "Value passed for the token "
                                  "was invalid."})])
    adapter = XAdapter({"api_url": API, "client_id": "cid", "client_secret": "sec"})
    fresh = adapter.refresh_credentials(TokenSet(access_token="A1", refresh_token="R1"))
    assert (fresh.access_token, fresh.refresh_token) == ("A2", "R2") and "offline.access" in fresh.scopes
    assert route.calls[0].request.content == b"grant_type=refresh_token&refresh_token=R1&client_id=cid"
    assert route.calls[0].request.headers["Authorization"].startswith("Basic ")
    with pytest.raises(AuthExpired):
        adapter.refresh_credentials(fresh)


def test_authorize_url_requires_pkce():
    url = XAdapter({"authorize_url": "https://x.test/i/oauth2/authorize", "client_id": "c"}).authorize_url(
        "s", "https://w/cb", "CH")
    assert "code_challenge=CH" in url and "code_challenge_method=S256" in url and "offline.access" in url
    with pytest.raises(ValueError):
        XAdapter().authorize_url("s", "https://w/cb")
