"""The reports' reads: the rollups plus a live sum of the tail past the fold's cursors, in one
statement; by the network's day from stats_offer_daily when a report's range is whole days."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, TextClause, bindparam, text

from trackpost.core.db import UTCDateTime
from trackpost.models.stats import MEASURES
from trackpost.stats import daily_repository as daily
from trackpost.stats import sql
from trackpost.stats.repository import OFFERS
from trackpost.stats.sql import Grain

NO_END = 2**62  # far above any id: the read's tail has no upper bound

# Reads: the rollups plus a live sum of the tail past the cursors, in one statement (one
# snapshot on PostgreSQL too, so a fold committing meanwhile is never counted twice).


# Filter name -> its condition on the unioned rows (f); values are bound as f_<name>.
CONDITIONS = {
    "from": "f.hour >= :f_from",
    "until": "f.hour < :f_until",
    **{
        k: f"f.{k} = :f_{k}"
        for k in (
            "loginid",
            "offerid",
            "landing_pageid",
            "campaignid",
            "adtoolid",
            "programid",
            "advertiserid",
            "country",
            "device_type",
            "device_os",
            "device_browser",
            *(f"subaff{i}" for i in range(1, 6)),
        )
    },
    "inhouse": "f.loginid IN (SELECT loginid FROM logins WHERE inhouse = :f_inhouse)",
    "not_inhouse": "f.loginid NOT IN (SELECT loginid FROM logins WHERE inhouse = :f_not_inhouse)",
    "acct_rep": "f.loginid IN (SELECT loginid FROM affiliate_managers "
    "WHERE manager_loginid = :f_acct_rep)",
}
TIME_BINDS = ("f_from", "f_until")
# As bigints: PostgreSQL's SUM of a bigint is numeric, slower to add again and handed over
# as Decimal.
_SUMS = ", ".join(f"CAST(SUM({m}) AS BIGINT) AS {m}" for m in MEASURES)
_CURSORS = {
    "c": "(SELECT COALESCE(MAX(click_cursor), 0) FROM stats_state)",
    "t": "(SELECT COALESCE(MAX(txn_cursor), 0) FROM stats_state)",
}
_LOWER = re.compile(r"([\w.]+) > :([ct])_lo\b")
_CURSORS_NOW = "SELECT COALESCE(MAX(click_cursor), 0), COALESCE(MAX(txn_cursor), 0)"
# On PostgreSQL the same round trip turns the JIT off for this read transaction (SET LOCAL):
# the statement's many sums and cases cost more to JIT-compile than to interpret at these
# sizes (BENCHMARKS.md).
_READ_CURSORS = {
    "sqlite": text(f"{_CURSORS_NOW} FROM stats_state"),
    "postgresql": text(f"{_CURSORS_NOW}, set_config('jit', 'off', true) FROM stats_state"),
}


def _tail(dialect: str, grain: Grain) -> str:
    """The raw rows past the cursors. Each id is bounded twice: by the cursor read just before
    (:c_lo, :t_lo, a value the planner can estimate the range by) and by the cursor as this
    statement's snapshot has it (the rollup rows read are the ones folded up to it, so it is
    the bound that counts; a fold committing in between only moves it up)."""
    return _LOWER.sub(
        lambda m: f"{m[1]} > :{m[2]}_lo AND {m[1]} > {_CURSORS[m[2]]}",
        sql.contributions(dialect, grain),
    )


def tail_bounds(conn: Connection, uwin: int) -> dict[str, Any]:
    """A read's tail parameters: the cursors as they are now, no upper bound, the window (and
    PostgreSQL's JIT off: the caller runs its statement next)."""
    c_lo, t_lo, *_jit = conn.execute(_READ_CURSORS[conn.dialect.name]).one()
    return {"c_lo": int(c_lo), "t_lo": int(t_lo), "c_hi": NO_END, "t_hi": NO_END, "uwin": uwin}


@lru_cache(maxsize=256)
def _read(
    dialect: str, grain: Grain, group: tuple[str, ...], names: tuple[str, ...], when: str
) -> TextClause:
    """`when`: an SQL expression for the time key (or "hour"), selected and grouped first."""
    clause = text(read_sql(dialect, grain, group, names, when))
    binds = [bindparam(n, type_=UTCDateTime()) for n in TIME_BINDS if f":{n}" in clause.text]
    if binds:
        clause = clause.bindparams(*binds)
    if when == "f.hour":
        return clause.columns(t=UTCDateTime())  # type: ignore[return-value]
    return clause


