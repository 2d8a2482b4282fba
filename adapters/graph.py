"""The one HTTP client of the Meta Graph family (Instagram and Facebook Pages).

Everything the two adapters send goes through `GraphClient.request()`: base URL
and API version from config, a timeout, the token in an `Authorization` header
(never in a logged URL), usage headers parsed, and every Graph error turned
into a typed adapter error (`classify_graph_error`, table in PLATFORMS.md §1–2).
"""
from __future__ import annotations

import ipaddress
import json
import logging
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx

from adapters.base import AdapterError, AuthExpired, MediaItem, OutcomeUnknown, Permanent, RateLimited, Transient

logger = logging.getLogger(__name__)

#: Query/form/header names whose values are secrets; replaced by "***" in every log line.
SECRET_NAMES = ("access_token", "input_token", "client_secret", "fb_exchange_token", "code", "code_verifier",
                "refresh_token", "appsecret_proof")
_SECRET_RE = re.compile(r"(?i)\b(" + "|".join(SECRET_NAMES) + r")=([^&\s\"']+)")
_BEARER_RE = re.compile(r"(?i)\b(Bearer|OAuth)\s+[A-Za-z0-9._\-|~+/=]+")


def redact(text: str) -> str:
    """`text` with every token, secret and OAuth code replaced by ***."""
    return _BEARER_RE.sub(r"\1 ***", _SECRET_RE.sub(r"\1=***", text))


class RedactingFilter(logging.Filter):
    """Redacts secrets from records of the `httpx`/`httpcore` loggers (which log full URLs)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record is left to logging's own error handling
            return True
        record.msg, record.args = redact(message), None
        return True


_FILTER = RedactingFilter()


def install_log_redaction() -> None:
    """Attach the redacting filter to the loggers that print request URLs (idempotent)."""
    for name in ("httpx", "httpcore", "httpcore.http11", "httpcore.http2", "httpcore.connection", __name__):
        log = logging.getLogger(name)
        if _FILTER not in log.filters:
            log.addFilter(_FILTER)


# -- usage headers ------------------------------------------------------------------


@dataclass(frozen=True)
class GraphUsage:
    """What `X-App-Usage` / `X-Business-Use-Case-Usage` said about the last call (percentages)."""

    app: dict[str, int] = field(default_factory=dict)
    business: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def regain_access_minutes(self) -> int:
        """Largest `estimated_time_to_regain_access` (minutes) over all business use cases."""
        values = [int(u.get("estimated_time_to_regain_access") or 0) for uses in self.business.values() for u in uses]
        return max(values, default=0)

    @property
    def highest_percent(self) -> int:
        values = [int(v) for k, v in self.app.items() if k in ("call_count", "total_cputime", "total_time")]
        for uses in self.business.values():
            for use in uses:
                values += [int(use.get(k) or 0) for k in ("call_count", "total_cputime", "total_time")]
        return max(values, default=0)


def parse_usage(headers: httpx.Headers | dict[str, str]) -> GraphUsage:
    """Parse the Graph usage headers; malformed values are ignored (logged at debug)."""
    app_usage: dict[str, int] = {}
    business: dict[str, list[dict[str, Any]]] = {}
    raw_app = headers.get("x-app-usage") or headers.get("X-App-Usage")
    raw_buc = headers.get("x-business-use-case-usage") or headers.get("X-Business-Use-Case-Usage")
    try:
        if raw_app:
            app_usage = {k: int(v) for k, v in json.loads(raw_app).items()}
        if raw_buc:
            business = {str(k): list(v) for k, v in json.loads(raw_buc).items()}
    except (ValueError, TypeError, AttributeError):
        logger.debug("unreadable Graph usage header: %r / %r", raw_app, raw_buc)
    return GraphUsage(app=app_usage, business=business)


# -- error classification ----------------------------------------------------------

TRANSIENT_CODES = {1, 2}
THROTTLE_CODES = {4, 17, 32, 613, 341, 80001, 80002, 80004}
PERMISSION_CODES = {10, *range(200, 300)}
RECONNECT_SUBCODES = {458, 459, 460, 463, 464, 467, 2207050}
# (code, subcode) pairs from the Instagram error table, PLATFORMS.md §1.
IG_TRANSIENT = {(-2, 2207003), (-2, 2207020), (24, 2207008), (9007, 2207027)}
IG_PERMANENT = {(4, 2207051), (9004, 2207052), (36000, 2207004), (36003, 2207009), (352, 2207026)}
DAILY_CAP = (9, 2207042)
DEFAULT_THROTTLE_WAIT = timedelta(minutes=15)


class HeldForReview(Permanent):
    """Graph code 368: the account is temporarily blocked for a policy reason; a person must review."""


def classify_graph_error(status: int, body: Any, headers: httpx.Headers | dict[str, str],
                         now: datetime | None = None) -> AdapterError:
    """Map a failed Graph response to the typed error the worker acts on."""
    now = now or datetime.now(UTC)
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        if status == 429:
            return RateLimited(f"HTTP {status}", retry_at=_retry_at(headers, now, DEFAULT_THROTTLE_WAIT),
                               code=str(status))
        if status >= 500:
            return Transient(f"HTTP {status} from the platform", code=str(status))
        return Permanent(f"HTTP {status} without a Graph error body", code=str(status))
    code = _int(error.get("code"))
    subcode = _int(error.get("error_subcode"))
    message = str(error.get("error_user_msg") or error.get("message") or f"Graph error {code}")
    label = f"{code}/{subcode}" if subcode else str(code)
    kwargs = {"platform_message": message, "code": label}
    pair = (code, subcode)
    if code == 190 or code == 102 or subcode in RECONNECT_SUBCODES:
        return AuthExpired(message, **kwargs)
    if pair == DAILY_CAP:
        return RateLimited(message, retry_at=_retry_at(headers, now, timedelta(hours=24)), **kwargs)
    if pair in IG_PERMANENT:
        return Permanent(message, **kwargs)
    if pair in IG_TRANSIENT:
        return Transient(message, **kwargs)
    if code in THROTTLE_CODES or status == 429:
        return RateLimited(message, retry_at=_retry_at(headers, now, DEFAULT_THROTTLE_WAIT), **kwargs)
    if code in PERMISSION_CODES:
        return AuthExpired(message, **kwargs)
    if code == 368:
        return HeldForReview(message, **kwargs)
    if code in TRANSIENT_CODES or error.get("is_transient") is True or status >= 500:
        return Transient(message, **kwargs)
    return Permanent(message, **kwargs)


def _retry_at(headers: httpx.Headers | dict[str, str], now: datetime, fallback: timedelta) -> datetime:
    minutes = parse_usage(headers).regain_access_minutes
    if minutes > 0:
        return now + timedelta(minutes=minutes)
    retry_after = headers.get("retry-after") or headers.get("Retry-After")
    if retry_after and str(retry_after).isdigit():
        return now + timedelta(seconds=int(retry_after))
    return now + fallback


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# -- where a video comes from ---------------------------------------------------------

#: Host suffixes that never resolve on the public internet (RFC 6761/6762, home and cloud conventions).
PRIVATE_SUFFIXES = (".local", ".localhost", ".internal", ".lan", ".home.arpa", ".intranet", ".corp", ".test",
                    ".invalid", ".example")
UPLOAD_CHUNK = 1024 * 1024


def is_public_url(url: str) -> bool:
    """False when the platform could never fetch `url`: a loopback/private/link-local IP literal,
    localhost, a single-label name or a private suffix. No DNS lookup (a publish must not hang on one)."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    if not host or host == "localhost" or ("." not in host and ":" not in host):
        return False
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return not host.endswith(PRIVATE_SUFFIXES)
    return not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_unspecified)


