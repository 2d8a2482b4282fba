"""The quota ledger: platform posting caps per account and per platform app.

A target over a cap is deferred to the earliest time the cap allows — never
failed. Each publish attempt reserves a `QuotaUsage` row in the claim
transaction; the row is dropped again when nothing reached the platform.
Caps (PLATFORMS.md §9) can be overridden with the `WARTA_QUOTAS` config key.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, func, select

from app.extensions import db
from app.models import PostTarget, QuotaUsage, SocialAccount, TargetState, utcnow


@dataclass(frozen=True)
class QuotaRule:
    """`limit` calls of `kind` per `window` for one account ("account") or the whole platform app ("app")."""

    scope: str
    window: timedelta
    limit: int
    kind: str = "post"

    def __post_init__(self) -> None:
        if self.scope not in ("account", "app"):
            raise ValueError("scope: must be 'account' or 'app'")
        if self.limit < 1:
            raise ValueError("limit: must be at least 1")


DEFAULT_RULES: dict[str, tuple[QuotaRule, ...]] = {
    # X: POST /2/tweets 100 per 15 min per user, 10,000 per 24 h per app.
    "x": (QuotaRule("account", timedelta(minutes=15), 100), QuotaRule("app", timedelta(hours=24), 10_000)),
    # Instagram content publishing limit: 50 per 24 h per account (read live when the adapter can).
    "instagram": (QuotaRule("account", timedelta(hours=24), 50),),
    # YouTube: 100 videos.insert per day per API project (the platform app).
    "youtube": (QuotaRule("app", timedelta(hours=24), 100, "upload"),),
    # TikTok: 6 video/init calls per minute per token.
    "tiktok": (QuotaRule("account", timedelta(minutes=1), 6, "init"),),
    # Facebook Pages: 30 Reels per 24 h per page; ordinary posts are not capped here.
    "facebook": (QuotaRule("account", timedelta(hours=24), 30, "reel"),),
}

DEFAULT_KIND = {"youtube": "upload", "tiktok": "init"}


def rules_for(platform: str) -> tuple[QuotaRule, ...]:
    custom: dict[str, Any] = current_app.config.get("WARTA_QUOTAS") or {}
    if platform in custom:
        return tuple(r if isinstance(r, QuotaRule) else QuotaRule(r["scope"], timedelta(seconds=r["window_s"]),
                                                                  r["limit"], r.get("kind", "post"))
                     for r in custom[platform])
    return DEFAULT_RULES.get(platform, ())


def applies(platform: str, kind: str) -> bool:
    """Whether any cap counts calls of `kind` on `platform` (no ledger rows are written otherwise)."""
    return any(rule.kind == kind for rule in rules_for(platform))


def kind_for(target: PostTarget) -> str:
    """What a target's publish counts as: a Facebook Reel is "reel", YouTube "upload", TikTok "init"."""
    platform = target.account.platform
    options = (target.post.variants.get(platform) or {}).get("options") or {}
    if platform == "facebook" and str(options.get("media_type", "")).upper() in ("REELS", "REEL"):
        return "reel"
    return DEFAULT_KIND.get(platform, "post")


def _calls_between(platform: str, kind: str, start: datetime, end: datetime) -> Any:
    """SQL condition: the calls of `kind` on `platform` in (start, end], by any account."""
    return ((QuotaUsage.platform == platform) & (QuotaUsage.kind == kind)
            & (QuotaUsage.used_at > start) & (QuotaUsage.used_at <= end))


def _in_window(rule: QuotaRule, platform: str, account_id: int, start: datetime, end: datetime) -> Any:
    """SQL condition: the uses that count against `rule` in (start, end]."""
    condition = _calls_between(platform, rule.kind, start, end)
    return condition & (QuotaUsage.account_id == account_id) if rule.scope == "account" else condition


def _uses(rule: QuotaRule, platform: str, account_id: int, start: datetime, end: datetime) -> int:
    return db.session.scalar(select(func.count()).select_from(QuotaUsage)
                             .where(_in_window(rule, platform, account_id, start, end))) or 0


def _nth_newest_use(rule: QuotaRule, platform: str, account_id: int, start: datetime, end: datetime) -> datetime | None:
    """The `rule.limit`-th newest use in (start, end]: the cap is reached, and one more call fits once
    it leaves the window. None while fewer uses than the limit (one row read, never the whole window)."""
    return db.session.scalar(select(QuotaUsage.used_at).where(_in_window(rule, platform, account_id, start, end))
                             .order_by(QuotaUsage.used_at.desc()).offset(rule.limit - 1).limit(1))


def earliest_allowed(account: SocialAccount, kind: str, at: datetime | None = None) -> datetime:
    """The earliest time ≥ `at` at which one more call of `kind` stays within every cap."""
    at = at or utcnow()
    candidate = at
    for _ in range(10):  # moving past one window can only push later; converges quickly
        moved = False
        for rule in rules_for(account.platform):
            if rule.kind != kind:
                continue
            nth = _nth_newest_use(rule, account.platform, account.id, candidate - rule.window, candidate)
            if nth is not None:
                free_at = nth + rule.window + timedelta(milliseconds=1)
                if free_at > candidate:
                    candidate, moved = free_at, True
        if not moved:
            return candidate
    return candidate


