"""Local-time parsing for form input: organisation zone → UTC and back."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.forms_common import LocalTimeError, is_valid_zone, local_input_value, parse_local, timezone_names


@pytest.mark.parametrize(("entered", "zone", "expected_utc"), [
    ("2026-11-24T08:00", "Asia/Makassar", datetime(2026, 11, 24, 0, 0, tzinfo=UTC)),  # WITA = UTC+8
    ("2026-11-24T08:00", "Asia/Jakarta", datetime(2026, 11, 24, 1, 0, tzinfo=UTC)),  # WIB = UTC+7
    ("2026-11-24T08:00", "Asia/Jayapura", datetime(2026, 11, 23, 23, 0, tzinfo=UTC)),  # WIT = UTC+9, day before
    ("2026-07-01T08:00", "Europe/Amsterdam", datetime(2026, 7, 1, 6, 0, tzinfo=UTC)),  # CEST = UTC+2
    ("2026-01-15T08:00", "Europe/Amsterdam", datetime(2026, 1, 15, 7, 0, tzinfo=UTC)),  # CET = UTC+1
    ("2026-10-25T02:30", "Europe/Amsterdam", datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),  # repeated hour: first
    ("2026-11-24T08:00:00", "Asia/Makassar", datetime(2026, 11, 24, 0, 0, tzinfo=UTC)),  # with seconds
])
def test_parse_local_converts_to_utc(entered, zone, expected_utc):
    parsed = parse_local(entered, zone)
    assert parsed == expected_utc
    assert parsed.utcoffset().total_seconds() == 0


@pytest.mark.parametrize(("value", "zone", "shown"), [
    (datetime(2026, 11, 24, 0, 0, tzinfo=UTC), "Asia/Makassar", "2026-11-24T08:00"),
    (datetime(2026, 11, 23, 23, 0, tzinfo=UTC), "Asia/Jayapura", "2026-11-24T08:00"),
    (datetime(2026, 7, 1, 6, 0, tzinfo=UTC), "Europe/Amsterdam", "2026-07-01T08:00"),
    (None, "Asia/Jakarta", ""),
])
def test_local_input_value_round_trips(value, zone, shown):
    assert local_input_value(value, zone) == shown
    if value is not None:
        assert parse_local(shown, zone) == value


@pytest.mark.parametrize("entered", ["2026-03-29T02:30", "tomorrow", "", "2026-13-01T08:00", "24-11-2026 08:00"])
def test_parse_local_refuses_impossible_times(entered):
    # 02:30 on 29 March 2026 does not exist in Amsterdam (clocks jump from 02:00 to 03:00).
    with pytest.raises(LocalTimeError):
        parse_local(entered, "Europe/Amsterdam")


def test_zone_validation_accepts_iana_names_only():
    assert all(is_valid_zone(z) for z in ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura", "Europe/Amsterdam"))
    assert not any(is_valid_zone(z) for z in ("", "Mars/Olympus", "../etc/passwd", " Asia/Jakarta", "WITA"))
    assert timezone_names()[:3] == ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")