def video_source(settings: dict[str, Any], item: MediaItem) -> str:
    """"upload" (Warta sends the bytes to rupload) or "url" (Meta fetches `item.url`).

    Setting `video_upload`: "url", "upload", or "auto" (default): upload when the file is local and
    its public URL is not reachable from the internet (PLATFORMS.md §9: public URLs or rupload).
    """
    mode = str(settings.get("video_upload") or "auto")
    if mode == "url" or not item.path:
        return "url"
    if mode == "upload":
        return "upload"
    return "url" if is_public_url(item.url) else "upload"


def local_size(path: str) -> int:
    """Size of a local media file; a file that cannot be read is Transient (as for X's uploads)."""
    try:
        return os.path.getsize(path)
    except OSError as exc:
        raise Transient(f"Could not read the media file: {exc}", code="media_read") from exc


def file_chunks(path: str, chunk: int = UPLOAD_CHUNK) -> Iterator[bytes]:
    """The bytes of `path` in pieces, so a large video is streamed rather than held in memory."""
    with open(path, "rb") as fh:
        while piece := fh.read(chunk):
            yield piece


# -- the client ---------------------------------------------------------------------


class GraphClient:
    """A thin httpx client for one Graph host family; settings from `WARTA_PLATFORMS[slug]`.

    Settings used: `graph_url` (e.g. https://graph.facebook.com), `video_url`
    (graph-video host), `rupload_url` (the video upload host, https://rupload.facebook.com),
    `api_version` ("v25.0"), `timeout` (seconds).
    """

    def __init__(self, settings: dict[str, Any], transport: httpx.BaseTransport | None = None) -> None:
        install_log_redaction()
        self.graph_url = str(settings.get("graph_url", "https://graph.facebook.com")).rstrip("/")
        self.video_url = str(settings.get("video_url", "https://graph-video.facebook.com")).rstrip("/")
        self.rupload_url = str(settings.get("rupload_url", "https://rupload.facebook.com")).rstrip("/")
        self.api_version = str(settings.get("api_version", "v25.0"))
        timeout = float(settings.get("timeout", 30))
        self.last_usage = GraphUsage()
        self._http = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            headers={"User-Agent": "Warta/0.1 (+self-hosted)"},
            event_hooks={"request": [_log_request], "response": [_log_response]},
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def url(self, path: str, *, video: bool = False, versioned: bool = True) -> str:
        base = self.video_url if video else self.graph_url
        prefix = f"/{self.api_version}" if versioned else ""
        return f"{base}{prefix}/{path.lstrip('/')}"

    def read_after_publish(self, object_id: str, field: str, *, token: str) -> str | None:
        """One field of an object that now exists on the platform, or None when the read fails.

        Called after the post is live: an error here must not reach the pipeline, which would
        treat it as "not published" and post a second time.
        """
        try:
            return self.request("GET", object_id, token=token, params={"fields": field}).get(field)
        except AdapterError as exc:
            logger.warning("reading %s of %s after publishing failed: %s", field, object_id, exc)
            return None

    def request(self, method: str, path: str, *, token: str | None = None, params: dict[str, Any] | None = None,
                data: dict[str, Any] | None = None, video: bool = False, versioned: bool = True,
                publishing: bool = False) -> dict[str, Any]:
        """Call the Graph API and return its JSON; raise a typed error on failure.

        `publishing=True` marks a call that may create a post: a read timeout after
        sending it raises `OutcomeUnknown` instead of `Transient`.
        """
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = self._send(lambda: self._http.request(
            method, self.url(path, video=video, versioned=versioned), params=_clean(params), data=_clean(data),
            headers=headers), publishing=publishing)
        body = _json(response)
        if response.is_success and isinstance(body, dict) and "error" not in body:
            return body
        raise classify_graph_error(response.status_code, body, response.headers)

    def rupload_url_for(self, returned_url: str | None, fallback_path: str) -> str:
        """The upload URL on the configured upload host: the path the platform returned, our host.

        The platform answers with `https://rupload.facebook.com/<path>`; only its path is kept, so
        the token goes to the configured host alone (the simulator in development).
        """
        path = urlsplit(returned_url).path if returned_url else f"/{fallback_path.lstrip('/')}"
        return f"{self.rupload_url}{path}"

    def rupload(self, url: str, *, token: str, content: bytes | Iterable[bytes] | None = None,
                file_url: str | None = None, file_size: int | None = None, offset: int = 0) -> dict[str, Any]:
        """Send a video to the upload host: its bytes from `offset`, or `file_url` for Meta to fetch.

        Headers as the Reels and Instagram resumable-upload guides give them (`Authorization: OAuth`,
        `offset`, `file_size`, or `file_url`). Errors come as Graph errors or as rupload's
        `{"debug_info": {"retriable", "type", "message"}}`.
        """
        headers = {"Authorization": f"OAuth {token}", "offset": str(offset)}
        if file_size is not None:
            headers["file_size"] = str(file_size)
        if file_url:
            headers["file_url"] = file_url
        elif file_size is not None:
            headers["Content-Length"] = str(file_size - offset)  # a streamed body is sent with its length
        response = self._send(lambda: self._http.post(url, headers=headers, content=content or b""),
                              publishing=False)
        body = _json(response)
        if response.is_success and isinstance(body, dict) and "error" not in body and "debug_info" not in body:
            return body
        debug = body.get("debug_info") if isinstance(body, dict) else None
        if isinstance(debug, dict):
            message = str(debug.get("message") or debug.get("type") or "the upload was refused")
            error_class = Transient if debug.get("retriable") or response.status_code >= 500 else Permanent
            raise error_class(f"upload refused: {message}", platform_message=message,
                              code=str(debug.get("type") or response.status_code))
        raise classify_graph_error(response.status_code, body, response.headers)

    def _send(self, call: Callable[[], httpx.Response], *, publishing: bool) -> httpx.Response:
        try:
            response = call()
        except httpx.ConnectError as exc:
            raise Transient(f"cannot reach the platform: {type(exc).__name__}") from exc
        except httpx.TimeoutException as exc:
            if publishing and not isinstance(exc, httpx.ConnectTimeout):
                raise OutcomeUnknown("the platform did not answer in time; the post may exist") from exc
            raise Transient(f"the platform did not answer in time ({type(exc).__name__})") from exc
        except httpx.HTTPError as exc:
            raise Transient(f"HTTP error talking to the platform: {type(exc).__name__}") from exc
        self.last_usage = parse_usage(response.headers)
        return response


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _clean(values: dict[str, Any] | None) -> dict[str, str] | None:
    """Drop None values and serialise lists/dicts/bools as the Graph API expects."""
    if values is None:
        return None
    out: dict[str, str] = {}
    for key, value in values.items():
        if value is None:
            continue
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, list | dict | tuple):
            out[key] = json.dumps(value, separators=(",", ":"))
        else:
            out[key] = str(value)
    return out


def _log_request(request: httpx.Request) -> None:
    logger.debug("graph request %s %s", request.method, redact(str(request.url)))


def _log_response(response: httpx.Response) -> None:
    logger.debug("graph response %s %s -> %s", response.request.method, redact(str(response.request.url)),
                 response.status_code)