class QuotaTally:
    """Whether calls fit the caps now, for the many targets of one claim transaction: each cap's
    uses are counted once, then this transaction's own reservations are added in memory. Built by
    `locked_for`, which locks the accounts first (app-wide caps are not locked across accounts: a
    platform's own 429 then defers the rest)."""

    def __init__(self) -> None:
        self._used: dict[tuple[str, QuotaRule, int | None], int] = {}

    @classmethod
    def locked_for(cls, calls: list[tuple[SocialAccount, str]], now: datetime) -> QuotaTally:
        """Lock the capped accounts among `calls` (account, kind) in id order — on PostgreSQL their
        quota checks wait for each other until the commit; SQLite has one writer anyway — and count
        the uses of their caps, one query per cap."""
        tally = cls()
        capped = [(account, kind) for account, kind in calls if applies(account.platform, kind)]
        if not capped:
            return tally
        query = select(SocialAccount.id).where(SocialAccount.id.in_({a.id for a, _k in capped}))
        if db.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()
        db.session.execute(query.order_by(SocialAccount.id))
        by_cap: dict[tuple[str, str], set[int]] = {}
        for account, kind in capped:
            by_cap.setdefault((account.platform, kind), set()).add(account.id)
        for (platform, kind), account_ids in by_cap.items():
            for rule in rules_for(platform):
                if rule.kind != kind:
                    continue
                if rule.scope == "app":
                    tally._used[(platform, rule, None)] = _uses(rule, platform, 0, now - rule.window, now)
                    continue
                counts = dict(db.session.execute(
                    select(QuotaUsage.account_id, func.count()).where(
                        _calls_between(platform, kind, now - rule.window, now),
                        QuotaUsage.account_id.in_(account_ids)).group_by(QuotaUsage.account_id)).all())
                for account_id in account_ids:
                    tally._used[(platform, rule, account_id)] = counts.get(account_id, 0)
        return tally

    @staticmethod
    def _caps(account: SocialAccount, kind: str) -> list[tuple[tuple, QuotaRule]]:
        """The tally keys and rules of the caps on calls of `kind` by `account` (all counted by `locked_for`)."""
        return [((account.platform, rule, account.id if rule.scope == "account" else None), rule)
                for rule in rules_for(account.platform) if rule.kind == kind]

    def allows_now(self, account: SocialAccount, kind: str, now: datetime) -> bool:
        """True when one more call of `kind` at `now` stays within every cap (`earliest_allowed(…) == now`)."""
        return all(self._used[key] < rule.limit for key, rule in self._caps(account, kind))

    def reserve(self, target: PostTarget, account: SocialAccount, kind: str, now: datetime) -> None:
        reserve(target, kind, now)
        for key, _rule in self._caps(account, kind):
            self._used[key] += 1


def live_deferral(adapter: Any, account_ref: Any, now: datetime) -> datetime | None:
    """Ask an adapter that reads its live cap (`publishing_quota(account)` → {"used", "total",
    "window_seconds"} per adapters.base); when it is used up, try again in 15 minutes."""
    reader = getattr(adapter, "publishing_quota", None)
    if reader is None:
        return None
    answer = reader(account_ref)
    if not answer:
        return None
    return now + timedelta(minutes=15) if int(answer["used"]) >= int(answer["total"]) else None


def reserve(target: PostTarget, kind: str, at: datetime) -> None:
    db.session.add(QuotaUsage(platform=target.account.platform, account_id=target.account_id,
                              target_id=target.id, kind=kind, used_at=at))


def release(target_id: int) -> None:
    """Drop the reservation of an attempt that never reached the platform."""
    db.session.execute(delete(QuotaUsage).where(QuotaUsage.target_id == target_id))


@dataclass(frozen=True)
class QuotaForecast:
    """What the composer shows: `used` of `limit` in the `window` around a planned time."""

    platform: str
    kind: str
    scope: str
    used: int
    planned: int
    limit: int
    window: timedelta

    @property
    def over(self) -> bool:
        return self.used + self.planned >= self.limit

    @property
    def near(self) -> bool:
        return self.used + self.planned >= self.limit * 0.9


def planning_forecast(account: SocialAccount, at: datetime, kind: str | None = None) -> list[QuotaForecast]:
    """Per cap: calls already made and targets planned in the window around `at` (for composer warnings)."""
    kind = kind or DEFAULT_KIND.get(account.platform, "post")
    result = []
    for rule in rules_for(account.platform):
        if rule.kind != kind:
            continue
        used = _uses(rule, account.platform, account.id, at - rule.window, at + rule.window)
        planned_query = (select(func.count()).select_from(PostTarget)
                         .join(SocialAccount, SocialAccount.id == PostTarget.account_id)
                         .where(SocialAccount.platform == account.platform,
                                PostTarget.state.in_([TargetState.SCHEDULED, TargetState.QUEUED]),
                                PostTarget.due_at > at - rule.window, PostTarget.due_at < at + rule.window))
        if rule.scope == "account":
            planned_query = planned_query.where(PostTarget.account_id == account.id)
        planned = db.session.scalar(planned_query) or 0
        result.append(QuotaForecast(account.platform, kind, rule.scope, used, planned, rule.limit, rule.window))
    return result
