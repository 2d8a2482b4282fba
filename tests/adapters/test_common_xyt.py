"""Helpers shared by the X, YouTube and TikTok adapters."""
from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta

from adapters._common import comparable_text, make_pkce_pair, refresh_due, text_matches, token_set_from_response
from adapters.base import TokenSet


def test_pkce_pair_is_s256():
    verifier, challenge = make_pkce_pair()
    assert 43 <= len(verifier) <= 128
    expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert challenge == expected and make_pkce_pair()[0] != verifier


def test_token_response_keeps_old_refresh_token_only_when_none_is_returned():
    old = TokenSet(access_token="a", refresh_token="R1", scopes=("x",))
    rotated = token_set_from_response({"access_token": "b", "refresh_token": "R2", "expires_in": 60}, previous=old)
    kept = token_set_from_response({"access_token": "c", "expires_in": 60}, previous=old)
    assert (rotated.refresh_token, kept.refresh_token, kept.scopes) == ("R2", "R1", ("x",))
    assert rotated.expires_at is not None and rotated.expires_at.tzinfo is not None


def test_refresh_due_goes_by_expiry():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert refresh_due(TokenSet(access_token="a", expires_at=now + timedelta(minutes=5)), now)
    assert not refresh_due(TokenSet(access_token="a", expires_at=now + timedelta(hours=1)), now)
    assert not refresh_due(TokenSet(access_token="a"), now)


def test_own_post_is_recognised_by_marker_or_text_with_rewritten_links():
    assert text_matches("Halo https://t.co/abc &amp; selamat", "", "Halo https://pemkot.example/x & selamat")
    assert text_matches("anything [w-7]", "w-7", "other")
    assert not text_matches("Halo", "", "Halo lagi")
    assert comparable_text("a\n\n b") == "a b"
