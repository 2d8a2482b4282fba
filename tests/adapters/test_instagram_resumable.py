"""Instagram resumable upload for videos: `upload_type=resumable` container → bytes to the rupload `uri`
→ `status_code` polls → `media_publish` (Instagram Platform, "Upload Video to Meta Servers"), and when
Warta chooses it (`adapters.graph.video_source`)."""
from __future__ import annotations

import httpx
import pytest
import respx

from adapters.base import Permanent
from adapters.graph import is_public_url, video_source
from adapters.instagram import InstagramAdapter
from tests.adapters.graph_fixtures import IG_USER, SETTINGS, TOKEN, V, form, image, job, video
from tests.mp4 import mp4_bytes

RUPLOAD = "https://rupload.test"
CONTAINER = "17900000000000009"
URI = f"https://rupload.facebook.com/ig-api-upload/v25.0/{CONTAINER}"


@pytest.fixture
def adapter() -> InstagramAdapter:
    return InstagramAdapter({**SETTINGS, "rupload_url": RUPLOAD})


@pytest.fixture
def reel_file(tmp_path):
    path = tmp_path / "reel.mp4"
    path.write_bytes(mp4_bytes(20, audio_seconds=20, size=1536 * 1024))
    return path


def _mock_publish(container: str = CONTAINER) -> respx.Route:
    respx.get(f"{V}/{IG_USER}/content_publishing_limit").mock(return_value=httpx.Response(200, json={
        "data": [{"quota_usage": 0, "config": {"quota_total": 50, "quota_duration": 86400}}]}))
    respx.get(f"{V}/{container}").mock(side_effect=[
        httpx.Response(200, json={"id": container, "status_code": "IN_PROGRESS", "status": "In Progress"}),
        httpx.Response(200, json={"id": container, "status_code": "FINISHED", "status": "Finished"})])
    respx.get(f"{V}/m1").mock(return_value=httpx.Response(200, json={"permalink": "https://ig/reel/m1"}))
    return respx.post(f"{V}/{IG_USER}/media_publish").mock(return_value=httpx.Response(200, json={"id": "m1"}))


@respx.mock
def test_reel_with_a_private_url_is_uploaded_resumably(adapter, reel_file):
    create = respx.post(f"{V}/{IG_USER}/media").mock(return_value=httpx.Response(200, json={
        "id": CONTAINER, "uri": URI}))
    upload = respx.post(f"{RUPLOAD}/ig-api-upload/v25.0/{CONTAINER}").mock(return_value=httpx.Response(200, json={
        "success": True, "message": "Upload successful."}))
    publish = _mock_publish()
    item = video(url="http://192.168.10.5/public/media/2/sig", path=str(reel_file))
    result = adapter.publish(job(IG_USER, text="Reel banjir", media=[item]))

    assert form(create.calls.last.request) == {"caption": "Reel banjir", "media_type": "REELS",
                                               "share_to_feed": "true", "upload_type": "resumable"}
    sent = upload.calls.last.request
    size = reel_file.stat().st_size
    assert sent.headers["Authorization"] == f"OAuth {TOKEN}"
    assert (sent.headers["offset"], sent.headers["file_size"], sent.headers["Content-Length"]) == (
        "0", str(size), str(size))
    assert sent.content == reel_file.read_bytes()
    assert form(publish.calls.last.request) == {"creation_id": CONTAINER}
    assert result.remote_id == "m1"


@respx.mock
def test_setting_url_keeps_video_url_even_for_a_local_file(reel_file):
    adapter = InstagramAdapter({**SETTINGS, "rupload_url": RUPLOAD, "video_upload": "url"})
    create = respx.post(f"{V}/{IG_USER}/media").mock(return_value=httpx.Response(200, json={"id": CONTAINER}))
    _mock_publish()
    adapter.publish(job(IG_USER, media=[video(url="http://127.0.0.1/v.mp4", path=str(reel_file))]))
    assert form(create.calls.last.request)["video_url"] == "http://127.0.0.1/v.mp4"
    assert "upload_type" not in form(create.calls.last.request)


