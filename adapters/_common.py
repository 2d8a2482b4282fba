"""Small helpers shared by the X, YouTube and TikTok adapters (no platform knowledge).

`AccountRef.credentials` as these adapters read it: `access_token` (required),
`refresh_token`, `scopes` (list of str) and `expires_at` (ISO 8601 string or aware
datetime) — i.e. the stored `TokenSet` as a dict.
"""
from __future__ import annotations

import base64
import hashlib
import html
import os
import re
import secrets
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from adapters.base import TokenSet

_URL = re.compile(r"https?://\S+", re.IGNORECASE)
_SPACE = re.compile(r"\s+")


def make_pkce_pair() -> tuple[str, str]:
    """A PKCE (RFC 7636, S256) `(code_verifier, code_challenge)` pair for the connect flow."""
    verifier = secrets.token_urlsafe(64)[:96]
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def comparable_text(text: str) -> str:
    """Text reduced for matching our own post on a platform (URLs are rewritten there, e.g. t.co)."""
    text = html.unescape(text or "")
    return _SPACE.sub(" ", _URL.sub("", text)).strip()


def text_matches(remote_text: str, marker: str, sent_text: str) -> bool:
    """True when a platform post is ours: it carries the marker or exactly the text we sent."""
    if marker and marker in (remote_text or ""):
        return True
    sent = comparable_text(sent_text)
    return bool(sent) and comparable_text(remote_text) == sent


def token_set_from_response(body: dict[str, Any], *, previous: TokenSet | None = None,
                            scope_separator: str = " ") -> TokenSet:
    """A `TokenSet` from an OAuth token response, keeping the old refresh token only if none came back."""
    now = datetime.now(UTC)
    expires_in = body.get("expires_in")
    scope = body.get("scope") or ""
    scopes = tuple(s for s in re.split(r"[ ,]" if scope_separator == "," else r" ", scope) if s)
    extra: dict[str, Any] = {}
    if body.get("refresh_expires_in"):
        extra["refresh_expires_at"] = (now + timedelta(seconds=int(body["refresh_expires_in"]))).isoformat()
    if body.get("open_id"):
        extra["open_id"] = body["open_id"]
    refresh = body.get("refresh_token") or (previous.refresh_token if previous else None)
    return TokenSet(
        access_token=body["access_token"],
        refresh_token=refresh,
        expires_at=now + timedelta(seconds=int(expires_in)) if expires_in else None,
        scopes=scopes or (previous.scopes if previous else ()),
        extra=extra,
    )


def stored_scopes_and_expiry(credentials: dict[str, Any]) -> tuple[tuple[str, ...], datetime | None]:
    """The scopes and expiry kept in an account's credentials dict (expiry may be stored as ISO text)."""
    expires_at = credentials.get("expires_at")
    if isinstance(expires_at, str):
        expires_at = datetime.fromisoformat(expires_at)
    return tuple(credentials.get("scopes") or ()), expires_at


def refresh_due(tokens: TokenSet, now: datetime | None = None, margin: timedelta = timedelta(minutes=15)) -> bool:
    """True when the access token expires within `margin` (refresh before expiry, going by expires_in)."""
    if tokens.expires_at is None:
        return False
    return tokens.expires_at - margin <= (now or datetime.now(UTC))


def read_media_bytes(path: str | None, url: str, timeout: float) -> bytes:
    """The bytes of a media file: from its local path, else fetched from its (signed) URL."""
    if path:
        with open(path, "rb") as fh:
            return fh.read()
    import httpx

    resp = httpx.get(url, timeout=timeout, follow_redirects=False)
    resp.raise_for_status()
    return resp.content


_shared_clients: dict[tuple[str, float, tuple[tuple[str, str], ...]], httpx.Client] = {}
_shared_lock = threading.Lock()


def shared_client(base_url: str, timeout: float, headers: dict[str, str]) -> httpx.Client:
    """One pooled, thread-safe client per (base URL, timeout, headers) in this process.

    Building an `httpx.Client` loads the CA bundle into a new SSL context: about 35 ms of CPU
    measured here, which a per-call client paid on every publish (bench burst_io).
    """
    key = (base_url, timeout, tuple(sorted(headers.items())), os.getpid())  # a forked child builds its own
    with _shared_lock:
        client = _shared_clients.get(key)
        if client is None or client.is_closed:
            client = httpx.Client(base_url=base_url, timeout=timeout, headers=headers)
            _shared_clients[key] = client
        return client
