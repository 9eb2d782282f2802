"""The windows of a recurring commission change: its first repeated weekly or monthly."""

from __future__ import annotations

import datetime as dt


def _add_months(when: dt.datetime, months: int) -> dt.datetime:
    """The same day and time `months` later, the day clamped to the month's last."""
    month0 = when.month - 1 + months
    year, month = when.year + month0 // 12, month0 % 12 + 1
    for day in (when.day, 30, 29, 28):
        try:
            return when.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise ValueError("no valid day")  # pragma: no cover: day 28 exists in every month


def in_recurring_window(
    start: dt.datetime | None, end: dt.datetime | None, recur: str | None, now: dt.datetime
) -> bool:
    """A recurring change repeats its first window [start, end) every week or every month."""
    if start is None or end is None or now < start:
        return False
    if recur == "weekly":
        week = dt.timedelta(days=7)
        return (now - start) % week < (end - start)
    months = (now.year - start.year) * 12 + now.month - start.month
    for shift in (months - 1, months):
        if shift < 0:
            continue
        lo = _add_months(start, shift)
        if lo <= now < lo + (end - start):
            return True
    return False
