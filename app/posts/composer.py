"""Composer checks: per-platform previews, counters and problems, with the adapters' own rules.

`check_draft` builds an unsaved `Post` from the editor's current input and asks, per chosen
platform, the adapter (`count_text`, limits, `validate`), the plugins' content rules and the
quota ledger's forecast — the same functions submission and publishing use later.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l

import adapters
import plugins
from adapters.base import AccountRef, MediaItem, Variant
from adapters.meta import count_hashtags, count_mentions
from app.crypto import decrypt_json
from app.extensions import db
from app.forms_common import platform_name
from app.models import Media, Organisation, Post, PostMedia, PostTarget, SocialAccount, User, utcnow

logger = logging.getLogger(__name__)

#: TikTok privacy levels as people read them (the adapter's PRIVACY_LEVELS).
PRIVACY_LABELS = {
    "PUBLIC_TO_EVERYONE": _l("Everyone"),
    "MUTUAL_FOLLOW_FRIENDS": _l("Friends (followers you follow back)"),
    "FOLLOWER_OF_CREATOR": _l("Followers"),
    "SELF_ONLY": _l("Only me"),
}
#: TikTok interaction switches stored in the variant's options.
TIKTOK_SWITCHES = ("disable_comment", "disable_duet", "disable_stitch")


@dataclass(frozen=True)
class Counter:
    """`used` of `limit` (limit None: no limit); `over` when above it."""

    used: int
    limit: int | None

    @property
    def over(self) -> bool:
        return self.limit is not None and self.used > self.limit

    @property
    def near(self) -> bool:
        return self.limit is not None and not self.over and self.used >= self.limit * 0.9


@dataclass
class PlatformCheck:
    """What the composer shows for one platform: a preview and everything the platform would refuse."""

    platform: str
    name: str
    handles: list[str]
    text: str
    title: str
    characters: Counter
    weighted: bool  # X counts URLs as 23 and wide characters and emoji as 2
    hashtags: Counter
    mentions: Counter
    media: list[Media]
    media_limit: int
    collaborators: Counter
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class DraftCheck:
    platforms: list[PlatformCheck]
    general: list[str]  # content-rule problems that name no platform

    @property
    def problem_count(self) -> int:
        return len(self.general) + sum(len(p.problems) for p in self.platforms)


def transient_post(organisation: Organisation, author: User, title: str, body: str, variants: dict,
                   accounts: list[SocialAccount], saved: Post | None, scheduled_at: datetime | None = None) -> Post:
    """An unsaved Post with the editor's input (never added to the session)."""
    post = Post(id=saved.id if saved else None, organisation=organisation, author=author, title=title, body=body,
                variants=variants, state=saved.state if saved else "draft", scheduled_at=scheduled_at,
                content_version=saved.content_version if saved else 1)
    post.targets = [PostTarget(account=account) for account in accounts]
    if saved is not None:
        post.media_links = [PostMedia(media=link.media, position=link.position) for link in saved.media_links]
    return post


def _media_items(post: Post) -> tuple[MediaItem, ...]:
    from app.media import UnreachablePublicURL, media_item

    items = []
    for link in post.media_links:
        try:
            items.append(media_item(link.media))
        except UnreachablePublicURL:  # shown as a problem on the accounts page; count the file anyway
            media = link.media
            items.append(MediaItem(url="", kind="video" if media.content_type.startswith("video/") else "image",
                                   content_type=media.content_type, size_bytes=media.size_bytes, width=media.width,
                                   height=media.height, duration_seconds=media.duration_seconds,
                                   alt_text=media.alt_text))
    return tuple(items)


def _variant(post: Post, platform: str, media: tuple[MediaItem, ...]) -> Variant:
    from app.influencers.services import apply_collaborations

    entry = post.variants.get(platform) or {}
    variant = Variant(text=post.body_for(platform), media=media, title=entry.get("title", post.title or ""),
                      options=entry.get("options") or {})
    return apply_collaborations(post, platform, variant) if post.id else variant


def _collaborator_count(post: Post) -> int:
    if not post.id:
        return 0
    from app.influencers.services import post_collaborations

    return len({c.influencer_id for c in post_collaborations(post)})


def _collaboration_problems(post: Post) -> list[str]:
    """The influencer rules submission applies (consent, agreements, each platform's collaborator limit)."""
    if not post.id:
        return []
    from app.influencers.services import collaboration_problems

    return [str(problem) for problem in collaboration_problems(post)]


