"""Instagram adapter: exact requests per endpoint (respx), validation, errors, find_published."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import respx

from adapters.base import AuthExpired, Permanent, RateLimited, Transient
from adapters.instagram import InstagramAdapter
from tests.adapters.graph_fixtures import IG_USER, SETTINGS, TOKEN, V, collab, form, image, job, video


@pytest.fixture
def adapter() -> InstagramAdapter:
    return InstagramAdapter(SETTINGS)


def _quota(used: int = 3) -> httpx.Response:
    return httpx.Response(200, json={"data": [{"quota_usage": used,
                                               "config": {"quota_total": 50, "quota_duration": 86400}}]})


@respx.mock
def test_publish_single_image_container_poll_publish(adapter):
    quota = respx.get(f"{V}/{IG_USER}/content_publishing_limit").mock(return_value=_quota())
    create = respx.post(f"{V}/{IG_USER}/media").mock(return_value=httpx.Response(200, json={"id": "c1"}))
    status = respx.get(f"{V}/c1").mock(side_effect=[
        httpx.Response(200, json={"id": "c1", "status_code": "IN_PROGRESS", "status": "In Progress"}),
        httpx.Response(200, json={"id": "c1", "status_code": "FINISHED", "status": "Finished"})])
    publish = respx.post(f"{V}/{IG_USER}/media_publish").mock(return_value=httpx.Response(200, json={"id": "m1"}))
    respx.get(f"{V}/m1").mock(return_value=httpx.Response(200, json={"id": "m1", "permalink": "https://ig/p/m1"}))
    result = adapter.publish(job(IG_USER, media=[image(alt_text="Peta posyandu")],
                                 options={"user_tags": [{"username": "dinkesbpp", "x": 0.5, "y": 0.4}]}))
    assert (result.remote_id, result.permalink) == ("m1", "https://ig/p/m1")
    assert result.details["quota"] == {"used": 3, "total": 50, "window_seconds": 86400}
    assert dict(quota.calls.last.request.url.params) == {"fields": "quota_usage,config"}
    sent = create.calls.last.request
    assert sent.headers["Authorization"] == f"Bearer {TOKEN}"
    assert form(sent) == {"caption": "Halo Balikpapan #BalikpapanSehat", "image_url": "https://warta.test/public/media/1/sig",
                          "alt_text": "Peta posyandu",
                          "user_tags": '[{"username":"dinkesbpp","x":0.5,"y":0.4}]'}
    assert status.call_count == 2
    assert dict(status.calls.last.request.url.params) == {"fields": "status_code,status"}
    assert form(publish.calls.last.request) == {"creation_id": "c1"}


@respx.mock
def test_media_that_went_out_is_reported_even_when_its_permalink_cannot_be_read(adapter):
    """An error after media_publish must not look like "not published" (the pipeline would post twice)."""
    respx.get(f"{V}/{IG_USER}/content_publishing_limit").mock(return_value=_quota())
    respx.post(f"{V}/{IG_USER}/media").mock(return_value=httpx.Response(200, json={"id": "c1"}))
    respx.get(f"{V}/c1").mock(return_value=httpx.Response(200, json={"id": "c1", "status_code": "FINISHED"}))
    publish = respx.post(f"{V}/{IG_USER}/media_publish").mock(return_value=httpx.Response(200, json={"id": "m1"}))
    respx.get(f"{V}/m1").mock(return_value=httpx.Response(503, text="unavailable"))
    result = adapter.publish(job(IG_USER, media=[image()]))
    assert publish.call_count == 1
    assert (result.remote_id, result.permalink) == ("m1", None)


@respx.mock
def test_publish_carousel_with_collaborator_and_paid_partnership(adapter):
    respx.get(f"{V}/{IG_USER}/content_publishing_limit").mock(return_value=_quota())
    create = respx.post(f"{V}/{IG_USER}/media").mock(side_effect=[
        httpx.Response(200, json={"id": "k1"}), httpx.Response(200, json={"id": "k2"}),
        httpx.Response(200, json={"id": "parent"})])
    for cid in ("k1", "k2", "parent"):
        respx.get(f"{V}/{cid}").mock(return_value=httpx.Response(200, json={"status_code": "FINISHED"}))
    publish = respx.post(f"{V}/{IG_USER}/media_publish").mock(return_value=httpx.Response(200, json={"id": "m9"}))
    respx.get(f"{V}/m9").mock(return_value=httpx.Response(200, json={"permalink": "https://ig/p/m9"}))
    result = adapter.publish(job(IG_USER, media=[image(), video()],
                                 collaborations=[collab("@rina.influencer", paid=True)],
                                 options={"ai_generated": True}))
    first, second, parent = (form(c.request) for c in create.calls)
    assert first == {"is_carousel_item": "true", "image_url": "https://warta.test/public/media/1/sig"}
    assert second == {"is_carousel_item": "true", "media_type": "VIDEO",
                      "video_url": "https://warta.test/public/media/2/sig"}
    assert parent == {"media_type": "CAROUSEL", "children": "k1,k2", "caption": "Halo Balikpapan #BalikpapanSehat",
                      "collaborators": '["rina.influencer"]', "is_paid_partnership": "true",
                      "is_ai_generated": "true"}
    assert form(publish.calls.last.request) == {"creation_id": "parent"}
    assert result.remote_id == "m9" and result.details["kind"] == "carousel"


@respx.mock
def test_publish_reel_and_story_fields(adapter):
    respx.get(f"{V}/{IG_USER}/content_publishing_limit").mock(return_value=_quota())
    create = respx.post(f"{V}/{IG_USER}/media").mock(side_effect=[
        httpx.Response(200, json={"id": "r1"}), httpx.Response(200, json={"id": "s1"})])
    respx.get(path__regex=r"^/v25.0/(r1|s1)$").mock(return_value=httpx.Response(200, json={"status_code": "FINISHED"}))
    respx.post(f"{V}/{IG_USER}/media_publish").mock(return_value=httpx.Response(200, json={"id": "m"}))
    respx.get(f"{V}/m").mock(return_value=httpx.Response(200, json={"permalink": "p"}))
    adapter.publish(job(IG_USER, media=[video()], options={"cover_url": "https://warta.test/cover.jpg"}))
    adapter.publish(job(IG_USER, media=[image()], options={"media_type": "STORIES"}))
    reel, story = (form(c.request) for c in create.calls)
    assert reel == {"caption": "Halo Balikpapan #BalikpapanSehat", "media_type": "REELS",
                    "video_url": "https://warta.test/public/media/2/sig", "share_to_feed": "true",
                    "cover_url": "https://warta.test/cover.jpg"}
    assert story == {"media_type": "STORIES", "image_url": "https://warta.test/public/media/1/sig"}


@respx.mock
def test_publish_stops_on_container_error_and_bounds_polling(adapter):
    respx.get(f"{V}/{IG_USER}/content_publishing_limit").mock(return_value=_quota())
    respx.post(f"{V}/{IG_USER}/media").mock(return_value=httpx.Response(200, json={"id": "c"}))
    status = respx.get(f"{V}/c").mock(return_value=httpx.Response(200, json={"status_code": "IN_PROGRESS"}))
    with pytest.raises(Transient) as pending:
        adapter.publish(job(IG_USER, media=[image()]))
    assert pending.value.code == "container_pending" and status.call_count == SETTINGS["poll_max"]
    status.mock(return_value=httpx.Response(200, json={"status_code": "ERROR", "status": "Error: 2207026"}))
    with pytest.raises(Permanent, match="2207026"):
        adapter.publish(job(IG_USER, media=[image()]))


@respx.mock
def test_publish_refuses_when_publishing_quota_is_used_up(adapter):
    respx.get(f"{V}/{IG_USER}/content_publishing_limit").mock(return_value=_quota(50))
    create = respx.post(f"{V}/{IG_USER}/media")
    with pytest.raises(RateLimited):
        adapter.publish(job(IG_USER, media=[image()]))
    assert not create.called


@pytest.mark.parametrize(("code", "subcode", "error"), [
    (9, 2207042, RateLimited), (190, 463, AuthExpired), (4, 2207051, Permanent), (9007, 2207027, Transient),
    (25, 2207050, AuthExpired), (24, 2207008, Transient)])
@respx.mock
def test_publish_maps_media_publish_errors(adapter, code, subcode, error):
    respx.get(f"{V}/{IG_USER}/content_publishing_limit").mock(return_value=_quota())
    respx.post(f"{V}/{IG_USER}/media").mock(return_value=httpx.Response(200, json={"id": "c"}))
    respx.get(f"{V}/c").mock(return_value=httpx.Response(200, json={"status_code": "FINISHED"}))
    respx.post(f"{V}/{IG_USER}/media_publish").mock(return_value=httpx.Response(400, json={"error": {
        "message": "no", "type": "OAuthException", "code": code, "error_subcode": subcode, "fbtrace_id": "A"}}))
    with pytest.raises(error):
        adapter.publish(job(IG_USER, media=[image()]))


@respx.mock
def test_find_published_matches_marker_or_caption_after_schedule(adapter):
    now = datetime.now(UTC)
    route = respx.get(f"{V}/{IG_USER}/media").mock(return_value=httpx.Response(200, json={"data": [
        {"id": "old", "caption": "Halo Balikpapan #BalikpapanSehat",
         "timestamp": (now - timedelta(days=5)).strftime("%Y-%m-%dT%H:%M:%S+0000")},
        {"id": "other", "caption": "something else", "timestamp": now.strftime("%Y-%m-%dT%H:%M:%S+0000")}]}))
    assert adapter.find_published(job(IG_USER, scheduled_at=now - timedelta(minutes=1))) is None
    assert dict(route.calls.last.request.url.params) == {"fields": "id,caption,permalink,timestamp", "limit": "25"}
    route.mock(return_value=httpx.Response(200, json={"data": [
        {"id": "new", "caption": "Halo Balikpapan #BalikpapanSehat", "permalink": "https://ig/p/new",
         "timestamp": now.strftime("%Y-%m-%dT%H:%M:%S+0000")}]}))
    found = adapter.find_published(job(IG_USER, scheduled_at=now - timedelta(minutes=1)))
    assert found is not None and found.remote_id == "new"
    route.mock(return_value=httpx.Response(200, json={"data": [{"id": "mk", "caption": "x w7 y"}]}))
    assert adapter.find_published(job(IG_USER)).remote_id == "mk"


def test_validate_caption_limits_and_media_rules(adapter):
    text = "a" * 2201 + " #t" * 31 + " @u" * 21
    problems = adapter.validate(job(IG_USER, text=text).variant)
    codes = {p.code for p in problems}
    assert {"caption_too_long", "too_many_hashtags", "too_many_mentions", "media_required"} <= codes
    bad = [image(content_type="image/png"), image(size_bytes=9 * 1024 * 1024), image(width=1000, height=2000),
           video(duration_seconds=1.0), video(content_type="video/webm")]
    codes = [p.code for p in adapter.validate(job(IG_USER, media=bad).variant)]
    assert codes == ["image_not_jpeg", "image_too_large", "image_aspect", "video_duration", "video_format"]
    assert adapter.validate(job(IG_USER, media=[image()] * 11).variant)[0].code == "too_many_media"
    collabs = [collab(f"u{i}") for i in range(4)]
    assert [p.code for p in adapter.validate(job(IG_USER, media=[image()], collaborations=collabs).variant)] == [
        "too_many_collaborators"]
    story = job(IG_USER, media=[video(duration_seconds=61.0)], collaborations=[collab("x")],
                options={"media_type": "STORIES"})
    assert {p.code for p in adapter.validate(story.variant)} == {"video_duration", "story_collaborators"}
    assert adapter.validate(job(IG_USER, media=[image(), video()]).variant) == []


def test_validate_messages_translate_to_indonesian(app):
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("id"):
        message = InstagramAdapter(SETTINGS).validate(job(IG_USER).variant)[0].message
    assert "Instagram" in message and message != "An Instagram post needs at least one image or video."


def test_brand_tag_goes_to_sponsor_ids_not_collaborators(adapter):
    variant = job(IG_USER, media=[image()], collaborations=[collab("brand", paid=True, platform_user_id="555"),
                                                            collab("friend")]).variant
    assert adapter.disclosure_fields(variant) == {"collaborators": ["friend"], "branded_content_sponsor_ids": ["555"],
                                                  "is_paid_partnership": True}


def test_limits_are_declared_as_class_attributes():
    assert (InstagramAdapter.text_maxlen, InstagramAdapter.hashtag_max, InstagramAdapter.mention_max) == (2200, 30, 20)
    assert InstagramAdapter.collaborator_max == 3 and InstagramAdapter.requires_media
    assert json.dumps(sorted(InstagramAdapter.media_kinds)) == '["image", "video"]'
