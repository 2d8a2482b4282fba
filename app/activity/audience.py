"""Audience figures: the newest snapshot per account / per published post, and the collection job's core.

Collection (`collect`) asks each account's adapter for `audience(account)` and, for recently
published targets, `post_metrics(target)`; platforms that cannot read them raise `NotSupported`
and are skipped. Snapshots are append-only readings; pages show the newest one.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import AudienceSnapshot, PostTarget, SocialAccount, TargetState, utcnow

log = logging.getLogger(__name__)

#: Published posts whose metrics are still refreshed (platforms count most views in the first weeks).
POST_METRICS_DAYS = 30


@dataclass(frozen=True)
class Followers:
    platform: str
    handle: str
    followers: int
    taken_at: datetime


def latest_followers(org_ids: list[int]) -> dict[int, list[Followers]]:
    """Organisation id → the newest follower count of each of its accounts that has one."""
    if not org_ids:
        return {}
    newest = (select(AudienceSnapshot.account_id, func.max(AudienceSnapshot.id).label("id"))
              .where(AudienceSnapshot.organisation_id.in_(org_ids), AudienceSnapshot.target_id.is_(None),
                     AudienceSnapshot.followers.is_not(None))
              .group_by(AudienceSnapshot.account_id).subquery())
    rows = db.session.execute(
        select(AudienceSnapshot.organisation_id, SocialAccount.platform, SocialAccount.handle,
               AudienceSnapshot.followers, AudienceSnapshot.taken_at)
        .join(newest, newest.c.id == AudienceSnapshot.id)
        .join(SocialAccount, SocialAccount.id == AudienceSnapshot.account_id)
        .order_by(SocialAccount.platform, SocialAccount.handle))
    result: dict[int, list[Followers]] = {}
    for org_id, platform, handle, followers, taken_at in rows:
        result.setdefault(org_id, []).append(Followers(platform, handle, followers, taken_at))
    return result


def latest_post_metrics(target_ids: list[int]) -> dict[int, AudienceSnapshot]:
    """Target id → its newest metrics snapshot."""
    if not target_ids:
        return {}
    newest = (select(func.max(AudienceSnapshot.id)).where(AudienceSnapshot.target_id.in_(target_ids))
              .group_by(AudienceSnapshot.target_id))
    return {s.target_id: s for s in db.session.scalars(select(AudienceSnapshot)
                                                       .where(AudienceSnapshot.id.in_(newest)))}  # type: ignore[misc]


def _overrides(adapter: object, method: str) -> bool:
    """Whether the adapter implements an optional method (the base one only says "not supported")."""
    from adapters.base import PlatformAdapter

    return getattr(type(adapter), method) is not getattr(PlatformAdapter, method)


def collect(now: datetime | None = None, account_ids: list[int] | None = None) -> dict[str, int]:
    """Read audience figures for every active account (or the given ones); one commit per account.

    Returns counts: accounts read, posts read, unsupported, errors. A failing platform call is
    logged and skipped: the next run tries again.
    """
    import adapters
    from adapters.base import AccountRef, AdapterError, NotSupported
    from app.crypto import decrypt_json
    from app.models import AccountStatus

    now = now or utcnow()
    query = select(SocialAccount).where(SocialAccount.status == AccountStatus.ACTIVE)
    if account_ids is not None:
        query = query.where(SocialAccount.id.in_(account_ids))
    counts = {"accounts": 0, "posts": 0, "unsupported": 0, "errors": 0}
    for account in db.session.scalars(query).all():
        try:
            adapter = adapters.get_adapter(account.platform)
        except KeyError:
            counts["unsupported"] += 1
            continue
        credentials = decrypt_json(account.credentials_encrypted) if account.credentials_encrypted else {}
        ref = AccountRef(account.id, account.external_id, account.handle, credentials)
        if not _overrides(adapter, "audience") and not _overrides(adapter, "post_metrics"):
            counts["unsupported"] += 1
            continue
        try:
            figures = adapter.audience(ref)
            db.session.add(AudienceSnapshot(organisation_id=account.organisation_id, account_id=account.id,
                                            platform=account.platform, taken_at=now, **figures.as_columns()))
            counts["accounts"] += 1
        except NotSupported:
            counts["unsupported"] += 1
        except AdapterError as error:
            log.warning("audience of account %s failed: %s", account.id, error)
            counts["errors"] += 1
        if not _overrides(adapter, "post_metrics"):
            db.session.commit()
            continue
        targets = db.session.scalars(select(PostTarget).where(
            PostTarget.account_id == account.id, PostTarget.state == TargetState.PUBLISHED,
            PostTarget.remote_id.is_not(None),
            PostTarget.published_at >= now - timedelta(days=POST_METRICS_DAYS))).all()
        for target in targets:
            try:
                figures = adapter.post_metrics(ref, target.remote_id or "")
            except NotSupported:  # e.g. a TikTok post without a public id yet
                continue
            except AdapterError as error:
                log.warning("metrics of target %s failed: %s", target.id, error)
                counts["errors"] += 1
                continue
            db.session.add(AudienceSnapshot(organisation_id=account.organisation_id, account_id=account.id,
                                            target_id=target.id, platform=account.platform, taken_at=now,
                                            **figures.as_columns()))
            counts["posts"] += 1
        db.session.commit()
    return counts
