"""YouTube Data API v3 through google-api-python-client and google-auth.

The bundled (static) discovery document is used with its root URL replaced by
the configured one, so no discovery request is made and the simulator can stand
in for youtube.googleapis.com (client_options.api_endpoint would keep https for
uploads). Uploads are resumable: after a transient error `next_chunk()` asks
the server for the last confirmed byte and goes on from there.
"""
from __future__ import annotations

import json
import os
import tempfile
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import google_auth_httplib2
import httplib2
import httpx
from flask_babel import lazy_gettext as _l
from google.auth.exceptions import RefreshError, TransportError
from google.oauth2.credentials import Credentials
from googleapiclient.discovery import build_from_document
from googleapiclient.discovery_cache import get_static_doc
from googleapiclient.errors import HttpError
from googleapiclient.http import MediaFileUpload

from adapters._common import read_media_bytes, text_matches, token_set_from_response
from adapters.base import (
    AccountFacts,
    AccountRef,
    AudienceFigures,
    AuthExpired,
    ConnectableAccount,
    OutcomeUnknown,
    Permanent,
    PlatformAdapter,
    Problem,
    PublishJob,
    PublishResult,
    RateLimited,
    ResolvedUser,
    TokenSet,
    Transient,
    Variant,
    planned_disclosure,
)

SCOPES = ("https://www.googleapis.com/auth/youtube.upload", "https://www.googleapis.com/auth/youtube.readonly")
PRIVACY = ("public", "unlisted", "private")
PACIFIC = ZoneInfo("America/Los_Angeles")
RECONNECT_REASONS = frozenset({"authenticatedUserAccountClosed", "authenticatedUserAccountSuspended",
                               "authError", "invalidCredentials", "youtubeSignupRequired"})
SHORT_WAIT_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})


def next_pacific_midnight(now: datetime | None = None) -> datetime:
    """When YouTube's daily quota resets: the next midnight in Pacific time, as UTC."""
    now = (now or datetime.now(UTC)).astimezone(PACIFIC)
    tomorrow = (now + timedelta(days=1)).date()
    return datetime(tomorrow.year, tomorrow.month, tomorrow.day, tzinfo=PACIFIC).astimezone(UTC)


