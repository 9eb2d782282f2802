"""Windows are the network's hours, days, weeks, months and years; timeframes its weekdays."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from trackpost.caps.rules import EPOCH, deltas, in_timeframe, window_start

NY = ZoneInfo("America/New_York")
UTC = dt.UTC


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(UTC)


@pytest.mark.parametrize(
    ("duration", "now", "start"),
    [
        # 2026-03-08 is a Sunday in New York, the day clocks go forward (23 hours long).
        ("hour", "2026-03-08T03:30:00-04:00", "2026-03-08T03:00:00-04:00"),
        ("day", "2026-03-08T22:00:00-04:00", "2026-03-08T00:00:00-05:00"),
        ("week", "2026-03-08T22:00:00-04:00", "2026-03-02T00:00:00-05:00"),
        ("month", "2026-03-31T23:59:00-04:00", "2026-03-01T00:00:00-05:00"),
        ("year", "2026-12-31T23:00:00-05:00", "2026-01-01T00:00:00-05:00"),
    ],
)
def test_windows_begin_at_the_networks_boundaries(duration: str, now: str, start: str) -> None:
    assert window_start(duration, at(now), NY) == at(start)


def test_a_us_evening_is_still_that_day() -> None:
    # 23:30 in New York is 04:30 UTC the next day: the same New York day, another UTC day.
    now = at("2026-07-01T23:30:00-04:00")
    assert window_start("day", now, NY) == at("2026-07-01T00:00:00-04:00")
    assert window_start("day", now, UTC) == at("2026-07-02T00:00:00+00:00")


def test_all_time_is_one_window() -> None:
    assert window_start("all", at("2030-05-05T12:00:00+00:00"), NY) == EPOCH


@pytest.mark.parametrize(
    ("timeframe", "applies"),
    [
        ("none", True),
        ("weekdays", False),
        ("weekends", True),
        ("saturday", True),
        ("sunday", False),
        ("monday", False),
    ],
)
def test_timeframes_use_the_networks_weekday(timeframe: str, applies: bool) -> None:
    # Saturday 22:00 in New York is Sunday 03:00 UTC.
    assert in_timeframe(timeframe, at("2026-07-04T22:00:00-04:00"), NY) is applies


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            {"trans_type": "initial", "amount": 995},
            {"conversions": 1, "net_conversions": 1, "revenue": 995},
        ),
        ({"trans_type": "trial", "amount": 0}, {"conversions": 1, "net_conversions": 1}),
        ({"trans_type": "goal", "amount": 200}, {"registrations": 1, "revenue": 200}),
        ({"trans_type": "continuity", "amount": 500}, {"revenue": 500}),
        (
            {"trans_type": "void", "amount": -995, "_parent_kind": "initial"},
            {"net_conversions": -1, "revenue": -995},
        ),
        (
            {"trans_type": "chargeback", "amount": -500, "_parent_kind": "continuity"},
            {"revenue": -500},
        ),
        (
            {"trans_type": "reversal", "amount": 995, "_parent_kind": "initial"},
            {"net_conversions": 1, "revenue": 995},
        ),
        ({"trans_type": "refund", "amount": -100, "_parent_kind": "initial"}, {"revenue": -100}),
    ],
)
def test_what_each_ledger_row_counts(row: dict[str, object], expected: dict[str, int]) -> None:
    assert deltas(row) == expected
