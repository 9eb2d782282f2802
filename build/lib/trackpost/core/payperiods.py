"""Payout periods in the vendor's formats, and the one function that computes a period's bounds.

Formats (the vendor's Payout Periods page): `3` is monthly from the 3rd to the 2nd (days 1-28);
`1,16` several times a month (ascending days 1-28); `w1` weekly, Monday to Sunday (`w0` Sunday
to Saturday ... `w6` Saturday to Friday); `d5` every 5 days (1-99), counted from 1 January 2004.
Boundaries are local midnights in the network's time zone, so a period across a DST change is an
hour shorter or longer; bounds come back as aware UTC datetimes, [start, end).

It lives in core because the transaction report (period codes 0 and 1) and payments both need
it, and reports sits below payments.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

UTC = dt.UTC
EPOCH = dt.date(2004, 1, 1)  # day 0 of the every-N-days periods
_MONTHLY_RE = re.compile(r"^[0-9]{1,2}(?:,[0-9]{1,2})*\Z")
_WEEKLY_RE = re.compile(r"^w[0-6]\Z")
_DAYS_RE = re.compile(r"^d[0-9]{1,2}\Z")
FORMATS = "a day of the month 1-28 ('3'), ascending days ('1,16'), 'w0'-'w6' or 'd1'-'d99'"


@dataclass(frozen=True, slots=True)
class PeriodSpec:
    """A parsed period format: kind is 'monthly', 'weekly' or 'days'."""

    text: str
    kind: str
    days: tuple[int, ...] = ()  # monthly: the boundary days of each month
    weekday: int = 0  # weekly: the vendor's 0 (Sunday) .. 6 (Saturday)
    every: int = 0  # days: the length in days


def parse_spec(text: str) -> PeriodSpec:
    """The vendor's period text as a PeriodSpec; ValueError with a sentence if it is not one."""
    raw = text.strip().lower().replace(" ", "")
    if _MONTHLY_RE.match(raw):
        days = tuple(int(p) for p in raw.split(","))
        if any(not 1 <= d <= 28 for d in days):
            raise ValueError(f"days of the month must be between 1 and 28, got {text!r}")
        if list(days) != sorted(set(days)):
            raise ValueError(f"days of the month must be ascending and distinct, got {text!r}")
        return PeriodSpec(raw, "monthly", days=days)
    if _WEEKLY_RE.match(raw):
        return PeriodSpec(raw, "weekly", weekday=int(raw[1]))
    if _DAYS_RE.match(raw):
        every = int(raw[1:])
        if not 1 <= every <= 99:
            raise ValueError(f"every-N-days periods need N between 1 and 99, got {text!r}")
        return PeriodSpec(raw, "days", every=every)
    raise ValueError(f"must be {FORMATS}, got {text[:32]!r}")


def local_midnight(day: dt.date, zone: dt.tzinfo) -> dt.datetime:
    """The UTC instant a local calendar day starts."""
    return dt.datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


def _month_shift(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _monthly(days: tuple[int, ...], local: dt.date) -> tuple[dt.date, dt.date]:
    here = [d for d in days if d <= local.day]
    start = local.replace(day=here[-1]) if here else _month_shift(local, -1).replace(day=days[-1])
    later = [d for d in days if d > start.day]
    end = start.replace(day=later[0]) if later else _month_shift(start, 1).replace(day=days[0])
    return start, end


def day_bounds(spec: PeriodSpec, local: dt.date) -> tuple[dt.date, dt.date]:
    """The first local day of the period holding `local`, and the first day after it."""
    if spec.kind == "monthly":
        return _monthly(spec.days, local)
    if spec.kind == "weekly":
        # The vendor counts 0 = Sunday; Python's weekday() counts 0 = Monday.
        first = (spec.weekday - 1) % 7
        start = local - dt.timedelta(days=(local.weekday() - first) % 7)
        return start, start + dt.timedelta(days=7)
    index = (local - EPOCH).days // spec.every
    start = EPOCH + dt.timedelta(days=index * spec.every)
    return start, start + dt.timedelta(days=spec.every)


def bounds(
    spec: PeriodSpec, at: dt.datetime, zone: dt.tzinfo = UTC
) -> tuple[dt.datetime, dt.datetime]:
    """The [start, end) of the period holding the instant `at`: THE function for period bounds."""
    first, after = day_bounds(spec, at.astimezone(zone).date())
    return local_midnight(first, zone), local_midnight(after, zone)


def previous(
    spec: PeriodSpec, start: dt.datetime, zone: dt.tzinfo = UTC, count: int = 1
) -> tuple[dt.datetime, dt.datetime]:
    """The period `count` before the one starting at `start` (count 0: that period)."""
    lo, hi = bounds(spec, start, zone)
    for _ in range(count):
        lo, hi = bounds(spec, lo - dt.timedelta(microseconds=1), zone)
    return lo, hi


def network_zone(settings: object) -> dt.tzinfo:
    """The network's time zone: TRACKPOST_TIMEZONE once settings carry it (`zone`), else UTC."""
    zone = getattr(settings, "zone", None)
    return zone if isinstance(zone, dt.tzinfo) else UTC
