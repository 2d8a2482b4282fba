"""Facebook Pages (Graph API): text/link posts, photos, multi-photo posts, videos.

Native scheduling (`published=false` + `scheduled_publish_time`) is used when the
job's variant asks for it (`options["native_schedule"]`, set from the
organisation's setting); `cancel_native_schedule` / `update_native_schedule`
keep crisis holds and edits in step on the platform (PLATFORMS.md §2).
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from flask_babel import gettext as _

from adapters.base import AccountRef, Problem, PublishJob, PublishResult, Variant
from adapters.meta import MetaGraphAdapter

IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
VIDEO_TYPES = frozenset({"video/mp4", "video/quicktime"})
MB = 1024 * 1024


class FacebookPageAdapter(MetaGraphAdapter):
    slug = "facebook"
    display_name = "Facebook"
    # Post text: ~63,206 characters (UNVERIFIED figure; kept as the ceiling).
    text_maxlen = 63206
    # Media: up to 10 photos (multi-photo post) or one video; text-only posts allowed.
    media_kinds = frozenset({"image", "video"})
    max_media_per_post = 10
    requires_media = False
    # Photos: ≤ 4 MB is the safe size (larger ones fail with 1366046, UNVERIFIED); videos ≤ 1 GB via file_url.
    image_max_bytes: ClassVar[int] = 4 * MB
    video_max_bytes: ClassVar[int] = 1024 * MB
    # Pages have no co-author feature; branded content uses `sponsor_id` (one brand Page).
    collaborator_max = 0
    # The platform holds the post and publishes it at `scheduled_publish_time` (10 minutes to 6 months ahead).
    supports_native_scheduling = True
    native_schedule_min: ClassVar[timedelta] = timedelta(minutes=10)

    def validate(self, variant: Variant) -> list[Problem]:
        problems: list[Problem] = []
        if self.count_text(variant.text) > self.text_maxlen:
            problems.append(Problem("text_too_long", _(
                "The Facebook post has %(count)d characters; the limit is %(limit)d.",
                count=self.count_text(variant.text), limit=self.text_maxlen)))
        if not variant.text and not variant.media and not variant.options.get("link"):
            problems.append(Problem("empty", _("A Facebook post needs text, a link or media.")))
        videos = [m for m in variant.media if m.kind == "video"]
        if videos and len(variant.media) > 1:
            problems.append(Problem("video_alone", _("A Facebook video is posted on its own, without other media."),
                                    "media"))
        if len(variant.media) > self.max_media_per_post:
            problems.append(Problem("too_many_media", _(
                "A Facebook post holds at most %(limit)d photos.", limit=self.max_media_per_post), "media"))
        for index, item in enumerate(variant.media, start=1):
            if item.kind == "image" and item.content_type not in IMAGE_TYPES:
                problems.append(Problem("image_format", _(
                    "Item %(index)d: Facebook accepts JPEG, PNG, GIF or WebP images.", index=index), "media"))
            elif item.kind == "image" and item.size_bytes > self.image_max_bytes:
                problems.append(Problem("image_too_large", _(
                    "Item %(index)d: the image is larger than %(limit)d MB.", index=index,
                    limit=self.image_max_bytes // MB), "media"))
            elif item.kind == "video" and item.content_type not in VIDEO_TYPES:
                problems.append(Problem("video_format", _(
                    "Item %(index)d: Facebook accepts MP4 or MOV videos.", index=index), "media"))
            elif item.kind == "video" and item.size_bytes > self.video_max_bytes:
                problems.append(Problem("video_too_large", _(
                    "Item %(index)d: the video is larger than %(limit)d MB.", index=index,
                    limit=self.video_max_bytes // MB), "media"))
        if self.disclosure_fields(variant).get("sponsor_id") and not variant.text:
            problems.append(Problem("branded_needs_text", _("A branded-content post needs text.")))
        return problems

    def disclosure_fields(self, variant: Variant) -> dict[str, Any]:
        """Branded content: `sponsor_id` = the brand Page of the first paid collaboration."""
        sponsor = next((c.platform_user_id for c in variant.collaborations if c.paid and c.platform_user_id), None)
        sponsor = variant.options.get("sponsor_id") or sponsor
        return {"sponsor_id": sponsor} if sponsor else {}

    def _schedule_fields(self, job: PublishJob) -> dict[str, Any]:
        when = job.scheduled_at
        if not job.variant.options.get("native_schedule") or when is None:
            return {}
        if when - datetime.now(UTC) < self.native_schedule_min:
            return {}  # too close for the platform to hold: publish now
        return {"published": False, "scheduled_publish_time": int(when.timestamp())}

    def publish(self, job: PublishJob) -> PublishResult:
        page, token, variant = job.account.external_id, job.account.credentials["access_token"], job.variant
        fields = {**self._schedule_fields(job), **self.disclosure_fields(variant)}
        images = [m for m in variant.media if m.kind == "image"]
        videos = [m for m in variant.media if m.kind == "video"]
        if videos:
            body = self.client.request("POST", f"{page}/videos", token=token, video=True, publishing=True, data={
                "file_url": videos[0].url, "description": variant.text, "title": variant.title or None, **fields})
            post_id, kind = body["id"], "video"
        elif len(images) == 1:
            body = self.client.request("POST", f"{page}/photos", token=token, publishing=True, data={
                "url": images[0].url, "message": variant.text, "alt_text_custom": images[0].alt_text or None,
                **fields})
            post_id, kind = body.get("post_id") or body["id"], "photo"
        elif images:
            photo_ids = []
            for item in images:
                photo_ids.append(self.client.request("POST", f"{page}/photos", token=token, data={
                    "url": item.url, "published": False, "alt_text_custom": item.alt_text or None,
                    "temporary": True if fields.get("scheduled_publish_time") else None})["id"])
            body = self.client.request("POST", f"{page}/feed", token=token, publishing=True, data={
                "message": variant.text, "attached_media": [{"media_fbid": i} for i in photo_ids], **fields})
            post_id, kind = body["id"], "multi_photo"
        else:
            body = self.client.request("POST", f"{page}/feed", token=token, publishing=True, data={
                "message": variant.text, "link": variant.options.get("link"), **fields})
            post_id, kind = body["id"], "link" if variant.options.get("link") else "status"
        permalink = None
        if kind != "video":
            permalink = self.client.request("GET", post_id, token=token,
                                            params={"fields": "permalink_url"}).get("permalink_url")
        details = {"kind": kind, "native_scheduled": "scheduled_publish_time" in fields}
        return PublishResult(remote_id=post_id, permalink=permalink, details=details)

    def find_published(self, job: PublishJob) -> PublishResult | None:
        """Search recent and scheduled Page posts for the marker (or our exact text after the scheduled time)."""
        page, token = job.account.external_id, job.account.credentials["access_token"]
        since = (job.scheduled_at or datetime.now(UTC) - timedelta(days=2)) - timedelta(minutes=10)
        edges = ["published_posts", "scheduled_posts"] if job.variant.options.get("native_schedule") else [
            "published_posts"]
        for edge in edges:
            body = self.client.request("GET", f"{page}/{edge}", token=token,
                                       params={"fields": "id,message,created_time,permalink_url", "limit": 25})
            for post in body.get("data", []):
                message = post.get("message") or ""
                if job.idempotency_marker and job.idempotency_marker in message:
                    return PublishResult(remote_id=post["id"], permalink=post.get("permalink_url"))
                created = _parse_time(post.get("created_time"))
                if message == job.variant.text and (edge == "scheduled_posts" or (created and created >= since)):
                    return PublishResult(remote_id=post["id"], permalink=post.get("permalink_url"))
        return None

    def cancel_native_schedule(self, account: AccountRef, remote_id: str) -> None:
        self.client.request("DELETE", remote_id, token=account.credentials["access_token"])

    def update_native_schedule(self, job: PublishJob, remote_id: str) -> None:
        data: dict[str, Any] = {"message": job.variant.text}
        if job.scheduled_at is not None:
            data["scheduled_publish_time"] = int(job.scheduled_at.timestamp())
        self.client.request("POST", remote_id, token=job.account.credentials["access_token"], data=data)

    def profile(self, account: AccountRef) -> dict[str, Any]:
        body = self.client.request("GET", account.external_id, token=account.credentials["access_token"],
                                   params={"fields": "id,name,picture,verification_status"})
        return {"handle": body.get("name"), "display_name": body.get("name"),
                "avatar_url": ((body.get("picture") or {}).get("data") or {}).get("url"),
                "verified": body.get("verification_status") == "blue_verified"}


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        return None
