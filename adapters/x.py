"""X (API v2): posts, threads, v2 chunked media upload, OAuth 2.0 with PKCE.

One httpx client against a configurable host. tweepy is not used: its hosts are
hard-coded (api.twitter.com / twitter.com, so neither a simulator nor api.x.com
can be targeted), `Client` has no v2 media upload and `create_tweet` lacks the
disclosure fields (README "Dependencies"). PKCE is a few lines of stdlib
(`adapters._common.make_pkce_pair`); the connect flow passes the challenge in.

Text is counted as X counts it (`count_text`, twitter-text v3 weights); the
composer calls the same function.
"""
from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import quote, urlencode

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
    AdapterError,
    AudienceFigures,
    AuthExpired,
    ConnectableAccount,
    MediaItem,
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

# -- weighted counting (twitter-text v3 configuration) ----------------------------

#: Code point ranges that weigh 1 (everything else weighs 2), from twitter-text config v3.
_LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
#: Every URL counts as this many characters (t.co wrapping).
URL_LENGTH = 23
MAX_WEIGHTED_LENGTH = 280

_TLDS = (
    "com|net|org|id|info|io|co|gov|edu|mil|int|me|tv|app|dev|xyz|biz|news|ly|gl|uk|au|sg|my|jp|"
    "de|fr|nl|ru|cn|in|us|ca|eu|asia|online|site|web|desa|go|ac|sch|or|ponpes|mil"
)
_URL_PATTERN = re.compile(
    r"(?:https?://[^\s]+)"
    r"|(?<![\w@.\-/])(?:[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?\.)+(?:" + _TLDS + r")(?![\w\-])(?::\d+)?(?:/[^\s]*)?",
    re.IGNORECASE,
)
_TRAILING_PUNCT = ".,;:!?'\")]}"
_EMOJI_BASE = (
    "[\U0001F000-\U0001FAFF\u2300-\u23FF\u2460-\u27BF\u2900-\u297F\u2B00-\u2BFF\u3030\u303D\u3297\u3299]"
    "|[\u00A9\u00AE\u203C\u2049\u2122\u2139\u2194-\u2199\u21A9\u21AA]\uFE0F"
)
_EMOJI_MOD = "(?:\uFE0F|[\U0001F3FB-\U0001F3FF]|\u20E3|[\U000E0020-\U000E007F])"
_EMOJI_PATTERN = re.compile(
    "(?:[\U0001F1E6-\U0001F1FF]{2}"
    "|[0-9#*]\uFE0F?\u20E3"
    f"|(?:{_EMOJI_BASE}){_EMOJI_MOD}*(?:\u200D(?:{_EMOJI_BASE}){_EMOJI_MOD}*)*)"
)


def _url_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for match in _URL_PATTERN.finditer(text):
        start, end = match.span()
        while end > start and text[end - 1] in _TRAILING_PUNCT:
            end -= 1
        spans.append((start, end))
    return spans


def count_text(text: str) -> int:
    """The weighted length X gives `text`: URLs 23, emoji 2, CJK and other wide characters 2.

    Pure function (twitter-text v3 rules: NFC, code points weighted by range,
    each URL 23, each emoji sequence 2); the composer shows this number.
    """
    text = unicodedata.normalize("NFC", text or "")
    total = 0
    index = 0
    urls = _url_spans(text)
    url_at = {start: end for start, end in urls}
    while index < len(text):
        if index in url_at:
            total += URL_LENGTH
            index = url_at[index]
            continue
        emoji = _EMOJI_PATTERN.match(text, index)
        if emoji and emoji.end() > index:
            total += 2
            index = emoji.end()
            continue
        code = ord(text[index])
        total += 1 if any(lo <= code <= hi for lo, hi in _LIGHT_RANGES) else 2
        index += 1
    return total


