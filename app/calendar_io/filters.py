"""One filter for the targets view, the posts export and the targets export (tenancy-scoped).

Filter values come from the query string: `org_id` (with its subtree), `account_id`, `platform`,
`state`, `campaign_id`, `date_from` / `date_to` (local dates, in the chosen organisation's zone, else in the zone of
the user's top organisation). A foreign organisation or account answers 404 like a missing one
(via `get_scoped_or_404`); so does a campaign the user cannot see (`visible_campaign_or_404`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import contains_eager, selectinload

from app.extensions import db
from app.models import Campaign, Organisation, Post, PostState, PostTarget, SocialAccount, TargetState, User
from app.tenancy import get_scoped_or_404, scoped


@dataclass(frozen=True)
class ListFilter:
    """What the user chose; `state` is a target state (targets) or a post state (posts)."""

    organisation: Organisation | None = None
    account: SocialAccount | None = None
    platform: str | None = None
    state: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    home_zone: str | None = None  # the zone of the user's top organisation
    campaign: Campaign | None = None

    def zone(self) -> str:
        """The zone local dates are read in: the chosen organisation's, else the user's top one's."""
        if self.organisation is not None:
            return self.organisation.timezone
        return self.home_zone or current_app.config.get("WARTA_DEFAULT_TIMEZONE", "Asia/Jakarta")

    def utc_bounds(self) -> tuple[datetime | None, datetime | None]:
        """[start, end) in UTC for the date range (end is the day after `date_to`)."""
        tz = ZoneInfo(self.zone())
        start = datetime.combine(self.date_from, time(), tz).astimezone(UTC) if self.date_from else None
        end = (datetime.combine(self.date_to + timedelta(days=1), time(), tz).astimezone(UTC)
               if self.date_to else None)
        return start, end

    def query_args(self) -> dict[str, Any]:
        """The filter as query-string values (for pager, export and back links)."""
        values = {
            "org_id": self.organisation.id if self.organisation else None,
            "account_id": self.account.id if self.account else None,
            "platform": self.platform, "state": self.state,
            "campaign_id": self.campaign.id if self.campaign else None,
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
        }
        return {key: value for key, value in values.items() if value is not None}


def _date(raw: str | None) -> date | None:
    try:
        return date.fromisoformat((raw or "").strip()) if raw and raw.strip() else None
    except ValueError:
        return None  # a bad date in a filter is ignored, like an unknown state


def _int(raw: str | None) -> int | None:
    try:
        return int(raw) if raw not in (None, "") else None
    except ValueError:
        return None


def read_filter(args: Any, user: User, states: type[TargetState] | type[PostState] = TargetState) -> ListFilter:
    """The filter from request args; unknown values are dropped, foreign ids answer 404."""
    from app.posts.campaigns import visible_campaign_or_404

    org_id, account_id = _int(args.get("org_id")), _int(args.get("account_id"))
    organisation = get_scoped_or_404(Organisation, org_id, user) if org_id is not None else None
    account = get_scoped_or_404(SocialAccount, account_id, user) if account_id is not None else None
    campaign_id = _int(args.get("campaign_id"))
    campaign = visible_campaign_or_404(user, campaign_id) if campaign_id is not None else None
    state = args.get("state") or None
    platform = (args.get("platform") or "").strip() or None
    return ListFilter(
        organisation=organisation, account=account, campaign=campaign,
        platform=platform if platform and platform.isidentifier() else None,
        state=state if state in {s.value for s in states} else None,
        date_from=_date(args.get("date_from")), date_to=_date(args.get("date_to")),
        home_zone=db.session.scalar(scoped(Organisation, user).with_only_columns(Organisation.timezone)
                                    .order_by(func.length(Organisation.path), Organisation.id).limit(1)),
    )


def target_time() -> Any:
    """The time a target is about: when it is due, else its post's time, else when it went out."""
    return func.coalesce(PostTarget.due_at, Post.scheduled_at, PostTarget.published_at)


def _visible_org_ids(user: User) -> Select:
    """Subquery of the organisations whose posts the user may see (the tenancy rule)."""
    return scoped(Organisation, user).with_only_columns(Organisation.id)


def targets_query(user: User, chosen: ListFilter) -> Select:
    """Targets of posts the user may see, matching the filter, soonest-due last (newest first)."""
    query = (select(PostTarget)
             .join(Post, PostTarget.post_id == Post.id)
             .join(SocialAccount, PostTarget.account_id == SocialAccount.id)
             .join(Organisation, Post.organisation_id == Organisation.id)
             .where(Post.organisation_id.in_(_visible_org_ids(user))))
    if chosen.organisation is not None:
        query = query.where(Organisation.path.like(f"{chosen.organisation.path}%"))
    if chosen.account is not None:
        query = query.where(PostTarget.account_id == chosen.account.id)
    if chosen.platform:
        query = query.where(SocialAccount.platform == chosen.platform)
    if chosen.state:
        query = query.where(PostTarget.state == chosen.state)
    if chosen.campaign is not None:
        query = query.where(Post.campaign_id == chosen.campaign.id)
    start, end = chosen.utc_bounds()
    if start is not None:
        query = query.where(target_time() >= start)
    if end is not None:
        query = query.where(target_time() < end)
    return (query.options(contains_eager(PostTarget.post).contains_eager(Post.organisation),
                          contains_eager(PostTarget.post).selectinload(Post.campaign),
                          contains_eager(PostTarget.account))
            .order_by(target_time().desc().nulls_last(), PostTarget.id.desc()))


def posts_query(user: User, chosen: ListFilter) -> Select:
    """Posts the user may see matching the filter (state = post state; account/platform via targets)."""
    query = scoped(Post, user).join(Organisation, Post.organisation_id == Organisation.id)
    if chosen.organisation is not None:
        query = query.where(Organisation.path.like(f"{chosen.organisation.path}%"))
    if chosen.state:
        query = query.where(Post.state == chosen.state)
    if chosen.campaign is not None:
        query = query.where(Post.campaign_id == chosen.campaign.id)
    if chosen.account is not None or chosen.platform:
        has_target = select(PostTarget.id).join(SocialAccount, PostTarget.account_id == SocialAccount.id) \
            .where(PostTarget.post_id == Post.id)
        if chosen.account is not None:
            has_target = has_target.where(PostTarget.account_id == chosen.account.id)
        if chosen.platform:
            has_target = has_target.where(SocialAccount.platform == chosen.platform)
        query = query.where(exists(has_target))
    start, end = chosen.utc_bounds()
    if start is not None:
        query = query.where(Post.scheduled_at >= start)
    if end is not None:
        query = query.where(Post.scheduled_at < end)
    return (query.options(contains_eager(Post.organisation), selectinload(Post.author), selectinload(Post.campaign),
                          selectinload(Post.targets).selectinload(PostTarget.account))
            .order_by(Post.scheduled_at.desc().nulls_last(), Post.id.desc()))