@lru_cache(maxsize=256)
def read_sql(
    dialect: str, grain: Grain, group: tuple[str, ...], names: tuple[str, ...], when: str
) -> str:
    """The rollup's rows and the tail's, filtered by `names` and summed by the time key `when`
    (as `t`, when given) and `group`."""
    tail = _tail(dialect, grain)
    cols = ", ".join(("hour", *grain.keys, *MEASURES))
    # The time range on the rollup's own rows too: its primary key leads with the hour.
    hours = " AND ".join(
        ("1 = 1", *(CONDITIONS[n].replace("f.", "") for n in names if n in ("from", "until")))
    )
    inner = f"SELECT {cols} FROM {grain.table} WHERE {hours} UNION ALL {tail}"
    where = " AND ".join(("1 = 1", *(CONDITIONS[n] for n in names)))
    keys = ((f"{when} AS t",) if when else ()) + group
    sums = _SUMS
    select = f"SELECT {''.join(k + ', ' for k in keys)}{sums} FROM ({inner}) f WHERE {where}"
    grouped = (("t",) if when else ()) + group
    return select + (f" GROUP BY {', '.join(grouped)}" if grouped else "")


@lru_cache(maxsize=64)
def _read_daily(
    dialect: str, group: tuple[str, ...], names: tuple[str, ...], width: int
) -> TextClause:
    """stats_offer_daily's rows of the days [:d_from, :d_until) and the tail's rows past the
    cursors, summed by `group`; with a time key (`width`: 10 a day, 7 a month, 4 a year) first
    by (d: the day's text cut to `width`, h: a tail row's hour)."""
    clause = text(daily_sql(dialect, group, names, width))
    binds = [bindparam(n, type_=UTCDateTime()) for n in TIME_BINDS if f":{n}" in clause.text]
    if binds:
        clause = clause.bindparams(*binds)
    if not width:
        return clause
    return clause.columns(h=UTCDateTime())  # type: ignore[return-value]


@lru_cache(maxsize=64)
def daily_sql(
    dialect: str, group: tuple[str, ...], names: tuple[str, ...], width: int, when: str = ""
) -> str:
    """As `_read_daily`; with `when` (the SQL of a tail row's local day, month or year from
    f.h), one time key `t` for both kinds of row, so that every key is summed here."""
    tail = _tail(dialect, OFFERS)
    keys = ", ".join(OFFERS.keys)
    measures = ", ".join(MEASURES)
    days = " AND ".join(
        (
            "1 = 1",
            *(
                c
                for n, c in (("from", "day >= :d_from"), ("until", "day < :d_until"))
                if n in names
            ),
        )
    )
    hours = " AND ".join(
        ("1 = 1", *(CONDITIONS[n].replace("f.", "x.") for n in names if n in ("from", "until")))
    )
    inner = (
        f"SELECT day AS d, NULL AS h, {keys}, {measures} FROM {daily.TABLE} WHERE {days} "
        f"UNION ALL SELECT NULL AS d, x.hour AS h, {keys}, {measures} FROM ({tail}) x "
        f"WHERE {hours}"
    )
    where = " AND ".join(("1 = 1", *(CONDITIONS[n] for n in names if n not in ("from", "until"))))
    # A day, month or year is the start of the day's text; the tail's hours stay hours.
    times: tuple[str, ...] = (f"substr(f.d, 1, {width}) AS d", "f.h AS h") if width else ()
    time_keys: tuple[str, ...] = ("d", "h") if width else ()
    if width and when:
        times, time_keys = (f"COALESCE(substr(f.d, 1, {width}), {when}) AS t",), ("t",)
    cols = ", ".join((*times, *group))
    grouped = ", ".join((*time_keys, *group))
    sums = _SUMS
    statement = f"SELECT {cols}, {sums} FROM ({inner}) f WHERE {where}"
    if grouped:
        statement += f" GROUP BY {grouped}"
    return statement


def whole_days(
    name: str | None, filters: Mapping[str, Any], time: tuple[str, ZoneInfo] | None
) -> dict[str, str] | None:
    """The daily rows' bounds (d_from, d_until) when they serve this read exactly: the
    zone's days are theirs and the range starts and ends at the first hour of a day."""
    if name is None or (time is not None and (time[0] == "hour" or _key(time[1]) != name)):
        return None
    bounds = {}
    for key, bind in (("from", "d_from"), ("until", "d_until")):
        hour = filters.get(key)
        if hour is None:
            continue
        day = daily.day_of(hour, name)
        if daily.day_of(hour - HOUR, name) == day:
            return None
        bounds[bind] = day
    return bounds


def _key(zone: ZoneInfo) -> str:
    return str(getattr(zone, "key", ""))


