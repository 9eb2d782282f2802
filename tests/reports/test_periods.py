"""Period codes and start/end in the network's time zone: local days, DST days of 23 and 25 hours."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from trackpost.core.errors import InvalidParameter
from trackpost.reports.periods import (
    ALL_TIME,
    CURRENT,
    FREE,
    LAST,
    THIS_MONTH,
    THIS_WEEK,
    THIS_YEAR,
    TODAY,
    YESTERDAY,
    period_range,
)

NY = ZoneInfo("America/New_York")
UTC = dt.UTC


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def hours(lo: dt.datetime | None, hi: dt.datetime | None) -> float:
    assert lo is not None
    assert hi is not None
    return (hi - lo).total_seconds() / 3600


def test_utc_is_the_default_and_unchanged() -> None:
    now = at("2026-03-11 03:30")
    assert period_range(TODAY, None, None, now) == (at("2026-03-11 00:00"), at("2026-03-12 00:00"))
    assert period_range(FREE, "2026-03-10", "2026-03-10", now) == (
        at("2026-03-10 00:00"),
        at("2026-03-11 00:00"),
    )


def test_a_late_evening_sale_lands_on_its_local_day() -> None:
    # 23:30 in New York on 10 March is 03:30 UTC on the 11th.
    sale = at("2026-03-11 03:30")
    lo, hi = period_range(FREE, "2026-03-10", "2026-03-10", sale, zone=NY)
    assert (lo, hi) == (at("2026-03-10 04:00"), at("2026-03-11 04:00"))
    assert lo is not None
    assert hi is not None
    assert lo <= sale < hi
    today = period_range(TODAY, None, None, sale, zone=NY)
    assert today == (lo, hi)
    assert period_range(YESTERDAY, None, None, sale, zone=NY) == (
        at("2026-03-09 04:00"),
        lo,
    )


def test_dst_days_last_23_and_25_hours() -> None:
    spring = period_range(TODAY, None, None, at("2026-03-08 12:00"), zone=NY)
    assert spring == (at("2026-03-08 05:00"), at("2026-03-09 04:00"))
    assert hours(*spring) == 23
    autumn = period_range(FREE, "2026-11-01", "2026-11-01", at("2026-12-01 00:00"), zone=NY)
    assert hours(*autumn) == 25
    assert hours(*period_range(FREE, "2026-11-02", "2026-11-02", at("2026-12-01"), zone=NY)) == 24


def test_weeks_months_and_years_start_at_local_midnight() -> None:
    now = at("2026-04-01 02:00")  # still 31 March in New York
    assert period_range(THIS_MONTH, None, None, now, zone=NY) == (
        at("2026-03-01 05:00"),
        at("2026-04-01 04:00"),
    )
    assert period_range(CURRENT, None, None, now, zone=NY) == period_range(
        THIS_MONTH, None, None, now, zone=NY
    )
    assert period_range(LAST, None, None, now, zone=NY) == (
        at("2026-02-01 05:00"),
        at("2026-03-01 05:00"),
    )
    monday, sunday_next = period_range(THIS_WEEK, None, None, now, zone=NY)
    assert (monday, sunday_next) == (at("2026-03-30 04:00"), at("2026-04-06 04:00"))
    assert period_range(THIS_YEAR, None, None, now, zone=NY) == (
        at("2026-01-01 05:00"),
        at("2027-01-01 05:00"),
    )
    assert period_range(ALL_TIME, None, None, now, zone=NY) == (None, None)


def test_payout_periods_win_for_codes_0_and_1() -> None:
    current = (at("2026-03-16 04:00"), at("2026-04-01 04:00"))
    previous = (at("2026-03-01 05:00"), current[0])
    now = at("2026-03-20 00:00")
    assert period_range(CURRENT, None, None, now, (current, previous), NY) == current
    assert period_range(LAST, None, None, now, (current, previous), NY) == previous


def test_times_without_an_offset_are_the_networks_wall_clock() -> None:
    now = at("2026-03-20")
    lo, hi = period_range(FREE, "2026-03-10 23:00:00", "2026-03-10T23:59:59", now, zone=NY)
    assert lo == at("2026-03-11 03:00")
    assert hi == at("2026-03-11 03:59:59") + dt.timedelta(microseconds=1)
    # An explicit offset, a Z or a unix timestamp says its own instant.
    lo, _ = period_range(FREE, "2026-03-10T23:00:00+00:00", None, now, zone=NY)
    assert lo == at("2026-03-10 23:00")
    lo, _ = period_range(FREE, "2026-03-10T23:00:00Z", None, now, zone=NY)
    assert lo == at("2026-03-10 23:00")
    lo, _ = period_range(FREE, str(int(at("2026-03-10 23:00").timestamp())), None, now, zone=NY)
    assert lo == at("2026-03-10 23:00")


@pytest.mark.parametrize("start", ["someday", "1899-12-31", "0001-01-01T00:00:00+14:00"])
def test_bad_bounds_are_refused_in_any_zone(start: str) -> None:
    with pytest.raises(InvalidParameter, match="'start'"):
        period_range(FREE, start, None, at("2026-03-20"), zone=NY)