def _quota_warnings(accounts: list[SocialAccount], when: datetime) -> list[str]:
    from app.publishing.quotas import planning_forecast

    warnings = []
    for account in accounts:
        for forecast in planning_forecast(account, when):
            if forecast.over or forecast.near:
                hours = int(forecast.window.total_seconds() // 3600)
                window = (_l("%(n)d hours", n=hours) if hours >= 1
                          else _l("%(n)d minutes", n=int(forecast.window.total_seconds() // 60)))
                message = _l("Quota of %(handle)s: %(used)d of %(limit)d posts in %(window)s around this time are "
                             "already used or planned.", handle=account.handle,
                             used=forecast.used + forecast.planned, limit=forecast.limit, window=window)
                warnings.append(str(message))
    return warnings


def check_draft(post: Post, accounts: list[SocialAccount]) -> DraftCheck:
    """Previews, counters and problems for the platforms of `accounts`, from the transient `post`."""
    with db.session.no_autoflush:
        media = _media_items(post)
        collaborators = _collaborator_count(post)
        issues = plugins.post_issues(post)
        by_platform: dict[str, list[SocialAccount]] = {}
        for account in accounts:
            by_platform.setdefault(account.platform, []).append(account)
        checks = []
        for platform in sorted(by_platform):
            adapter = adapters.get_adapter(platform)
            variant = _variant(post, platform, media)
            check = PlatformCheck(
                platform=platform, name=platform_name(platform),
                handles=[a.handle for a in by_platform[platform]], text=variant.text, title=variant.title,
                characters=Counter(adapter.count_text(variant.text), adapter.text_maxlen or None),
                weighted=platform == "x",
                hashtags=Counter(count_hashtags(variant.text), adapter.hashtag_max),
                mentions=Counter(count_mentions(variant.text), adapter.mention_max),
                media=[link.media for link in post.media_links], media_limit=adapter.max_media_per_post,
                collaborators=Counter(collaborators, adapter.collaborator_max),
            )
            check.problems = [problem.message for problem in adapter.validate(variant)]
            check.problems += [i.message for i in issues if i.platform == platform and i.blocking]
            check.warnings = [i.message for i in issues if i.platform == platform and not i.blocking]
            check.warnings += _quota_warnings(by_platform[platform], post.scheduled_at or utcnow())
            checks.append(check)
        general = [i.message for i in issues if i.platform is None] + _collaboration_problems(post)
    return DraftCheck(checks, general)


# -- TikTok creator options ---------------------------------------------------------------------


@dataclass(frozen=True)
class TikTokOptions:
    """What the composer offers for TikTok: privacy choices, interactions TikTok disabled, notices."""

    privacy_levels: tuple[str, ...]
    comment_disabled: bool
    duet_disabled: bool
    stitch_disabled: bool
    max_video_seconds: int
    notices: tuple[str, ...]


def tiktok_options(accounts: list[SocialAccount]) -> TikTokOptions | None:
    """Ask TikTok's creator_info for each TikTok account; what all of them allow (None without TikTok)."""
    from adapters.tiktok import PRIVACY_LEVELS, unaudited_notice

    tiktok = [a for a in accounts if a.platform == "tiktok"]
    if not tiktok:
        return None
    adapter = adapters.get_adapter("tiktok")
    audited = bool(getattr(adapter, "audited", False))
    levels = set(PRIVACY_LEVELS if audited else ("SELF_ONLY",))
    comment = duet = stitch = False
    max_seconds = int(getattr(adapter, "video_max_seconds", 600))
    notices: list[str] = [] if audited else [unaudited_notice()]
    for account in tiktok:
        try:
            credentials = decrypt_json(account.credentials_encrypted) if account.credentials_encrypted else {}
            info = adapter.creator_info(AccountRef(account.id, account.external_id, account.handle, credentials))
        except Exception as exc:  # network, token or platform trouble: show it, keep the safe choices
            logger.info("creator_info failed", extra={"account_id": account.id, "error": type(exc).__name__})
            notices.append(str(_l("TikTok could not be asked about %(handle)s just now; the choices below are "
                                  "the safe ones and TikTok checks again when publishing.", handle=account.handle)))
            continue
        levels &= set(info.privacy_level_options)
        comment, duet, stitch = comment or info.comment_disabled, duet or info.duet_disabled, \
            stitch or info.stitch_disabled
        max_seconds = min(max_seconds, info.max_video_post_duration_sec)
        notices += [n for n in info.notices if n not in notices]
    ordered = tuple(level for level in PRIVACY_LEVELS if level in levels)
    return TikTokOptions(ordered, comment, duet, stitch, max_seconds, tuple(notices))
