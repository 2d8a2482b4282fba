"""Activity figures per organisation × platform, computed with a few aggregate queries per tree.

Definitions (shown on the dashboard):
- a *post* is a published post target (one post to three platforms counts once per platform, and
  once at organisation level: in each week in which one of its targets went out, and once in a window);
- *weeks* run Monday 00:00 to Monday 00:00 in the organisation's own zone; only complete weeks count;
- a week *meets the target* when the organisation published at least `posts_per_week_target` posts;
- an organisation is *active* when it met its target in at least `ACTIVE_MIN_WEEKS` of the last
  `ACTIVE_WINDOW_WEEKS` complete weeks.

Per zone, two grouped queries read the published targets since the first trend week (index
ix_post_target_published): one row per organisation × platform and one per organisation, each week
and window a filtered aggregate. The figures of a tree are cached in Redis for
`WARTA_ACTIVITY_CACHE_SECONDS` (0 turns the cache off), and each worker process keeps what it read for
up to `MEMO_SECONDS` within that lifetime.
"""
from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Select, distinct, func, select

from app.activity.weeks import week_bounds
from app.extensions import db
from app.models import Organisation, PostTarget, SocialAccount, TargetState, User, utcnow
from app.tenancy import subtree_filter

ACTIVE_WINDOW_WEEKS = 4
ACTIVE_MIN_WEEKS = 3
TREND_WEEKS = 13
WINDOWS = (7, 30, 90)


@dataclass
class PlatformActivity:
    """One organisation's figures on one platform."""

    platform: str
    counts: dict[int, int] = field(default_factory=dict)  # window days → published posts
    weekly: list[int] = field(default_factory=lambda: [0] * TREND_WEEKS)  # complete weeks, oldest first
    last_post_at: datetime | None = None


@dataclass
class OrgActivity:
    """One organisation's figures (all platforms together, a post counted once) and per platform."""

    id: int
    name: str
    path: str
    kind: str
    timezone: str
    target: int
    counts: dict[int, int] = field(default_factory=dict)
    weekly: list[int] = field(default_factory=lambda: [0] * TREND_WEEKS)
    last_post_at: datetime | None = None
    platforms: list[PlatformActivity] = field(default_factory=list)

    @property
    def depth(self) -> int:
        return self.path.strip("/").count("/")

    @property
    def recent_weeks(self) -> list[int]:
        return self.weekly[-ACTIVE_WINDOW_WEEKS:]

    @property
    def weeks_met(self) -> int:
        """Complete weeks among the last `ACTIVE_WINDOW_WEEKS` in which the target was met."""
        return sum(1 for n in self.recent_weeks if n >= self.target)

    @property
    def weeks_met_trend(self) -> int:
        return sum(1 for n in self.weekly if n >= self.target)

    @property
    def active(self) -> bool:
        return self.weeks_met >= ACTIVE_MIN_WEEKS

    def days_since_last_post(self, now: datetime) -> int | None:
        return None if self.last_post_at is None else (now - self.last_post_at).days

    def platform_weeks_met(self, platform: PlatformActivity) -> int:
        return sum(1 for n in platform.weekly[-ACTIVE_WINDOW_WEEKS:] if n >= self.target)


@dataclass
class TreeActivity:
    """The whole visible tree: organisations and the tree-level weekly totals."""

    computed_at: datetime
    organisations: list[OrgActivity]
    week_starts: list[datetime]  # UTC starts of the trend weeks (in the first organisation's zone)

    @property
    def active_count(self) -> int:
        return sum(1 for o in self.organisations if o.active)

    @property
    def weekly_total(self) -> list[int]:
        return [sum(o.weekly[k] for o in self.organisations) for k in range(TREND_WEEKS)]


def organisation_rows(user: User, root: Organisation | None = None, kind: str | None = None) -> Select:
    """Columns of the organisations the user may see (optionally one subtree, one kind), tree order."""
    query = select(Organisation.id, Organisation.name, Organisation.path, Organisation.kind,
                   Organisation.timezone, Organisation.posts_per_week_target).where(subtree_filter(user))
    if root is not None:
        query = query.where(Organisation.path.like(f"{root.path}%"))
    if kind:
        query = query.where(Organisation.kind == kind)
    return query.order_by(Organisation.path)


def _buckets(bounds: list[datetime], windows: list[datetime]) -> list[Any]:
    """SQL conditions on `published_at`: each complete trend week, then each window (newest `WINDOWS` days)."""
    weeks = [(PostTarget.published_at >= bounds[k]) & (PostTarget.published_at < bounds[k + 1])
             for k in range(TREND_WEEKS)]
    return weeks + [PostTarget.published_at >= since for since in windows]


