"""Every query on the rollups: the fold, its cursors, the rebuild and the reports' reads."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, TextClause, bindparam, text

from trackpost.core.db import UTCDateTime
from trackpost.models.stats import FACT_KEYS, MEASURES, OFFER_KEYS, SUBAFF_KEYS
from trackpost.stats import sql
from trackpost.stats.sql import Grain

FACTS = Grain("stats_hourly", FACT_KEYS, MEASURES)
OFFERS = Grain("stats_offer_hourly", OFFER_KEYS, MEASURES)
SUBAFFS = Grain("stats_subaff_hourly", SUBAFF_KEYS, MEASURES)
GRAINS = (OFFERS, FACTS, SUBAFFS)  # the smallest first: a report reads the first that serves
__all__ = ["FACTS", "GRAINS", "MEASURES", "OFFERS", "SUBAFFS", "Grain"]
STATE = "main"
# Far above any id: the read's tail has no upper bound.
NO_END = 2**62
_ENSURE = text(
    "INSERT INTO stats_state (name, click_cursor, txn_cursor, changes) VALUES (:n, 0, 0, 0) "
    "ON CONFLICT (name) DO NOTHING"
)
_BUMP = text("UPDATE stats_state SET changes = changes + 1 WHERE name = :n")
_VERSION = text("SELECT click_cursor, txn_cursor, changes FROM stats_state WHERE name = :n")
_STATE = {
    "sqlite": text("SELECT click_cursor, txn_cursor, folded_at FROM stats_state WHERE name = :n"),
    "postgresql": text(
        "SELECT click_cursor, txn_cursor, folded_at FROM stats_state WHERE name = :n FOR UPDATE"
    ),
}
_MOVE = text(
    "UPDATE stats_state SET click_cursor = :c, txn_cursor = :t, folded_at = :at WHERE name = :n"
).bindparams(bindparam("at", type_=UTCDateTime()))
_HIGHS = text(
    "SELECT (SELECT COALESCE(MAX(clickid), 0) FROM clicks), "
    "(SELECT COALESCE(MAX(transactionid), 0) FROM transactions)"
)
# PostgreSQL hands ids out before commit: once SHARE locks are granted, every writer that held
# an id of these tables has ended, so nothing at or below the highs read now can still appear.
_FENCE = text("LOCK TABLE clicks, transactions, transaction_payouts IN SHARE MODE")
_LOCK_TIMEOUT = text("SET LOCAL lock_timeout = '500ms'")
_LOWS = text(
    "SELECT (SELECT COALESCE(MIN(clickid), 1) - 1 FROM clicks), "
    "(SELECT COALESCE(MIN(transactionid), 1) - 1 FROM transactions)"
)
_SCRATCH = {
    "sqlite": "CREATE TEMP TABLE IF NOT EXISTS stats_seen_scratch (offerid INTEGER NOT NULL, "
    "ip VARCHAR(64) NOT NULL, last_at DATETIME NOT NULL, PRIMARY KEY (offerid, ip))",
    "postgresql": "CREATE TEMP TABLE IF NOT EXISTS stats_seen_scratch (offerid BIGINT NOT NULL, "
    "ip VARCHAR(64) NOT NULL, last_at TIMESTAMPTZ NOT NULL, PRIMARY KEY (offerid, ip))",
}
_FORGET = text("DELETE FROM stats_seen WHERE last_at < :before").bindparams(
    bindparam("before", type_=UTCDateTime())
)
_WINDOW = "{t}.created_at >= :w_lo AND {t}.created_at < :w_hi"


def _typed(statement: str, *, result: bool = False) -> TextClause:
    clause = text(statement)
    names = [n for n in ("w_lo", "w_hi") if f":{n}" in statement]
    if names:
        clause = clause.bindparams(*(bindparam(n, type_=UTCDateTime()) for n in names))
    if result:
        return clause.columns(hour=UTCDateTime())  # type: ignore[return-value]
    return clause


@lru_cache(maxsize=64)
def _fold(
    dialect: str,
    grain: Grain,
    seen: str,
    windowed: bool,
    signed: bool = False,
    staged: bool = False,
) -> TextClause:
    batch = sql.BATCH[dialect] if staged else ""
    return _typed(sql.fold(dialect, grain, seen, _WINDOW if windowed else "", signed, batch))


# Every key any grain needs, in a fixed order: the staged clicks carry them all.
ALL_KEYS = tuple(dict.fromkeys(k for g in GRAINS for k in g.keys))


@lru_cache(maxsize=8)
def _stage(dialect: str, seen: str) -> tuple[TextClause, TextClause, TextClause]:
    drop = text(f"DROP TABLE IF EXISTS {sql.BATCH[dialect]}")
    create, fill = sql.stage(dialect, ALL_KEYS, seen)
    return drop, text(create), text(fill)


def _staged(conn: Connection, seen: str, params: Mapping[str, Any]) -> None:
    """Work the range's clicks out once into a temporary table (dropped by the next stage)."""
    drop, create, fill = _stage(conn.dialect.name, seen)
    conn.execute(drop)
    conn.execute(create)
    conn.execute(fill, dict(params))


