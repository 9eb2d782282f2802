"""The statistics report's page in SQL: its keyed sums sorted, paged, counted and totalled by
one statement, so that only the page's rows come back."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, TextClause, bindparam, text

from trackpost.core.db import UTCDateTime
from trackpost.models.stats import MEASURES
from trackpost.stats import daily_repository as daily
from trackpost.stats import report_repository as reads
from trackpost.stats.repository import OFFERS
from trackpost.stats.sql import PAYEE_KINDS, Grain

TIME = "t"  # the time key's column in the keyed sums
_PAID = " + ".join(f"payout_{k}" for k in PAYEE_KINDS)
_EXPENSES = f"{_PAID} + fees + refund_amount"
# A figure's sort value from the summed measures, ordered as stats.figures.figures' values
# are: money in minor units, rates in signed hundredths rounded half up (so that two rates
# that show the same sort as equals).
_MONEY = {
    "income": "income",
    "refund_amount": "refund_amount",
    "fees": "fees",
    "total_payouts": f"({_PAID})",
    "total_expenses": f"({_EXPENSES})",
    "net": f"(income - ({_EXPENSES}))",
}
_RATES = {"epc": ("income", 100), "conversion_rate": ("conversions + trials", 10000)}
_DIV = {"sqlite": "(({0}) / ({1}))", "postgresql": "div({0}, {1})"}


@dataclass(frozen=True)
class Order:
    """The page's order: by a figure (a measure or one worked out from them) or by the key at
    `key`, then by every key ascending (`keys`: their columns, the report's dimensions' order;
    `texts`: those holding text, compared by code point)."""

    keys: tuple[str, ...]
    texts: frozenset[str]
    figure: str | None = None
    key: int | None = None
    descending: bool = False


def sortable(field: str) -> bool:
    """Whether a figure can be sorted on in SQL."""
    return field in MEASURES or field in _MONEY or field in _RATES


def _rate(dialect: str, numerator: str, scale: int) -> str:
    n = f"ABS(({numerator}) * {scale})"
    d = "ABS(raw_clicks)"
    hundredths = _DIV[dialect].format(f"2 * {n} + {d}", f"2 * {d}")
    negative = f"({numerator}) <> 0 AND (({numerator}) < 0) <> (raw_clicks < 0)"
    return (
        f"CASE WHEN raw_clicks = 0 THEN 0 WHEN {negative} THEN -{hundredths} ELSE {hundredths} END"
    )


def _figure(dialect: str, name: str) -> str:
    if name in _RATES:
        return _rate(dialect, *_RATES[name])
    return _MONEY.get(name, name)


@lru_cache(maxsize=128)
def _statement(dialect: str, keyed: str, order: Order) -> TextClause:
    collate = ' COLLATE "C"' if dialect == "postgresql" else ""

    def key(column: str, desc: bool = False) -> str:
        return f"{column}{collate if column in order.texts else ''}{' DESC' if desc else ''}"

    first = []
    if order.figure is not None:
        first = [_figure(dialect, order.figure) + (" DESC" if order.descending else "")]
    elif order.key is not None:
        first = [key(order.keys[order.key], order.descending)]
    by = ", ".join((*first, *(key(k) for k in order.keys)))
    cols = ", ".join(order.keys)
    # As integers: PostgreSQL sums bigints as numeric, which the driver would make Decimals.
    measures = ", ".join(f"CAST(COALESCE({m}, 0) AS BIGINT) AS {m}" for m in MEASURES)
    nulls = ", ".join(f"NULL AS {k}" for k in order.keys)
    sums = ", ".join(f"CAST(COALESCE(SUM({m}), 0) AS BIGINT) AS {m}" for m in MEASURES)
    statement = (
        f"WITH g AS ({keyed}) "
        f"SELECT 0 AS rn, COUNT(*) AS n, {nulls}, {sums} FROM g "
        f"UNION ALL SELECT * FROM (SELECT ROW_NUMBER() OVER (ORDER BY {by}) AS rn, 0 AS n, "
        f"{cols}, {measures} FROM g ORDER BY {by} LIMIT :p_count OFFSET :p_start) p"
    )
    clause = text(statement)
    binds = [bindparam(n, type_=UTCDateTime()) for n in reads.TIME_BINDS if f":{n}" in statement]
    return clause.bindparams(*binds) if binds else clause


def _keyed(
    dialect: str,
    conn: Connection,
    grain: Grain,
    group: Sequence[str],
    filters: Mapping[str, Any],
    time: tuple[str, ZoneInfo] | None,
) -> tuple[str, dict[str, Any]] | None:
    """The statement summing by every key in SQL and its own parameters (None: a time key
    must be made in Python, as for hours or an unbounded range on SQLite)."""
    names = tuple(sorted(filters))
    when = ""
    if time is not None:
        when = reads.time_sql(dialect, time[0], time[1], filters.get("from"), filters.get("until"))
        if when == "f.hour":
            return None
    if grain == OFFERS:
        bounds = reads.whole_days(daily.zone(conn), filters, time)
        if bounds is not None:
            width = 0 if time is None else reads.WIDTHS[time[0]]
            tail_when = when.replace("f.hour", "f.h")
            return reads.daily_sql(dialect, tuple(group), names, width, tail_when), bounds
    return reads.read_sql(dialect, grain, tuple(group), names, when), {}


def page(
    conn: Connection,
    grain: Grain,
    group: Sequence[str],
    filters: Mapping[str, Any],
    uwin: int,
    time: tuple[str, ZoneInfo] | None,
    order: Order,
    window: tuple[int, int],
) -> tuple[int, list[int], list[tuple[Any, ...]]] | None:
    """(how many keys, the summed measures over all, the rows of `window` (start, count): the
    keys in `order.keys`' order, then the measures); None when the keys cannot all be made in
    SQL (the caller sums `reads.totals`' rows then)."""
    dialect = conn.dialect.name
    keyed = _keyed(dialect, conn, grain, group, filters, time)
    if keyed is None:
        return None
    statement, extra = keyed
    params = {f"f_{k}": v for k, v in filters.items()}
    params.update(extra, p_start=window[0], p_count=window[1])
    rows = conn.execute(
        _statement(dialect, statement, order), {**reads.tail_bounds(conn, uwin), **params}
    )
    width = len(order.keys)
    head, *body = sorted((tuple(r) for r in rows), key=lambda r: int(r[0]))
    totals = list(head[2 + width :])
    page_rows = [r[2:] for r in body]
    return int(head[1]), totals, page_rows
