"""Instagram (Graph API, Instagram accounts linked to a Facebook Page).

Publishing is container → poll `status_code` (bounded) → `media_publish`
(PLATFORMS.md §1). Images are fetched by Meta from Warta's signed public URLs; videos
too, unless that URL is not reachable from the internet (setting `video_upload`, see
`adapters.graph.video_source`): then the container is created with
`upload_type=resumable` and Warta sends the file to the `uri` on the rupload host.
"""
from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from flask_babel import gettext as _

from adapters.base import (
    AccountRef,
    MediaItem,
    Permanent,
    Problem,
    PublishJob,
    PublishResult,
    RateLimited,
    ResolvedUser,
    Transient,
    Variant,
    planned_disclosure,
)
from adapters.graph import file_chunks, local_size, video_source
from adapters.meta import MetaGraphAdapter, count_hashtags, count_mentions

IMAGE_TYPES = frozenset({"image/jpeg"})
VIDEO_TYPES = frozenset({"video/mp4", "video/quicktime"})
MB = 1024 * 1024
#: Graph error labels of Business Discovery for "no business/creator account has this username".
NOT_FOUND_CODES = frozenset({"110/2207013"})


class InstagramAdapter(MetaGraphAdapter):
    slug = "instagram"
    display_name = "Instagram"
    # Caption: 2,200 characters (counted as code points), 30 hashtags, 20 @-tags.
    text_maxlen = 2200
    hashtag_max = 30
    mention_max = 20
    # Every post needs media: 1 image/reel, or a carousel of 2–10 mixed images and videos.
    requires_media = True
    media_kinds = frozenset({"image", "video"})
    max_media_per_post = 10
    min_carousel_items = 2
    # Images: JPEG, ≤ 8 MB, aspect ratio 4:5 (0.8) to 1.91:1.
    image_max_bytes: ClassVar[int] = 8 * MB
    image_min_aspect: ClassVar[float] = 0.8
    image_max_aspect: ClassVar[float] = 1.91
    # Reels (and carousel videos): MP4/MOV, ≤ 300 MB, 3 s – 15 min. Story videos: ≤ 60 s, ≤ 100 MB.
    video_max_bytes: ClassVar[int] = 300 * MB
    video_min_seconds: ClassVar[float] = 3.0
    video_max_seconds: ClassVar[float] = 15 * 60.0
    story_video_max_seconds: ClassVar[float] = 60.0
    story_video_max_bytes: ClassVar[int] = 100 * MB
    # Alt text on images, ≤ 1,000 characters (since 2025-03-24).
    alt_text_maxlen: ClassVar[int] = 1000
    # Collaborators: the docs say "up to 3" (create) and "up to 5" (read); capped at 3 until verified live.
    collaborator_max = 3
    # Instagram cannot hold a post for later through the API: Warta publishes on time.
    supports_native_scheduling = False
    # Business Discovery finds business and creator accounts only (not personal accounts).
    supports_user_lookup = True
    # `GET /<media>/collaborators` reports each invite as Pending, Accepted or Declined.
    supports_collaborator_status = True

    # Validation ----------------------------------------------------------------------------
    def validate(self, variant: Variant) -> list[Problem]:
        problems: list[Problem] = []
        text = variant.text
        kind = self.post_kind(variant)
        if self.count_text(text) > self.text_maxlen:
            problems.append(Problem("caption_too_long", _(
                "The Instagram caption has %(count)d characters; the limit is %(limit)d.",
                count=self.count_text(text), limit=self.text_maxlen)))
        if count_hashtags(text) > self.hashtag_max:
            problems.append(Problem("too_many_hashtags", _(
                "Instagram allows at most %(limit)d hashtags; this caption has %(count)d.",
                limit=self.hashtag_max, count=count_hashtags(text))))
        if count_mentions(text) > self.mention_max:
            problems.append(Problem("too_many_mentions", _(
                "Instagram allows at most %(limit)d @-mentions; this caption has %(count)d.",
                limit=self.mention_max, count=count_mentions(text))))
        media = variant.media
        if not media:
            problems.append(Problem("media_required", _("An Instagram post needs at least one image or video."),
                                    "media"))
        elif kind == "carousel" and len(media) > self.max_media_per_post:
            problems.append(Problem("too_many_media", _(
                "An Instagram carousel holds at most %(limit)d items; this post has %(count)d.",
                limit=self.max_media_per_post, count=len(media)), "media"))
        elif kind == "story" and len(media) != 1:
            problems.append(Problem("story_one_media", _("An Instagram story holds exactly one image or video."),
                                    "media"))
        for index, item in enumerate(media, start=1):
            problems += self._media_problems(index, item, kind)
        problems += self._collaboration_problems(variant, kind)
        return problems

    def post_kind(self, variant: Variant) -> str:
        """"story", "carousel", "reel" or "image"."""
        if variant.options.get("media_type") == "STORIES":
            return "story"
        if len(variant.media) > 1:
            return "carousel"
        if variant.media and variant.media[0].kind == "video":
            return "reel"
        return "image"

    def _media_problems(self, index: int, item: MediaItem, kind: str) -> list[Problem]:
        problems: list[Problem] = []
        if item.kind == "image":
            if item.content_type not in IMAGE_TYPES:
                problems.append(Problem("image_not_jpeg", _(
                    "Item %(index)d: Instagram accepts only JPEG images.", index=index), "media"))
            if item.size_bytes > self.image_max_bytes:
                problems.append(Problem("image_too_large", _(
                    "Item %(index)d: the image is larger than %(limit)d MB.", index=index,
                    limit=self.image_max_bytes // MB), "media"))
            if item.width and item.height and kind != "story":
                aspect = item.width / item.height
                if not self.image_min_aspect <= aspect <= self.image_max_aspect:
                    problems.append(Problem("image_aspect", _(
                        "Item %(index)d: the image's aspect ratio must be between 4:5 and 1.91:1.", index=index),
                        "media"))
            if len(item.alt_text) > self.alt_text_maxlen:
                problems.append(Problem("alt_text_too_long", _(
                    "Item %(index)d: alt text is limited to %(limit)d characters.", index=index,
                    limit=self.alt_text_maxlen), "media"))
        elif item.kind == "video":
            if item.content_type not in VIDEO_TYPES:
                problems.append(Problem("video_format", _(
                    "Item %(index)d: Instagram accepts MP4 or MOV videos.", index=index), "media"))
            max_bytes = self.story_video_max_bytes if kind == "story" else self.video_max_bytes
            max_seconds = self.story_video_max_seconds if kind == "story" else self.video_max_seconds
            if item.size_bytes > max_bytes:
                problems.append(Problem("video_too_large", _(
                    "Item %(index)d: the video is larger than %(limit)d MB.", index=index, limit=max_bytes // MB),
                    "media"))
            if item.duration_seconds is not None and not (
                    self.video_min_seconds <= item.duration_seconds <= max_seconds):
                problems.append(Problem("video_duration", _(
                    "Item %(index)d: the video must last between %(low)d seconds and %(high)d seconds.",
                    index=index, low=int(self.video_min_seconds), high=int(max_seconds)), "media"))
        else:
            problems.append(Problem("media_kind", _(
                "Item %(index)d: Instagram accepts images and videos only.", index=index), "media"))
        return problems

    def _collaboration_problems(self, variant: Variant, kind: str) -> list[Problem]:
        problems: list[Problem] = []
        handles = [c.handle for c in variant.collaborations if not c.paid or not c.platform_user_id]
        if len(handles) > self.collaborator_max:
            problems.append(Problem("too_many_collaborators", _(
                "Instagram allows at most %(limit)d collaborators per post.", limit=self.collaborator_max),
                "collaborations"))
        if handles and kind == "story":
            problems.append(Problem("story_collaborators", _("Instagram stories cannot have collaborators."),
                                    "collaborations"))
        for tag in variant.options.get("user_tags", []):
            x, y = tag.get("x", -1), tag.get("y", -1)
            if not tag.get("username") or not (0 <= float(x) <= 1 and 0 <= float(y) <= 1):
                problems.append(Problem("user_tag_position", _(
                    "A tagged person needs a username and a position between 0 and 1."), "options"))
        return problems

    def disclosure_fields(self, variant: Variant) -> dict[str, Any]:
        """collaborators (handles, cap 3), brand tags (`branded_content_sponsor_ids`), labels."""
        fields: dict[str, Any] = {}
        planned = planned_disclosure(variant)
        sponsors = [c.platform_user_id for c in variant.collaborations if c.paid and c.platform_user_id]
        collaborators = [c.handle.lstrip("@") for c in variant.collaborations if not (
            c.paid and c.platform_user_id)][: self.collaborator_max]
        if planned is not None:  # the plan names who is invited as a collaborator (not everyone with a handle)
            collaborators = [h.lstrip("@") for h in planned.get("collaborators", [])][: self.collaborator_max]
        if collaborators and self.post_kind(variant) != "story":
            fields["collaborators"] = collaborators
        if sponsors:
            fields["branded_content_sponsor_ids"] = sponsors
        if variant.options.get("paid_partnership") or any(c.paid for c in variant.collaborations) or (
                planned or {}).get("is_paid_partnership"):
            fields["is_paid_partnership"] = True
        if variant.options.get("ai_generated"):
            fields["is_ai_generated"] = True
        return fields

    @staticmethod
    def user_tags(variant: Variant) -> list[dict[str, Any]]:
        """People tagged on the media: the composer's `options["user_tags"]` and the plan's influencers."""
        tags = list(variant.options.get("user_tags") or [])
        known = {t.get("username") for t in tags}
        tags += [t for t in (planned_disclosure(variant) or {}).get("user_tags", []) if t.get("username") not in known]
        return tags

    # Publishing ----------------------------------------------------------------------------
    def publish(self, job: PublishJob) -> PublishResult:
        account, variant = job.account, job.variant
        token = account.credentials["access_token"]
        quota = self.publishing_quota(account)
        if quota and quota["used"] >= quota["total"]:
            raise RateLimited("Instagram's 24-hour publishing limit is used up",
                              retry_at=datetime.now(UTC) + timedelta(hours=1), code="quota")
        kind = self.post_kind(variant)
        container_id = self._create_containers(account.external_id, token, variant, kind)
        self._wait_until_finished(container_id, token)
        media_id = self.client.request("POST", f"{account.external_id}/media_publish", token=token,
                                       data={"creation_id": container_id}, publishing=True)["id"]
        permalink = self.client.read_after_publish(media_id, "permalink", token=token)
        return PublishResult(remote_id=media_id, permalink=permalink,
                             details={"container_id": container_id, "kind": kind, "quota": quota})

    def _create_containers(self, ig_user: str, token: str, variant: Variant, kind: str) -> str:
        caption = variant.text
        disclosure = self.disclosure_fields(variant)
        user_tags = self.user_tags(variant) or None
        if kind == "carousel":
            children = []
            for item in variant.media:
                data: dict[str, Any] = {"is_carousel_item": True}
                if item.kind == "image":
                    data.update(image_url=item.url, alt_text=item.alt_text or None, user_tags=user_tags)
                    children.append(self.client.request("POST", f"{ig_user}/media", token=token, data=data)["id"])
                else:
                    data.update(media_type="VIDEO")
                    children.append(self._video_container(ig_user, token, item, data))
            for child in children:
                self._wait_until_finished(child, token)
            # AI label and partnership fields go on the parent only.
            data = {"media_type": "CAROUSEL", "children": ",".join(children), "caption": caption, **disclosure}
            return self.client.request("POST", f"{ig_user}/media", token=token, data=data)["id"]
        item = variant.media[0]
        data = {"caption": caption if kind != "story" else None, **disclosure}
        if kind == "story":
            data.update(media_type="STORIES", user_tags=user_tags)
            if item.kind == "video":
                return self._video_container(ig_user, token, item, data)
            data["image_url"] = item.url
        elif kind == "reel":
            data.update(media_type="REELS", share_to_feed=variant.options.get("share_to_feed", True),
                        cover_url=variant.options.get("cover_url"))
            return self._video_container(ig_user, token, item, data)
        else:
            data.update(image_url=item.url, alt_text=item.alt_text or None, user_tags=user_tags)
        return self.client.request("POST", f"{ig_user}/media", token=token, data=data)["id"]

    def _video_container(self, ig_user: str, token: str, item: MediaItem, data: dict[str, Any]) -> str:
        """A video container: Meta fetches `video_url`, or (resumable) Warta sends the file to rupload."""
        if video_source(self.settings, item) != "upload" or not item.path:
            return self.client.request("POST", f"{ig_user}/media", token=token,
                                       data={**data, "video_url": item.url})["id"]
        size = local_size(item.path)
        body = self.client.request("POST", f"{ig_user}/media", token=token,
                                   data={**data, "upload_type": "resumable"})
        container_id = str(body["id"])
        url = self.client.rupload_url_for(body.get("uri"), f"ig-api-upload/{self.client.api_version}/{container_id}")
        self.client.rupload(url, token=token, content=file_chunks(item.path), file_size=size)
        return container_id

    def _wait_until_finished(self, container_id: str, token: str) -> None:
        """Poll `status_code` a bounded number of times; Transient if Meta is still processing."""
        interval = float(self.settings.get("poll_interval", self.poll_interval_default))
        polls = int(self.settings.get("poll_max", self.poll_max_default))
        for attempt in range(polls):
            body = self.client.request("GET", container_id, token=token, params={"fields": "status_code,status"})
            status = body.get("status_code")
            if status in ("FINISHED", "PUBLISHED"):
                return
            if status == "ERROR":
                raise Permanent(f"Instagram could not process the media: {body.get('status')}",
                                platform_message=str(body.get("status")), code="container_error")
            if status == "EXPIRED":
                raise Transient("the media container expired before publishing", code="container_expired")
            if attempt + 1 < polls and interval:
                time.sleep(interval)
        raise Transient(f"Instagram is still processing the media after {polls} checks", code="container_pending")

    def find_published(self, job: PublishJob) -> PublishResult | None:
        """A recent media item whose caption carries the marker (or equals our caption, posted after scheduling)."""
        token = job.account.credentials["access_token"]
        body = self.client.request("GET", f"{job.account.external_id}/media", token=token,
                                   params={"fields": "id,caption,permalink,timestamp", "limit": 25})
        since = (job.scheduled_at or datetime.now(UTC) - timedelta(days=2)) - timedelta(minutes=10)
        for media in body.get("data", []):
            caption = media.get("caption") or ""
            stamp = _parse_time(media.get("timestamp"))
            if job.idempotency_marker and job.idempotency_marker in caption:
                return PublishResult(remote_id=media["id"], permalink=media.get("permalink"))
            if caption == job.variant.text and stamp is not None and stamp >= since:
                return PublishResult(remote_id=media["id"], permalink=media.get("permalink"))
        return None

    def publishing_quota(self, account: AccountRef) -> dict[str, Any] | None:
        body = self.client.request("GET", f"{account.external_id}/content_publishing_limit",
                                   token=account.credentials["access_token"], params={"fields": "quota_usage,config"})
        data = (body.get("data") or [{}])[0]
        config = data.get("config") or {}
        return {"used": int(data.get("quota_usage", 0)), "total": int(config.get("quota_total", 50)),
                "window_seconds": int(config.get("quota_duration", 86400))}

    def profile(self, account: AccountRef) -> dict[str, Any]:
        body = self.client.request("GET", account.external_id, token=account.credentials["access_token"],
                                   params={"fields": "id,username,name,biography,profile_picture_url"})
        return {"handle": body.get("username"), "display_name": body.get("name") or body.get("username"),
                "bio": body.get("biography") or "", "avatar_url": body.get("profile_picture_url"), "verified": None}

    def resolve_user(self, account: AccountRef, handle: str) -> ResolvedUser | None:
        """Business Discovery on our IG user; None when no business/creator account has the handle.

        Meta answers code 110 / subcode 2207013 ("Cannot find User") both for a handle nobody has
        and for a personal account, which Business Discovery cannot see.
        """
        username = handle.lstrip("@")
        fields = f"business_discovery.username({username}){{id,username,name}}"
        try:
            body = self.client.request("GET", account.external_id, token=account.credentials["access_token"],
                                       params={"fields": fields})
        except Permanent as exc:
            if exc.code in NOT_FOUND_CODES:
                return None
            raise
        found = body.get("business_discovery") or {}
        if not found.get("id"):
            return None
        return ResolvedUser(user_id=str(found["id"]), username=str(found.get("username") or username),
                            display_name=str(found.get("name") or ""))

    def collaborator_statuses(self, account: AccountRef, remote_id: str) -> dict[str, str]:
        """`GET /<ig-media-id>/collaborators` → {username: pending | accepted | declined}."""
        body = self.client.request("GET", f"{remote_id}/collaborators", token=account.credentials["access_token"],
                                   params={"fields": "id,username,invite_status"})
        return {str(row.get("username", "")).lower(): str(row.get("invite_status", "")).lower()
                for row in body.get("data") or [] if row.get("username")}

    def _page_id(self, account: AccountRef) -> str:
        return str(account.credentials.get("extra", {}).get("page_id") or account.external_id)


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        return None
