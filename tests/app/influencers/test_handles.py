"""Handle rules per platform."""
from __future__ import annotations

import pytest

from app.influencers.handles import InvalidHandle, normalise_handle, normalise_platform_user_id


@pytest.mark.parametrize(("platform", "raw", "expected"), [
    ("instagram", "@Ayu.Bpp", "ayu.bpp"), ("x", "Ayu_BPP", "Ayu_BPP"), ("tiktok", " ayu.bpp ", "ayu.bpp"),
    ("youtube", "@Ayu-Vlog", "ayu-vlog"), ("facebook", "ayu.page", "ayu.page"),
    ("mastodon", "a@b.example", "a@b.example"),
])
def test_valid_handles_are_normalised(platform, raw, expected):
    assert normalise_handle(platform, raw) == expected


@pytest.mark.parametrize(("platform", "raw"), [
    ("instagram", ".ayu"), ("instagram", "ayu..bpp"), ("instagram", "a" * 31), ("instagram", "ayu bpp"),
    ("x", "a" * 16), ("x", "ayu.bpp"), ("tiktok", "a"), ("tiktok", "ayu."), ("youtube", "ab"),
    ("facebook", "ayu"), ("instagram", ""), ("mastodon", "two words"),
])
def test_invalid_handles_are_refused_with_a_message(platform, raw):
    with pytest.raises(InvalidHandle) as error:
        normalise_handle(platform, raw)
    assert str(error.value)


def test_platform_user_ids():
    assert normalise_platform_user_id(" 17841400 ") == "17841400"
    assert normalise_platform_user_id("") is None
    with pytest.raises(InvalidHandle):
        normalise_platform_user_id("12 34")
