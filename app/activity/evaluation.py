"""Figures over a period for the leaderboard and the monthly evaluation report.

- consistency: complete weeks (Monday–Sunday, organisation's zone) inside the period in which the
  organisation published at least its target, out of all complete weeks inside the period;
- approval turnaround: median time from submission (`post.submit` audit event) to the post being
  approved (`post.approve`), over the approvals that happened in the period;
- checklist score: the lowest security-checklist score of the organisation's accounts (app.security).
"""
from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import case, distinct, func, select

from app.activity.weeks import local_midnight, period_weeks
from app.extensions import db
from app.models import AuditEvent, Organisation, PostTarget, SocialAccount, TargetState, utcnow


@dataclass
class PeriodFigures:
    organisation: Organisation
    posts: int = 0
    per_platform: dict[str, int] = field(default_factory=dict)
    weeks: int = 0  # complete weeks inside the period
    weeks_met: int = 0
    turnaround_hours: float | None = None
    approvals: int = 0
    checklist_score: int | None = None  # None: no connected account
    followers: int | None = None
    views: int | None = None

    @property
    def consistency(self) -> float:
        """Share of complete weeks meeting the target, 0–1."""
        return self.weeks_met / self.weeks if self.weeks else 0.0


def _bounds(org: Organisation, start: date, end: date) -> tuple[datetime, datetime]:
    return local_midnight(start, org.timezone), local_midnight(end + timedelta(days=1), org.timezone)


def _fill_posts(figures: dict[int, PeriodFigures], start: date, end: date) -> None:
    """Posts and weeks meeting the target, one pair of grouped queries per zone."""
    by_zone: dict[str, list[PeriodFigures]] = defaultdict(list)
    for item in figures.values():
        by_zone[item.organisation.timezone].append(item)
    mondays = period_weeks(start, end)
    for zone, items in by_zone.items():
        ids = [i.organisation.id for i in items]
        since, until = _bounds(items[0].organisation, start, end)
        in_period = ((PostTarget.state == TargetState.PUBLISHED) & (PostTarget.published_at >= since)
                     & (PostTarget.published_at < until) & SocialAccount.organisation_id.in_(ids))
        for org_id, platform, count in db.session.execute(
                select(SocialAccount.organisation_id, SocialAccount.platform, func.count())
                .select_from(PostTarget).join(SocialAccount, SocialAccount.id == PostTarget.account_id).where(in_period)
                .group_by(SocialAccount.organisation_id, SocialAccount.platform)):
            figures[org_id].per_platform[platform] = count
        for org_id, count in db.session.execute(
                select(SocialAccount.organisation_id, func.count(distinct(PostTarget.post_id)))
                .select_from(PostTarget).join(SocialAccount, SocialAccount.id == PostTarget.account_id).where(in_period)
                .group_by(SocialAccount.organisation_id)):
            figures[org_id].posts = count
        for item in items:
            item.weeks = len(mondays)
        if not mondays:
            continue
        starts = [local_midnight(m, zone) for m in mondays]
        whens = [(PostTarget.published_at >= starts[k], k) for k in range(len(starts) - 1, -1, -1)]
        week = case(*whens, else_=-1).label("week")
        weeks_end = local_midnight(mondays[-1] + timedelta(days=7), zone)
        weekly: dict[int, dict[int, int]] = defaultdict(dict)
        for org_id, index, count in db.session.execute(
                select(SocialAccount.organisation_id, week, func.count(distinct(PostTarget.post_id)))
                .select_from(PostTarget).join(SocialAccount, SocialAccount.id == PostTarget.account_id)
                .where(in_period, PostTarget.published_at < weeks_end)
                .group_by(SocialAccount.organisation_id, week)):
            if index >= 0:
                weekly[org_id][index] = count
        for item in items:
            target = item.organisation.posts_per_week_target
            item.weeks_met = sum(1 for n in weekly[item.organisation.id].values() if n >= target)