@respx.mock
def test_carousel_video_item_and_story_video_upload_resumably(reel_file):
    adapter = InstagramAdapter({**SETTINGS, "rupload_url": RUPLOAD, "video_upload": "upload"})
    create = respx.post(f"{V}/{IG_USER}/media").mock(side_effect=[
        httpx.Response(200, json={"id": "k1"}),
        httpx.Response(200, json={"id": "k2", "uri": "https://rupload.facebook.com/ig-api-upload/v25.0/k2"}),
        httpx.Response(200, json={"id": CONTAINER})])
    upload = respx.post(f"{RUPLOAD}/ig-api-upload/v25.0/k2").mock(return_value=httpx.Response(200, json={
        "success": True}))
    for cid in ("k1", "k2"):
        respx.get(f"{V}/{cid}").mock(return_value=httpx.Response(200, json={"status_code": "FINISHED"}))
    _mock_publish()
    adapter.publish(job(IG_USER, media=[image(), video(url="https://media.go.id/v.mp4", path=str(reel_file))]))
    item_form = form(create.calls[1].request)
    assert item_form == {"is_carousel_item": "true", "media_type": "VIDEO", "upload_type": "resumable"}
    assert upload.calls.last.request.content == reel_file.read_bytes()

    respx.post(f"{V}/{IG_USER}/media").mock(return_value=httpx.Response(200, json={"id": CONTAINER, "uri": URI}))
    story_upload = respx.post(f"{RUPLOAD}/ig-api-upload/v25.0/{CONTAINER}").mock(
        return_value=httpx.Response(200, json={"success": True}))
    _mock_publish()
    adapter.publish(job(IG_USER, media=[video(path=str(reel_file), duration_seconds=20.0)],
                        options={"media_type": "STORIES"}))
    assert story_upload.call_count == 1


@respx.mock
def test_rupload_refusal_is_permanent_and_nothing_is_published(adapter, reel_file):
    respx.post(f"{V}/{IG_USER}/media").mock(return_value=httpx.Response(200, json={"id": CONTAINER, "uri": URI}))
    respx.get(f"{V}/{IG_USER}/content_publishing_limit").mock(return_value=httpx.Response(200, json={"data": []}))
    respx.post(f"{RUPLOAD}/ig-api-upload/v25.0/{CONTAINER}").mock(return_value=httpx.Response(400, json={
        "debug_info": {"retriable": False, "type": "ProcessingFailedError", "message": "Request processing failed"}}))
    publish = respx.post(f"{V}/{IG_USER}/media_publish")
    with pytest.raises(Permanent, match="Request processing failed"):
        adapter.publish(job(IG_USER, media=[video(url="http://localhost/v.mp4", path=str(reel_file))]))
    assert publish.call_count == 0


@pytest.mark.parametrize(("url", "public"), [
    ("https://warta.balikpapan.go.id/public/media/1/x", True), ("http://36.91.10.20/m", True),
    ("http://203.0.113.9/m", False),
    ("https://[2001:db8::1]/m", False), ("http://127.0.0.1:5000/m", False), ("http://10.1.2.3/m", False),
    ("http://192.168.1.20/m", False), ("http://localhost:5000/m", False), ("http://warta/m", False),
    ("https://warta.pemkot.local/m", False), ("http://warta.internal/m", False), ("http://[::1]/m", False),
    ("http://169.254.1.1/m", False)])
def test_is_public_url_without_dns(url, public):
    assert is_public_url(url) is public


def test_video_source_modes(tmp_path):
    local = video(url="http://127.0.0.1/m", path=str(tmp_path / "v.mp4"))
    public = video(url="https://media.balikpapan.go.id/m", path=str(tmp_path / "v.mp4"))
    assert video_source({}, local) == "upload" and video_source({}, public) == "url"
    assert video_source({"video_upload": "upload"}, public) == "upload"
    assert video_source({"video_upload": "url"}, local) == "url"
    assert video_source({"video_upload": "upload"}, video(url="http://127.0.0.1/m")) == "url"  # no local file
