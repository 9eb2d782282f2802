"""The SQL the fold and the reports share: a click's and a ledger event's contribution to a
rollup row, written once per dialect (hour truncation and time differences differ)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Grain:
    """One rollup table, the keys it sums by beside the hour, and its figures."""

    table: str
    keys: tuple[str, ...]
    measures: tuple[str, ...]


_HOUR = {
    "sqlite": "strftime('%Y-%m-%d %H:00:00.000000', {})",
    "postgresql": "(date_trunc('hour', {} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')",
}
_SECONDS = {
    "sqlite": "((julianday({0}) - julianday({1})) * 86400.0)",
    "postgresql": "EXTRACT(EPOCH FROM ({0} - {1}))",
}
# What each key is on a click row (c) and on a ledger row (t, with its click c and offer o).
_CLICK_KEY = {
    "advertiserid": "COALESCE(o.advertiserid, 0)",
    **{k: f"COALESCE(c.{k}, 0)" for k in ("programid", "campaignid", "adtoolid")},
    **{k: f"c.{k}" for k in ("loginid", "offerid", "landing_pageid")},
    **{k: f"COALESCE(c.{k}, '')" for k in ("country", "device_type", "device_os")},
    "device_browser": "COALESCE(c.device_browser, '')",
    **{f"subaff{i}": f"COALESCE(c.subaff{i}, '')" for i in range(1, 6)},
}
_TXN_KEY = {
    **_CLICK_KEY,
    **{
        k: f"COALESCE(t.{k}, 0)"
        for k in ("loginid", "offerid", "landing_pageid", "campaignid", "adtoolid", "programid")
    },
}
_COUNTED = "t.status NOT IN ('pending', 'denied')"
_KIND_COUNTS = {
    "conversions": "initial",
    "trials": "trial",
    "goals": "goal",
    "continuity": "continuity",
    "refunds": "refund",
    "voids": "void",
    "chargebacks": "chargeback",
    "reversals": "reversal",
}
PAYEE_KINDS = ("affiliate", "referral", "manager", "partner")


def hour(dialect: str, column: str) -> str:
    """The UTC hour a timestamp column falls in, as the rollups store it."""
    return _HOUR[dialect].format(column)


def click_rows(dialect: str, keys: tuple[str, ...], seen: str, extra_where: str = "") -> str:
    """One row per click in (:c_lo, :c_hi]: its hour, keys and whether it is unique.

    Unique: the same IP's previous click on the offer (by clickid; the fold's memory `seen`
    holds it for clicks already folded) is at least the offer's ip_uniqueness_seconds (else
    :uwin) older, or there is none. Clicks without an IP are all unique.
    """
    prev = "COALESCE(LAG(c.created_at) OVER w, s.last_at)"
    gap = _SECONDS[dialect].format("c.created_at", prev)
    unique = (
        f"CASE WHEN c.ip IS NULL OR {prev} IS NULL THEN 1 "
        f"WHEN {gap} >= COALESCE(o.ip_uniqueness_seconds, :uwin) THEN 1 ELSE 0 END"
    )
    cols = ", ".join(f"{_CLICK_KEY[k]} AS {k}" for k in keys)
    return (
        f"SELECT c.clickid AS clickid, c.ip AS ip, c.created_at AS created_at, "
        f"{hour(dialect, 'c.created_at')} AS hour, {cols}, {unique} AS uniq "
        "FROM clicks c LEFT JOIN offers o ON o.offerid = c.offerid "
        f"LEFT JOIN {seen} s ON s.offerid = c.offerid AND s.ip = c.ip "
        f"WHERE c.clickid > :c_lo AND c.clickid <= :c_hi {extra_where} "
        "WINDOW w AS (PARTITION BY c.ip, c.offerid ORDER BY c.clickid)"
    )


def _txn_rows(dialect: str, keys: tuple[str, ...], extra_where: str = "") -> str:
    """One row per ledger event in (:t_lo, :t_hi]: hour, keys and every figure it adds."""
    cols = ", ".join(f"{_TXN_KEY[k]} AS {k}" for k in keys)
    counts = ", ".join(
        f"CASE WHEN {_COUNTED} AND t.trans_type = '{kind}' THEN 1 ELSE 0 END AS {name}"
        for name, kind in _KIND_COUNTS.items()
    )
    money = (
        f"CASE WHEN {_COUNTED} AND t.trans_type <> 'refund' THEN t.amount ELSE 0 END AS income, "
        f"CASE WHEN {_COUNTED} AND t.trans_type = 'refund' THEN -t.amount ELSE 0 END "
        "AS refund_amount, "
        f"CASE WHEN {_COUNTED} THEN t.chargeback_cost ELSE 0 END AS fees, "
        + ", ".join(
            f"CASE WHEN {_COUNTED} THEN COALESCE(p.{k}, 0) ELSE 0 END AS payout_{k}"
            for k in PAYEE_KINDS
        )
    )
    sums = ", ".join(
        f"SUM(CASE WHEN kind = '{k}' THEN amount ELSE 0 END) AS {k}" for k in PAYEE_KINDS
    )
    return (
        f"SELECT {hour(dialect, 't.created_at')} AS hour, {cols}, 0 AS raw_clicks, "
        f"0 AS unique_clicks, {counts}, {money} "
        "FROM transactions t LEFT JOIN clicks c ON c.click_hash = t.click_hash "
        "LEFT JOIN offers o ON o.offerid = t.offerid "
        f"LEFT JOIN (SELECT transactionid, {sums} FROM transaction_payouts "
        "WHERE transactionid > :t_lo AND transactionid <= :t_hi GROUP BY transactionid) p "
        "ON p.transactionid = t.transactionid "
        f"WHERE t.transactionid > :t_lo AND t.transactionid <= :t_hi {extra_where}"
    )


BATCH = {"sqlite": "temp.stats_batch", "postgresql": "pg_temp.stats_batch"}
TBATCH = {"sqlite": "temp.stats_tbatch", "postgresql": "pg_temp.stats_tbatch"}


def stage(dialect: str, keys: tuple[str, ...], seen: str) -> tuple[str, str]:
    """The fold's clicks, worked out once (uniqueness included) for every grain to read: the
    empty table's creation (no parameters: PostgreSQL takes none in CREATE TABLE AS), then its
    filling."""
    rows = click_rows(dialect, keys, seen)
    empty = rows.replace(":c_lo", "0").replace(":c_hi", "0").replace(":uwin", "0")
    return f"CREATE TEMP TABLE stats_batch AS {empty}", f"INSERT INTO {BATCH[dialect]} {rows}"


def stage_txns(dialect: str, keys: tuple[str, ...]) -> tuple[str, str]:
    """The fold's ledger events, worked out once for every grain to read (as `stage`)."""
    rows = _txn_rows(dialect, keys)
    empty = rows.replace(":t_lo", "0").replace(":t_hi", "0")
    return f"CREATE TEMP TABLE stats_tbatch AS {empty}", f"INSERT INTO {TBATCH[dialect]} {rows}"