@lru_cache(maxsize=8)
def _drop_empty(dialect: str, grain: Grain) -> TextClause:
    return text(sql.drop_empty(dialect, grain))


@lru_cache(maxsize=8)
def _remember(dialect: str, seen: str) -> TextClause:
    return text(sql.remember(dialect, seen))


def state(conn: Connection) -> tuple[int, int, dt.datetime | None]:
    """(click cursor, transaction cursor, when the fold last moved), the row locked on PG."""
    conn.execute(_ENSURE, {"n": STATE})
    row = conn.execute(_STATE[conn.dialect.name], {"n": STATE}).one()
    at = row[2]
    if isinstance(at, str):
        at = UTCDateTime().process_result_value(dt.datetime.fromisoformat(at), conn.dialect)
    return int(row[0]), int(row[1]), at


def peek(conn: Connection) -> tuple[int, int, dt.datetime | None]:
    """The cursors as `state` gives them, read without writing or locking (0: nothing folded)."""
    row = conn.execute(_STATE["sqlite"], {"n": STATE}).first()
    if row is None:
        return 0, 0, None
    at = row[2]
    if isinstance(at, str):
        at = UTCDateTime().process_result_value(dt.datetime.fromisoformat(at), conn.dialect)
    return int(row[0]), int(row[1]), at


def version(conn: Connection) -> tuple[int, int, int]:
    """(click cursor, transaction cursor, changes): what a fold summed outside the writer's turn
    must find unchanged before it writes (zeros when nothing was ever folded)."""
    row = conn.execute(_VERSION, {"n": STATE}).first()
    return (0, 0, 0) if row is None else (int(row[0]), int(row[1]), int(row[2]))


def bump(conn: Connection) -> None:
    """Count an in-place change of a ledger row (the state row exists: `state` made it)."""
    conn.execute(_BUMP, {"n": STATE})


def highs(conn: Connection) -> tuple[int, int]:
    """The highest click and transaction ids now visible."""
    row = conn.execute(_HIGHS).one()
    return int(row[0]), int(row[1])


def fence(conn: Connection) -> tuple[int, int] | None:
    """PostgreSQL: the highest ids below which every row is committed (None: the lock waited
    too long; try again later). Ends the caller's transaction's need for the lock at commit."""
    conn.execute(_LOCK_TIMEOUT)
    try:
        with conn.begin_nested():
            conn.execute(_FENCE)
    except Exception:  # lock_timeout: a long writer; the next round tries again
        return None
    return highs(conn)


def lows(conn: Connection) -> tuple[int, int]:
    """The ids just below the oldest click and transaction still stored."""
    row = conn.execute(_LOWS).one()
    return int(row[0]), int(row[1])


