"""What a cap counts, in which window, for whom: pure rules shared by clicks and bookings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

# Our key -> the vendor's name (get_conversion_caps answers and accepts the vendor's names).
TYPES = {
    "conversions": "Conversions",
    "revenue": "Dollars",
    "registrations": "Registrations",
    "unique_clicks": "Unique Clicks",
    "clicks": "Clicks",
    "net_conversions": "Net Conversions",
}
DURATIONS = {
    "hour": "Hour",
    "day": "Day",
    "week": "Week",
    "month": "Month",
    "year": "Year",
    "all": "All Time",
}
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
TIMEFRAMES = {
    "none": "None",
    "weekdays": "Weekdays",
    "weekends": "Weekends",
    **{d: d.capitalize() for d in DAYS},
}
SCOPES = ("all", "each", "one")
OVERFLOWS = ("offer", "url", "notify")
# Counted per click at /track (the click over the cap is overflowed before it is recorded).
CLICK_TYPES = frozenset({"clicks", "unique_clicks"})
# Counted per ledger row as it is booked; a click is overflowed once they are reached.
BOOKED_TYPES = frozenset({"conversions", "revenue", "registrations", "net_conversions"})
# The ledger kinds that are a click's conversion (models.transactions.CONVERSION_TYPES).
CONVERSION_KINDS = frozenset({"initial", "trial"})
# The booked caps whose count a later change of a counted row moves (refunds, voids, approval,
# a new amount): each such row is remembered with the window it counted in (cap_bookings).
ADJUSTED_TYPES = frozenset({"revenue", "net_conversions"})
# Statuses whose money the ledger does not count (as the reports): revenue counts it on approval.
UNCOUNTED = frozenset({"pending", "denied"})
# "All time" has one window; its key is a fixed instant.
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def vendor_key(text: str, names: Mapping[str, str], aliases: Mapping[str, str]) -> str | None:
    """Our key for a value given as our key or the vendor's name, in any case; None if unknown."""
    folded = text.strip().lower().replace(" ", "_").replace("-", "_")
    folded = aliases.get(folded, folded)
    if folded in names:
        return folded
    for key, name in names.items():
        if name.lower().replace(" ", "_") == folded:
            return key
    return None


def window_start(duration: str, now: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    """The UTC instant the window holding `now` began: the network's hours, days, weeks..."""
    if duration == "all":
        return EPOCH
    local = now.astimezone(zone)
    if duration == "hour":
        return local.replace(minute=0, second=0, microsecond=0).astimezone(dt.UTC)
    day = local.date()
    if duration == "week":
        day -= dt.timedelta(days=day.weekday())  # weeks begin on Monday
    elif duration == "month":
        day = day.replace(day=1)
    elif duration == "year":
        day = day.replace(month=1, day=1)
    return dt.datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(dt.UTC)


def in_timeframe(timeframe: str, now: dt.datetime, zone: dt.tzinfo) -> bool:
    """Whether the cap counts at `now` (the network's weekday)."""
    if timeframe == "none":
        return True
    weekday = now.astimezone(zone).weekday()
    if timeframe == "weekdays":
        return weekday < 5
    if timeframe == "weekends":
        return weekday >= 5
    return DAYS[weekday] == timeframe


@dataclass(frozen=True, slots=True)
class Cap:
    """A cap as the click path and the booking path apply it."""

    capid: int
    offerid: int | None
    advertiserid: int | None
    scope: str
    loginid: int | None
    cap_type: str
    value: int
    duration: str
    timeframe: str
    zone: dt.tzinfo
    start_at: dt.datetime | None
    end_at: dt.datetime | None
    overflow: str
    new_offerid: int | None
    new_landing_pageid: int | None
    redirect_url: str | None

    @classmethod
    def of(cls, row: Mapping[Any, Any]) -> Cap:
        return cls(
            capid=int(row["capid"]),
            offerid=row["offerid"],
            advertiserid=row["advertiserid"],
            scope=str(row["affiliate_scope"]),
            loginid=row["loginid"],
            cap_type=str(row["cap_type"]),
            value=int(row["cap_value"]),
            duration=str(row["duration"]),
            timeframe=str(row["timeframe"]),
            zone=ZoneInfo(str(row["zone"])),
            start_at=row["start_at"],
            end_at=row["end_at"],
            overflow=str(row["overflow"]),
            new_offerid=row["new_offerid"],
            new_landing_pageid=row["new_landing_pageid"],
            redirect_url=row["redirect_url"],
        )

    def applies(self, loginid: int | None, now: dt.datetime) -> bool:
        """Whether traffic of this affiliate at `now` is counted and capped."""
        if self.start_at is not None and now < self.start_at:
            return False
        if self.end_at is not None and now >= self.end_at:
            return False
        if self.scope == "one" and loginid != self.loginid:
            return False
        return in_timeframe(self.timeframe, now, self.zone)

    def window(self, now: dt.datetime) -> dt.datetime:
        return window_start(self.duration, now, self.zone)

    def key(self, loginid: int | None) -> int:
        """The counter's affiliate: each affiliate's own for `each` caps, else 0 (pooled)."""
        return int(loginid or 0) if self.scope == "each" else 0


def deltas(row: Mapping[str, Any]) -> dict[str, int]:
    """What a new ledger row adds to each booked cap type (signed; empty when nothing)."""
    kind = row["trans_type"]
    out: dict[str, int] = {}
    if kind in CONVERSION_KINDS:
        out["conversions"] = out["net_conversions"] = 1
    elif kind == "goal":
        out["registrations"] = 1
    elif row.get("_parent_kind") in CONVERSION_KINDS:
        if kind in ("void", "chargeback"):
            out["net_conversions"] = -1
        elif kind == "reversal":
            out["net_conversions"] = 1
    amount = int(row.get("amount") or 0)
    if amount and row.get("status") not in UNCOUNTED:
        out["revenue"] = amount
    return out