def _daily_totals(
    conn: Connection,
    group: Sequence[str],
    filters: Mapping[str, Any],
    uwin: int,
    time: tuple[str, ZoneInfo] | None,
    bounds: dict[str, str],
) -> list[tuple[Any, ...]]:
    width = 0 if time is None else WIDTHS[time[0]]
    stmt = _read_daily(conn.dialect.name, tuple(group), tuple(sorted(filters)), width)
    params = {f"f_{k}": v for k, v in filters.items()}
    rows = conn.execute(stmt, {**tail_bounds(conn, uwin), **params, **bounds})
    if time is None:
        return [tuple(r) for r in rows]
    zone = time[1]
    return [
        ((r[0] if r[0] is not None else _local("day", r[1], zone))[:width], *r[2:]) for r in rows
    ]


WIDTHS = {"day": 10, "month": 7, "year": 4}  # a day's, month's or year's length as text
_PG_FORMAT = {"day": "YYYY-MM-DD", "month": "YYYY-MM", "year": "YYYY"}
_SQLITE_FORMAT = {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}
_ZONE_NAME = re.compile(r"^[A-Za-z0-9_/+-]{1,64}$")
# SQLite knows no time zones: the offsets of the zone over a bounded range, hour by hour, go
# into the statement (a DST change is one more branch). Longer or open ranges are grouped by
# hour and turned into local days here.
_MAX_SEGMENTED = dt.timedelta(days=400)
HOUR = dt.timedelta(hours=1)


def _segments(
    zone: ZoneInfo, lo: dt.datetime | None, hi: dt.datetime | None
) -> list[tuple[dt.datetime, int]] | None:
    if lo is None or hi is None or hi - lo > _MAX_SEGMENTED:
        return None
    out: list[tuple[dt.datetime, int]] = []
    when = lo
    while when < hi:
        offset = when.astimezone(zone).utcoffset()
        seconds = int(offset.total_seconds()) if offset is not None else 0
        if not out or out[-1][1] != seconds:
            out.append((when, seconds))
        when += HOUR
    return out


def time_sql(dialect: str, dim: str, zone: ZoneInfo, lo: Any, hi: Any) -> str:
    """The SQL for a local day, month or year of f.hour; "f.hour" when it must be done here."""
    if dim == "hour":
        return "f.hour"
    name = str(getattr(zone, "key", ""))
    if dialect == "postgresql" and _ZONE_NAME.match(name):
        return f"to_char(f.hour AT TIME ZONE '{name}', '{_PG_FORMAT[dim]}')"
    segments = _segments(zone, lo, hi) if dialect == "sqlite" else None
    if not segments:
        return "f.hour"
    fmt = _SQLITE_FORMAT[dim]

    def local(seconds: int) -> str:
        return f"strftime('{fmt}', f.hour, '{seconds:+d} seconds')"

    branches = "".join(
        f"WHEN f.hour < '{start:%Y-%m-%d %H:%M:%S}.000000' THEN {local(prev)} "
        for (start, _), (_, prev) in zip(segments[1:], segments, strict=False)
    )
    last = local(segments[-1][1])
    return f"CASE {branches}ELSE {last} END" if branches else last


def _local(dim: str, hour: dt.datetime, zone: ZoneInfo) -> str:
    if dim == "hour":
        return hour.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:00Z")
    return hour.astimezone(zone).strftime(_SQLITE_FORMAT[dim])


def totals(
    conn: Connection,
    grain: Grain,
    group: Sequence[str],
    filters: Mapping[str, Any],
    uwin: int,
    time: tuple[str, ZoneInfo] | None = None,
) -> list[tuple[Any, ...]]:
    """Summed figures per group, rollups and tail together: (time key, if asked: a local day,
    month or year, or the UTC hour as 2026-03-01T13:00Z; then `group`'s values; then the
    measures). Rows may repeat a key when the time key is made here: callers sum them."""
    dialect = conn.dialect.name
    if grain == OFFERS:
        bounds = whole_days(daily.zone(conn), filters, time)
        if bounds is not None:
            return _daily_totals(conn, group, filters, uwin, time, bounds)
    when = ""
    if time is not None:
        when = time_sql(dialect, time[0], time[1], filters.get("from"), filters.get("until"))
    stmt = _read(dialect, grain, tuple(group), tuple(sorted(filters)), when)
    params = {f"f_{k}": v for k, v in filters.items()}
    rows = conn.execute(stmt, {**tail_bounds(conn, uwin), **params})
    if when != "f.hour" or time is None:
        return [tuple(r) for r in rows]
    dim, zone = time
    return [(_local(dim, r[0], zone), *r[1:]) for r in rows]
