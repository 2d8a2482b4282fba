"""Word diffs between approved content snapshots."""
from __future__ import annotations

from app.posts.diff import Segment, snapshot_diff, word_diff


def test_word_diff_marks_replaced_words_and_keeps_line_breaks():
    segments = word_diff("Posyandu buka Sabtu\npagi", "Posyandu buka Minggu\npagi ini")
    assert "".join(s.text for s in segments if s.op != "delete") == "Posyandu buka Minggu\npagi ini"
    assert "".join(s.text for s in segments if s.op != "insert") == "Posyandu buka Sabtu\npagi"
    assert Segment("delete", "Sabtu") in segments and Segment("insert", "Minggu") in segments


def test_identical_texts_have_no_changes():
    assert all(s.op == "equal" for s in word_diff("sama saja", "sama saja"))
    assert word_diff("", "") == ()


def test_snapshot_diff_covers_variants_accounts_and_times():
    old = {"title": "A", "body": "x", "variants": {"x": {"body": "pendek"}}, "accounts": ["x · a"],
           "media": [], "scheduled_at": "2030-01-01T00:00:00+00:00", "not_after": None}
    new = {**old, "variants": {"x": {"body": "pendek"}, "tiktok": {"options": {"privacy_level": "SELF_ONLY"}}},
           "accounts": ["x · a", "tiktok · b"]}
    changed = {f.name for f in snapshot_diff(old, new) if f.changed}
    assert changed == {"variant:tiktok", "accounts"}
    assert {f.name for f in snapshot_diff(None, new) if f.changed} >= {"title", "body", "variant:x", "accounts"}