class YouTubeAdapter(PlatformAdapter):
    """YouTube: one video with title, description, tags, category, privacy and disclosure flags."""

    slug = "youtube"
    display_name = "YouTube"
    # Description limit; the title has its own limit and may not contain < or >.
    text_maxlen = 5000
    title_maxlen = 100
    # All tags together, in characters (a tag with a space counts its quotes).
    tags_total_maxlen: ClassVar[int] = 500
    media_kinds = frozenset({"video"})
    max_media_per_post = 1
    requires_media = True
    video_max_bytes: ClassVar[int] = 256 * 1024 ** 3
    # Length: 15 minutes unless the channel is phone-verified, else 12 hours (UNVERIFIED, docs.zernio.com);
    # Warta refuses only what no channel may upload.
    video_max_seconds: ClassVar[float] = 12 * 3600.0
    # Private + publishAt lets YouTube publish at the time itself.
    supports_native_scheduling = True
    # channels.list(forHandle=@handle) finds a channel id (1 quota unit).
    supports_user_lookup = True
    # Caps Warta's quota ledger counts: (calls, window seconds, what); the day ends at midnight Pacific.
    quota_windows: ClassVar[tuple[tuple[int, int, str], ...]] = ((100, 24 * 3600, "videos.insert per project"),)
    # Upload chunk and how often one chunk may fail transiently before giving up for now.
    chunk_bytes: ClassVar[int] = 8 * 1024 * 1024
    chunk_retries: ClassVar[int] = 5

    def __init__(self, settings: dict[str, Any] | None = None, http: Any = None) -> None:
        """`http` replaces the transport (tests pass an `HttpMockSequence`)."""
        super().__init__(settings)
        self._http = http

    # -- validation ---------------------------------------------------------------------
    @staticmethod
    def tags_length(tags: list[str]) -> int:
        return sum(len(t) + (2 if " " in t else 0) for t in tags) + max(0, len(tags) - 1)

    def validate(self, variant: Variant) -> list[Problem]:
        problems: list[Problem] = []
        videos = [m for m in variant.media if m.kind == "video"]
        if len(videos) != 1 or len(variant.media) != 1:
            problems.append(Problem("youtube_one_video", str(_l("YouTube needs exactly one video.")), "media"))
        elif videos[0].size_bytes > self.video_max_bytes:
            problems.append(Problem("youtube_video_too_large", str(_l("YouTube videos may be at most 256 GB.")),
                                    "media"))
        elif (videos[0].duration_seconds or 0) > self.video_max_seconds:
            problems.append(Problem("youtube_video_too_long", str(_l(
                "YouTube videos may last at most 12 hours.")), "media"))
        title = variant.title.strip()
        if not title:
            problems.append(Problem("youtube_title_required", str(_l("A YouTube video needs a title.")), "title"))
        elif len(title) > self.title_maxlen:
            problems.append(Problem("youtube_title_too_long", str(_l(
                "A YouTube title may be at most 100 characters (now %(length)d).", length=len(title))), "title"))
        if "<" in title or ">" in title:
            problems.append(Problem("youtube_title_brackets", str(_l(
                "A YouTube title may not contain the characters < or >.")), "title"))
        if len(variant.text) > self.text_maxlen:
            problems.append(Problem("youtube_description_too_long", str(_l(
                "A YouTube description may be at most 5,000 characters (now %(length)d).",
                length=len(variant.text))), "text"))
        if "<" in variant.text or ">" in variant.text:
            problems.append(Problem("youtube_description_brackets", str(_l(
                "A YouTube description may not contain the characters < or >.")), "text"))
        if self.tags_length(list(variant.options.get("tags") or [])) > self.tags_total_maxlen:
            problems.append(Problem("youtube_tags_too_long", str(_l(
                "YouTube tags together may be at most 500 characters.")), "tags"))
        privacy = variant.options.get("privacy", "public")
        if privacy not in PRIVACY:
            problems.append(Problem("youtube_privacy", str(_l("Unknown YouTube visibility.")), "privacy"))
        if "made_for_kids" not in variant.options:
            problems.append(Problem("youtube_made_for_kids_required", str(_l(
                "Say whether this video is made for children (YouTube requires it).")), "made_for_kids"))
        return problems

    def disclosure_fields(self, variant: Variant) -> dict[str, Any]:
        planned = (planned_disclosure(variant) or {}).get("paidProductPlacementDetails") or {}
        return {
            "paidProductPlacementDetails": {"hasPaidProductPlacement": bool(
                variant.options.get("paid_partnership") or any(c.paid for c in variant.collaborations)
                or planned.get("hasPaidProductPlacement"))},
            "status": {"containsSyntheticMedia": bool(variant.options.get("made_with_ai"))},
        }

    def video_body(self, variant: Variant, scheduled_at: datetime | None) -> dict[str, Any]:
        """The `videos.insert` resource for `variant` (native scheduling when `options["native_schedule"]`)."""
        opts = variant.options
        disclosure = self.disclosure_fields(variant)
        snippet: dict[str, Any] = {"title": variant.title.strip(), "description": variant.text,
                                   "categoryId": str(opts.get("category_id", "25"))}  # 25: News & Politics
        if opts.get("tags"):
            snippet["tags"] = list(opts["tags"])
        status: dict[str, Any] = {"privacyStatus": opts.get("privacy", "public"),
                                  "selfDeclaredMadeForKids": bool(opts.get("made_for_kids")),
                                  **disclosure["status"]}
        if opts.get("native_schedule") and scheduled_at and scheduled_at > datetime.now(UTC):
            status["privacyStatus"] = "private"
            status["publishAt"] = scheduled_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return {"snippet": snippet, "status": status,
                "paidProductPlacementDetails": disclosure["paidProductPlacementDetails"]}

    # -- client -------------------------------------------------------------------------
    def _credentials(self, creds: dict[str, Any]) -> Credentials:
        return Credentials(token=creds.get("access_token"), refresh_token=creds.get("refresh_token"),
                           token_uri=self.settings.get("token_url", "https://oauth2.googleapis.com/token"),
                           client_id=self.settings.get("client_id"), client_secret=self.settings.get("client_secret"))

    def _transport(self) -> Any:
        if self._http is not None:
            return self._http
        http = httplib2.Http(timeout=float(self.settings.get("timeout", 60.0)))
        http.redirect_codes = http.redirect_codes - {308}  # 308 is "resume incomplete" here, not a redirect
        return http

    def service(self, creds: dict[str, Any]) -> Any:
        """A `youtube` v3 service on the configured root, from the bundled discovery document."""
        doc = json.loads(get_static_doc("youtube", "v3"))
        root = self.settings.get("api_url", "https://youtube.googleapis.com/")
        doc["rootUrl"] = doc["mtlsRootUrl"] = root
        doc["baseUrl"] = root + doc.get("servicePath", "")
        http = self._transport()
        if self._http is None:
            http = google_auth_httplib2.AuthorizedHttp(self._credentials(creds), http=http)
        return build_from_document(doc, http=http)

    @staticmethod
    def _reason(error: HttpError) -> tuple[str, str]:
        try:
            body = json.loads(error.content.decode("utf-8"))
            err = body.get("error", {})
            reason = (err.get("errors") or [{}])[0].get("reason", "") or str(err.get("status", ""))
            return reason, str(err.get("message", ""))
        except (ValueError, AttributeError):
            return "", str(error)

    def _map_error(self, error: HttpError) -> Exception:
        status = int(error.resp.status)
        reason, message = self._reason(error)
        if reason == "quotaExceeded":
            return RateLimited("YouTube's daily quota is used up", retry_at=next_pacific_midnight(),
                               platform_message=message, code=reason)
        if reason == "uploadLimitExceeded":
            return RateLimited("This channel reached YouTube's upload limit", code=reason, platform_message=message,
                               retry_at=datetime.now(UTC) + timedelta(hours=24))
        if reason in SHORT_WAIT_REASONS or status == 429:
            return RateLimited("YouTube asks to slow down", retry_at=datetime.now(UTC) + timedelta(minutes=5),
                               platform_message=message, code=reason or "429")
        if status == 401 or reason in RECONNECT_REASONS:
            return AuthExpired("YouTube refused the credentials", platform_message=message, code=reason or "401")
        if status >= 500:
            return Transient(f"YouTube server error {status}", platform_message=message, code=reason or str(status))
        return Permanent("YouTube rejected the request", platform_message=message, code=reason or str(status))

    # -- publishing ---------------------------------------------------------------------
    def publish(self, job: PublishJob) -> PublishResult:
        variant = job.variant
        video = variant.media[0]
        body = self.video_body(variant, job.scheduled_at)
        path, temporary = self._local_file(video.path, video.url)
        try:
            youtube = self.service(job.account.credentials)
            media = MediaFileUpload(path, mimetype=video.content_type or "application/octet-stream",
                                    chunksize=int(self.settings.get("chunk_bytes", self.chunk_bytes)), resumable=True)
            request = youtube.videos().insert(part="snippet,status,paidProductPlacementDetails", body=body,
                                              media_body=media, notifySubscribers=True)
            response = self._upload(request)
            details: dict[str, Any] = {"upload_status": response.get("status", {}).get("uploadStatus")}
            thumbnail = variant.options.get("thumbnail_path")
            if thumbnail:
                details["thumbnail"] = self._set_thumbnail(youtube, response["id"], thumbnail)
        finally:
            if temporary:
                os.unlink(path)
        watch = self.settings.get("watch_url", "https://www.youtube.com/watch?v=")
        return PublishResult(remote_id=response["id"], permalink=f"{watch}{response['id']}", details=details)

    def _local_file(self, path: str | None, url: str) -> tuple[str, bool]:
        if path:
            return path, False
        try:
            data = read_media_bytes(None, url, float(self.settings.get("timeout", 60.0)))
        except httpx.HTTPError as exc:
            raise Transient(f"Could not fetch the video: {exc}", code="media_read") from exc
        fd, name = tempfile.mkstemp(suffix=".video")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        return name, True

    def _upload(self, request: Any) -> dict[str, Any]:
        """Send chunks; after a transient failure resume from the last byte the server confirmed."""
        failures = 0
        response = None
        while response is None:
            try:
                _status, response = request.next_chunk(num_retries=0)
                failures = 0
            except HttpError as exc:
                mapped = self._map_error(exc)
                if isinstance(mapped, Transient) and request.resumable_uri and failures < self.chunk_retries:
                    failures += 1
                    continue
                raise mapped from exc
            except (OSError, httplib2.HttpLib2Error) as exc:
                if request.resumable_uri and failures < self.chunk_retries:
                    failures += 1
                    request._in_error_state = True  # next_chunk() then asks where to resume
                    continue
                if request.resumable_uri:
                    raise OutcomeUnknown(f"YouTube upload broke off: {exc}", code="network") from exc
                raise Transient(f"Could not reach YouTube: {exc}", code="network") from exc
            except RefreshError as exc:
                raise AuthExpired("Google refused to refresh the token", platform_message=str(exc),
                                  code="invalid_grant") from exc
        return response

    def _set_thumbnail(self, youtube: Any, video_id: str, path: str) -> str:
        try:
            youtube.thumbnails().set(videoId=video_id, media_body=MediaFileUpload(path)).execute()
        except HttpError as exc:
            reason, _message = self._reason(exc)
            return f"skipped: {reason or exc.resp.status}"  # e.g. the channel may not set custom thumbnails
        return "set"

    def find_published(self, job: PublishJob) -> PublishResult | None:
        youtube = self.service(job.account.credentials)
        try:
            channels = youtube.channels().list(part="contentDetails", mine=True).execute()
            uploads = channels["items"][0]["contentDetails"]["relatedPlaylists"]["uploads"]
            items = youtube.playlistItems().list(part="snippet", playlistId=uploads, maxResults=25).execute()
        except HttpError as exc:
            raise self._map_error(exc) from exc
        for item in items.get("items") or []:
            snippet = item.get("snippet", {})
            if snippet.get("title", "").strip() != job.variant.title.strip():
                continue
            if text_matches(snippet.get("description", ""), job.idempotency_marker, job.variant.text):
                video_id = snippet.get("resourceId", {}).get("videoId", "")
                watch = self.settings.get("watch_url", "https://www.youtube.com/watch?v=")
                return PublishResult(remote_id=video_id, permalink=f"{watch}{video_id}")
        return None

    def resolve_user(self, account: AccountRef, handle: str) -> ResolvedUser | None:
        """`channels.list(part=id,snippet, forHandle=@handle)`; no `items` when no channel has the handle."""
        wanted = "@" + handle.lstrip("@")
        try:
            body = self.service(account.credentials).channels().list(part="id,snippet", forHandle=wanted).execute()
        except HttpError as exc:
            raise self._map_error(exc) from exc
        except RefreshError as exc:
            raise AuthExpired("Google refused to refresh the token", code="invalid_grant",
                              platform_message=str(exc)) from exc
        items = body.get("items") or []
        if not items:
            return None
        snippet = items[0].get("snippet", {})
        return ResolvedUser(user_id=str(items[0]["id"]), username=str(snippet.get("customUrl") or wanted),
                            display_name=str(snippet.get("title", "")))

    # -- OAuth --------------------------------------------------------------------------
    def authorize_url(self, state: str, redirect_uri: str, code_challenge: str | None = None) -> str:
        query = {"client_id": self.settings.get("client_id", ""), "redirect_uri": redirect_uri,
                 "response_type": "code", "scope": " ".join(SCOPES), "access_type": "offline",
                 "prompt": "consent", "include_granted_scopes": "true", "state": state}
        if code_challenge:
            query.update(code_challenge=code_challenge, code_challenge_method="S256")
        base = self.settings.get("authorize_url", "https://accounts.google.com/o/oauth2/v2/auth")
        return f"{base}?{urlencode(query)}"

    def exchange_code(self, code: str, redirect_uri: str, code_verifier: str | None = None) -> list[ConnectableAccount]:
        form = {"code": code, "client_id": self.settings.get("client_id", ""),
                "client_secret": self.settings.get("client_secret", ""), "redirect_uri": redirect_uri,
                "grant_type": "authorization_code"}
        if code_verifier:
            form["code_verifier"] = code_verifier
        try:
            resp = httpx.post(self.settings.get("token_url", "https://oauth2.googleapis.com/token"), data=form,
                              timeout=float(self.settings.get("timeout", 60.0)))
        except httpx.HTTPError as exc:
            raise Transient(f"Could not reach Google: {exc}", code="network") from exc
        body = resp.json() if resp.headers.get("content-type", "").startswith("application/json") else {}
        if resp.status_code >= 400 or "access_token" not in body:
            raise AuthExpired("Google refused the code", code=str(body.get("error") or resp.status_code),
                              platform_message=str(body.get("error_description") or ""))
        tokens = token_set_from_response(body)
        accounts = []
        for channel in self._my_channels({"access_token": tokens.access_token}):
            snippet = channel.get("snippet", {})
            accounts.append(ConnectableAccount(
                platform=self.slug, external_id=channel["id"], handle=snippet.get("customUrl", ""),
                display_name=snippet.get("title", ""),
                tokens=tokens, facts={"profile": self._profile(channel)}))
        return accounts

    def _my_channels(self, creds: dict[str, Any]) -> list[dict[str, Any]]:
        try:
            body = self.service(creds).channels().list(part="snippet,status", mine=True).execute()
        except HttpError as exc:
            raise self._map_error(exc) from exc
        except RefreshError as exc:
            raise AuthExpired("Google refused to refresh the token", code="invalid_grant",
                              platform_message=str(exc)) from exc
        return list(body.get("items") or [])

    @staticmethod
    def _profile(channel: dict[str, Any]) -> dict[str, Any]:
        snippet = channel.get("snippet", {})
        thumb = (snippet.get("thumbnails") or {}).get("default", {}).get("url", "")
        return {"display_name": snippet.get("title", ""), "handle": snippet.get("customUrl", ""),
                "avatar_url": thumb, "bio": snippet.get("description", ""),
                "long_uploads": channel.get("status", {}).get("longUploadsStatus", "")}

    def refresh_credentials(self, tokens: TokenSet) -> TokenSet:
        if not tokens.refresh_token:
            raise AuthExpired("No Google refresh token", code="no_refresh_token")
        credentials = self._credentials({"access_token": tokens.access_token, "refresh_token": tokens.refresh_token})
        try:
            credentials.refresh(google_auth_httplib2.Request(self._transport()))
        except RefreshError as exc:
            raise AuthExpired("Google refused to refresh the token", code="invalid_grant",
                              platform_message=str(exc)) from exc
        except TransportError as exc:
            raise Transient(f"Could not reach Google: {exc}", code="network") from exc
        expiry = credentials.expiry.replace(tzinfo=UTC) if credentials.expiry else None
        return TokenSet(access_token=credentials.token, refresh_token=credentials.refresh_token or tokens.refresh_token,
                        expires_at=expiry, scopes=tuple(credentials.granted_scopes or tokens.scopes),
                        extra=dict(tokens.extra))

    def account_facts(self, account: AccountRef) -> AccountFacts:
        creds = account.credentials
        scopes: tuple[str, ...] = tuple(creds.get("scopes") or ())
        expires_at = None
        try:
            # POSTed as a form so the token never appears in a URL (httpx logs URLs at INFO level).
            info = httpx.post(self.settings.get("tokeninfo_url", "https://oauth2.googleapis.com/tokeninfo"),
                              data={"access_token": creds.get("access_token", "")},
                              timeout=float(self.settings.get("timeout", 60.0)))
        except httpx.HTTPError as exc:
            raise Transient(f"Could not reach Google: {exc}", code="network") from exc
        if info.status_code != 200:
            return AccountFacts(token_valid=False, scopes=scopes)
        data = info.json()
        scopes = tuple(str(data.get("scope", "")).split()) or scopes
        if data.get("expires_in"):
            expires_at = datetime.now(UTC) + timedelta(seconds=int(data["expires_in"]))
        channels = self._my_channels(creds)
        profile = self._profile(channels[0]) if channels else {}
        return AccountFacts(token_valid=True, scopes=scopes, expires_at=expires_at, profile=profile,
                            extra={"access_type": data.get("access_type", "")})

    # -- audience (activity dashboard) ----------------------------------------------------
    def _list(self, creds: dict[str, Any], call: Any) -> dict[str, Any]:
        try:
            return call(self.service(creds)).execute()
        except HttpError as exc:
            raise self._map_error(exc) from exc
        except RefreshError as exc:
            raise AuthExpired("Google refused to refresh the token", code="invalid_grant",
                              platform_message=str(exc)) from exc

    def audience(self, account: AccountRef) -> AudienceFigures:
        """Subscribers from channels.list(part=statistics, mine=true); None when the channel hides them."""
        body = self._list(account.credentials, lambda s: s.channels().list(part="statistics", mine=True))
        stats = ((body.get("items") or [{}])[0]).get("statistics") or {}
        hidden = stats.get("hiddenSubscriberCount") or "subscriberCount" not in stats
        return AudienceFigures(followers=None if hidden else int(stats["subscriberCount"]))

    def post_metrics(self, account: AccountRef, remote_id: str) -> AudienceFigures:
        """Views, likes and comments from videos.list(part=statistics, id=...)."""
        body = self._list(account.credentials, lambda s: s.videos().list(part="statistics", id=remote_id))
        items = body.get("items") or []
        if not items:
            raise Permanent(f"YouTube has no video {remote_id}", code="not_found")
        stats = items[0].get("statistics") or {}

        def number(key: str) -> int | None:
            return int(stats[key]) if key in stats else None

        return AudienceFigures(views=number("viewCount"), likes=number("likeCount"), comments=number("commentCount"))