def fold(conn: Connection, c_range: tuple[int, int], t_range: tuple[int, int], uwin: int) -> None:
    """Add the clicks and events in the two (lo, hi] ranges to every rollup, and remember the
    clicks for unique counting."""
    params = {
        "c_lo": c_range[0],
        "c_hi": c_range[1],
        "t_lo": t_range[0],
        "t_hi": t_range[1],
        "uwin": uwin,
    }
    dialect = conn.dialect.name
    _staged(conn, "stats_seen", params)
    for grain in GRAINS:
        conn.execute(_fold(dialect, grain, "stats_seen", False, staged=True), params)
    conn.execute(_remember(dialect, "stats_seen"), params)


@dataclass(frozen=True)
class Gathered:
    """A batch summed per rollup row, and its clicks' newest per (offer, IP), ready to write."""

    rows: tuple[tuple[Grain, list[dict[str, Any]]], ...]
    seen: list[dict[str, Any]]


@lru_cache(maxsize=16)
def _grouped(dialect: str, grain: Grain) -> TextClause:
    return text(sql.grouped(dialect, grain, "stats_seen", batch=sql.BATCH[dialect]))


@lru_cache(maxsize=16)
def _upsert(grain: Grain) -> TextClause:
    return text(sql.upsert(grain))


_REMEMBER_ONE = text(sql.remember_one("stats_seen"))


def _as_params(rows: Any) -> list[dict[str, Any]]:
    return [{f"p{i}": v for i, v in enumerate(r)} for r in rows]


def gather(
    conn: Connection, c_range: tuple[int, int], t_range: tuple[int, int], uwin: int
) -> Gathered:
    """Sum a batch without writing the database (SQLite: in a read transaction, so outside the
    writer's turn; only the connection's temporary table is written)."""
    params = {
        "c_lo": c_range[0],
        "c_hi": c_range[1],
        "t_lo": t_range[0],
        "t_hi": t_range[1],
        "uwin": uwin,
    }
    dialect = conn.dialect.name
    _staged(conn, "stats_seen", params)
    rows = tuple(
        (grain, _as_params(conn.execute(_grouped(dialect, grain), params))) for grain in GRAINS
    )
    seen = _as_params(conn.execute(text(sql.newest(dialect))))
    return Gathered(rows, seen)


def write(conn: Connection, gathered: Gathered) -> None:
    """Add a gathered batch to the rollups and the unique-click memory (few rows: one per key)."""
    for grain, rows in gathered.rows:
        if rows:
            conn.execute(_upsert(grain), rows)
    if gathered.seen:
        conn.execute(_REMEMBER_ONE, gathered.seen)


def adjust(conn: Connection, transactionid: int, sign: int) -> None:
    """Add (1) or take back (-1) one folded ledger event's contribution as it stands now."""
    params = {"c_lo": 0, "c_hi": 0, "t_lo": transactionid - 1, "t_hi": transactionid}
    dialect = conn.dialect.name
    for grain in GRAINS:
        conn.execute(
            _fold(dialect, grain, "stats_seen", False, True), {**params, "uwin": 0, "sign": sign}
        )
        if sign > 0:
            conn.execute(_drop_empty(dialect, grain), params)


def move(conn: Connection, clicks: int, txns: int, at: dt.datetime) -> None:
    """Set both cursors (in the transaction of the fold that reached them)."""
    conn.execute(_MOVE, {"n": STATE, "c": clicks, "t": txns, "at": at})


def forget(conn: Connection, before: dt.datetime) -> int:
    """Drop the unique-click memory older than every window (it would not change a verdict)."""
    return int(conn.execute(_FORGET, {"before": before}).rowcount or 0)


def longest_window(conn: Connection, default: int) -> int:
    """The longest uniqueness window of any offer (or the default)."""
    value = conn.execute(text("SELECT MAX(ip_uniqueness_seconds) FROM offers")).scalar()
    return max(default, int(value or 0))


# The rebuild: one range of hours recounted from the raw rows below the cursors.