def _published_since(query: Select, org_ids: list[int], since: datetime) -> Select:
    """`query` over the organisations' published targets from `since` (read from ix_post_target_published)."""
    return (query.select_from(PostTarget).join(SocialAccount, SocialAccount.id == PostTarget.account_id)
            .where(PostTarget.state == TargetState.PUBLISHED, PostTarget.published_at >= since,
                   SocialAccount.organisation_id.in_(org_ids)))


def _fill_zone(orgs: dict[int, OrgActivity], org_ids: list[int], zone: str, now: datetime) -> None:
    """Weekly and window counts for the organisations of one zone: one row per organisation × platform
    and one per organisation, each bucket a filtered aggregate (the rows are read once per query)."""
    bounds = week_bounds(now, zone, TREND_WEEKS)
    buckets = _buckets(bounds, [now - timedelta(days=days) for days in WINDOWS])
    platform_rows = db.session.execute(_published_since(
        select(SocialAccount.organisation_id, SocialAccount.platform, func.max(PostTarget.published_at),
               *[func.count().filter(b) for b in buckets]),
        org_ids, bounds[0]).group_by(SocialAccount.organisation_id, SocialAccount.platform))
    for org_id, platform, last_at, *counts in platform_rows:  # the range has no end: its newest is the newest
        item = PlatformActivity(platform, dict(zip(WINDOWS, counts[TREND_WEEKS:], strict=True)),
                                list(counts[:TREND_WEEKS]))
        orgs[org_id].platforms.append(item)
        _note_last_post(orgs[org_id], item, last_at)
    # A post counts once per organisation: in every week in which one of its targets went out, and
    # once in a window however many of its targets fall inside it.
    org_rows = db.session.execute(_published_since(
        select(SocialAccount.organisation_id, *[func.count(distinct(PostTarget.post_id)).filter(b) for b in buckets]),
        org_ids, bounds[0]).group_by(SocialAccount.organisation_id))
    for org_id, *counts in org_rows:
        orgs[org_id].weekly = list(counts[:TREND_WEEKS])
        orgs[org_id].counts = dict(zip(WINDOWS, counts[TREND_WEEKS:], strict=True))


def _note_last_post(org: OrgActivity, item: PlatformActivity, last_at: datetime | str | None) -> None:
    if isinstance(last_at, str):  # in case a driver returns max() of a timestamp as text
        last_at = datetime.fromisoformat(last_at)
    if last_at is not None and last_at.tzinfo is None:
        last_at = last_at.replace(tzinfo=UTC)
    if last_at is not None and (item.last_post_at is None or last_at > item.last_post_at):
        item.last_post_at = last_at
    if last_at is not None and (org.last_post_at is None or last_at > org.last_post_at):
        org.last_post_at = last_at


def _fill_last_posts(orgs: dict[int, OrgActivity], org_ids: list[int]) -> None:
    """Every connected platform, and the newest published post of those with none since the trend weeks
    began (an index lookup per account; the others have theirs from `_fill_zone`)."""
    accounts = db.session.execute(select(SocialAccount.id, SocialAccount.organisation_id, SocialAccount.platform)
                                  .where(SocialAccount.organisation_id.in_(org_ids)))
    older: list[int] = []
    for account_id, org_id, platform in accounts:
        org = orgs[org_id]
        item = next((p for p in org.platforms if p.platform == platform), None)
        if item is None:
            item = PlatformActivity(platform)
            org.platforms.append(item)
        if item.last_post_at is None:
            older.append(account_id)
    if not older:
        return
    last = (select(func.max(PostTarget.published_at))
            .where(PostTarget.account_id == SocialAccount.id, PostTarget.state == TargetState.PUBLISHED)
            .correlate(SocialAccount).scalar_subquery())
    rows = db.session.execute(select(SocialAccount.organisation_id, SocialAccount.platform, last)
                              .where(SocialAccount.id.in_(older)))
    for org_id, platform, last_at in rows:
        org = orgs[org_id]
        _note_last_post(org, next(p for p in org.platforms if p.platform == platform), last_at)


