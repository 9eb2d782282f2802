"""stats_offer_daily: the offer grain by the network's local day, kept from the same deltas as
stats_offer_hourly (each hour's row goes to the local day its first minute is in)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, bindparam, text

from trackpost.core.db import UTCDateTime
from trackpost.models.stats import MEASURES, OFFER_KEYS

TABLE = "stats_offer_daily"
KEYS = ("day", *OFFER_KEYS)
STATE = "main"
HOUR = dt.timedelta(hours=1)
_NAMES = (*KEYS, *MEASURES)
_ADD = text(
    f"INSERT INTO {TABLE} ({', '.join(_NAMES)}) "
    f"VALUES ({', '.join(f':{n}' for n in _NAMES)}) "
    f"ON CONFLICT ({', '.join(KEYS)}) DO UPDATE SET "
    + ", ".join(f"{m} = {TABLE}.{m} + excluded.{m}" for m in MEASURES)
)
_ZONE = text("SELECT zone FROM stats_state WHERE name = :n")
_SET_ZONE = text("UPDATE stats_state SET zone = :z WHERE name = :n")
_DROP_EMPTY = text(
    f"DELETE FROM {TABLE} WHERE day = :day AND " + " AND ".join(f"{m} = 0" for m in MEASURES)
)
_HOURLY = text(
    f"SELECT hour, {', '.join(OFFER_KEYS)}, {', '.join(MEASURES)} FROM stats_offer_hourly "
    "WHERE hour >= :lo AND hour < :hi"
).bindparams(bindparam("lo", type_=UTCDateTime()), bindparam("hi", type_=UTCDateTime()))
_ALL_TIME = (dt.datetime(1, 1, 2, tzinfo=dt.UTC), dt.datetime(9999, 12, 30, tzinfo=dt.UTC))


def zone(conn: Connection) -> str | None:
    """The zone the daily rows' days are in (None: not built, so reports read the hours)."""
    value = conn.execute(_ZONE, {"n": STATE}).scalar()
    return None if value is None else str(value)


def as_utc(value: Any) -> dt.datetime:
    """An hour as a rollup query gives it (SQLite: text) as an aware UTC datetime."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)  # type: ignore[no-any-return]
    return value.astimezone(dt.UTC)  # type: ignore[no-any-return]


@lru_cache(maxsize=65536)
def day_of(hour: dt.datetime, name: str) -> str:
    """The network day ('YYYY-MM-DD') an hour's row belongs to."""
    return hour.astimezone(ZoneInfo(name)).strftime("%Y-%m-%d")


def _by_day(rows: Iterable[Sequence[Any]], name: str) -> dict[tuple[Any, ...], list[int]]:
    """Rows of (hour, offerid, advertiserid, *measures) summed by (day, offerid, advertiserid)."""
    out: dict[tuple[Any, ...], list[int]] = {}
    width = len(OFFER_KEYS) + 1
    for row in rows:
        key = (day_of(as_utc(row[0]), name), *row[1:width])
        sums = out.setdefault(key, [0] * len(MEASURES))
        for i, v in enumerate(row[width:]):
            sums[i] += int(v or 0)
    return out


def _insert(conn: Connection, sums: dict[tuple[Any, ...], list[int]]) -> None:
    if sums:
        conn.execute(_ADD, [dict(zip(_NAMES, (*k, *v), strict=True)) for k, v in sums.items()])


def add(conn: Connection, rows: Iterable[Sequence[Any]]) -> set[str]:
    """Add hourly deltas of the offer grain to their days (nothing while no zone is set);
    returns the days touched."""
    return add_sums(conn, by_day(conn, rows))


def by_day(conn: Connection, rows: Iterable[Sequence[Any]]) -> dict[tuple[Any, ...], list[int]]:
    """Hourly deltas of the offer grain summed by day, not yet added (none while no zone is set)."""
    name = zone(conn)
    return {} if name is None else _by_day(rows, name)


def add_sums(conn: Connection, sums: dict[tuple[Any, ...], list[int]]) -> set[str]:
    """Add what by_day summed; returns the days touched."""
    _insert(conn, sums)
    return {k[0] for k in sums}


def drop_empty(conn: Connection, days: Iterable[str]) -> None:
    """Delete the days' rows whose every figure is zero (as the hourly rows' are)."""
    for day in days:
        conn.execute(_DROP_EMPTY, {"day": day})


def derive(conn: Connection, lo: dt.datetime, hi: dt.datetime) -> None:
    """Recount the days holding the hours in [lo, hi) from stats_offer_hourly (the rebuild's
    last step); the caller holds the fold's state row."""
    name = zone(conn)
    if name is None or hi <= lo:
        return
    first = lo.replace(minute=0, second=0, microsecond=0)
    days = {day_of(first, name), day_of(hi - HOUR, name)}
    when = first
    while when < hi:
        days.add(day_of(when, name))
        when += dt.timedelta(hours=12)
    rows = conn.execute(
        _HOURLY, {"lo": first - dt.timedelta(days=2), "hi": hi + dt.timedelta(days=2)}
    )
    sums = {k: v for k, v in _by_day(rows, name).items() if k[0] in days}
    conn.execute(
        text(f"DELETE FROM {TABLE} WHERE day IN :days").bindparams(
            bindparam("days", expanding=True)
        ),
        {"days": sorted(days)},
    )
    _insert(conn, sums)


def rezone(conn: Connection, name: str) -> bool:
    """Rebuild every daily row in zone `name` from the hourly rows, unless they are in it
    already (the caller holds the fold's state row); True when rebuilt."""
    if zone(conn) == name:
        return False
    conn.execute(text(f"DELETE FROM {TABLE}"))
    conn.execute(_SET_ZONE, {"z": name, "n": STATE})
    _insert(conn, _by_day(conn.execute(_HOURLY, {"lo": _ALL_TIME[0], "hi": _ALL_TIME[1]}), name))
    return True
