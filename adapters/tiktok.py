"""TikTok Content Posting API: creator_info, video (PULL_FROM_URL or chunked FILE_UPLOAD), photos.

A small JSON API, so one httpx client (TikTok has no official Python SDK; the
TikTokApi package is a read-only web scraper that cannot post, README
"Dependencies"). Quota errors arrive as HTTP 200 or 403 with an `error.code`;
every answer goes through `_check`.

Tokens rotate: every refresh returns a new refresh token and the old one dies,
so callers must store the `TokenSet` from `refresh_credentials` before anything
else. `access_token_invalid` is raised as `AuthExpired(code="access_token_invalid")`:
the pipeline refreshes once and retries; only a failed refresh means reconnect.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import urlencode

import httpx
from flask_babel import lazy_gettext as _l

from adapters._common import (
    read_media_bytes,
    shared_client,
    stored_scopes_and_expiry,
    text_matches,
    token_set_from_response,
)
from adapters.base import (
    AccountFacts,
    AccountRef,
    AudienceFigures,
    AuthExpired,
    ConnectableAccount,
    NotSupported,
    OutcomeUnknown,
    Permanent,
    PlatformAdapter,
    Problem,
    PublishJob,
    PublishResult,
    RateLimited,
    TokenSet,
    Transient,
    Variant,
    planned_disclosure,
)

PRIVACY_LEVELS = ("PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY")
SCOPES = ("user.info.basic", "user.info.profile", "video.publish", "video.upload", "video.list")

#: error.code → how Warta treats it (PLATFORMS.md §5).
DEFER_CODES = frozenset({"spam_risk_too_many_posts", "reached_active_user_cap", "spam_risk_too_many_pending_share"})
RECONNECT_CODES = frozenset({"scope_not_authorized", "access_token_invalid"})
#: fail_reason values worth retrying with a fresh upload.
RETRY_FAIL_REASONS = frozenset({"internal", "video_pull_failed", "photo_pull_failed"})


@dataclass(frozen=True)
class CreatorInfo:
    """What TikTok allows this creator right now; the composer must show it (TikTok's UX rules)."""

    username: str
    nickname: str
    avatar_url: str
    privacy_level_options: tuple[str, ...]
    comment_disabled: bool
    duet_disabled: bool
    stitch_disabled: bool
    max_video_post_duration_sec: int
    notices: tuple[str, ...] = field(default_factory=tuple)  # translated, shown above the form


def unaudited_notice() -> str:
    """The plain-language warning for an app TikTok has not audited yet."""
    return str(_l("This Warta installation's TikTok app has not been audited by TikTok yet: every post is "
                  "visible only to the account owner (\"Only me\"), and the TikTok account must be private. "
                  "Ask your administrator to apply for TikTok's audit to post publicly."))


class TikTokAdapter(PlatformAdapter):
    """TikTok: one video, or up to 35 photos, with privacy chosen from creator_info."""

    slug = "tiktok"
    display_name = "TikTok"
    # Video caption (`title`) in UTF-16 code units; photo posts: title 90, description 4,000.
    text_maxlen = 2200
    title_maxlen = 90
    photo_description_maxlen: ClassVar[int] = 4000
    media_kinds = frozenset({"image", "video"})
    max_media_per_post = 35
    requires_media = True
    # Sizes: video ≤ 4 GB, image ≤ 20 MB; the API's longest video is 10 minutes (creator_info may say less).
    video_max_bytes: ClassVar[int] = 4 * 1024 ** 3
    image_max_bytes: ClassVar[int] = 20 * 1024 * 1024
    video_max_seconds: ClassVar[int] = 600
    # FILE_UPLOAD chunks: 5–64 MB, files under 5 MB go in one piece.
    chunk_bytes: ClassVar[int] = 10 * 1024 * 1024
    min_chunk_bytes: ClassVar[int] = 5 * 1024 * 1024
    # Posting caps Warta's quota ledger counts per account: (calls, window seconds, what). The daily
    # post cap is unpublished (15–25/day reported); `spam_risk_too_many_posts` defers instead.
    quota_windows: ClassVar[tuple[tuple[int, int, str], ...]] = (
        (6, 60, "video/init per token"), (20, 60, "creator_info per token"), (30, 60, "status/fetch per token"))
    # Status polling: interval and the longest wait before reporting an unknown outcome.
    status_poll_seconds: ClassVar[float] = 3.0
    status_wait_max_seconds: ClassVar[float] = 180.0

    def __init__(self, settings: dict[str, Any] | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        super().__init__(settings)
        self._sleep = sleep

    def count_text(self, text: str) -> int:
        """TikTok counts UTF-16 code units ("runes" in its docs)."""
        return len(text.encode("utf-16-le")) // 2

    @property
    def audited(self) -> bool:
        return bool(self.settings.get("audited"))

    def _pullable(self, url: str) -> bool:
        return any(url.startswith(prefix) for prefix in self.settings.get("pull_url_prefixes") or ())

    # -- validation ---------------------------------------------------------------------
    def validate(self, variant: Variant) -> list[Problem]:
        problems: list[Problem] = []
        media = variant.media
        videos = [m for m in media if m.kind == "video"]
        images = [m for m in media if m.kind == "image"]
        if not media:
            problems.append(Problem("tiktok_media_required", str(_l("TikTok needs a video or photos.")), "media"))
        elif videos and (len(videos) > 1 or images):
            problems.append(Problem("tiktok_media_mix", str(_l(
                "A TikTok post is either one video or up to 35 photos, not both.")), "media"))
        elif len(images) > self.max_media_per_post:
            problems.append(Problem("tiktok_too_many_photos", str(_l("TikTok takes at most 35 photos.")), "media"))
        for item in videos:
            if item.size_bytes > self.video_max_bytes:
                problems.append(Problem("tiktok_video_too_large", str(_l("TikTok videos may be at most 4 GB.")),
                                        "media"))
            if item.duration_seconds and item.duration_seconds > self.video_max_seconds:
                problems.append(Problem("tiktok_video_too_long", str(_l(
                    "TikTok accepts videos of at most 10 minutes through its API.")), "media"))
        for item in images:
            if item.size_bytes > self.image_max_bytes:
                problems.append(Problem("tiktok_photo_too_large", str(_l("TikTok photos may be at most 20 MB.")),
                                        "media"))
            if not self._pullable(item.url):
                problems.append(Problem("tiktok_photo_url_unverified", str(_l(
                    "TikTok fetches photos itself, only from a web address verified with TikTok; this "
                    "installation has none configured for these files.")), "media"))
        if images and not videos:
            if self.count_text(variant.title) > self.title_maxlen:
                problems.append(Problem("tiktok_title_too_long", str(_l(
                    "A TikTok photo title may be at most 90 characters.")), "title"))
            if self.count_text(variant.text) > self.photo_description_maxlen:
                problems.append(Problem("tiktok_description_too_long", str(_l(
                    "A TikTok photo description may be at most 4,000 characters.")), "text"))
        elif self.count_text(variant.text) > self.text_maxlen:
            problems.append(Problem("tiktok_caption_too_long", str(_l(
                "A TikTok caption may be at most 2,200 characters.")), "text"))
        privacy = variant.options.get("privacy_level")
        if privacy not in PRIVACY_LEVELS:
            problems.append(Problem("tiktok_privacy_required", str(_l(
                "Choose who can see this TikTok post (TikTok requires a choice, there is no default).")),
                "privacy_level"))
        elif not self.audited and privacy != "SELF_ONLY":
            problems.append(Problem("tiktok_unaudited_private_only", unaudited_notice(), "privacy_level"))
        return problems

    def disclosure_fields(self, variant: Variant) -> dict[str, Any]:
        """Brand toggles: the plan's (a third party's brand vs. the organisation's own), else any paid one."""
        options, planned = variant.options, planned_disclosure(variant)
        if planned is None:
            branded = any(c.paid for c in variant.collaborations)
            organic = False
        else:
            branded = bool(planned.get("brand_content_toggle"))
            organic = bool(planned.get("brand_organic_toggle"))
        return {
            "brand_content_toggle": bool(options.get("paid_partnership")) or branded,
            "brand_organic_toggle": bool(options.get("brand_organic")) or organic,
            "is_aigc": bool(options.get("made_with_ai")),
        }

    # -- HTTP ---------------------------------------------------------------------------
    def _client(self) -> AbstractContextManager[httpx.Client]:
        """The process-wide pooled client for TikTok (`with` leaves it open for the next call):
        a new `httpx.Client` per call cost ~36 ms of CPU for its TLS context."""
        return nullcontext(shared_client(self.settings.get("api_url", "https://open.tiktokapis.com"),
                                         float(self.settings.get("timeout", 30.0)), {"User-Agent": "Warta"}))

    def _call(self, client: httpx.Client, method: str, path: str, token: str, *,
              irreversible: bool = False, **kwargs: Any) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json; charset=UTF-8"}
        try:
            resp = client.request(method, path, headers=headers, **kwargs)
        except httpx.TimeoutException as exc:
            if irreversible:
                raise OutcomeUnknown("TikTok did not answer in time; the post may exist", code="timeout") from exc
            raise Transient("TikTok did not answer in time", code="timeout") from exc
        except httpx.TransportError as exc:
            if irreversible and not isinstance(exc, httpx.ConnectError):
                raise OutcomeUnknown(f"Connection to TikTok broke after sending: {exc}", code="network") from exc
            raise Transient(f"Could not reach TikTok: {exc}", code="network") from exc
        return self._check(resp)

    @staticmethod
    def _check(resp: httpx.Response) -> dict[str, Any]:
        """Map TikTok's `{"data", "error": {"code", "message", "log_id"}}` onto the typed errors."""
        try:
            body = resp.json()
        except ValueError:
            body = {}
        error = body.get("error") or {}
        code = str(error.get("code") or ("ok" if resp.status_code < 400 else resp.status_code))
        message = str(error.get("message") or code)
        if code == "ok" and resp.status_code < 400:
            return body.get("data") or {}
        if code in DEFER_CODES:
            tomorrow = (datetime.now(UTC) + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
            raise RateLimited("TikTok's posting cap for this account is reached", retry_at=tomorrow,
                              platform_message=message, code=code)
        if code == "rate_limit_exceeded" or resp.status_code == 429:
            raise RateLimited("TikTok rate limit reached", retry_at=datetime.now(UTC) + timedelta(minutes=1),
                              platform_message=message, code=code)
        if code in RECONNECT_CODES or resp.status_code == 401:
            raise AuthExpired("TikTok refused the token", platform_message=message, code=code)
        if resp.status_code >= 500:
            raise Transient(f"TikTok server error {resp.status_code}", platform_message=message, code=code)
        raise Permanent("TikTok rejected the request", platform_message=message, code=code)

    # -- creator_info -------------------------------------------------------------------
    def creator_info(self, account: AccountRef) -> CreatorInfo:
        """Query creator_info (the composer shows it; `publish` enforces it)."""
        with self._client() as client:
            return self._creator_info(client, account.credentials["access_token"])

    def _creator_info(self, client: httpx.Client, token: str) -> CreatorInfo:
        data = self._call(client, "POST", "/v2/post/publish/creator_info/query/", token)
        options = tuple(data.get("privacy_level_options") or ())
        notices: list[str] = []
        if not self.audited or options == ("SELF_ONLY",):
            notices.append(unaudited_notice())
        return CreatorInfo(
            username=data.get("creator_username", ""), nickname=data.get("creator_nickname", ""),
            avatar_url=data.get("creator_avatar_url", ""), privacy_level_options=options,
            comment_disabled=bool(data.get("comment_disabled")), duet_disabled=bool(data.get("duet_disabled")),
            stitch_disabled=bool(data.get("stitch_disabled")),
            max_video_post_duration_sec=int(data.get("max_video_post_duration_sec") or self.video_max_seconds),
            notices=tuple(notices))

    # -- publishing ---------------------------------------------------------------------
    def publish(self, job: PublishJob) -> PublishResult:
        variant = job.variant
        token = job.account.credentials["access_token"]
        with self._client() as client:
            info = self._creator_info(client, token)
            privacy = variant.options.get("privacy_level")
            if privacy not in info.privacy_level_options:
                raise Permanent("The chosen TikTok privacy is not offered for this account", code="privacy_option",
                                platform_message=f"{privacy} not in {', '.join(info.privacy_level_options)}")
            video = next((m for m in variant.media if m.kind == "video"), None)
            if video is not None:
                if video.duration_seconds and video.duration_seconds > info.max_video_post_duration_sec:
                    raise Permanent("The video is longer than TikTok allows this account", code="duration",
                                    platform_message=f"max {info.max_video_post_duration_sec} s")
                publish_id = self._init_video(client, token, variant, info, video)
            else:
                publish_id = self._init_photos(client, token, variant, info)
            return self._await_status(client, token, publish_id)

    def _post_info(self, variant: Variant, info: CreatorInfo) -> dict[str, Any]:
        opts = variant.options
        return {
            "privacy_level": opts["privacy_level"],
            "disable_comment": bool(opts.get("disable_comment") or info.comment_disabled),
            **self.disclosure_fields(variant),
        }

    def _init_video(self, client: httpx.Client, token: str, variant: Variant, info: CreatorInfo,
                    video: Any) -> str:
        post_info = {"title": variant.text, **self._post_info(variant, info),
                     "disable_duet": bool(variant.options.get("disable_duet") or info.duet_disabled),
                     "disable_stitch": bool(variant.options.get("disable_stitch") or info.stitch_disabled)}
        if "cover_timestamp_ms" in variant.options:
            post_info["video_cover_timestamp_ms"] = int(variant.options["cover_timestamp_ms"])
        if self._pullable(video.url):
            data = self._call(client, "POST", "/v2/post/publish/video/init/", token, irreversible=True, json={
                "post_info": post_info, "source_info": {"source": "PULL_FROM_URL", "video_url": video.url}})
            return str(data["publish_id"])
        try:
            blob = read_media_bytes(video.path, video.url, float(self.settings.get("timeout", 30.0)))
        except (OSError, httpx.HTTPError) as exc:
            raise Transient(f"Could not read the video file: {exc}", code="media_read") from exc
        size = len(blob)
        chunk = int(self.settings.get("chunk_bytes", self.chunk_bytes))
        if size < int(self.settings.get("min_chunk_bytes", self.min_chunk_bytes)) or size <= chunk:
            chunk = size
        count = max(1, size // chunk)
        data = self._call(client, "POST", "/v2/post/publish/video/init/", token, irreversible=True, json={
            "post_info": post_info, "source_info": {
                "source": "FILE_UPLOAD", "video_size": size, "chunk_size": chunk, "total_chunk_count": count}})
        self._upload_chunks(client, data["upload_url"], blob, chunk, count, video.content_type)
        return str(data["publish_id"])

    @staticmethod
    def _upload_chunks(client: httpx.Client, url: str, blob: bytes, chunk: int, count: int, content_type: str) -> None:
        size = len(blob)
        for index in range(count):
            start = index * chunk
            end = size if index == count - 1 else start + chunk  # the last chunk takes the remainder
            try:
                resp = client.put(url, content=blob[start:end], headers={
                    "Content-Type": content_type, "Content-Range": f"bytes {start}-{end - 1}/{size}"})
            except httpx.HTTPError as exc:
                raise Transient(f"TikTok upload broke off: {exc}", code="upload_network") from exc
            if resp.status_code == 403:
                raise Transient("TikTok's upload address expired", code="upload_url_expired")
            if resp.status_code == 416:
                raise Permanent("TikTok refused the chunk range", code="range_mismatch",
                                platform_message=resp.text[:200])
            if resp.status_code >= 400:
                raise Transient(f"TikTok upload failed ({resp.status_code})", code=str(resp.status_code))

    def _init_photos(self, client: httpx.Client, token: str, variant: Variant, info: CreatorInfo) -> str:
        post_info = {"title": variant.title, "description": variant.text, **self._post_info(variant, info),
                     "auto_add_music": bool(variant.options.get("auto_add_music", False))}
        data = self._call(client, "POST", "/v2/post/publish/content/init/", token, irreversible=True, json={
            "post_info": post_info,
            "source_info": {"source": "PULL_FROM_URL", "photo_cover_index": int(variant.options.get("cover_index", 0)),
                            "photo_images": [m.url for m in variant.media]},
            "post_mode": "DIRECT_POST", "media_type": "PHOTO"})
        return str(data["publish_id"])

    def _await_status(self, client: httpx.Client, token: str, publish_id: str) -> PublishResult:
        waited = 0.0
        interval = float(self.settings.get("status_poll_seconds", self.status_poll_seconds))
        limit = float(self.settings.get("status_wait_max_seconds", self.status_wait_max_seconds))
        while True:
            data = self._call(client, "POST", "/v2/post/publish/status/fetch/", token, json={"publish_id": publish_id})
            status = data.get("status")
            if status in ("PUBLISH_COMPLETE", "SEND_TO_USER_INBOX"):
                public_ids = data.get("publicaly_available_post_id") or []
                return PublishResult(remote_id=str(public_ids[0]) if public_ids else publish_id, details={
                    "publish_id": publish_id, "status": status, "public_post_ids": [str(i) for i in public_ids]})
            if status == "FAILED":
                reason = str(data.get("fail_reason") or "unknown")
                if reason == "auth_removed":
                    raise AuthExpired("The TikTok owner removed Warta's access during the upload",
                                      platform_message=reason, code=reason)
                if reason in DEFER_CODES:
                    raise RateLimited("TikTok's posting cap for this account is reached", platform_message=reason,
                                      code=reason, retry_at=datetime.now(UTC) + timedelta(days=1))
                if reason in RETRY_FAIL_REASONS:
                    raise Transient("TikTok could not fetch or process the media", platform_message=reason,
                                    code=reason)
                raise Permanent("TikTok refused the post", platform_message=reason, code=reason)
            if waited >= limit:
                raise OutcomeUnknown(f"TikTok is still processing publish {publish_id}", code="still_processing",
                                     platform_message=str(status))
            self._sleep(interval)
            waited += interval

    def find_published(self, job: PublishJob) -> PublishResult | None:
        token = job.account.credentials["access_token"]
        with self._client() as client:
            data = self._call(client, "POST", "/v2/video/list/", token,
                              params={"fields": "id,title,video_description,share_url,create_time"},
                              json={"max_count": 20})
        for video in data.get("videos") or []:
            text = video.get("video_description") or video.get("title") or ""
            if text_matches(text, job.idempotency_marker, job.variant.text):
                return PublishResult(remote_id=str(video["id"]), permalink=video.get("share_url"))
        return None

    # -- OAuth v2 -----------------------------------------------------------------------
    def authorize_url(self, state: str, redirect_uri: str, code_challenge: str | None = None) -> str:
        query = {"client_key": self.settings.get("client_key", ""), "scope": ",".join(SCOPES),
                 "response_type": "code", "redirect_uri": redirect_uri, "state": state}
        if code_challenge:
            query.update(code_challenge=code_challenge, code_challenge_method="S256")
        base = self.settings.get("authorize_url", "https://www.tiktok.com/v2/auth/authorize/")
        return f"{base}?{urlencode(query)}"

    def _token_call(self, form: dict[str, str]) -> dict[str, Any]:
        form = {"client_key": self.settings.get("client_key", ""),
                "client_secret": self.settings.get("client_secret", ""), **form}
        with self._client() as client:
            try:
                resp = client.post("/v2/oauth/token/", data=form,
                                   headers={"Content-Type": "application/x-www-form-urlencoded"})
            except httpx.HTTPError as exc:
                raise Transient(f"Could not reach TikTok: {exc}", code="network") from exc
        try:
            body = resp.json()
        except ValueError:
            body = {}
        if resp.status_code >= 500:
            raise Transient("TikTok token endpoint failed", code=str(resp.status_code))
        if "access_token" not in body:
            raise AuthExpired("TikTok refused the grant", code=str(body.get("error") or resp.status_code),
                              platform_message=str(body.get("error_description") or body.get("error") or ""))
        return body

    def exchange_code(self, code: str, redirect_uri: str, code_verifier: str | None = None) -> list[ConnectableAccount]:
        form = {"code": code, "grant_type": "authorization_code", "redirect_uri": redirect_uri}
        if code_verifier:
            form["code_verifier"] = code_verifier
        body = self._token_call(form)
        tokens = token_set_from_response(body, scope_separator=",")
        user = self._user_info(tokens.access_token)
        return [ConnectableAccount(platform=self.slug, external_id=str(body.get("open_id") or user.get("open_id")),
                                   handle=user.get("username", ""), display_name=user.get("display_name", ""),
                                   tokens=tokens, facts={"profile": self._profile(user)})]

    def refresh_credentials(self, tokens: TokenSet) -> TokenSet:
        """A new TokenSet with the rotated refresh token: store it at once, the old one is dead."""
        if not tokens.refresh_token:
            raise AuthExpired("No TikTok refresh token", code="no_refresh_token")
        body = self._token_call({"grant_type": "refresh_token", "refresh_token": tokens.refresh_token})
        return token_set_from_response(body, previous=tokens, scope_separator=",")

    def _user_info(self, token: str) -> dict[str, Any]:
        with self._client() as client:
            data = self._call(client, "GET", "/v2/user/info/", token, params={
                "fields": "open_id,union_id,avatar_url,display_name,bio_description,is_verified,username"})
        return data.get("user") or {}

    @staticmethod
    def _profile(user: dict[str, Any]) -> dict[str, Any]:
        return {"display_name": user.get("display_name", ""), "handle": user.get("username", ""),
                "avatar_url": user.get("avatar_url", ""), "bio": user.get("bio_description", ""),
                "verified": bool(user.get("is_verified"))}

    def account_facts(self, account: AccountRef) -> AccountFacts:
        creds = account.credentials
        scopes, expires_at = stored_scopes_and_expiry(creds)
        try:
            user = self._user_info(creds["access_token"])
        except AuthExpired:
            return AccountFacts(token_valid=False, scopes=scopes, expires_at=expires_at)
        return AccountFacts(token_valid=True, scopes=scopes, expires_at=expires_at, profile=self._profile(user),
                            extra={"audited_app": self.audited})

    # -- audience (activity dashboard) ----------------------------------------------------
    def audience(self, account: AccountRef) -> AudienceFigures:
        """Followers from /v2/user/info/ (needs the `user.info.stats` scope)."""
        with self._client() as client:
            data = self._call(client, "GET", "/v2/user/info/", account.credentials["access_token"],
                              params={"fields": "open_id,follower_count,likes_count,video_count"})
        return AudienceFigures(followers=(data.get("user") or {}).get("follower_count"))

    def post_metrics(self, account: AccountRef, remote_id: str) -> AudienceFigures:
        """View, like, comment and share counts from /v2/video/query/ (a post still being processed has none)."""
        if remote_id.startswith("v_pub"):
            raise NotSupported("TikTok has not given this post a public id yet", code="no_public_id")
        with self._client() as client:
            data = self._call(client, "POST", "/v2/video/query/", account.credentials["access_token"],
                              params={"fields": "id,view_count,like_count,comment_count,share_count"},
                              json={"filters": {"video_ids": [remote_id]}})
        video = next((v for v in data.get("videos") or [] if str(v.get("id")) == remote_id), None)
        if video is None:
            raise Permanent(f"TikTok has no video {remote_id}", code="not_found")
        return AudienceFigures(views=video.get("view_count"), likes=video.get("like_count"),
                               comments=video.get("comment_count"), shares=video.get("share_count"))