def clear(conn: Connection, lo: dt.datetime, hi: dt.datetime) -> None:
    """Delete every rollup row of the hours in [lo, hi)."""
    for grain in GRAINS:
        conn.execute(
            _typed(f"DELETE FROM {grain.table} WHERE hour >= :w_lo AND hour < :w_hi"),
            {"w_lo": lo, "w_hi": hi},
        )


def scratch(conn: Connection) -> None:
    """The rebuild's own unique-click memory, empty (a temporary table of its connection)."""
    conn.execute(text(_SCRATCH[conn.dialect.name]))
    conn.execute(text("DELETE FROM stats_seen_scratch"))


def refold(
    conn: Connection,
    c_range: tuple[int, int],
    t_range: tuple[int, int],
    window: tuple[dt.datetime, dt.datetime],
    uwin: int,
) -> None:
    """Add the rows of the id ranges made within `window` to the rollups (the rebuild's step);
    every click of the range updates the scratch memory."""
    params = {
        "c_lo": c_range[0],
        "c_hi": c_range[1],
        "t_lo": t_range[0],
        "t_hi": t_range[1],
        "w_lo": window[0],
        "w_hi": window[1],
        "uwin": uwin,
    }
    dialect = conn.dialect.name
    _staged(conn, "stats_seen_scratch", params)
    for grain in GRAINS:
        conn.execute(_fold(dialect, grain, "stats_seen_scratch", True, staged=True), params)
    conn.execute(_remember(dialect, "stats_seen_scratch"), params)


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


@lru_cache(maxsize=256)
def _read(
    dialect: str, grain: Grain, group: tuple[str, ...], names: tuple[str, ...], when: str
) -> TextClause:
    """`when`: an SQL expression for the time key (or "hour"), selected and grouped first."""
    cursors = {
        ":c_lo": "(SELECT COALESCE(MAX(click_cursor), 0) FROM stats_state)",
        ":t_lo": "(SELECT COALESCE(MAX(txn_cursor), 0) FROM stats_state)",
    }
    tail = sql.contributions(dialect, grain)
    for name, value in cursors.items():
        tail = tail.replace(name, value)
    cols = ", ".join(("hour", *grain.keys, *MEASURES))
    inner = f"SELECT {cols} FROM {grain.table} UNION ALL {tail}"
    where = " AND ".join(("1 = 1", *(CONDITIONS[n] for n in names)))
    keys = ((f"{when} AS t",) if when else ()) + group
    sums = ", ".join(f"SUM({m}) AS {m}" for m in MEASURES)
    select = f"SELECT {''.join(k + ', ' for k in keys)}{sums} FROM ({inner}) f WHERE {where}"
    grouped = (("t",) if when else ()) + group
    statement = select + (f" GROUP BY {', '.join(grouped)}" if grouped else "")
    clause = text(statement)
    binds = [bindparam(n, type_=UTCDateTime()) for n in TIME_BINDS if f":{n}" in statement]
    if binds:
        clause = clause.bindparams(*binds)
    if when == "f.hour":
        return clause.columns(t=UTCDateTime())  # type: ignore[return-value]
    return clause


_NO_JIT = text("SET LOCAL jit = off")
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


def _when(dialect: str, dim: str, zone: ZoneInfo, lo: Any, hi: Any) -> str:
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
    when = ""
    if time is not None:
        when = _when(dialect, time[0], time[1], filters.get("from"), filters.get("until"))
    stmt = _read(dialect, grain, tuple(group), tuple(sorted(filters)), when)
    if dialect == "postgresql":
        # The statement's many sums and cases cost more to JIT-compile than to interpret at
        # these sizes (BENCHMARKS.md); LOCAL: for this read transaction only.
        conn.execute(_NO_JIT)
    params = {f"f_{k}": v for k, v in filters.items()}
    rows = conn.execute(stmt, {"c_hi": NO_END, "t_hi": NO_END, "uwin": uwin, **params})
    if when != "f.hour" or time is None:
        return [tuple(r) for r in rows]
    dim, zone = time
    return [(_local(dim, r[0], zone), *r[1:]) for r in rows]
