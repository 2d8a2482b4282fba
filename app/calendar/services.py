"""Calendar data: the visible range of a view, one scoped query for its posts, days in the org's zone."""
from __future__ import annotations

import calendar as pycalendar
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, case, func, select

from app.extensions import db
from app.i18n import zone_label
from app.models import (
    Campaign,
    Organisation,
    Post,
    PostState,
    PostTarget,
    Role,
    SocialAccount,
    TargetState,
    User,
    utcnow,
)
from app.publishing.lifecycle import MOVABLE_TARGET_STATES
from app.tenancy import has_role, subtree_filter

VIEWS = ("month", "week", "list")
#: Posts shown per day before "+ N more" (the list view shows them all, page by page).
DAY_LIMIT = {"month": 4, "week": 12}
LIST_PAGE_SIZE = 100
#: Roles that may move a post (as for setting its publish time in app/publishing/views.py).
MOVE_ROLES = (Role.REVIEWER, Role.ADMIN)
#: Every zone is within ±14 h of UTC: the query reads this much more and sorts by local day.
ZONE_MARGIN = timedelta(hours=14)

#: Display status of a post: its state, unless its targets tell more.
PROBLEM_TARGET_STATES = frozenset({TargetState.FAILED, TargetState.NEEDS_RECONNECT, TargetState.EXPIRED,
                                   TargetState.UNCONFIRMED})
BUSY_TARGET_STATES = frozenset({TargetState.QUEUED, TargetState.PUBLISHING})


@dataclass
class Filters:
    """What the calendar shows; each object was loaded through app.tenancy."""

    organisation: Organisation | None = None
    account: SocialAccount | None = None
    platform: str | None = None
    state: str | None = None
    campaign: Campaign | None = None


@dataclass
class Entry:
    """One post on the calendar, its time in its organisation's zone."""

    id: int
    title: str
    state: str
    scheduled_at: datetime
    local: datetime
    zone: str
    organisation: Organisation
    platforms: list[str] = field(default_factory=list)
    target_states: set[str] = field(default_factory=set)
    movable: bool = False
    campaign: str | None = None  # the campaign's name (a small label)

    @property
    def status(self) -> str:
        """draft / in_review / approved / scheduled / rejected, or published / publishing / held / problem."""
        states = self.target_states
        if states & PROBLEM_TARGET_STATES:
            return "problem"
        if states and states <= {TargetState.PUBLISHED}:
            return "published"
        if states & ({TargetState.PUBLISHED} | BUSY_TARGET_STATES):
            return "publishing"
        if TargetState.HELD in states:
            return "held"
        return self.state

    @property
    def time_label(self) -> str:
        return f"{self.local:%H:%M} {zone_label(self.zone)}"


@dataclass
class Day:
    day: date
    post_ids: list[int]  # the posts shown, by time
    more: int = 0  # posts left out by the day limit
    in_month: bool = True
    is_today: bool = False
    is_past: bool = False
    entries: list[Entry] = field(default_factory=list)  # filled by `fill`


def month_range(day: date) -> tuple[date, date]:
    """First and last+1 day of the month grid around `day`: whole weeks, Monday first."""
    weeks = pycalendar.Calendar(firstweekday=0).monthdatescalendar(day.year, day.month)
    return weeks[0][0], weeks[-1][-1] + timedelta(days=1)


def week_range(day: date) -> tuple[date, date]:
    start = day - timedelta(days=day.weekday())
    return start, start + timedelta(days=7)


def list_range(day: date, span: str) -> tuple[date, date]:
    """The list view covers one day or the month of `day`."""
    if span == "day":
        return day, day + timedelta(days=1)
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following


def visible_range(view: str, day: date, span: str = "month") -> tuple[date, date]:
    if view == "week":
        return week_range(day)
    if view == "list":
        return list_range(day, span)
    return month_range(day)


def step(view: str, day: date, span: str, forward: bool) -> date:
    """The date of the previous / next page of a view."""
    sign = 1 if forward else -1
    if view == "week" or (view == "list" and span == "day"):
        return day + timedelta(days=sign * (7 if view == "week" else 1))
    first = day.replace(day=1)
    if forward:
        return (first + timedelta(days=32)).replace(day=1)
    return (first - timedelta(days=1)).replace(day=1)


