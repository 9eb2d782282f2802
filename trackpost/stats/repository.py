"""Every query on the rollups: the fold, its cursors, the rebuild and the reports' reads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, TextClause, bindparam, text

from trackpost.core.db import UTCDateTime
from trackpost.models.stats import FACT_KEYS, MEASURES, OFFER_KEYS, SUBAFF_KEYS
from trackpost.stats import daily_repository as daily
from trackpost.stats import sql
from trackpost.stats.sql import Grain

FACTS = Grain("stats_hourly", FACT_KEYS, MEASURES)
OFFERS = Grain("stats_offer_hourly", OFFER_KEYS, MEASURES)
SUBAFFS = Grain("stats_subaff_hourly", SUBAFF_KEYS, MEASURES)
GRAINS = (OFFERS, FACTS, SUBAFFS)  # the smallest first: a report reads the first that serves
__all__ = ["FACTS", "GRAINS", "MEASURES", "OFFERS", "SUBAFFS", "Grain"]
STATE = "main"
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
def _stage(dialect: str, seen: str) -> tuple[TextClause, ...]:
    drop = text(f"DROP TABLE IF EXISTS {sql.BATCH[dialect]}")
    create, fill = sql.stage(dialect, ALL_KEYS, seen)
    t_drop = text(f"DROP TABLE IF EXISTS {sql.TBATCH[dialect]}")
    t_create, t_fill = sql.stage_txns(dialect, ALL_KEYS)
    return drop, text(create), text(fill), t_drop, text(t_create), text(t_fill)


def _staged(conn: Connection, seen: str, params: Mapping[str, Any], *, events: bool = True) -> None:
    """Work the range's clicks (and events) out once into temporary tables (dropped by the
    next stage)."""
    statements = _stage(conn.dialect.name, seen)
    for drop, create, fill in (statements[:3], statements[3:]) if events else (statements[:3],):
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
    daily.add(conn, conn.execute(_grouped(dialect, OFFERS), params))
    conn.execute(_remember(dialect, "stats_seen"), params)


@dataclass(frozen=True)
class Gathered:
    """A batch summed per rollup row, in temporary tables of the connection that summed it
    (the writer's turn copies them with one statement each); the offer grain's rows also
    here, summed by day for the daily rollup."""

    tables: tuple[tuple[Grain, str], ...]
    days: dict[tuple[Any, ...], list[int]]


@lru_cache(maxsize=16)
def _grouped(dialect: str, grain: Grain) -> TextClause:
    return text(sql.grouped(dialect, grain, "stats_seen", batch=sql.BATCH[dialect]))


@lru_cache(maxsize=2)
def _signed(dialect: str) -> TextClause:
    return text(sql.grouped(dialect, OFFERS, "stats_seen", "", True))


NEWEST = "stats_newest"


def _summed(grain: Grain) -> str:
    return f"stats_sum_{grain.table}"


@lru_cache(maxsize=16)
def _keep(dialect: str, name: str, select: str) -> tuple[TextClause, TextClause]:
    """Dropping and (re)making a temporary table of a select's rows."""
    return text(f"DROP TABLE IF EXISTS temp.{name}"), text(f"CREATE TEMP TABLE {name} AS {select}")


@lru_cache(maxsize=16)
def _copy(grain: Grain) -> TextClause:
    cols = ", ".join(("hour", *grain.keys, *grain.measures))
    # WHERE true: SQLite's parser needs it before an upsert's ON CONFLICT after a SELECT.
    return text(
        f"INSERT INTO {grain.table} ({cols}) SELECT * FROM temp.{_summed(grain)} WHERE true "
        + sql.on_conflict_add(grain)
    )


_REMEMBER_NEWEST = text(
    f"INSERT INTO stats_seen (offerid, ip, last_at) SELECT * FROM temp.{NEWEST} WHERE true "
    "ON CONFLICT (offerid, ip) DO UPDATE SET last_at = excluded.last_at"
)


def gather(
    conn: Connection, c_range: tuple[int, int], t_range: tuple[int, int], uwin: int
) -> Gathered:
    """Sum a batch without writing the database (SQLite: in a read transaction, so outside the
    writer's turn; only the connection's temporary tables are written)."""
    params = {
        "c_lo": c_range[0],
        "c_hi": c_range[1],
        "t_lo": t_range[0],
        "t_hi": t_range[1],
        "uwin": uwin,
    }
    dialect = conn.dialect.name
    _staged(conn, "stats_seen", params)
    tables = []
    for grain in GRAINS:
        drop, make = _keep(dialect, _summed(grain), str(_grouped(dialect, grain)))
        conn.execute(drop)
        conn.execute(make, params)
        tables.append((grain, _summed(grain)))
    drop, make = _keep(dialect, NEWEST, sql.newest(dialect))
    conn.execute(drop)
    conn.execute(make)
    # Summed by day as read: a backlog's batch has an offer row per hour, tens of thousands of
    # tuples held until the writer's turn (the jobs process's peak memory, BENCHMARKS.md).
    offers = conn.execute(text(f"SELECT * FROM temp.{_summed(OFFERS)}"))
    return Gathered(tuple(tables), daily.by_day(conn, offers))


def write(conn: Connection, gathered: Gathered) -> None:
    """Add a gathered batch to the rollups and the unique-click memory, on the connection that
    gathered it: one statement per table."""
    for grain, _name in gathered.tables:
        conn.execute(_copy(grain))
    daily.add_sums(conn, gathered.days)
    conn.execute(_REMEMBER_NEWEST)


def adjust(conn: Connection, transactionid: int, sign: int) -> None:
    """Add (1) or take back (-1) one folded ledger event's contribution as it stands now."""
    params = {"c_lo": 0, "c_hi": 0, "t_lo": transactionid - 1, "t_hi": transactionid}
    dialect = conn.dialect.name
    signed = {**params, "uwin": 0, "sign": sign}
    for grain in GRAINS:
        conn.execute(_fold(dialect, grain, "stats_seen", False, True), signed)
        if sign > 0:
            conn.execute(_drop_empty(dialect, grain), params)
    days = daily.add(conn, conn.execute(_signed(dialect), signed))
    if sign > 0:
        daily.drop_empty(conn, days)


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
    _staged(conn, "stats_seen_scratch", params, events=False)
    for grain in GRAINS:
        conn.execute(_fold(dialect, grain, "stats_seen_scratch", True, staged=True), params)
    conn.execute(_remember(dialect, "stats_seen_scratch"), params)
