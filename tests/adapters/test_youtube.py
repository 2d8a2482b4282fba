"""YouTube adapter offline: HttpMockSequence + the bundled discovery document (no network)."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from googleapiclient.http import HttpMockSequence

from adapters.base import (
    AccountRef,
    AuthExpired,
    MediaItem,
    Permanent,
    PublishJob,
    RateLimited,
    TokenSet,
    Transient,
    Variant,
)
from adapters.youtube import YouTubeAdapter, next_pacific_midnight

ROOT = "http://yt.test/"
SESSION = "http://yt.test/upload/youtube/v3/videos?uploadType=resumable&upload_id=S1"
CHUNK = 256 * 1024


def _error(status: int, reason: str) -> tuple[dict, str]:
    return ({"status": str(status)}, json.dumps({"error": {"code": status, "message": reason,
                                                           "errors": [{"reason": reason, "message": reason}]}}))


def _job(tmp_path, size=CHUNK * 2 + 10, **options) -> PublishJob:
    path = tmp_path / "v.mp4"
    path.write_bytes(b"y" * size)
    variant = Variant(text="Deskripsi", title="Judul", options={"made_for_kids": False, **options},
                      media=(MediaItem(url="u", kind="video", content_type="video/mp4", path=str(path)),))
    return PublishJob(target_id=1, account=AccountRef(1, "UC1", "@c", {"access_token": "AT"}), variant=variant,
                      idempotency_marker="mk", scheduled_at=datetime.now(UTC) + timedelta(days=1))


def _adapter(responses) -> tuple[YouTubeAdapter, HttpMockSequence]:
    seq = HttpMockSequence(responses)
    return YouTubeAdapter({"api_url": ROOT, "chunk_bytes": CHUNK, "token_url": "http://yt.test/token",
                           "client_id": "c", "client_secret": "s"}, http=seq), seq


def test_resumable_upload_sends_metadata_and_chunks(tmp_path):
    adapter, seq = _adapter([
        ({"status": "200", "location": SESSION}, ""),
        ({"status": "308", "range": f"bytes=0-{CHUNK - 1}"}, ""),
        ({"status": "308", "range": f"bytes=0-{2 * CHUNK - 1}"}, ""),
        ({"status": "200"}, json.dumps({"id": "vid1", "status": {"uploadStatus": "uploaded"}})),
    ])
    job = _job(tmp_path, tags=["kota"], paid_partnership=True, made_with_ai=True, native_schedule=True)
    result = adapter.publish(job)
    assert result.remote_id == "vid1" and result.permalink.endswith("watch?v=vid1")
    (init_uri, init_method, init_body, _headers), *chunks = seq.request_sequence
    assert init_method == "POST" and init_uri.startswith(ROOT + "upload/youtube/v3/videos?")
    assert "part=snippet%2Cstatus%2CpaidProductPlacementDetails" in init_uri or \
        "part=snippet,status,paidProductPlacementDetails" in init_uri
    assert "uploadType=resumable" in init_uri
    body = json.loads(init_body)
    assert body["snippet"] == {"title": "Judul", "description": "Deskripsi", "categoryId": "25", "tags": ["kota"]}
    assert body["status"]["privacyStatus"] == "private" and body["status"]["publishAt"].endswith("Z")
    assert body["status"]["containsSyntheticMedia"] is True and body["status"]["selfDeclaredMadeForKids"] is False
    assert body["paidProductPlacementDetails"] == {"hasPaidProductPlacement": True}
    size = 2 * CHUNK + 10
    assert [(c[0], c[1], c[3]["Content-Range"]) for c in chunks] == [
        (SESSION, "PUT", f"bytes 0-{CHUNK - 1}/{size}"), (SESSION, "PUT", f"bytes {CHUNK}-{2 * CHUNK - 1}/{size}"),
        (SESSION, "PUT", f"bytes {2 * CHUNK}-{size - 1}/{size}")]


def test_upload_resumes_from_last_confirmed_byte_after_5xx(tmp_path):
    adapter, seq = _adapter([
        ({"status": "200", "location": SESSION}, ""),
        ({"status": "308", "range": f"bytes=0-{CHUNK - 1}"}, ""),
        _error(503, "backendError"),
        ({"status": "308", "range": f"bytes=0-{CHUNK - 1}"}, ""),  # answer to "where are we?"
        ({"status": "308", "range": f"bytes=0-{2 * CHUNK - 1}"}, ""),
        ({"status": "200"}, json.dumps({"id": "vid2"})),
    ])
    assert adapter.publish(_job(tmp_path)).remote_id == "vid2"
    ranges = [c[3].get("Content-Range") for c in seq.request_sequence[1:]]
    size = 2 * CHUNK + 10
    assert ranges == [f"bytes 0-{CHUNK - 1}/{size}", f"bytes {CHUNK}-{2 * CHUNK - 1}/{size}", f"bytes */{size}",
                      f"bytes {CHUNK}-{2 * CHUNK - 1}/{size}", f"bytes {2 * CHUNK}-{size - 1}/{size}"]


class _DropsOnce(HttpMockSequence):
    """Like HttpMockSequence, but the connection breaks on request number `drop_at` (nothing recorded)."""

    def __init__(self, responses, drop_at):
        super().__init__(responses)
        self.calls = 0
        self.drop_at = drop_at

    def request(self, uri, method="GET", body=None, headers=None, *args, **kwargs):
        self.calls += 1
        if self.calls == self.drop_at:
            raise ConnectionResetError("connection reset by peer")
        return super().request(uri, method, body, headers, *args, **kwargs)


def test_upload_resumes_after_a_broken_connection(tmp_path):
    seq = _DropsOnce([
        ({"status": "200", "location": SESSION}, ""),
        ({"status": "308", "range": f"bytes=0-{CHUNK - 1}"}, ""),
        ({"status": "308", "range": f"bytes=0-{CHUNK + 99}"}, ""),  # the server kept 100 bytes of the lost chunk
        ({"status": "200"}, json.dumps({"id": "vid4"})),
    ], drop_at=3)
    adapter = YouTubeAdapter({"api_url": ROOT, "chunk_bytes": CHUNK}, http=seq)
    assert adapter.publish(_job(tmp_path)).remote_id == "vid4"
    size = 2 * CHUNK + 10
    assert [c[3].get("Content-Range") for c in seq.request_sequence[1:]] == [
        f"bytes 0-{CHUNK - 1}/{size}", f"bytes */{size}", f"bytes {CHUNK + 100}-{size - 1}/{size}"]


@pytest.mark.parametrize(("status", "reason", "error"), [
    (403, "quotaExceeded", RateLimited), (400, "uploadLimitExceeded", RateLimited),
    (403, "rateLimitExceeded", RateLimited), (403, "forbidden", Permanent),
    (403, "authenticatedUserAccountSuspended", AuthExpired), (403, "authenticatedUserAccountClosed", AuthExpired),
    (401, "authError", AuthExpired), (400, "invalidTitle", Permanent), (503, "backendError", Transient),
])
def test_insert_errors_map(tmp_path, status, reason, error):
    adapter, _seq = _adapter([_error(status, reason)])
    with pytest.raises(error) as raised:
        adapter.publish(_job(tmp_path, size=10))
    assert raised.value.code == reason
    if reason == "quotaExceeded":
        assert raised.value.retry_at == next_pacific_midnight()


def test_next_pacific_midnight_is_midnight_in_los_angeles():
    reset = next_pacific_midnight(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))  # 01:00 PST
    assert reset == datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


def test_thumbnail_set_or_skipped(tmp_path):
    thumb = tmp_path / "t.jpg"
    thumb.write_bytes(b"jpg")
    adapter, seq = _adapter([({"status": "200", "location": SESSION}, ""),
                             ({"status": "200"}, json.dumps({"id": "v3"})), _error(403, "forbidden")])
    result = adapter.publish(_job(tmp_path, size=10, thumbnail_path=str(thumb)))
    assert result.details["thumbnail"] == "skipped: forbidden"
    assert seq.request_sequence[-1][0].startswith(ROOT + "upload/youtube/v3/thumbnails/set?videoId=v3")


def test_refresh_and_invalid_grant():
    adapter, seq = _adapter([
        ({"status": "200"}, json.dumps({"access_token": "A2", "expires_in": 3599, "token_type": "Bearer"})),
        ({"status": "400"}, json.dumps({"error": "invalid_grant", "error_description": "Token has been expired or "
                                        "revoked."}))])
    fresh = adapter.refresh_credentials(TokenSet(access_token="A1", refresh_token="R1"))
    assert fresh.access_token == "A2" and fresh.refresh_token == "R1" and fresh.expires_at > datetime.now(UTC)
    assert seq.request_sequence[0][0] == "http://yt.test/token" and b"refresh_token=R1" in \
        (seq.request_sequence[0][2] if isinstance(seq.request_sequence[0][2], bytes)
         else seq.request_sequence[0][2].encode())
    with pytest.raises(AuthExpired) as raised:
        adapter.refresh_credentials(TokenSet(access_token="A1", refresh_token="R1"))
    assert raised.value.code == "invalid_grant"


def test_validate_limits():
    adapter = YouTubeAdapter()
    problems = adapter.validate(Variant(text="x" * 5001, title="<" + "t" * 100, options={"tags": ["a" * 501]}))
    assert {p.code for p in problems} == {"youtube_one_video", "youtube_title_too_long", "youtube_title_brackets",
                                          "youtube_description_too_long", "youtube_tags_too_long",
                                          "youtube_made_for_kids_required"}


def test_find_published_matches_title_and_description():
    adapter, _seq = _adapter([
        ({"status": "200"}, json.dumps({"items": [{"contentDetails": {"relatedPlaylists": {"uploads": "UU1"}}}]})),
        ({"status": "200"}, json.dumps({"items": [
            {"snippet": {"title": "Lain", "description": "Deskripsi", "resourceId": {"videoId": "a"}}},
            {"snippet": {"title": "Judul", "description": "Deskripsi", "resourceId": {"videoId": "b"}}}]}))])
    job = PublishJob(target_id=1, account=AccountRef(1, "UC1", "@c", {"access_token": "AT"}),
                     variant=Variant(text="Deskripsi", title="Judul"), idempotency_marker="mk")
    assert adapter.find_published(job).remote_id == "b"