def contributions(
    dialect: str, grain: Grain, seen: str = "stats_seen", window: str = "", batch: str = ""
) -> str:
    """Every click's and event's figures in the cursor ranges, keyed as the grain keys them.

    `window` adds a condition on created_at (the rebuild's range) to both; `batch` reads the
    clicks from the staged table instead of working them out again, and, without `window`,
    the events from theirs.
    """
    keys = grain.keys
    zeros = ", ".join(f"0 AS {m}" for m in grain.measures[2:])
    key_list = ", ".join(keys)
    source = batch or f"({click_rows(dialect, keys, seen)})"
    clicks = (
        f"SELECT hour, {key_list}, 1 AS raw_clicks, uniq AS unique_clicks, {zeros} "
        f"FROM {source} cr" + (f" WHERE {window.replace('{t}', 'cr')}" if window else "")
    )
    if batch and not window:  # the fold: its events are staged too
        txns = f"SELECT hour, {key_list}, {', '.join(grain.measures)} FROM {TBATCH[dialect]}"
    else:
        txns = _txn_rows(dialect, keys, f"AND {window.replace('{t}', 't')}" if window else "")
    return f"{clicks} UNION ALL {txns}"


def grouped(
    dialect: str,
    grain: Grain,
    seen: str = "stats_seen",
    window: str = "",
    signed: bool = False,
    batch: str = "",
) -> str:
    """The contributions in the cursor ranges summed per rollup row of the grain."""
    cols = ", ".join(("hour", *grain.keys))
    factor = " * :sign" if signed else ""
    sums = ", ".join(f"SUM({m}){factor}" for m in grain.measures)
    return (
        f"SELECT {cols}, {sums} FROM ({contributions(dialect, grain, seen, window, batch)}) f "
        f"WHERE 1 = 1 GROUP BY {cols}"
    )


def on_conflict_add(grain: Grain) -> str:
    """The upsert clause that adds a row's figures to the grain's existing row."""
    return _add(grain)


def _add(grain: Grain) -> str:
    cols = ", ".join(("hour", *grain.keys))
    add = ", ".join(f"{m} = {grain.table}.{m} + excluded.{m}" for m in grain.measures)
    return f"ON CONFLICT ({cols}) DO UPDATE SET {add}"


def fold(
    dialect: str,
    grain: Grain,
    seen: str = "stats_seen",
    window: str = "",
    signed: bool = False,
    batch: str = "",
) -> str:
    """Add the contributions in the cursor ranges to the grain's rollup rows: one statement
    (`signed`: times :sign, so that -1 takes a row's contribution back out)."""
    cols = ", ".join(("hour", *grain.keys, *grain.measures))
    select = grouped(dialect, grain, seen, window, signed, batch)
    return f"INSERT INTO {grain.table} ({cols}) {select} {_add(grain)}"


def newest(dialect: str) -> str:
    """Each (offer, IP)'s newest staged click (by clickid): what the memory keeps of a batch."""
    return (
        "SELECT offerid, ip, created_at FROM (SELECT b.offerid, b.ip, b.created_at, "
        "ROW_NUMBER() OVER (PARTITION BY b.offerid, b.ip ORDER BY b.clickid DESC) AS r "
        f"FROM {BATCH[dialect]} b WHERE b.ip IS NOT NULL) x WHERE r = 1"
    )


_REMEMBER = "ON CONFLICT (offerid, ip) DO UPDATE SET last_at = excluded.last_at"


def remember(dialect: str, seen: str) -> str:
    """Record each (offer, IP)'s newest staged click (by clickid) in the fold's memory."""
    return f"INSERT INTO {seen} (offerid, ip, last_at) {newest(dialect)} {_REMEMBER}"


def drop_empty(dialect: str, grain: Grain) -> str:
    """Delete the rollup rows of one transaction's hour whose every figure is zero."""
    zero = " AND ".join(f"{m} = 0" for m in grain.measures)
    return (
        f"DELETE FROM {grain.table} WHERE {zero} AND hour = (SELECT "
        f"{hour(dialect, 't.created_at')} FROM transactions t WHERE t.transactionid = :t_hi)"
    )
