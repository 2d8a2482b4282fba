"""TikTok adapter: validation, creator_info, the exact requests (respx) and every error code in PLATFORMS.md §5."""
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
    TokenSet,
    Transient,
    Variant,
)
from adapters.tiktok import TikTokAdapter, unaudited_notice

API = "https://tt.test"
CREATOR = {"creator_username": "dinas", "creator_nickname": "Dinas", "creator_avatar_url": "a",
           "privacy_level_options": ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"],
           "comment_disabled": True, "duet_disabled": False, "stitch_disabled": False,
           "max_video_post_duration_sec": 60}


def ok(data: dict) -> httpx.Response:
    return httpx.Response(200, json={"data": data, "error": {"code": "ok", "message": "", "log_id": "L"}})


def err(status: int, code: str) -> httpx.Response:
    return httpx.Response(status, json={"data": {}, "error": {"code": code, "message": code, "log_id": "L"}})


def _adapter(**settings) -> TikTokAdapter:
    return TikTokAdapter({"api_url": API, "audited": True, **settings}, sleep=lambda s: None)


def _job(**variant) -> PublishJob:
    return PublishJob(target_id=1, account=AccountRef(1, "open1", "dinas", {"access_token": "AT"}),
                      variant=Variant(**variant), idempotency_marker="mk")


def _video(path, size=12, duration=20.0) -> MediaItem:
    path.write_bytes(b"v" * size)
    return MediaItem(url="https://cdn.test/v.mp4", kind="video", content_type="video/mp4", path=str(path),
                     duration_seconds=duration)


def test_validate_requires_privacy_and_warns_unaudited_plainly():
    media = (MediaItem(url="https://x/v.mp4", kind="video", content_type="video/mp4"),)
    assert {p.code for p in _adapter().validate(Variant(text="t", media=media))} == {"tiktok_privacy_required"}
    unaudited = TikTokAdapter({"audited": False}).validate(
        Variant(text="t", media=media, options={"privacy_level": "PUBLIC_TO_EVERYONE"}))
    assert [p.message for p in unaudited] == [unaudited_notice()]
    assert "Only me" in unaudited_notice()
    photos = Variant(text="t", title="x" * 91, options={"privacy_level": "SELF_ONLY"},
                     media=(MediaItem(url="https://elsewhere/1.jpg", kind="image", content_type="image/jpeg"),))
    assert {p.code for p in _adapter().validate(photos)} == {"tiktok_title_too_long", "tiktok_photo_url_unverified"}


@respx.mock(base_url=API)
def test_creator_info_exposes_options_and_unaudited_notice(respx_mock):
    route = respx_mock.post("/v2/post/publish/creator_info/query/").mock(return_value=ok(CREATOR))
    info = TikTokAdapter({"api_url": API}).creator_info(AccountRef(1, "o", "d", {"access_token": "AT"}))
    assert info.privacy_level_options[0] == "PUBLIC_TO_EVERYONE" and info.max_video_post_duration_sec == 60
    assert info.notices == (unaudited_notice(),)
    assert route.calls[0].request.headers["Authorization"] == "Bearer AT"


@respx.mock(base_url=API, assert_all_called=True)
def test_file_upload_sends_exact_init_chunks_and_polls_status(respx_mock, tmp_path):
    respx_mock.post("/v2/post/publish/creator_info/query/").mock(return_value=ok(CREATOR))
    init = respx_mock.post("/v2/post/publish/video/init/").mock(
        return_value=ok({"publish_id": "p1", "upload_url": f"{API}/upload/u1"}))
    put = respx_mock.put("/upload/u1").mock(side_effect=[httpx.Response(206), httpx.Response(201)])
    status = respx_mock.post("/v2/post/publish/status/fetch/").mock(side_effect=[
        ok({"status": "PROCESSING_UPLOAD"}), ok({"status": "PUBLISH_COMPLETE", "publicaly_available_post_id": [55]})])
    result = _adapter(chunk_bytes=5, min_chunk_bytes=1).publish(_job(
        text="Hai #kota", media=(_video(tmp_path / "v.mp4", 12),),
        options={"privacy_level": "PUBLIC_TO_EVERYONE", "made_with_ai": True}))
    assert json.loads(init.calls[0].request.content) == {
        "post_info": {"title": "Hai #kota", "privacy_level": "PUBLIC_TO_EVERYONE", "disable_comment": True,
                      "brand_content_toggle": False, "brand_organic_toggle": False, "is_aigc": True,
                      "disable_duet": False, "disable_stitch": False},
        "source_info": {"source": "FILE_UPLOAD", "video_size": 12, "chunk_size": 5, "total_chunk_count": 2}}
    assert [c.request.headers["Content-Range"] for c in put.calls] == ["bytes 0-4/12", "bytes 5-11/12"]
    assert json.loads(status.calls[0].request.content) == {"publish_id": "p1"}
    assert result.remote_id == "55" and result.details["publish_id"] == "p1"


