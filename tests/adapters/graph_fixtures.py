"""Shared data for the Graph adapter contract tests."""
from __future__ import annotations

from urllib.parse import parse_qs

import httpx

from adapters.base import AccountRef, Collaboration, MediaItem, PublishJob, Variant

BASE = "https://graph.test"
VIDEO = "https://video.test"
V = f"{BASE}/v25.0"
SETTINGS = {"graph_url": BASE, "video_url": VIDEO, "www_url": "https://www.test", "api_version": "v25.0",
            "app_id": "42", "app_secret": "app-secret", "poll_interval": 0, "poll_max": 3}
IG_USER, PAGE = "17841400000000001", "300000000000001"
TOKEN = "PAGE-TOKEN"


def form(request: httpx.Request) -> dict[str, str]:
    """The form body of a request as a flat dict."""
    return {k: v[0] for k, v in parse_qs(request.content.decode(), keep_blank_values=True).items()}


def image(url: str = "https://warta.test/public/media/1/sig", **kw) -> MediaItem:
    defaults = {"kind": "image", "content_type": "image/jpeg", "size_bytes": 200_000, "width": 1080, "height": 1080}
    return MediaItem(url=url, **{**defaults, **kw})


def video(url: str = "https://warta.test/public/media/2/sig", **kw) -> MediaItem:
    defaults = {"kind": "video", "content_type": "video/mp4", "size_bytes": 5_000_000, "duration_seconds": 20.0}
    return MediaItem(url=url, **{**defaults, **kw})


def job(external_id: str, text: str = "Halo Balikpapan #BalikpapanSehat", media=(), collaborations=(),
        options=None, scheduled_at=None, extra=None) -> PublishJob:
    account = AccountRef(account_id=1, external_id=external_id, handle="diskominfobpp",
                         credentials={"access_token": TOKEN, "extra": extra or {}})
    return PublishJob(target_id=7, account=account, variant=Variant(
        text=text, media=tuple(media), collaborations=tuple(collaborations), options=options or {}),
        idempotency_marker="w7", scheduled_at=scheduled_at)


def collab(handle: str, paid: bool = False, platform_user_id: str | None = None) -> Collaboration:
    return Collaboration(handle=handle, paid=paid, platform_user_id=platform_user_id)