def _fill_turnaround(figures: dict[int, PeriodFigures], start: date, end: date) -> None:
    """Median submission → approval time per organisation from the audit log."""
    if not figures:
        return
    earliest = min(_bounds(f.organisation, start, end)[0] for f in figures.values())
    latest = max(_bounds(f.organisation, start, end)[1] for f in figures.values())
    rows = db.session.execute(
        select(AuditEvent.organisation_id, AuditEvent.object_id, AuditEvent.action, AuditEvent.at)
        .where(AuditEvent.organisation_id.in_(list(figures)), AuditEvent.object_type == "Post",
               AuditEvent.action.in_(["post.submit", "post.approve"]),
               AuditEvent.at >= earliest - timedelta(days=60), AuditEvent.at < latest)
        .order_by(AuditEvent.at, AuditEvent.id))
    submitted: dict[str, datetime] = {}
    durations: dict[int, list[float]] = defaultdict(list)
    for org_id, object_id, action, at in rows:
        if action == "post.submit":
            submitted[object_id] = at
            continue
        since, until = _bounds(figures[org_id].organisation, start, end)
        sent = submitted.pop(object_id, None)
        if sent is not None and since <= at < until:
            durations[org_id].append((at - sent).total_seconds() / 3600)
    for org_id, hours in durations.items():
        figures[org_id].turnaround_hours = round(statistics.median(hours), 1)
        figures[org_id].approvals = len(hours)


def _fill_checklist(figures: dict[int, PeriodFigures]) -> None:
    from app.security.status import rollups

    for rollup in rollups([f.organisation for f in figures.values()]):
        if rollup.reports:
            figures[rollup.organisation.id].checklist_score = rollup.score


def period_figures(organisations: list[Organisation], start: date, end: date) -> list[PeriodFigures]:
    figures = {o.id: PeriodFigures(o) for o in organisations}
    _fill_posts(figures, start, end)
    _fill_turnaround(figures, start, end)
    _fill_checklist(figures)
    return list(figures.values())


def leaderboard(organisations: list[Organisation], start: date, end: date) -> list[PeriodFigures]:
    """Ranked: most consistent first, then higher checklist score, then faster approval, then more posts."""
    return sorted(period_figures(organisations, start, end), key=lambda f: (
        -f.consistency, -(f.checklist_score if f.checklist_score is not None else -1),
        f.turnaround_hours if f.turnaround_hours is not None else float("inf"), -f.posts, f.organisation.name))


@dataclass
class MonthlyReport:
    root: Organisation
    month: date  # the first day
    last_day: date
    rows: list[PeriodFigures]
    generated_at: datetime

    @property
    def active_count(self) -> int:
        """Organisations that met their target in at least half of the month's complete weeks."""
        return sum(1 for r in self.rows if r.weeks and r.weeks_met * 2 >= r.weeks)

    @property
    def platforms(self) -> list[str]:
        return sorted({p for r in self.rows for p in r.per_platform})


def month_end(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def monthly_report(root: Organisation, organisations: list[Organisation], month: date) -> MonthlyReport:
    """The evaluation of `root`'s tree for one calendar month, with audience figures where known."""
    from app.activity.audience import latest_followers

    last_day = month_end(month)
    rows = period_figures(organisations, month, last_day)
    followers = latest_followers([r.organisation.id for r in rows])
    views = _views_in_month(rows, month, last_day)
    for row in rows:
        known = followers.get(row.organisation.id)
        row.followers = sum(f.followers for f in known) if known else None
        row.views = views.get(row.organisation.id)
    return MonthlyReport(root, month, last_day, rows, utcnow())


def _views_in_month(rows: list[PeriodFigures], month: date, last_day: date) -> dict[int, int]:
    """Sum of the newest view counts of the posts published in the month, per organisation."""
    from app.models import AudienceSnapshot

    if not rows:
        return {}
    since = min(_bounds(r.organisation, month, last_day)[0] for r in rows)
    until = max(_bounds(r.organisation, month, last_day)[1] for r in rows)
    newest = (select(func.max(AudienceSnapshot.id)).join(PostTarget, PostTarget.id == AudienceSnapshot.target_id)
              .where(AudienceSnapshot.organisation_id.in_([r.organisation.id for r in rows]),
                     PostTarget.published_at >= since, PostTarget.published_at < until,
                     AudienceSnapshot.views.is_not(None))
              .group_by(AudienceSnapshot.target_id))
    return {org_id: int(total) for org_id, total in db.session.execute(
        select(AudienceSnapshot.organisation_id, func.sum(AudienceSnapshot.views))
        .where(AudienceSnapshot.id.in_(newest)).group_by(AudienceSnapshot.organisation_id))}
