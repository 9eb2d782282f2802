"""The vendor's report period codes as UTC time ranges, in the network's days.

0 (current) and 1 (last) are the affiliate's payout period (or the default one) when the caller
passes them (`payout`, from core.payperiods), else the calendar month. Weeks start on Monday.
Days are the network's days: local midnights in `zone` (TRACKPOST_TIMEZONE, settings.zone;
UTC by default), so a day across a DST change lasts 23 or 25 hours. start/end dates are local
days too; a time without an offset is the network's wall-clock time.
"""

from __future__ import annotations

import datetime as dt

from trackpost.core.errors import InvalidParameter
from trackpost.core.fields import in_date_range, parse_when
from trackpost.core.payperiods import local_midnight

CURRENT, LAST, TODAY, YESTERDAY, THIS_WEEK, THIS_MONTH, THIS_YEAR, ALL_TIME, FREE = range(9)
Range = tuple[dt.datetime | None, dt.datetime | None]  # [start, end): None is unbounded
UTC = dt.UTC


def _next_month(month: dt.date) -> dt.date:
    return (month + dt.timedelta(days=32)).replace(day=1)


def _wall_clock(raw: str) -> bool:
    """Whether raw is a date or time with no offset (not a unix timestamp, not 'now')."""
    text = raw.strip()
    if text.isdigit() or text.lower() == "now" or text.endswith(("z", "Z")):
        return False
    try:
        return dt.datetime.fromisoformat(text.replace("/", "-")).tzinfo is None
    except ValueError:
        return False


def _bound(name: str, raw: str, *, end: bool, zone: dt.tzinfo = UTC) -> dt.datetime:
    try:
        value = parse_when(raw)
        if value is not None and zone is not UTC and _wall_clock(raw):
            # parse_when reads wall-clock text as UTC; it is the network's local time.
            value = in_date_range(value.replace(tzinfo=zone).astimezone(UTC))
    except ValueError as exc:
        raise InvalidParameter(f"Parameter '{name}' {exc}.") from None
    if value is None:
        raise InvalidParameter(f"Parameter '{name}' is empty.")
    if end:
        # A date alone means the whole of that day; a time means up to and including it.
        date_only = len(raw.strip()) <= 10 and not raw.strip().isdigit()
        if date_only:
            day = value.astimezone(zone).date() if zone is not UTC else value.date()
            return local_midnight(day + dt.timedelta(days=1), zone)
        return value + dt.timedelta(microseconds=1)
    return value


def period_range(
    period: int | None,
    start: str | None,
    end: str | None,
    now: dt.datetime,
    payout: tuple[Range, Range] | None = None,
    zone: dt.tzinfo = UTC,
) -> Range:
    """The [start, end) range of a period code; start/end need period 8 (or no period)."""
    if (start or end) and period not in (None, FREE):
        raise InvalidParameter(
            f"Parameters 'start' and 'end' need period=8 (free); period={period} was sent."
        )
    if period is None:
        period = FREE if (start or end) else CURRENT
    if period == FREE:
        lo = _bound("start", start, end=False, zone=zone) if start else None
        hi = _bound("end", end, end=True, zone=zone) if end else None
        if lo is not None and hi is not None and hi <= lo:
            raise InvalidParameter("Parameter 'end' must not be before 'start'.")
        return lo, hi
    if payout is not None and period in (CURRENT, LAST):
        return payout[0] if period == CURRENT else payout[1]
    days = local_days(period, now.astimezone(zone).date())
    if days is None:
        return None, None  # ALL_TIME
    return local_midnight(days[0], zone), local_midnight(days[1], zone)


def local_days(period: int, today: dt.date) -> tuple[dt.date, dt.date] | None:
    """The first local day of a calendar period code and the first day after it (None: all)."""
    this_month = today.replace(day=1)
    if period in (CURRENT, THIS_MONTH):
        return this_month, _next_month(this_month)
    if period == LAST:
        return (this_month - dt.timedelta(days=1)).replace(day=1), this_month
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
    return None
