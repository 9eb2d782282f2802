"""The vendor's report period codes as UTC time ranges.

0 (current) and 1 (last) are the affiliate's payout period (or the default one) when the caller
passes them (`payout`, from core.payperiods), else the calendar month. Weeks start on Monday.
Days are UTC days.
"""

from __future__ import annotations

import datetime as dt

from trackpost.core.errors import InvalidParameter
from trackpost.core.fields import parse_when

CURRENT, LAST, TODAY, YESTERDAY, THIS_WEEK, THIS_MONTH, THIS_YEAR, ALL_TIME, FREE = range(9)
Range = tuple[dt.datetime | None, dt.datetime | None]  # [start, end): None is unbounded


def _day(now: dt.datetime) -> dt.datetime:
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def _month(day: dt.datetime) -> dt.datetime:
    return day.replace(day=1)


def _next_month(month: dt.datetime) -> dt.datetime:
    return (month + dt.timedelta(days=32)).replace(day=1)


def _bound(name: str, raw: str, *, end: bool) -> dt.datetime:
    try:
        value = parse_when(raw)
    except ValueError as exc:
        raise InvalidParameter(f"Parameter '{name}' {exc}.") from None
    if value is None:
        raise InvalidParameter(f"Parameter '{name}' is empty.")
    if end:
        # A date alone means the whole of that day; a time means up to and including it.
        date_only = len(raw.strip()) <= 10 and not raw.strip().isdigit()
        return value + (dt.timedelta(days=1) if date_only else dt.timedelta(microseconds=1))
    return value


def period_range(
    period: int | None,
    start: str | None,
    end: str | None,
    now: dt.datetime,
    payout: tuple[Range, Range] | None = None,
) -> Range:
    """The [start, end) range of a period code; start/end need period 8 (or no period)."""
    if (start or end) and period not in (None, FREE):
        raise InvalidParameter(
            f"Parameters 'start' and 'end' need period=8 (free); period={period} was sent."
        )
    if period is None:
        period = FREE if (start or end) else CURRENT
    today = _day(now)
    this_month = _month(today)
    if period == FREE:
        lo = _bound("start", start, end=False) if start else None
        hi = _bound("end", end, end=True) if end else None
        if lo is not None and hi is not None and hi <= lo:
            raise InvalidParameter("Parameter 'end' must not be before 'start'.")
        return lo, hi
    if payout is not None and period in (CURRENT, LAST):
        return payout[0] if period == CURRENT else payout[1]
    if period in (CURRENT, THIS_MONTH):
        return this_month, _next_month(this_month)
    if period == LAST:
        previous = _month(this_month - dt.timedelta(days=1))
        return previous, this_month
    if period == TODAY:
        return today, today + dt.timedelta(days=1)
    if period == YESTERDAY:
        return today - dt.timedelta(days=1), today
    if period == THIS_WEEK:
        monday = today - dt.timedelta(days=today.weekday())
        return monday, monday + dt.timedelta(days=7)
    if period == THIS_YEAR:
        jan1 = today.replace(month=1, day=1)
        return jan1, jan1.replace(year=jan1.year + 1)
    return None, None  # ALL_TIME
