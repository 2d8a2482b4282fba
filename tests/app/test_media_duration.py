"""Video duration measured at upload (mutagen) and enforced by every adapter's validate()."""
from __future__ import annotations

from io import BytesIO

import pytest

import adapters
from adapters.base import Variant
from app.extensions import db
from app.media import media_item, video_duration
from app.models import AuditEvent, Media, Role
from tests.factories import sign_in
from tests.mp4 import mp4_bytes


def _upload(client, org_id: int, data: bytes, name: str = "video.mp4"):
    return client.post(f"/orgs/{org_id}/media", data={"file": (BytesIO(data), name)},
                       content_type="multipart/form-data")


@pytest.fixture
def uploader(client, factory):
    org = factory.org()
    sign_in(client, factory.user(org, Role.COORDINATOR))

    def upload(data: bytes, name: str = "video.mp4") -> Media:
        response = _upload(client, org.id, data, name)
        assert response.status_code == 201, response.json
        return db.session.get(Media, response.json["id"])

    return upload


def test_upload_measures_the_duration_of_an_mp4(uploader):
    media = uploader(mp4_bytes(17.5, size=40_000))
    assert media.content_type == "video/mp4" and media.duration_seconds == 17.5
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "media.uploaded")).one()
    assert event.after["duration_seconds"] == 17.5


def test_duration_comes_from_the_audio_track_or_the_movie_header(tmp_path):
    with_audio = tmp_path / "a.mp4"
    with_audio.write_bytes(mp4_bytes(61.0, audio_seconds=60.96))
    mov = tmp_path / "b.mov"
    mov.write_bytes(mp4_bytes(4.25, brand=b"qt  ", timescale=600))
    assert video_duration(with_audio) == 60.96
    assert video_duration(mov) == 4.25


def test_a_video_without_a_readable_moov_is_kept_with_unknown_duration(uploader, tmp_path):
    header_only = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 5000
    media = uploader(header_only, "rusak.mp4")
    assert media.content_type == "video/mp4" and media.duration_seconds is None
    (tmp_path / "x.mp4").write_bytes(b"not a video")
    assert video_duration(tmp_path / "x.mp4") is None
    assert video_duration(tmp_path / "missing.mp4") is None


DURATION_CODES = {"video_duration", "reel_duration", "video_too_long", "x_video_duration", "tiktok_video_too_long",
                  "youtube_video_too_long"}
# (platform, options, a duration refused, a duration accepted)
LIMITS = [
    ("instagram", {}, 2.0, 3.0),  # Reels 3 s – 15 min
    ("instagram", {}, 15 * 60 + 1.0, 15 * 60.0),
    ("instagram", {"media_type": "STORIES"}, 61.0, 60.0),
    ("facebook", {"media_type": "REELS"}, 90.5, 90.0),  # Reels 3–90 s
    ("facebook", {"media_type": "REELS"}, 2.9, 3.0),
    ("facebook", {}, 240 * 60 + 1.0, 240 * 60.0),
    ("x", {}, 140.5, 140.0),
    ("x", {}, 0.4, 0.5),
    ("tiktok", {}, 601.0, 600.0),
    ("youtube", {}, 12 * 3600 + 1.0, 12 * 3600.0),
]


@pytest.mark.parametrize(("platform", "options", "refused", "accepted"), LIMITS)
def test_adapters_enforce_their_duration_limits_on_measured_uploads(app, uploader, platform, options, refused,
                                                                    accepted):
    adapter = adapters.get_adapter(platform)

    def duration_problems(seconds: float) -> list[str]:
        media = uploader(mp4_bytes(seconds, size=4000))
        assert media.duration_seconds == pytest.approx(seconds, abs=0.001)
        item = media_item(media)
        variant = Variant(text="Info", media=(item,), title="Judul", options={**options, "made_for_kids": False})
        with app.test_request_context():
            return [p.code for p in adapter.validate(variant) if p.code in DURATION_CODES]

    assert len(duration_problems(refused)) == 1
    assert duration_problems(accepted) == []
