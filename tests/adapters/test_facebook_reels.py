"""Facebook Reels: start → rupload → status → finish, exact requests per endpoint (respx).

Request and response shapes follow Meta's Reels Publishing guide (video-api/guides/reels-publishing):
`POST /{page}/video_reels upload_phase=start` → `{"video_id", "upload_url"}`; `POST <upload_url>` with
`Authorization: OAuth <token>` and `file_url` (hosted) or `offset`/`file_size` + the bytes → `{"success":
true}`; `GET /{video}?fields=status` → `status.{video_status, uploading_phase, processing_phase,
publishing_phase}`; `upload_phase=finish&video_state=PUBLISHED&description=...` → `{"success": true}`.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
import respx

from adapters.base import OutcomeUnknown, Permanent, Transient
from adapters.facebook import FacebookPageAdapter
from tests.adapters.graph_fixtures import PAGE, SETTINGS, TOKEN, V, collab, form, image, job, video
from tests.mp4 import mp4_bytes

RUPLOAD = "https://rupload.test"
VIDEO_ID = "1090000000000001"
# What the platform answers at start: the real upload host; Warta keeps only the path.
UPLOAD_URL = f"https://rupload.facebook.com/video-upload/v25.0/{VIDEO_ID}"
REEL = {"media_type": "REELS"}


def _status(uploading: str = "complete", processing: str = "not_started", publishing: str = "not_started",
            video_status: str = "upload_complete", **extra) -> httpx.Response:
    body = {"id": VIDEO_ID, "status": {
        "video_status": video_status, "uploading_phase": {"status": uploading, "bytes_transferred": 5000, **extra},
        "processing_phase": {"status": processing}, "publishing_phase": {"status": publishing}}}
    return httpx.Response(200, json=body)


@pytest.fixture
def adapter() -> FacebookPageAdapter:
    return FacebookPageAdapter({**SETTINGS, "rupload_url": RUPLOAD})


def _mock_start_and_upload() -> tuple[respx.Route, respx.Route]:
    start_or_finish = respx.post(f"{V}/{PAGE}/video_reels").mock(side_effect=[
        httpx.Response(200, json={"video_id": VIDEO_ID, "upload_url": UPLOAD_URL}),
        httpx.Response(200, json={"success": True})])
    upload = respx.post(f"{RUPLOAD}/video-upload/v25.0/{VIDEO_ID}").mock(
        return_value=httpx.Response(200, json={"success": True}))
    return start_or_finish, upload


@respx.mock
def test_reel_from_a_public_url_goes_start_upload_status_finish(adapter):
    reels, upload = _mock_start_and_upload()
    status = respx.get(f"{V}/{VIDEO_ID}", params={"fields": "status"}).mock(side_effect=[
        _status(), _status(processing="complete", publishing="complete", video_status="ready")])
    permalink = respx.get(f"{V}/{VIDEO_ID}", params={"fields": "permalink_url"}).mock(
        return_value=httpx.Response(200, json={"permalink_url": f"/reel/{VIDEO_ID}", "id": VIDEO_ID}))
    item = video(url="https://media.balikpapan.go.id/public/media/2/sig", duration_seconds=30.0)
    result = adapter.publish(job(PAGE, text="Festival Teluk Balikpapan", media=[item], options=REEL))

    start, finish = (form(c.request) for c in reels.calls)
    assert start == {"upload_phase": "start"}
    sent = upload.calls.last.request
    assert sent.headers["Authorization"] == f"OAuth {TOKEN}"
    assert sent.headers["file_url"] == "https://media.balikpapan.go.id/public/media/2/sig"
    assert sent.headers["offset"] == "0" and sent.content == b""
    assert finish == {"upload_phase": "finish", "video_id": VIDEO_ID, "video_state": "PUBLISHED",
                      "description": "Festival Teluk Balikpapan"}
    assert all(c.request.headers["Authorization"] == f"Bearer {TOKEN}" for c in reels.calls)
    assert status.call_count == 2 and permalink.call_count == 1
    assert (result.remote_id, result.permalink) == (VIDEO_ID, f"https://www.facebook.com/reel/{VIDEO_ID}")
    assert result.details == {"kind": "reel", "video_id": VIDEO_ID, "native_scheduled": False, "processing": False}


@respx.mock
def test_reel_whose_url_is_not_public_sends_the_file_bytes(adapter, tmp_path):
    path = tmp_path / "reel.mp4"
    path.write_bytes(mp4_bytes(12, size=3 * 1024 * 1024 + 17))  # more than one 1 MiB read
    _reels, upload = _mock_start_and_upload()
    respx.get(f"{V}/{VIDEO_ID}", params={"fields": "status"}).mock(
        return_value=_status(processing="complete", publishing="complete", video_status="ready"))
    respx.get(f"{V}/{VIDEO_ID}", params={"fields": "permalink_url"}).mock(
        return_value=httpx.Response(200, json={"permalink_url": "https://fb/reel"}))
    item = video(url="http://127.0.0.1:5000/public/media/2/sig", path=str(path), duration_seconds=12.0)
    adapter.publish(job(PAGE, media=[item], options=REEL))
    sent = upload.calls.last.request
    assert "file_url" not in sent.headers
    assert sent.headers["offset"] == "0" and sent.headers["file_size"] == str(path.stat().st_size)
    assert sent.headers["Content-Length"] == str(path.stat().st_size)
    assert sent.content == path.read_bytes()


@respx.mock
def test_reel_with_native_schedule_is_finished_as_scheduled(adapter):
    reels, _upload = _mock_start_and_upload()
    status = respx.get(f"{V}/{VIDEO_ID}", params={"fields": "status"}).mock(return_value=_status())
    respx.get(f"{V}/{VIDEO_ID}", params={"fields": "permalink_url"}).mock(
        return_value=httpx.Response(200, json={"permalink_url": "https://fb/reel"}))
    when = (datetime.now(UTC) + timedelta(hours=3)).replace(microsecond=0)
    result = adapter.publish(job(PAGE, media=[video()], options={**REEL, "native_schedule": True},
                                 scheduled_at=when))
    finish = form(reels.calls[1].request)
    assert finish["video_state"] == "SCHEDULED" and finish["scheduled_publish_time"] == str(int(when.timestamp()))
    assert status.call_count == 1  # only the upload is waited for; publishing happens later
    assert result.details["native_scheduled"] is True


@respx.mock
def test_upload_error_in_status_is_permanent_with_the_platform_words(adapter):
    reels, _upload = _mock_start_and_upload()
    respx.get(f"{V}/{VIDEO_ID}", params={"fields": "status"}).mock(return_value=_status(
        uploading="error", video_status="error", errors=[{"code": 1363040, "message": "Video file is corrupt"}]))
    with pytest.raises(Permanent) as caught:
        adapter.publish(job(PAGE, media=[video()], options=REEL))
    assert caught.value.platform_message == "Video file is corrupt" and caught.value.code == "1363040"
    assert reels.call_count == 1  # never finished


@respx.mock
def test_upload_still_in_progress_is_transient_and_nothing_is_finished(adapter):
    reels, _upload = _mock_start_and_upload()
    respx.get(f"{V}/{VIDEO_ID}", params={"fields": "status"}).mock(
        return_value=_status(uploading="in_progress", video_status="uploading"))
    with pytest.raises(Transient, match="still receiving"):
        adapter.publish(job(PAGE, media=[video()], options=REEL))
    assert reels.call_count == 1


@respx.mock
def test_timeout_on_finish_is_an_unknown_outcome(adapter):
    respx.post(f"{V}/{PAGE}/video_reels").mock(side_effect=[
        httpx.Response(200, json={"video_id": VIDEO_ID, "upload_url": UPLOAD_URL}), httpx.ReadTimeout("slow")])
    respx.post(f"{RUPLOAD}/video-upload/v25.0/{VIDEO_ID}").mock(return_value=httpx.Response(200, json={
        "success": True}))
    respx.get(f"{V}/{VIDEO_ID}", params={"fields": "status"}).mock(return_value=_status())
    with pytest.raises(OutcomeUnknown):
        adapter.publish(job(PAGE, media=[video()], options=REEL))


@respx.mock
@pytest.mark.parametrize(("retriable", "error"), [(False, Permanent), (True, Transient)])
def test_rupload_debug_info_errors_are_classified(adapter, retriable, error):
    respx.post(f"{V}/{PAGE}/video_reels").mock(return_value=httpx.Response(200, json={
        "video_id": VIDEO_ID, "upload_url": UPLOAD_URL}))
    respx.post(f"{RUPLOAD}/video-upload/v25.0/{VIDEO_ID}").mock(return_value=httpx.Response(400, json={
        "debug_info": {"retriable": retriable, "type": "ParameterValidationError",
                       "message": "HeaderValuePredicate: Header Offset not convertable to unsigned long"}}))
    with pytest.raises(error) as caught:
        adapter.publish(job(PAGE, media=[video()], options=REEL))
    assert "Offset" in caught.value.platform_message and caught.value.code == "ParameterValidationError"


@respx.mock
def test_find_published_reel_looks_in_the_page_reels(adapter):
    reels = respx.get(f"{V}/{PAGE}/video_reels").mock(return_value=httpx.Response(200, json={"data": [
        {"id": "1", "description": "lain"}, {"id": VIDEO_ID, "description": "Halo Balikpapan #BalikpapanSehat",
                                             "permalink_url": f"/reel/{VIDEO_ID}"}]}))
    found = adapter.find_published(job(PAGE, media=[video()], options=REEL))
    assert (found.remote_id, found.permalink) == (VIDEO_ID, f"https://www.facebook.com/reel/{VIDEO_ID}")
    assert reels.calls.last.request.url.params["fields"] == "id,description,updated_time,permalink_url"


def test_validate_reel_rules_and_video_durations(adapter):
    def codes(media, options=REEL, collaborations=()):
        return [p.code for p in adapter.validate(job(PAGE, media=media, options=options,
                                                     collaborations=collaborations).variant)]

    assert codes([video(duration_seconds=3.0)]) == [] and codes([video(duration_seconds=90.0)]) == []
    assert codes([video(duration_seconds=2.5)]) == ["reel_duration"]
    assert codes([video(duration_seconds=91.0)]) == ["reel_duration"]
    assert codes([video(duration_seconds=None)]) == []  # unknown: the platform decides
    assert codes([image()]) == ["reel_one_video"]
    assert codes([video()], collaborations=[collab("Brand", paid=True, platform_user_id="9")]) == ["reel_branded"]
    assert codes([video(duration_seconds=91.0)], options={}) == []  # an ordinary Page video
    assert codes([video(duration_seconds=5 * 3600.0)], options={}) == ["video_too_long"]


def test_reel_duration_message_in_indonesian(app):
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("id"):
        problem = FacebookPageAdapter(SETTINGS).validate(
            job(PAGE, media=[video(duration_seconds=120.0)], options=REEL).variant)[0]
    assert problem.message == "Item 1: Reel Facebook harus berdurasi antara 3 dan 90 detik (yang ini: 120)."


@respx.mock
def test_after_finish_a_failed_status_check_is_reported_not_raised(adapter):
    reels, _upload = _mock_start_and_upload()
    respx.get(f"{V}/{VIDEO_ID}", params={"fields": "status"}).mock(side_effect=[
        _status(), httpx.ConnectError("reset")])
    result = adapter.publish(job(PAGE, media=[video()], options=REEL))
    assert reels.call_count == 2  # finished once; a retry now would post the Reel twice
    assert result.remote_id == VIDEO_ID and result.permalink is None
    assert result.details["status_unknown"] == "Transient"


@respx.mock
def test_missing_local_file_is_transient_before_anything_is_published(adapter, tmp_path):
    reels, upload = _mock_start_and_upload()
    item = video(url="http://127.0.0.1/m", path=str(tmp_path / "gone.mp4"))
    with pytest.raises(Transient) as caught:
        adapter.publish(job(PAGE, media=[item], options=REEL))
    assert caught.value.code == "media_read" and upload.call_count == 0 and reels.call_count == 1