def posts_in_range(user: User, filters: Filters, start: date, end: date, *columns: Any) -> Select:
    """The visible posts timed in [start, end) ± the zone margin: by default (id, time, zone), by time.

    Tenancy: `subtree_filter` on the joined organisation; PostgreSQL uses the index on
    `post (organisation_id, scheduled_at)` for an organisation, `post (scheduled_at)` for a whole tree.
    """
    low = datetime.combine(start, time(0), tzinfo=UTC) - ZONE_MARGIN
    high = datetime.combine(end, time(0), tzinfo=UTC) + ZONE_MARGIN
    query = (select(*(columns or (Post.id, Post.scheduled_at, Organisation.timezone)))
             .join(Organisation, Organisation.id == Post.organisation_id)
             .where(subtree_filter(user), Post.scheduled_at >= low, Post.scheduled_at < high))
    if filters.organisation is not None:
        query = query.where(Organisation.path.like(f"{filters.organisation.path}%"))
    if filters.state:
        query = query.where(Post.state == filters.state)
    if filters.campaign is not None:
        query = query.where(Post.campaign_id == filters.campaign.id)
    if filters.account is not None:
        query = query.where(select(PostTarget.id).where(PostTarget.post_id == Post.id,
                                                        PostTarget.account_id == filters.account.id).exists())
    if filters.platform:
        query = query.where(select(PostTarget.id).join(SocialAccount, SocialAccount.id == PostTarget.account_id)
                            .where(PostTarget.post_id == Post.id, SocialAccount.platform == filters.platform)
                            .exists())
    return query if columns else query.order_by(Post.scheduled_at, Post.id)


def _local_midnights(zone: str, first: date, last: date) -> list[datetime]:
    """UTC instants of the local midnights of each day from `first` to `last` (inclusive) in `zone`."""
    tz = ZoneInfo(zone)
    count = (last - first).days + 1
    return [datetime.combine(first + timedelta(days=n), time(0), tzinfo=tz).astimezone(UTC) for n in range(count)]


def locate(user: User, filters: Filters, start: date, end: date) -> list[tuple[int, date]]:
    """(post id, local day in its organisation's zone) of the posts in [start, end), by time."""
    first = start - timedelta(days=1)
    midnights: dict[str, list[datetime]] = {}
    located = []
    for post_id, scheduled_at, zone in db.session.execute(posts_in_range(user, filters, start, end)):
        if zone not in midnights:
            midnights[zone] = _local_midnights(zone, first, end + timedelta(days=1))
        day = first + timedelta(days=bisect_right(midnights[zone], scheduled_at) - 1)
        if start <= day < end:
            located.append((post_id, day))
    return located


def _zones(user: User, filters: Filters) -> list[str]:
    query = select(Organisation.timezone).where(subtree_filter(user)).distinct()
    if filters.organisation is not None:
        query = query.where(Organisation.path.like(f"{filters.organisation.path}%"))
    return sorted(db.session.scalars(query))


def _day_number(midnights: dict[str, list[datetime]]) -> Any:
    """SQL: 1 + the local day of `Post.scheduled_at` counted from the first midnight, in its org's zone."""
    def counted(instants: list[datetime]) -> Any:
        return case(*[(Post.scheduled_at < instant, n) for n, instant in enumerate(instants)], else_=len(instants))

    if len(midnights) == 1:
        return counted(next(iter(midnights.values())))
    return case(*[(Organisation.timezone == zone, counted(instants)) for zone, instants in midnights.items()],
                else_=-1)


def first_per_day(user: User, filters: Filters, start: date, end: date, limit: int) -> list[tuple[int, date, int]]:
    """(post id, local day, posts that day) of the first `limit` posts of each day in [start, end).

    The database groups the posts by local day (window functions), so a month of a whole Pemda
    (thousands of posts) sends back only the posts shown.
    """
    first = start - timedelta(days=1)
    midnights = {zone: _local_midnights(zone, first, end + timedelta(days=1)) for zone in _zones(user, filters)}
    if not midnights:
        return []
    day = _day_number(midnights)
    ranked = posts_in_range(
        user, filters, start, end, Post.id, day.label("day"),
        func.row_number().over(partition_by=day, order_by=(Post.scheduled_at, Post.id)).label("rank"),
        func.count().over(partition_by=day).label("total")).subquery()
    rows = db.session.execute(select(ranked.c.id, ranked.c.day, ranked.c.total)
                              .where(ranked.c.rank <= limit).order_by(ranked.c.day, ranked.c.rank))
    located = []
    for post_id, number, total in rows:
        local_day = first + timedelta(days=number - 1)
        if start <= local_day < end:
            located.append((post_id, local_day, total))
    return located