@respx.mock(base_url=API)
def test_pull_from_url_and_photo_post_bodies(respx_mock):
    respx_mock.post("/v2/post/publish/creator_info/query/").mock(return_value=ok(CREATOR))
    video_init = respx_mock.post("/v2/post/publish/video/init/").mock(return_value=ok({"publish_id": "p2"}))
    photo_init = respx_mock.post("/v2/post/publish/content/init/").mock(return_value=ok({"publish_id": "p3"}))
    respx_mock.post("/v2/post/publish/status/fetch/").mock(return_value=ok({"status": "PUBLISH_COMPLETE"}))
    adapter = _adapter(pull_url_prefixes=["https://media.test/"])
    adapter.publish(_job(text="v", options={"privacy_level": "SELF_ONLY"}, media=(
        MediaItem(url="https://media.test/v.mp4", kind="video", content_type="video/mp4"),)))
    assert json.loads(video_init.calls[0].request.content)["source_info"] == {
        "source": "PULL_FROM_URL", "video_url": "https://media.test/v.mp4"}
    adapter.publish(_job(text="desc", title="Judul", options={"privacy_level": "SELF_ONLY", "brand_organic": True},
                         media=tuple(MediaItem(url=f"https://media.test/{i}.jpg", kind="image",
                                               content_type="image/jpeg") for i in range(2))))
    assert json.loads(photo_init.calls[0].request.content) == {
        "post_info": {"title": "Judul", "description": "desc", "privacy_level": "SELF_ONLY", "disable_comment": True,
                      "brand_content_toggle": False, "brand_organic_toggle": True, "is_aigc": False,
                      "auto_add_music": False},
        "source_info": {"source": "PULL_FROM_URL", "photo_cover_index": 0,
                        "photo_images": ["https://media.test/0.jpg", "https://media.test/1.jpg"]},
        "post_mode": "DIRECT_POST", "media_type": "PHOTO"}


@pytest.mark.parametrize(("response", "error", "code"), [
    (err(200, "spam_risk_too_many_posts"), RateLimited, "spam_risk_too_many_posts"),
    (err(200, "reached_active_user_cap"), RateLimited, "reached_active_user_cap"),
    (err(401, "access_token_invalid"), AuthExpired, "access_token_invalid"),
    (err(401, "scope_not_authorized"), AuthExpired, "scope_not_authorized"),
    (err(429, "rate_limit_exceeded"), RateLimited, "rate_limit_exceeded"),
    (httpx.Response(502), Transient, "502"),
])
def test_creator_info_errors(response, error, code):
    with respx.mock(base_url=API) as mock, pytest.raises(error) as raised:
        mock.post("/v2/post/publish/creator_info/query/").mock(return_value=response)
        _adapter().publish(_job(text="t", options={"privacy_level": "SELF_ONLY"}, media=(
            MediaItem(url="https://x/v.mp4", kind="video", content_type="video/mp4"),)))
    assert raised.value.code == code


@pytest.mark.parametrize(("response", "error"), [
    (err(403, "spam_risk_too_many_posts"), RateLimited),
    (err(403, "spam_risk_user_banned_from_posting"), Permanent),
    (err(403, "unaudited_client_can_only_post_to_private_accounts"), Permanent),
    (err(403, "url_ownership_unverified"), Permanent),
    (err(403, "privacy_level_option_mismatch"), Permanent),
    (err(400, "invalid_param"), Permanent),
    (err(500, "internal_error"), Transient),
    (httpx.TimeoutException("slow"), OutcomeUnknown),
])
def test_init_errors(response, error):
    with respx.mock(base_url=API) as mock, pytest.raises(error):
        mock.post("/v2/post/publish/creator_info/query/").mock(return_value=ok(CREATOR))
        route = mock.post("/v2/post/publish/video/init/")
        route.mock(side_effect=response) if isinstance(response, Exception) else route.mock(return_value=response)
        _adapter(pull_url_prefixes=["https://m/"]).publish(_job(text="t", options={"privacy_level": "SELF_ONLY"},
                                                                media=(MediaItem(url="https://m/v.mp4", kind="video",
                                                                                 content_type="video/mp4"),)))


