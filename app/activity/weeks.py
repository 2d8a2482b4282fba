"""Week boundaries in an organisation's zone (weeks run Monday 00:00 to Monday 00:00 local time)."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def local_midnight(day: date, zone: str) -> datetime:
    """00:00 of `day` in `zone`, as UTC."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(zone)).astimezone(UTC)


def week_start(moment: datetime, zone: str) -> date:
    """The Monday (local date) of the week `moment` falls in."""
    local_day = moment.astimezone(ZoneInfo(zone)).date()
    return local_day - timedelta(days=local_day.weekday())


def week_bounds(now: datetime, zone: str, weeks: int) -> list[datetime]:
    """`weeks + 1` UTC instants: the starts of the last `weeks` complete weeks, then the current week's start."""
    this_monday = week_start(now, zone)
    return [local_midnight(this_monday - timedelta(weeks=weeks - k), zone) for k in range(weeks + 1)]


def week_mondays(now: datetime, zone: str, weeks: int) -> list[date]:
    """The local Mondays of the last `weeks` complete weeks, oldest first."""
    this_monday = week_start(now, zone)
    return [this_monday - timedelta(weeks=weeks - k) for k in range(weeks)]


def period_weeks(start: date, end: date) -> list[date]:
    """Mondays of the complete weeks that lie inside [start, end] (inclusive local dates)."""
    first = start + timedelta(days=(7 - start.weekday()) % 7)
    mondays = []
    while first + timedelta(days=6) <= end:
        mondays.append(first)
        first += timedelta(weeks=1)
    return mondays
