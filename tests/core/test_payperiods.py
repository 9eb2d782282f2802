"""The payout-period calculator: every format across month ends, leap years and DST changes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trackpost.core.payperiods import bounds, network_zone, parse_spec, previous

UTC = dt.UTC
NY = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")


def _utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def _days(spec: str, when: str, zone: dt.tzinfo = UTC) -> tuple[str, str]:
    """The local first day and the local first day after, of the period holding `when` (UTC)."""
    lo, hi = bounds(parse_spec(spec), _utc(when), zone)
    return lo.astimezone(zone).date().isoformat(), hi.astimezone(zone).date().isoformat()


@pytest.mark.parametrize(
    ("spec", "when", "expected"),
    [
        # Monthly from the 3rd: the 3rd to the 2nd.
        ("3", "2026-03-03 00:00", ("2026-03-03", "2026-04-03")),
        ("3", "2026-03-02 23:59:59", ("2026-02-03", "2026-03-03")),
        ("3", "2026-12-31 12:00", ("2026-12-03", "2027-01-03")),
        ("3", "2027-01-01 00:00", ("2026-12-03", "2027-01-03")),
        ("1", "2026-02-28 23:59:59", ("2026-02-01", "2026-03-01")),
        ("28", "2024-02-29 10:00", ("2024-02-28", "2024-03-28")),  # leap day
        ("28", "2025-02-27 10:00", ("2025-01-28", "2025-02-28")),
        # Several a month.
        ("1,16", "2026-01-15 23:59:59", ("2026-01-01", "2026-01-16")),
        ("1,16", "2026-01-16 00:00", ("2026-01-16", "2026-02-01")),
        ("1,16", "2024-02-29 00:00", ("2024-02-16", "2024-03-01")),
        ("5,15,25", "2026-01-03 00:00", ("2025-12-25", "2026-01-05")),
        ("5,15,25", "2026-01-25 00:00", ("2026-01-25", "2026-02-05")),
        # Weekly: w1 is Monday to Sunday, w0 Sunday to Saturday.
        ("w1", "2026-01-04 23:00", ("2025-12-29", "2026-01-05")),  # a Sunday
        ("w1", "2026-01-05 00:00", ("2026-01-05", "2026-01-12")),  # a Monday
        ("w0", "2026-01-04 00:00", ("2026-01-04", "2026-01-11")),
        ("w6", "2026-01-01 00:00", ("2025-12-27", "2026-01-03")),  # Saturday to Friday
        ("w4", "2024-02-29 00:00", ("2024-02-29", "2024-03-07")),  # Thursday, a leap day
        # Every N days from 2004-01-01.
        ("d5", "2004-01-01 00:00", ("2004-01-01", "2004-01-06")),
        ("d5", "2004-01-05 23:59:59", ("2004-01-01", "2004-01-06")),
        ("d1", "2026-03-08 12:00", ("2026-03-08", "2026-03-09")),
        ("d7", "2026-01-01 00:00", ("2026-01-01", "2026-01-08")),  # 8036 days after: 1148 weeks
        ("d7", "2025-12-31 23:59", ("2025-12-25", "2026-01-01")),
        ("d99", "2003-12-31 00:00", ("2003-09-24", "2004-01-01")),  # before day 0
    ],
)
def test_each_format_across_month_ends_and_leap_years(
    spec: str, when: str, expected: tuple[str, str]
) -> None:
    assert _days(spec, when) == expected


def test_days_are_the_networks_days() -> None:
    # 03:00 UTC on the 1st is still the 31st in New York.
    assert _days("1", "2026-02-01 03:00", NY) == ("2026-01-01", "2026-02-01")
    lo, hi = bounds(parse_spec("1"), _utc("2026-01-15 00:00"), NY)
    assert lo == _utc("2026-01-01 05:00")
    assert hi == _utc("2026-02-01 05:00")


def test_a_period_across_a_dst_change_is_an_hour_shorter_or_longer() -> None:
    # New York springs forward on 2026-03-08 and falls back on 2026-11-01.
    lo, hi = bounds(parse_spec("d1"), _utc("2026-03-08 12:00"), NY)
    assert (lo, hi) == (_utc("2026-03-08 05:00"), _utc("2026-03-09 04:00"))
    assert hi - lo == dt.timedelta(hours=23)
    lo, hi = bounds(parse_spec("w0"), _utc("2026-11-03 12:00"), NY)
    assert hi - lo == dt.timedelta(days=7, hours=1)
    lo, hi = bounds(parse_spec("1"), _utc("2026-03-15 00:00"), BERLIN)
    assert (lo, hi) == (_utc("2026-02-28 23:00"), _utc("2026-03-31 22:00"))


def test_previous_walks_back_period_by_period() -> None:
    spec = parse_spec("1,16")
    lo, _ = bounds(spec, _utc("2026-03-20 00:00"))
    assert previous(spec, lo, UTC, 0) == (_utc("2026-03-16"), _utc("2026-04-01"))
    assert previous(spec, lo, UTC, 1) == (_utc("2026-03-01"), _utc("2026-03-16"))
    assert previous(spec, lo, UTC, 3) == (_utc("2026-02-01"), _utc("2026-02-16"))


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("0", "between 1 and 28"),
        ("29", "between 1 and 28"),
        ("16,1", "ascending"),
        ("1,1", "ascending"),
        ("w7", "must be"),
        ("d0", "between 1 and 99"),
        ("d100", "must be"),
        ("monthly", "must be"),
        ("", "must be"),
        ("1,,16", "must be"),
    ],
)
def test_formats_outside_the_vendors_are_refused(text: str, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        parse_spec(text)


def test_the_network_zone_is_utc_until_settings_carry_one() -> None:
    class WithZone:
        zone = NY

    assert network_zone(object()) is UTC
    assert network_zone(WithZone()) is NY


SPECS = st.sampled_from(["1", "3", "28", "1,16", "5,15,25", "w0", "w1", "w6", "d1", "d5", "d99"])
INSTANTS = st.datetimes(
    min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2040, 1, 1), timezones=st.just(UTC)
)
ZONES = st.sampled_from([UTC, NY, BERLIN, ZoneInfo("Australia/Lord_Howe")])


@settings(max_examples=300, deadline=None)
@given(SPECS, INSTANTS, ZONES)
def test_periods_tile_time(text: str, when: dt.datetime, zone: dt.tzinfo) -> None:
    """Every instant is in exactly one period; the next period starts where this one ends."""
    spec = parse_spec(text)
    lo, hi = bounds(spec, when, zone)
    assert lo <= when < hi
    assert bounds(spec, hi, zone)[0] == hi
    assert bounds(spec, lo - dt.timedelta(microseconds=1), zone)[1] == lo
    assert dt.timedelta(hours=22) <= hi - lo <= dt.timedelta(days=100)