@pytest.mark.parametrize(("reason", "error"), [
    ("file_format_check_failed", Permanent), ("duration_check_failed", Permanent),
    ("frame_rate_check_failed", Permanent), ("picture_size_check_failed", Permanent),
    ("internal", Transient), ("video_pull_failed", Transient), ("photo_pull_failed", Transient),
    ("publish_cancelled", Permanent), ("auth_removed", AuthExpired), ("spam_risk_too_many_posts", RateLimited),
    ("spam_risk_text", Permanent),
])
def test_fail_reasons(reason, error):
    with respx.mock(base_url=API) as mock, pytest.raises(error) as raised:
        mock.post("/v2/post/publish/creator_info/query/").mock(return_value=ok(CREATOR))
        mock.post("/v2/post/publish/video/init/").mock(return_value=ok({"publish_id": "p"}))
        mock.post("/v2/post/publish/status/fetch/").mock(return_value=ok({"status": "FAILED", "fail_reason": reason}))
        _adapter(pull_url_prefixes=["https://m/"]).publish(_job(text="t", options={"privacy_level": "SELF_ONLY"},
                                                                media=(MediaItem(url="https://m/v.mp4", kind="video",
                                                                                 content_type="video/mp4"),)))
    assert raised.value.platform_message == reason


@respx.mock(base_url=API)
def test_still_processing_is_an_unknown_outcome_not_a_retry(respx_mock):
    respx_mock.post("/v2/post/publish/creator_info/query/").mock(return_value=ok(CREATOR))
    respx_mock.post("/v2/post/publish/video/init/").mock(return_value=ok({"publish_id": "p9"}))
    respx_mock.post("/v2/post/publish/status/fetch/").mock(return_value=ok({"status": "PROCESSING_DOWNLOAD"}))
    with pytest.raises(OutcomeUnknown, match="p9"):
        _adapter(pull_url_prefixes=["https://m/"], status_wait_max_seconds=9).publish(_job(
            text="t", options={"privacy_level": "SELF_ONLY"},
            media=(MediaItem(url="https://m/v.mp4", kind="video", content_type="video/mp4"),)))


@respx.mock(base_url=API, assert_all_called=False)
def test_creator_info_is_enforced(respx_mock, tmp_path):
    respx_mock.post("/v2/post/publish/creator_info/query/").mock(return_value=ok(
        {**CREATOR, "privacy_level_options": ["SELF_ONLY"]}))
    init = respx_mock.post("/v2/post/publish/video/init/")
    with pytest.raises(Permanent, match="privacy"):
        _adapter().publish(_job(text="t", options={"privacy_level": "PUBLIC_TO_EVERYONE"},
                                media=(_video(tmp_path / "a.mp4"),)))
    with pytest.raises(Permanent, match="longer"):
        _adapter().publish(_job(text="t", options={"privacy_level": "SELF_ONLY"},
                                media=(_video(tmp_path / "b.mp4", duration=61),)))
    assert not init.called


@respx.mock(base_url=API)
def test_refresh_keeps_the_newest_refresh_token(respx_mock):
    route = respx_mock.post("/v2/oauth/token/").mock(side_effect=[
        httpx.Response(200, json={"open_id": "o", "scope": "video.publish,user.info.basic", "access_token": "A2",
                                  "expires_in": 86400, "refresh_token": "R2", "refresh_expires_in": 31536000,
                                  "token_type": "Bearer"}),
        httpx.Response(400, json={"error": "invalid_grant", "error_description": "Refresh token is invalid",
                                  "log_id": "L"})])
    adapter = TikTokAdapter({"api_url": API, "client_key": "ck", "client_secret": "cs"})
    fresh = adapter.refresh_credentials(TokenSet(access_token="A1", refresh_token="R1"))
    assert (fresh.refresh_token, fresh.scopes) == ("R2", ("video.publish", "user.info.basic"))
    assert fresh.expires_at is not None and "refresh_expires_at" in fresh.extra
    assert route.calls[0].request.content == b"client_key=ck&client_secret=cs&grant_type=refresh_token&refresh_token=R1"
    with pytest.raises(AuthExpired):
        adapter.refresh_credentials(TokenSet(access_token="A1", refresh_token="R1"))
