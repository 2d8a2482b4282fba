"""Facebook Reels and Instagram resumable uploads through the real adapters against the simulator."""
from __future__ import annotations

import time

import httpx
import pytest

from adapters.base import OutcomeUnknown, Permanent
from adapters.facebook import FacebookPageAdapter
from adapters.instagram import InstagramAdapter
from tests.adapters.graph_fixtures import image, video
from tests.mp4 import mp4_bytes
from tests.simulator.server import fault, record, sim_settings
from tests.simulator.test_simulator import IG_ID, IG_NAME, PAGE_ID, PAGE_NAME, PAGE_TOKEN, _fb_job, _ig_job

REEL = {"media_type": "REELS"}


@pytest.fixture
def reel_file(tmp_path):
    path = tmp_path / "reel.mp4"
    path.write_bytes(mp4_bytes(15, audio_seconds=15, size=2 * 1024 * 1024 + 5))
    return path


def test_reel_bytes_reach_the_simulator_and_the_reel_is_published_once(sim_server, reel_file):
    adapter = FacebookPageAdapter(sim_settings(sim_server))
    item = video(url="http://127.0.0.1:5000/public/media/9/sig", path=str(reel_file), duration_seconds=15.0)
    result = adapter.publish(_fb_job(text="Reel HUT Balikpapan", media=[item], options=REEL))

    [entry] = record(sim_server, platform="facebook")
    assert entry["kind"] == "reel" and entry["action"] == "publish" and entry["account"] == PAGE_NAME
    assert entry["remote_id"] == result.remote_id and entry["text"] == "Reel HUT Balikpapan"
    size = reel_file.stat().st_size
    assert entry["media"] == [{"media_type": "VIDEO", "url": None, "bytes": size, "total": size}]
    assert entry["fields"]["video_state"] == "PUBLISHED" and entry["fields"]["upload_phase"] == "finish"
    assert result.permalink == f"https://www.facebook.com/reel/{result.remote_id}"
    assert result.details["processing"] is False  # publishing_phase complete within the polls
    assert adapter.find_published(_fb_job(text="Reel HUT Balikpapan", media=[item],
                                          options=REEL)).remote_id == result.remote_id


def test_reel_from_public_url_is_fetched_by_the_platform(sim_server):
    adapter = FacebookPageAdapter(sim_settings(sim_server))
    adapter.publish(_fb_job(media=[video(url="https://media.balikpapan.go.id/v.mp4")], options=REEL))
    [entry] = record(sim_server, platform="facebook")
    assert entry["media"][0]["url"] == "https://media.balikpapan.go.id/v.mp4"
    assert entry["media"][0]["file_url"] == "https://media.balikpapan.go.id/v.mp4"


def test_reel_phases_seen_through_the_status_endpoint(sim_server, reel_file):
    graph = f"{sim_server}/graph.facebook.com/v25.0"
    auth = {"Authorization": f"Bearer {PAGE_TOKEN}"}
    start = httpx.post(f"{graph}/{PAGE_ID}/video_reels", data={"upload_phase": "start"}, headers=auth).json()
    video_id = start["video_id"]
    assert start["upload_url"] == f"https://rupload.facebook.com/video-upload/v25.0/{video_id}"

    def status() -> dict:
        return httpx.get(f"{graph}/{video_id}", params={"fields": "status"}, headers=auth).json()["status"]

    assert status()["uploading_phase"] == {"status": "not_started", "bytes_transferred": 0}
    early = httpx.post(f"{graph}/{PAGE_ID}/video_reels", headers=auth, data={
        "upload_phase": "finish", "video_id": video_id, "video_state": "PUBLISHED"})
    assert early.status_code == 400 and early.json()["error"]["code"] == 100
    upload_url = f"{sim_server}/rupload.facebook.com/video-upload/v25.0/{video_id}"
    no_offset = httpx.post(upload_url, content=b"x", headers={"Authorization": f"OAuth {PAGE_TOKEN}"})
    assert no_offset.status_code == 400
    assert no_offset.json()["debug_info"]["type"] == "ParameterValidationError"
    data = reel_file.read_bytes()
    half = len(data) // 2
    upload = {"Authorization": f"OAuth {PAGE_TOKEN}", "file_size": str(len(data))}
    assert httpx.post(upload_url, content=data[:half], headers={**upload, "offset": "0"}).json() == {"success": True}
    assert status()["uploading_phase"]["status"] == "in_progress"
    wrong = httpx.post(upload_url, content=data[half:], headers={**upload, "offset": "0"})
    assert wrong.status_code == 400 and "offset" in wrong.json()["debug_info"]["message"]
    httpx.post(upload_url, content=data[half:], headers={**upload, "offset": str(half)})
    first = status()
    assert first["uploading_phase"] == {"status": "complete", "bytes_transferred": len(data)}
    assert first["processing_phase"]["status"] in ("in_progress", "complete")
    finish = httpx.post(f"{graph}/{PAGE_ID}/video_reels", headers=auth, data={
        "upload_phase": "finish", "video_id": video_id, "video_state": "PUBLISHED", "description": "Halo"})
    assert finish.json() == {"success": True}
    for _ in range(3):
        final = status()
    assert final["video_status"] == "ready" and final["publishing_phase"]["status"] == "complete"
    assert final["publishing_phase"]["publish_status"] == "published"
    assert record(sim_server, platform="facebook")[0]["media"][0]["bytes"] == len(data)


