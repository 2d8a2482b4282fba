"""The simulator blueprints answer like the platforms: error bodies, headers, PKCE, ranges, feeds."""
from __future__ import annotations

import io

import pytest

from simulator import create_app
from simulator.state import SimState


@pytest.fixture
def sim_client():
    app = create_app()
    return app.test_client(), app.extensions["sim_state"]


def _bearer(state: SimState, platform: str, account: str) -> dict:
    return {"Authorization": f"Bearer {state.issue(platform, account, ())['access_token']}"}


def test_x_rate_limit_has_reset_headers_and_problem_body(sim_client):
    client, state = sim_client
    state.add_named_fault("x.tweets", "rate_limit")
    resp = client.post("/x/2/tweets", json={"text": "hi"}, headers=_bearer(state, "x", "1001"))
    assert resp.status_code == 429 and int(resp.headers["x-rate-limit-reset"]) > 0
    assert resp.headers["x-rate-limit-remaining"] == "0" and resp.json["title"] == "Too Many Requests"
    assert client.post("/x/2/tweets", json={"text": "hi"}).status_code == 401  # no token


def test_x_rejects_overlong_duplicate_and_unknown_media(sim_client):
    client, state = sim_client
    auth = _bearer(state, "x", "1001")
    assert client.post("/x/2/tweets", json={"text": "字" * 141}, headers=auth).status_code == 400
    assert client.post("/x/2/tweets", json={"text": "a", "media": {"media_ids": ["9"]}},
                       headers=auth).status_code == 400
    assert client.post("/x/2/tweets", json={"text": "same"}, headers=auth).status_code == 201
    dup = client.post("/x/2/tweets", json={"text": "same"}, headers=auth)
    assert dup.status_code == 403 and "duplicate" in dup.json["detail"]
    assert len(state.published("x")) == 1


def test_x_authorize_requires_pkce_and_token_checks_verifier(sim_client):
    client, state = sim_client
    assert client.get("/x/i/oauth2/authorize?client_id=c&redirect_uri=http://cb&state=s").status_code == 400
    code = state.new_code("x", "1001", redirect_uri="http://cb", challenge="wrong", scope="")
    resp = client.post("/x/2/oauth2/token", data={"grant_type": "authorization_code", "code": code,
                                                  "redirect_uri": "http://cb", "code_verifier": "v"})
    assert resp.status_code == 400 and resp.json["error"] == "invalid_request"


def test_x_finalize_checks_size(sim_client):
    client, state = sim_client
    auth = _bearer(state, "x", "1001")
    media_id = client.post("/x/2/media/upload/initialize", json={"media_type": "image/png", "total_bytes": 5},
                           headers=auth).json["data"]["id"]
    client.post(f"/x/2/media/upload/{media_id}/append", data={"segment_index": "0", "media": (io.BytesIO(b"abc"), "b")},
                headers=auth)
    assert client.post(f"/x/2/media/upload/{media_id}/finalize", headers=auth).status_code == 400


def test_tiktok_quota_codes_and_error_envelope(sim_client):
    client, state = sim_client
    auth = _bearer(state, "tiktok", "tt-open-1")
    state.add_named_fault("tiktok.creator_info", "spam_risk")
    resp = client.post("/tiktok/v2/post/publish/creator_info/query/", headers=auth)
    assert resp.status_code == 200 and resp.json["error"]["code"] == "spam_risk_too_many_posts"
    state.add_named_fault("tiktok.video_init", "spam_risk")
    assert client.post("/tiktok/v2/post/publish/video/init/", json={}, headers=auth).status_code == 403
    resp = client.post("/tiktok/v2/post/publish/creator_info/query/", headers={"Authorization": "Bearer nope"})
    assert resp.status_code == 401 and resp.json["error"]["code"] == "access_token_invalid"
    assert set(resp.json["error"]) == {"code", "message", "log_id"}


def test_tiktok_upload_ranges_and_pull_verification(sim_client):
    client, state = sim_client
    auth = _bearer(state, "tiktok", "tt-open-1")
    init = client.post("/tiktok/v2/post/publish/video/init/", headers=auth, json={
        "post_info": {"privacy_level": "SELF_ONLY"},
        "source_info": {"source": "FILE_UPLOAD", "video_size": 10, "chunk_size": 10, "total_chunk_count": 1}})
    url = init.json["data"]["upload_url"].replace("http://localhost", "")
    assert client.put(url, data=b"12345", headers={"Content-Range": "bytes 5-9/10"}).status_code == 416
    assert client.put(url, data=b"12345", headers={"Content-Range": "bytes 0-4/10"}).status_code == 206
    assert client.put(url, data=b"67890", headers={"Content-Range": "bytes 5-9/10"}).status_code == 201
    state.scratch("tiktok")["settings"]["verified_prefixes"] = ["https://media.example/"]
    resp = client.post("/tiktok/v2/post/publish/video/init/", headers=auth, json={
        "post_info": {"privacy_level": "SELF_ONLY"},
        "source_info": {"source": "PULL_FROM_URL", "video_url": "https://elsewhere.example/v.mp4"}})
    assert resp.status_code == 403 and resp.json["error"]["code"] == "url_ownership_unverified"


def test_youtube_error_body_and_tokeninfo(sim_client):
    client, state = sim_client
    auth = _bearer(state, "youtube", "UCdemo0001")
    state.add_named_fault("youtube.videos_insert", "quota")
    resp = client.post("/youtube/upload/youtube/v3/videos?uploadType=resumable&part=snippet",
                       json={"snippet": {"title": "t"}}, headers=auth)
    assert resp.status_code == 403 and resp.json["error"]["errors"][0]["reason"] == "quotaExceeded"
    token = auth["Authorization"].removeprefix("Bearer ")
    assert client.get(f"/youtube/tokeninfo?access_token={token}").json["access_type"] == "offline"
    assert client.get("/youtube/tokeninfo?access_token=nope").status_code == 400


def test_feed_page_shows_published_posts(sim_client):
    client, state = sim_client
    client.post("/x/2/tweets", json={"text": "<b>halo</b>"}, headers=_bearer(state, "x", "1001"))
    page = client.get("/_sim/feed/x/1001")
    assert page.status_code == 200 and "&lt;b&gt;halo" in page.text