def split_thread(text: str, limit: int = MAX_WEIGHTED_LENGTH) -> list[str]:
    """Split a long text into thread parts of at most `limit` weighted characters, at word boundaries."""
    parts: list[str] = []
    current = ""
    for word in re.split(r"(?<=\s)", text.strip()):
        candidate = current + word
        if count_text(candidate.rstrip()) <= limit:
            current = candidate
            continue
        if current.strip():
            parts.append(current.rstrip())
        current = ""
        while count_text(word.rstrip()) > limit:  # a single over-long word is cut by characters
            cut = len(word)
            while count_text(word[:cut]) > limit:
                cut -= 1
            parts.append(word[:cut])
            word = word[cut:]
        current = word
    if current.strip():
        parts.append(current.rstrip())
    return parts


# -- the adapter ---------------------------------------------------------------------

REPLY_SETTINGS = ("following", "mentionedUsers", "subscribers", "verified")
SCOPES = ("tweet.read", "tweet.write", "users.read", "media.write", "offline.access")


class XAdapter(PlatformAdapter):
    """X: text posts (threads), up to 4 images or one GIF or one video, disclosure flags."""

    slug = "x"
    display_name = "X"
    # Weighted length as `count_text` counts it (standard accounts).
    text_maxlen = MAX_WEIGHTED_LENGTH
    title_maxlen = 0
    media_kinds = frozenset({"image", "gif", "video"})
    # Four photos, or one GIF, or one video.
    max_media_per_post = 4
    # Users tagged on the photos (X has no co-author concept).
    collaborator_max = 10
    # `GET /2/users/by/username/:username` finds a user's id (scope users.read).
    supports_user_lookup = True
    # Sizes in bytes and video duration bounds, from X's media best practices.
    image_max_bytes: ClassVar[int] = 5 * 1024 * 1024
    gif_max_bytes: ClassVar[int] = 15 * 1024 * 1024
    video_max_bytes: ClassVar[int] = 512 * 1024 * 1024
    video_min_seconds: ClassVar[float] = 0.5
    video_max_seconds: ClassVar[float] = 140.0
    alt_text_maxlen: ClassVar[int] = 1000
    # Caps Warta's quota ledger counts: (calls, window seconds, what) — PLATFORMS.md §3.
    quota_windows: ClassVar[tuple[tuple[int, int, str], ...]] = (
        (100, 15 * 60, "POST /2/tweets per user"), (10_000, 24 * 3600, "POST /2/tweets per app"),
        (1_875, 15 * 60, "media upload calls per user"))
    # Bytes per APPEND segment, and how long to wait for media processing before giving up for now.
    chunk_bytes: ClassVar[int] = 4 * 1024 * 1024
    processing_wait_max_seconds: ClassVar[float] = 120.0

    def __init__(self, settings: dict[str, Any] | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        super().__init__(settings)
        self._sleep = sleep

    # -- text ---------------------------------------------------------------------------
    def count_text(self, text: str) -> int:
        return count_text(text)

    @staticmethod
    def thread_parts(variant: Variant) -> list[str]:
        """The posts to send: the text, then each follow-up in `options["thread"]` as a reply chain."""
        return [variant.text, *[str(p) for p in variant.options.get("thread", ()) or ()]]

    # -- validation ---------------------------------------------------------------------
    def validate(self, variant: Variant) -> list[Problem]:
        problems: list[Problem] = []
        parts = self.thread_parts(variant)
        for number, part in enumerate(parts, start=1):
            length = count_text(part)
            field = "text" if number == 1 else f"thread.{number - 1}"
            if not part.strip() and not (number == 1 and variant.media):
                problems.append(Problem("x_text_empty", str(_l("Post %(number)d of the thread is empty.",
                                                                  number=number)), field))
            elif length > self.text_maxlen:
                problems.append(Problem("x_text_too_long", str(_l(
                    "Post %(number)d is %(length)d characters as X counts them (links count 23, emoji and "
                    "Asian characters count 2); the limit is %(limit)d. Shorten it or split it into a thread.",
                    number=number, length=length, limit=self.text_maxlen)), field))
        problems.extend(self._validate_media(variant.media))
        reply = variant.options.get("reply_settings")
        if reply and reply not in REPLY_SETTINGS:
            problems.append(Problem("x_reply_settings", str(_l("Unknown reply setting for X.")), "reply_settings"))
        tagged = self.disclosure_fields(variant).get("tagged_user_ids") or []  # on the media, not mentions
        if tagged:
            if not any(m.kind == "image" for m in variant.media):
                problems.append(Problem("x_tags_need_photo", str(_l(
                    "On X people can only be tagged on photos; add a photo or remove the tags.")), "collaborations"))
            if len(tagged) > self.collaborator_max:
                problems.append(Problem("x_too_many_tags", str(_l(
                    "X allows at most %(max)d people tagged on a post.", max=self.collaborator_max)),
                    "collaborations"))
            if any(not c.platform_user_id for c in variant.collaborations):
                problems.append(Problem("x_tag_unknown_user", str(_l(
                    "A tagged person has no known X account id; reconnect or pick them again.")), "collaborations"))
        return problems

    def _validate_media(self, media: tuple[MediaItem, ...]) -> list[Problem]:
        problems: list[Problem] = []
        kinds = [self._kind(m) for m in media]
        if ("video" in kinds or "gif" in kinds) and len(media) > 1:
            problems.append(Problem("x_media_mix", str(_l(
                "X takes up to 4 photos, or one GIF, or one video in a post.")), "media"))
        elif len(media) > self.max_media_per_post:
            problems.append(Problem("x_too_many_media", str(_l(
                "X takes at most %(max)d photos in a post.", max=self.max_media_per_post)), "media"))
        for item, kind in zip(media, kinds, strict=True):
            limit = {"image": self.image_max_bytes, "gif": self.gif_max_bytes, "video": self.video_max_bytes}[kind]
            if item.size_bytes > limit:
                problems.append(Problem("x_media_too_large", str(_l(
                    "This file is too large for X (at most %(mb)d MB).", mb=limit // (1024 * 1024))), "media"))
            if kind == "video" and item.duration_seconds is not None and not (
                    self.video_min_seconds <= item.duration_seconds <= self.video_max_seconds):
                problems.append(Problem("x_video_duration", str(_l(
                    "Videos on X must last between 0.5 and 140 seconds.")), "media"))
            if len(item.alt_text) > self.alt_text_maxlen:
                problems.append(Problem("x_alt_text_too_long", str(_l(
                    "Image descriptions on X are limited to 1,000 characters.")), "media"))
        return problems

    @staticmethod
    def _kind(item: MediaItem) -> str:
        if item.kind == "video":
            return "video"
        return "gif" if item.content_type == "image/gif" else "image"

    def disclosure_fields(self, variant: Variant) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "paid_partnership": bool(variant.options.get("paid_partnership")
                                     or any(c.paid for c in variant.collaborations)),
            "made_with_ai": bool(variant.options.get("made_with_ai")),
        }
        tagged = [c.platform_user_id for c in variant.collaborations if c.platform_user_id]
        planned = planned_disclosure(variant)
        if planned is not None:  # the plan tags only the people chosen as "tagged on the media"
            tagged = list((planned.get("media") or {}).get("tagged_user_ids") or [])
            fields["paid_partnership"] = fields["paid_partnership"] or bool(planned.get("paid_partnership"))
        if tagged:
            fields["tagged_user_ids"] = tagged
        return fields

    # -- HTTP ---------------------------------------------------------------------------
    def _client(self) -> AbstractContextManager[httpx.Client]:
        """The process-wide pooled client for X (`with` leaves it open for the next call)."""
        return nullcontext(shared_client(self.settings.get("api_url", "https://api.x.com"),
                                         float(self.settings.get("timeout", 30.0)), {"User-Agent": "Warta"}))

    def _request(self, client: httpx.Client, method: str, path: str, *, token: str | None = None,
                 irreversible: bool = False, **kwargs: Any) -> dict[str, Any]:
        """One API call; the platform's answer mapped onto the typed errors."""
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            resp = client.request(method, path, headers=headers, **kwargs)
        except httpx.TimeoutException as exc:
            if irreversible:
                raise OutcomeUnknown("X did not answer in time; the post may exist", code="timeout") from exc
            raise Transient("X did not answer in time", code="timeout") from exc
        except httpx.TransportError as exc:
            if irreversible and not isinstance(exc, httpx.ConnectError):
                raise OutcomeUnknown(f"Connection to X broke after sending: {exc}", code="network") from exc
            raise Transient(f"Could not reach X: {exc}", code="network") from exc
        body = self._json(resp)
        if resp.status_code == 429:
            reset = resp.headers.get("x-rate-limit-reset")
            retry_at = (datetime.fromtimestamp(int(reset), UTC) if reset and reset.isdigit()
                        else datetime.now(UTC) + timedelta(minutes=15))
            raise RateLimited("X rate limit reached", retry_at=retry_at, platform_message=self._message(body),
                              code="429")
        if resp.status_code == 401:
            raise AuthExpired("X refused the token", platform_message=self._message(body), code="401")
        if resp.status_code >= 500:
            raise Transient(f"X server error {resp.status_code}", platform_message=self._message(body),
                            code=str(resp.status_code))
        if resp.status_code >= 400:
            raise Permanent(f"X rejected the request ({resp.status_code})", platform_message=self._message(body),
                            code=str(resp.status_code))
        if "data" not in body and body.get("errors"):
            errors = body["errors"] if isinstance(body["errors"], list) else []
            missing = bool(errors) and all(str(e.get("type", "")).endswith("/resource-not-found")
                                           for e in errors if isinstance(e, dict))
            raise Permanent("X rejected the request", platform_message=self._message(body),
                            code="not_found" if missing else "errors")
        return body

    @staticmethod
    def _json(resp: httpx.Response) -> dict[str, Any]:
        try:
            body = resp.json()
        except ValueError:
            return {}
        return body if isinstance(body, dict) else {}

    @staticmethod
    def _message(body: dict[str, Any]) -> str:
        if body.get("detail"):
            return str(body["detail"])
        errors = body.get("errors") or []
        if errors and isinstance(errors, list):
            return "; ".join(str(e.get("message") or e.get("detail") or e) for e in errors)
        return str(body.get("error_description") or body.get("title") or body.get("error") or "")

    # -- publishing ---------------------------------------------------------------------
    def publish(self, job: PublishJob) -> PublishResult:
        variant = job.variant
        token = job.account.credentials["access_token"]
        with self._client() as client:
            media_ids = [self._upload(client, token, item) for item in variant.media]
            ids: list[str] = []
            for number, part in enumerate(self.thread_parts(variant)):
                body: dict[str, Any] = {"text": part}
                if number == 0:
                    body.update(self._first_post_fields(variant, media_ids))
                else:
                    body["reply"] = {"in_reply_to_tweet_id": ids[-1]}
                try:
                    data = self._request(client, "POST", "/2/tweets", token=token, json=body, irreversible=True)
                except AdapterError as exc:
                    if ids:  # the thread is half out: say which posts exist so nobody re-posts the start
                        exc.args = (f"{exc.args[0]} (thread stopped after posts {', '.join(ids)})",)
                        exc.code = exc.code or "thread_partial"
                    raise
                ids.append(str(data["data"]["id"]))
        handle = job.account.handle.lstrip("@") or "i"
        return PublishResult(remote_id=ids[0], permalink=f"https://x.com/{handle}/status/{ids[0]}",
                             details={"thread_ids": ids, "media_ids": media_ids})

    def _first_post_fields(self, variant: Variant, media_ids: list[str]) -> dict[str, Any]:
        disclosure = self.disclosure_fields(variant)
        fields: dict[str, Any] = {
            "paid_partnership": disclosure["paid_partnership"],
            "made_with_ai": disclosure["made_with_ai"],
        }
        if media_ids:
            fields["media"] = {"media_ids": media_ids}
            if disclosure.get("tagged_user_ids"):
                fields["media"]["tagged_user_ids"] = disclosure["tagged_user_ids"]
        if variant.options.get("reply_settings"):
            fields["reply_settings"] = variant.options["reply_settings"]
        return fields

    def _upload(self, client: httpx.Client, token: str, item: MediaItem) -> str:
        """v2 chunked upload: initialize → append × n → finalize → STATUS while processing."""
        try:
            data = read_media_bytes(item.path, item.url, float(self.settings.get("timeout", 30.0)))
        except (OSError, httpx.HTTPError) as exc:
            raise Transient(f"Could not read the media file: {exc}", code="media_read") from exc
        kind = self._kind(item)
        category = {"image": "tweet_image", "gif": "tweet_gif", "video": "tweet_video"}[kind]
        init = self._request(client, "POST", "/2/media/upload/initialize", token=token, json={
            "media_type": item.content_type, "total_bytes": len(data), "media_category": category})
        media_id = str(init["data"]["id"])
        chunk = int(self.settings.get("chunk_bytes", self.chunk_bytes))
        for index, start in enumerate(range(0, len(data), chunk)):
            self._request(client, "POST", f"/2/media/upload/{media_id}/append", token=token,
                          data={"segment_index": str(index)},
                          files={"media": ("blob", data[start:start + chunk], "application/octet-stream")})
        final = self._request(client, "POST", f"/2/media/upload/{media_id}/finalize", token=token)
        self._wait_processed(client, token, media_id, final["data"].get("processing_info"))
        if item.alt_text:
            self._request(client, "POST", "/2/media/metadata", token=token,
                          json={"id": media_id, "metadata": {"alt_text": {"text": item.alt_text}}})
        return media_id

    def _wait_processed(self, client: httpx.Client, token: str, media_id: str, info: dict[str, Any] | None) -> None:
        waited = 0.0
        limit = float(self.settings.get("processing_wait_max_seconds", self.processing_wait_max_seconds))
        while info and info.get("state") in ("pending", "in_progress"):
            pause = float(info.get("check_after_secs") or 1)
            if waited + pause > limit:
                raise Transient("X is still processing the video; trying again later", code="media_processing")
            self._sleep(pause)
            waited += pause
            status = self._request(client, "GET", "/2/media/upload", token=token,
                                   params={"command": "STATUS", "media_id": media_id})
            info = status["data"].get("processing_info")
        if info and info.get("state") == "failed":
            error = info.get("error") or {}
            raise Permanent("X could not process the media", code="media_failed",
                            platform_message=str(error.get("message") or error.get("name") or "failed"))

    def find_published(self, job: PublishJob) -> PublishResult | None:
        token = job.account.credentials["access_token"]
        with self._client() as client:
            body = self._request(client, "GET", f"/2/users/{job.account.external_id}/tweets", token=token,
                                 params={"max_results": 20, "tweet.fields": "created_at"})
        for tweet in body.get("data") or []:
            if text_matches(tweet.get("text", ""), job.idempotency_marker, job.variant.text):
                handle = job.account.handle.lstrip("@") or "i"
                return PublishResult(remote_id=str(tweet["id"]),
                                     permalink=f"https://x.com/{handle}/status/{tweet['id']}")
        return None

    # -- OAuth 2.0 with PKCE --------------------------------------------------------------
    def authorize_url(self, state: str, redirect_uri: str, code_challenge: str | None = None) -> str:
        if not code_challenge:
            raise ValueError("X requires PKCE: pass a code_challenge (adapters._common.make_pkce_pair)")
        query = {
            "response_type": "code",
            "client_id": self.settings.get("client_id", ""),
            "redirect_uri": redirect_uri,
            "scope": " ".join(SCOPES),
            "state": state,
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
        }
        return f"{self.settings.get('authorize_url', 'https://x.com/i/oauth2/authorize')}?{urlencode(query)}"

    def _token_call(self, form: dict[str, str]) -> dict[str, Any]:
        form = {**form, "client_id": self.settings.get("client_id", "")}
        auth = None
        if self.settings.get("client_secret"):
            auth = (self.settings["client_id"], self.settings["client_secret"])
        with self._client() as client:
            try:
                resp = client.post("/2/oauth2/token", data=form, auth=auth)
            except httpx.HTTPError as exc:
                raise Transient(f"Could not reach X: {exc}", code="network") from exc
        body = self._json(resp)
        if resp.status_code >= 500:
            raise Transient("X token endpoint failed", code=str(resp.status_code))
        if resp.status_code >= 400 or "access_token" not in body:
            raise AuthExpired("X refused the grant", platform_message=self._message(body),
                              code=str(body.get("error") or resp.status_code))
        return body

    def exchange_code(self, code: str, redirect_uri: str, code_verifier: str | None = None) -> list[ConnectableAccount]:
        body = self._token_call({"grant_type": "authorization_code", "code": code,
                                 "redirect_uri": redirect_uri, "code_verifier": code_verifier or ""})
        tokens = token_set_from_response(body)
        user = self._me(tokens.access_token)
        return [ConnectableAccount(platform=self.slug, external_id=str(user["id"]), handle=user.get("username", ""),
                                   display_name=user.get("name", ""), tokens=tokens,
                                   facts={"profile": self._profile(user)})]

    def refresh_credentials(self, tokens: TokenSet) -> TokenSet:
        if not tokens.refresh_token:
            raise AuthExpired("No X refresh token (offline.access was not granted)", code="no_refresh_token")
        body = self._token_call({"grant_type": "refresh_token", "refresh_token": tokens.refresh_token})
        return token_set_from_response(body, previous=tokens)

    def _me(self, token: str) -> dict[str, Any]:
        with self._client() as client:
            body = self._request(client, "GET", "/2/users/me", token=token, params={
                "user.fields": "name,username,profile_image_url,description,verified,verified_type"})
        return body["data"]

    @staticmethod
    def _profile(user: dict[str, Any]) -> dict[str, Any]:
        return {"display_name": user.get("name", ""), "handle": user.get("username", ""),
                "avatar_url": user.get("profile_image_url", ""), "bio": user.get("description", ""),
                "verified": bool(user.get("verified")), "verified_type": user.get("verified_type", "none")}

    def resolve_user(self, account: AccountRef, handle: str) -> ResolvedUser | None:
        """`GET /2/users/by/username/:username`; X answers 200 with a resource-not-found error when absent."""
        username = handle.lstrip("@")
        with self._client() as client:
            try:
                body = self._request(client, "GET", f"/2/users/by/username/{quote(username, safe='')}",
                                     token=account.credentials["access_token"], params={"user.fields": "name,username"})
            except Permanent as exc:
                if exc.code == "not_found":
                    return None
                raise
        user = body["data"]
        return ResolvedUser(user_id=str(user["id"]), username=str(user.get("username", username)),
                            display_name=str(user.get("name", "")))

    def account_facts(self, account: AccountRef) -> AccountFacts:
        creds = account.credentials
        scopes, expires_at = stored_scopes_and_expiry(creds)
        try:
            user = self._me(creds["access_token"])
        except AuthExpired:
            return AccountFacts(token_valid=False, scopes=scopes, expires_at=expires_at)
        return AccountFacts(token_valid=True, scopes=scopes, expires_at=expires_at, profile=self._profile(user),
                            extra={"offline_access": "offline.access" in scopes})

    # -- audience (activity dashboard) ----------------------------------------------------
    def audience(self, account: AccountRef) -> AudienceFigures:
        """Followers from `public_metrics` of GET /2/users/:id."""
        with self._client() as client:
            body = self._request(client, "GET", f"/2/users/{account.external_id}",
                                 token=account.credentials.get("access_token"),
                                 params={"user.fields": "public_metrics"})
        metrics = (body.get("data") or {}).get("public_metrics") or {}
        return AudienceFigures(followers=metrics.get("followers_count"))

    def post_metrics(self, account: AccountRef, remote_id: str) -> AudienceFigures:
        """Impressions, likes, replies and reposts + quotes from GET /2/tweets/:id `public_metrics`."""
        with self._client() as client:
            body = self._request(client, "GET", f"/2/tweets/{remote_id}",
                                 token=account.credentials.get("access_token"),
                                 params={"tweet.fields": "public_metrics"})
        metrics = (body.get("data") or {}).get("public_metrics") or {}
        shares = None
        if "retweet_count" in metrics or "quote_count" in metrics:
            shares = int(metrics.get("retweet_count", 0)) + int(metrics.get("quote_count", 0))
        return AudienceFigures(views=metrics.get("impression_count"), likes=metrics.get("like_count"),
                               comments=metrics.get("reply_count"), shares=shares)