def test_reel_finish_timeout_is_unknown_and_reconciled_without_a_second_reel(sim_server, reel_file):
    adapter = FacebookPageAdapter(sim_settings(sim_server, timeout=1))
    fault(sim_server, endpoint="fb.reels_finish", delay=1.5)
    item = video(url="http://127.0.0.1/m", path=str(reel_file))
    with pytest.raises(OutcomeUnknown):
        adapter.publish(_fb_job(text="Reel pasar murah", media=[item], options=REEL))
    time.sleep(1.0)  # the platform finishes the Reel after the client gave up
    assert adapter.find_published(_fb_job(text="Reel pasar murah", media=[item], options=REEL)) is not None
    assert len(record(sim_server, platform="facebook", action="publish")) == 1


def test_reel_upload_fault_is_classified(sim_server, reel_file):
    fault(sim_server, endpoint="fb.rupload", status=400, body={"debug_info": {
        "retriable": False, "type": "ProcessingFailedError", "message": "Request processing failed"}})
    with pytest.raises(Permanent, match="Request processing failed"):
        FacebookPageAdapter(sim_settings(sim_server)).publish(_fb_job(
            media=[video(url="http://127.0.0.1/m", path=str(reel_file))], options=REEL))
    assert record(sim_server) == []


def test_instagram_reel_resumable_upload_reaches_the_record(sim_server, reel_file):
    adapter = InstagramAdapter(sim_settings(sim_server))
    item = video(url="http://localhost:5000/public/media/3/sig", path=str(reel_file), duration_seconds=15.0)
    result = adapter.publish(_ig_job(text="Reel posyandu", media=[item]))
    [entry] = record(sim_server, platform="instagram")
    size = reel_file.stat().st_size
    assert entry["kind"] == "REELS" and entry["account"] == IG_NAME and entry["remote_id"] == result.remote_id
    assert entry["media"] == [{"url": None, "media_type": "REELS", "alt_text": None, "bytes": size, "total": size}]
    assert entry["fields"]["upload_type"] == "resumable" and "video_url" not in entry["fields"]


def test_instagram_carousel_with_an_uploaded_video_item(sim_server, reel_file):
    adapter = InstagramAdapter(sim_settings(sim_server, video_upload="upload"))
    adapter.publish(_ig_job(media=[image(), video(url="https://media.balikpapan.go.id/v.mp4", path=str(reel_file))]))
    [entry] = record(sim_server, platform="instagram")
    assert entry["kind"] == "CAROUSEL"
    assert entry["media"][0]["url"] == "https://warta.test/public/media/1/sig"
    assert entry["media"][1]["bytes"] == reel_file.stat().st_size and entry["media"][1]["url"] is None


def test_instagram_container_waiting_for_its_upload_cannot_be_published(sim_server):
    graph = f"{sim_server}/graph.facebook.com/v25.0"
    auth = {"Authorization": f"Bearer {PAGE_TOKEN}"}
    created = httpx.post(f"{graph}/{IG_ID}/media", headers=auth, data={
        "media_type": "REELS", "upload_type": "resumable", "caption": "x"}).json()
    assert created["uri"] == f"https://rupload.facebook.com/ig-api-upload/v25.0/{created['id']}"
    for _ in range(3):
        status = httpx.get(f"{graph}/{created['id']}", params={"fields": "status_code"}, headers=auth).json()
    assert status["status_code"] == "IN_PROGRESS"  # nothing uploaded: never finishes
    refused = httpx.post(f"{graph}/{IG_ID}/media_publish", headers=auth, data={"creation_id": created["id"]})
    assert refused.json()["error"]["error_subcode"] == 2207027
    foreign = httpx.post(f"{sim_server}/rupload.facebook.com/ig-api-upload/{created['id']}", content=b"abc",
                         headers={"Authorization": "OAuth sim-page-token-dinkes", "offset": "0"})
    assert foreign.status_code == 400 and foreign.json()["error"]["code"] == 200  # another Page's token
