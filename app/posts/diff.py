"""Content snapshots stored with each review decision, and word diffs between two of them."""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from app.models import Post

#: A token is a run of non-space characters or a run of spaces (line breaks stay visible).
_TOKENS = re.compile(r"\S+|\s+")


def content_snapshot(post: Post) -> dict[str, Any]:
    """What a reviewer decided on: texts, per-platform texts and options, accounts, media, times."""
    return {
        "content_version": post.content_version,
        "title": post.title or "",
        "body": post.body or "",
        "variants": {platform: dict(entry) for platform, entry in sorted((post.variants or {}).items())},
        "accounts": sorted(f"{t.account.platform} · {t.account.handle}" for t in post.targets),
        "media": [link.media.filename for link in post.media_links],
        "scheduled_at": post.scheduled_at.isoformat() if post.scheduled_at else None,
        "not_after": post.not_after.isoformat() if post.not_after else None,
    }


@dataclass(frozen=True)
class Segment:
    """A piece of text that is unchanged ("equal"), added ("insert") or removed ("delete")."""

    op: str
    text: str


@dataclass(frozen=True)
class FieldDiff:
    name: str  # "title", "body", "variant:instagram", "accounts", "media", "scheduled_at", "not_after"
    segments: tuple[Segment, ...]

    @property
    def changed(self) -> bool:
        return any(s.op != "equal" for s in self.segments)


def word_diff(old: str, new: str) -> tuple[Segment, ...]:
    """Word-level differences between two texts, as segments in reading order."""
    a, b = _TOKENS.findall(old or ""), _TOKENS.findall(new or "")
    segments: list[Segment] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            segments.append(Segment("equal", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            segments.append(Segment("delete", "".join(a[i1:i2])))
        if j2 > j1:
            segments.append(Segment("insert", "".join(b[j1:j2])))
    return tuple(segments)


def _variant_text(snapshot: dict[str, Any], platform: str) -> str:
    entry = (snapshot.get("variants") or {}).get(platform) or {}
    text = str(entry.get("body") or "")
    options = entry.get("options") or {}
    if options:
        text += ("\n" if text else "") + " ".join(f"{k}={v}" for k, v in sorted(options.items()))
    return text


def snapshot_diff(old: dict[str, Any] | None, new: dict[str, Any]) -> list[FieldDiff]:
    """Per field, the word diff from `old` (an empty post when None) to `new`; unchanged fields included."""
    old = old or {}
    fields = [
        FieldDiff("title", word_diff(old.get("title", ""), new.get("title", ""))),
        FieldDiff("body", word_diff(old.get("body", ""), new.get("body", ""))),
    ]
    platforms = sorted(set(old.get("variants") or {}) | set(new.get("variants") or {}))
    fields += [FieldDiff(f"variant:{p}", word_diff(_variant_text(old, p), _variant_text(new, p))) for p in platforms]
    for name in ("accounts", "media"):
        fields.append(FieldDiff(name, word_diff("\n".join(old.get(name) or []), "\n".join(new.get(name) or []))))
    for name in ("scheduled_at", "not_after"):
        fields.append(FieldDiff(name, word_diff(old.get(name) or "", new.get(name) or "")))
    return fields