def compute(rows: list[Any], now: datetime | None = None) -> TreeActivity:
    """Figures for the given organisation rows (from `organisation_rows`)."""
    now = now or utcnow()
    orgs = {row.id: OrgActivity(row.id, row.name, row.path, row.kind, row.timezone, row.posts_per_week_target)
            for row in rows}
    by_zone: dict[str, list[int]] = defaultdict(list)
    for org in orgs.values():
        by_zone[org.timezone].append(org.id)
    for zone, ids in by_zone.items():
        for chunk in _chunks(ids, 900):
            _fill_zone(orgs, chunk, zone, now)
    for chunk in _chunks(list(orgs), 900):
        _fill_last_posts(orgs, chunk)
    for org in orgs.values():
        org.counts = {days: org.counts.get(days, 0) for days in WINDOWS}
        for item in org.platforms:
            item.counts = {days: item.counts.get(days, 0) for days in WINDOWS}
        org.platforms.sort(key=lambda p: p.platform)
    zone = rows[0].timezone if rows else "Asia/Jakarta"
    return TreeActivity(now, list(orgs.values()), week_bounds(now, zone, TREND_WEEKS)[:-1])


def _chunks(ids: list[int], size: int) -> list[list[int]]:
    return [ids[i:i + size] for i in range(0, len(ids), size)]


# -- cache --------------------------------------------------------------------------------------


def _cache_key(rows: list[Any]) -> str:
    digest = hashlib.sha256(json.dumps([[r.id, r.name, r.timezone, r.posts_per_week_target] for r in rows])
                            .encode()).hexdigest()[:32]
    return f"warta:activity:v2:{digest}"


def _ts(value: datetime | None) -> float | None:
    return value.timestamp() if value is not None else None


def _dt(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value is not None else None


def _dump(tree: TreeActivity) -> str:
    """Compact JSON (lists, epoch seconds): names and zones come from the fresh organisation rows."""
    orgs = [[o.id, [o.counts[d] for d in WINDOWS], o.weekly, _ts(o.last_post_at),
             [[p.platform, [p.counts[d] for d in WINDOWS], p.weekly, _ts(p.last_post_at)] for p in o.platforms]]
            for o in tree.organisations]
    return json.dumps([_ts(tree.computed_at), [_ts(w) for w in tree.week_starts], orgs], separators=(",", ":"))


def _load(raw: bytes | str, rows: list[Any]) -> TreeActivity:
    computed_at, week_starts, orgs = json.loads(raw)
    by_id = {row.id: row for row in rows}
    organisations = []
    for org_id, counts, weekly, last, platforms in orgs:
        row = by_id[org_id]
        organisations.append(OrgActivity(
            org_id, row.name, row.path, row.kind, row.timezone, row.posts_per_week_target,
            dict(zip(WINDOWS, counts, strict=True)), weekly, _dt(last),
            [PlatformActivity(p, dict(zip(WINDOWS, c, strict=True)), w, _dt(t)) for p, c, w, t in platforms]))
    return TreeActivity(_dt(computed_at), organisations, [_dt(w) for w in week_starts])  # type: ignore[arg-type]


#: Seconds a worker process keeps a tree it read from Redis (within the Redis entry's own lifetime).
MEMO_SECONDS = 30
MEMO_ENTRIES = 32


def _memo() -> tuple[threading.Lock, OrderedDict[str, tuple[float, TreeActivity]]]:
    """This app's in-process memo (per worker process): saves the Redis round trip and the parse."""
    return current_app.extensions.setdefault("warta_activity_memo", (threading.Lock(), OrderedDict()))


def tree_activity(rows: list[Any]) -> TreeActivity:
    """Figures for `rows`: from this process's memo, else Redis, else computed (and stored in both).

    The cache is only a cache: Redis errors fall through to the database.
    """
    seconds = int(current_app.config.get("WARTA_ACTIVITY_CACHE_SECONDS", 300))
    if seconds <= 0 or not rows:
        return compute(rows)
    from app.redis_conn import get_redis

    key = _cache_key(rows)
    lock, memo = _memo()
    now = time.monotonic()
    with lock:
        hit = memo.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    tree = None
    try:
        raw = get_redis().get(key)
        remaining = get_redis().ttl(key) if raw else -1
    except Exception:
        raw, remaining = None, -1
    if raw:
        tree = _load(raw, rows)
    else:
        tree = compute(rows)
        remaining = seconds
        try:
            get_redis().set(key, _dump(tree), ex=seconds)
        except Exception:  # noqa: S110 - the cache is optional
            pass
    with lock:
        memo[key] = (now + min(MEMO_SECONDS, max(remaining, 0)), tree)
        memo.move_to_end(key)
        while len(memo) > MEMO_ENTRIES:
            memo.popitem(last=False)
    return tree
