"""Facebook Pages (Graph API): text/link posts, photos, multi-photo posts, videos, Reels.

Reels (`options["media_type"] = "REELS"`) follow the Reels Publishing API:
`POST /{page}/video_reels upload_phase=start` → the video to the rupload host (its bytes,
or `file_url` for Meta to fetch) → poll `GET /{video}?fields=status` until the upload is
complete → `upload_phase=finish` with `video_state=PUBLISHED` (or `SCHEDULED`).

Native scheduling (`published=false` + `scheduled_publish_time`) is used when the
job's variant asks for it (`options["native_schedule"]`, set from the
organisation's setting); `cancel_native_schedule` / `update_native_schedule`
keep crisis holds and edits in step on the platform (PLATFORMS.md §2).
"""
from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from flask_babel import gettext as _

from adapters.base import (
    NATIVE_TOO_CLOSE,
    AccountRef,
    AuthExpired,
    MediaItem,
    OutcomeUnknown,
    Permanent,
    Problem,
    PublishJob,
    PublishResult,
    RateLimited,
    Transient,
    Variant,
    planned_disclosure,
)
from adapters.graph import file_chunks, local_size, video_source
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
    # Page videos: up to 240 minutes (Meta's help pages; not in PLATFORMS.md: UNVERIFIED).
    video_max_seconds: ClassVar[float] = 240 * 60.0
    # Reels: one MP4/MOV of 3–90 seconds (9:16 recommended); 30 API-published Reels per Page in 24 h
    # (the quota ledger counts them, app/publishing/quotas.py).
    reel_min_seconds: ClassVar[float] = 3.0
    reel_max_seconds: ClassVar[float] = 90.0
    # Pages have no co-author feature; branded content uses `sponsor_id` (one brand Page).
    collaborator_max = 0
    # The platform holds the post and publishes it at `scheduled_publish_time`: at least 10 minutes
    # ahead; at most 30 days (PLATFORMS.md §2: the window is UNVERIFIED, 30 days or 6 months — the
    # shorter one is used).
    supports_native_scheduling = True
    native_schedule_min: ClassVar[timedelta] = timedelta(minutes=10)
    native_schedule_max: ClassVar[timedelta] = timedelta(days=30)

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
        problems += self._duration_problems(variant)
        return problems

    @staticmethod
    def is_reel(variant: Variant) -> bool:
        return str(variant.options.get("media_type", "")).upper() in ("REELS", "REEL")

    def _duration_problems(self, variant: Variant) -> list[Problem]:
        problems: list[Problem] = []
        reel = self.is_reel(variant)
        videos = [m for m in variant.media if m.kind == "video"]
        if reel and (len(videos) != 1 or len(variant.media) != 1):
            problems.append(Problem("reel_one_video", _("A Facebook Reel is exactly one video."), "media"))
        if reel and self.disclosure_fields(variant).get("sponsor_id"):
            problems.append(Problem("reel_branded", _(
                "Facebook Reels cannot carry branded content through the API; publish the paid partnership "
                "as a video or photo post."), "collaborations"))
        low, high = (self.reel_min_seconds, self.reel_max_seconds) if reel else (0.0, self.video_max_seconds)
        for index, item in enumerate(videos, start=1):
            seconds = item.duration_seconds
            if seconds is None or low <= seconds <= high:
                continue
            if reel:
                problems.append(Problem("reel_duration", _(
                    "Item %(index)d: a Facebook Reel must last between %(low)d and %(high)d seconds (this one: "
                    "%(seconds)d).", index=index, low=int(low), high=int(high), seconds=round(seconds)), "media"))
            else:
                problems.append(Problem("video_too_long", _(
                    "Item %(index)d: Facebook videos may last at most %(minutes)d minutes.", index=index,
                    minutes=int(high // 60)), "media"))
        return problems

    def disclosure_fields(self, variant: Variant) -> dict[str, Any]:
        """Branded content: `sponsor_id` = the plan's sponsor, else the brand Page of the first paid collaboration."""
        planned = planned_disclosure(variant)
        if planned is not None:
            sponsor = planned.get("sponsor_id")
        else:
            sponsor = next((c.platform_user_id for c in variant.collaborations if c.paid and c.platform_user_id), None)
        sponsor = variant.options.get("sponsor_id") or sponsor
        return {"sponsor_id": sponsor} if sponsor else {}

    def _schedule_fields(self, job: PublishJob) -> dict[str, Any]:
        when = job.scheduled_at
        if not job.variant.options.get("native_schedule") or when is None:
            return {}
        lead = when - datetime.now(UTC)
        if lead < self.native_schedule_min:
            if lead > timedelta(0):  # never early: the caller publishes it at its time instead
                raise Transient("Too close to its time for Facebook to hold it", code=NATIVE_TOO_CLOSE)
            return {}  # its time has come: publish now
        return {"published": False, "scheduled_publish_time": int(when.timestamp())}

    def publish(self, job: PublishJob) -> PublishResult:
        page, token, variant = job.account.external_id, job.account.credentials["access_token"], job.variant
        fields = {**self._schedule_fields(job), **self.disclosure_fields(variant)}
        images = [m for m in variant.media if m.kind == "image"]
        videos = [m for m in variant.media if m.kind == "video"]
        if videos and self.is_reel(variant):
            return self._publish_reel(job, videos[0])
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
            permalink = self.client.read_after_publish(post_id, "permalink_url", token=token)
        details = {"kind": kind, "native_scheduled": "scheduled_publish_time" in fields}
        return PublishResult(remote_id=post_id, permalink=permalink, details=details)

    # Reels ---------------------------------------------------------------------------------
    def _publish_reel(self, job: PublishJob, item: MediaItem) -> PublishResult:
        """start → upload to rupload → wait for the upload → finish (PUBLISHED or SCHEDULED)."""
        page, token, variant = job.account.external_id, job.account.credentials["access_token"], job.variant
        start = self.client.request("POST", f"{page}/video_reels", token=token, data={"upload_phase": "start"})
        video_id = str(start["video_id"])
        url = self.client.rupload_url_for(start.get("upload_url"),
                                          f"video-upload/{self.client.api_version}/{video_id}")
        if video_source(self.settings, item) == "upload" and item.path:
            size = local_size(item.path)
            self.client.rupload(url, token=token, content=file_chunks(item.path), file_size=size)
        else:
            self.client.rupload(url, token=token, file_url=item.url)
        self._wait_reel(video_id, token, phase="uploading_phase")
        schedule = self._schedule_fields(job)
        data: dict[str, Any] = {"upload_phase": "finish", "video_id": video_id, "video_state": "PUBLISHED",
                                "description": variant.text, "title": variant.title or None}
        if schedule:
            data.update(video_state="SCHEDULED", scheduled_publish_time=schedule["scheduled_publish_time"])
        body = self.client.request("POST", f"{page}/video_reels", token=token, data=data, publishing=True)
        if not body.get("success"):
            raise Permanent("Facebook did not accept the Reel", platform_message=str(body), code="reel_finish")
        details: dict[str, Any] = {"kind": "reel", "video_id": video_id, "native_scheduled": bool(schedule)}
        permalink = None
        try:  # the Reel is accepted: from here on a failure to ask is reported, never retried (it would post twice)
            if not schedule:
                details["processing"] = not self._wait_reel(video_id, token, phase="publishing_phase",
                                                            after_finish=True)
            permalink = self.client.request("GET", video_id, token=token,
                                            params={"fields": "permalink_url"}).get("permalink_url")
        except (Transient, RateLimited, AuthExpired, OutcomeUnknown) as exc:
            details["status_unknown"] = exc.code or type(exc).__name__
        if permalink and permalink.startswith("/"):
            permalink = f"https://www.facebook.com{permalink}"
        return PublishResult(remote_id=video_id, permalink=permalink, details=details)

    def _wait_reel(self, video_id: str, token: str, *, phase: str, after_finish: bool = False) -> bool:
        """Poll `status` until `phase` is complete (bounded); True when it completed.

        Before finish an error is Permanent and a slow upload Transient (nothing is published yet);
        after finish only an error in the phase raises, with the platform's words.
        """
        interval = float(self.settings.get("poll_interval", self.poll_interval_default))
        polls = int(self.settings.get("poll_max", self.poll_max_default))
        for attempt in range(polls):
            status = self.client.request("GET", video_id, token=token, params={"fields": "status"}).get("status") or {}
            state = (status.get(phase) or {}).get("status")
            if state == "complete":
                return True
            if state == "error" or status.get("video_status") == "error":
                errors = (status.get(phase) or {}).get("errors") or [{}]
                message = str(errors[0].get("message") or "the video could not be processed")
                raise Permanent(f"Facebook could not process the Reel: {message}", platform_message=message,
                                code=str(errors[0].get("code") or "reel_error"))
            if attempt + 1 < polls and interval:
                time.sleep(interval)
        if after_finish:
            return False
        raise Transient(f"Facebook is still receiving the Reel after {polls} checks", code="reel_upload_pending")

    def find_published(self, job: PublishJob) -> PublishResult | None:
        """Search recent and scheduled Page posts for the marker (or our exact text after the scheduled time)."""
        page, token = job.account.external_id, job.account.credentials["access_token"]
        if self.is_reel(job.variant):
            return self._find_reel(job)
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

    def _find_reel(self, job: PublishJob) -> PublishResult | None:
        """A Reel of the Page whose description carries the marker or equals our text."""
        body = self.client.request("GET", f"{job.account.external_id}/video_reels",
                                   token=job.account.credentials["access_token"],
                                   params={"fields": "id,description,updated_time,permalink_url", "limit": 25})
        for reel in body.get("data", []):
            description = reel.get("description") or ""
            if (job.idempotency_marker and job.idempotency_marker in description) or (
                    description and description == job.variant.text):
                link = reel.get("permalink_url")
                if link and link.startswith("/"):
                    link = f"https://www.facebook.com{link}"
                return PublishResult(remote_id=str(reel["id"]), permalink=link)
        return None

    def cancel_native_schedule(self, account: AccountRef, remote_id: str) -> None:
        self.client.request("DELETE", remote_id, token=account.credentials["access_token"])

    def update_native_schedule(self, job: PublishJob, remote_id: str) -> None:
        data: dict[str, Any] = {"message": job.variant.text}
        if job.scheduled_at is not None:
            data["scheduled_publish_time"] = int(job.scheduled_at.timestamp())
        self.client.request("POST", remote_id, token=job.account.credentials["access_token"], data=data)

    def native_schedule_status(self, account: AccountRef, remote_id: str) -> PublishResult | None:
        """`GET /{post}?fields=is_published,permalink_url`; a video or Reel id (no `page_` prefix): its
        `published` field or `status.publishing_phase`. A missing object (Graph 100/33) is
        `Permanent(code="native_gone")`."""
        token = account.credentials["access_token"]
        is_post = "_" in remote_id
        fields = "id,is_published,permalink_url" if is_post else "id,published,status,permalink_url"
        try:
            body = self.client.request("GET", remote_id, token=token, params={"fields": fields})
        except Permanent as exc:
            if exc.code != "100/33":
                raise
            raise Permanent("The scheduled post is no longer on Facebook", platform_message=exc.platform_message,
                            code="native_gone") from exc
        if is_post:
            live = bool(body.get("is_published"))
        else:  # a video node says `published`; a Reel's status its publishing phase
            live = body.get("published") is True or (
                (body.get("status") or {}).get("publishing_phase") or {}).get("publish_status") == "published"
        if not live:
            return None
        link = body.get("permalink_url")
        if link and link.startswith("/"):
            link = f"https://www.facebook.com{link}"
        return PublishResult(remote_id=remote_id, permalink=link)

    def profile(self, account: AccountRef) -> dict[str, Any]:
        body = self.client.request("GET", account.external_id, token=account.credentials["access_token"],
                                   params={"fields": "id,name,about,picture,verification_status"})
        return {"handle": body.get("name"), "display_name": body.get("name"), "bio": body.get("about") or "",
                "avatar_url": ((body.get("picture") or {}).get("data") or {}).get("url"),
                "verified": body.get("verification_status") == "blue_verified"}


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        return None