def days(located: list[tuple[int, date]] | list[tuple[int, date, int]], start: date, end: date, today: date,
         limit: int | None, month: int | None = None) -> list[Day]:
    """One Day per date in [start, end), each with the ids of at most `limit` posts.

    `located` comes from `locate` (every post) or `first_per_day` (with each day's total).
    """
    grouped: dict[date, list[int]] = {}
    totals: dict[date, int] = {}
    for post_id, day, *total in located:
        grouped.setdefault(day, []).append(post_id)
        totals[day] = total[0] if total else totals.get(day, 0) + 1
    result = []
    current = start
    while current < end:
        found = grouped.get(current, [])
        shown = found if limit is None else found[:limit]
        in_month = month is None or current.month == month
        result.append(Day(current, shown, totals.get(current, 0) - len(shown), in_month, current == today,
                          current < today))
        current += timedelta(days=1)
    return result


def entries_by_id(user: User, post_ids: list[int], now: datetime | None = None) -> dict[int, Entry]:
    """The shown posts with title, state, organisation, platforms and whether the user may move them."""
    if not post_ids:
        return {}
    rows = db.session.execute(
        select(Post.id, Post.title, func.substr(Post.body, 1, 80), Post.state, Post.scheduled_at, Organisation,
               Campaign.name)
        .join(Organisation, Organisation.id == Post.organisation_id)
        .outerjoin(Campaign, Campaign.id == Post.campaign_id)
        .where(subtree_filter(user), Post.id.in_(post_ids)))
    entries = {}
    for post_id, title, body_start, state, scheduled_at, organisation, campaign in rows:
        local = scheduled_at.astimezone(ZoneInfo(organisation.timezone))
        entries[post_id] = Entry(post_id, title or body_start or "", state, scheduled_at, local,
                                 organisation.timezone, organisation, campaign=campaign)
    add_targets(entries, user, now)
    return entries


def fill(grid: list[Day], user: User) -> None:
    """Put the shown posts' details into each Day (two queries for the whole grid)."""
    entries = entries_by_id(user, [post_id for d in grid for post_id in d.post_ids])
    for d in grid:
        d.entries = [entries[post_id] for post_id in d.post_ids if post_id in entries]


def add_targets(entries: dict[int, Entry], user: User, now: datetime | None = None) -> None:
    """Fill platforms, target states and `movable` of the entries (one query)."""
    rows = db.session.execute(
        select(PostTarget.post_id, SocialAccount.platform, PostTarget.state)
        .join(SocialAccount, SocialAccount.id == PostTarget.account_id)
        .where(PostTarget.post_id.in_(list(entries))).order_by(SocialAccount.platform))
    for post_id, platform, state in rows:
        entry = entries[post_id]
        if platform not in entry.platforms:
            entry.platforms.append(platform)
        entry.target_states.add(state)
    now = now or utcnow()
    may_move: dict[int, bool] = {}
    for entry in entries.values():
        org = entry.organisation
        if org.id not in may_move:
            may_move[org.id] = has_role(user, org, *MOVE_ROLES)
        entry.movable = (may_move[org.id] and entry.scheduled_at > now
                         and entry.target_states <= MOVABLE_TARGET_STATES)


def default_zone(user: User, filters: Filters) -> str:
    """The zone of "today": the chosen organisation's, else the user's first organisation's."""
    if filters.organisation is not None:
        return filters.organisation.timezone
    zone = db.session.scalar(select(Organisation.timezone).where(subtree_filter(user))
                             .order_by(Organisation.path).limit(1))
    return zone or "Asia/Jakarta"


def valid_state(value: str | None) -> str | None:
    return value if value in {s.value for s in PostState} else None
