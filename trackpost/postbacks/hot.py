"""The conversion's own two statements, compiled once per dialect and run on the DBAPI cursor.

Through `Connection.execute` a statement costs tens of microseconds of SQLAlchemy bookkeeping,
more than the database's own work on these primary-key and unique-key operations; the
conversion is the advertisers' high-volume request, so the click read and the ledger insert run
on the driver's cursor of the request's connection, inside the request's transaction (as the
click path does, with the same compiled-statement helper).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, bindparam, insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect

from trackpost.core.hot import HotStatement
from trackpost.models.tables import transactions as T
from trackpost.postbacks.repository import CLICK_CONTEXT

LEDGER_COLUMNS = tuple(c.name for c in T.columns if c.name != "transactionid")
_VALUES = {n: bindparam(n, type_=T.c[n].type) for n in LEDGER_COLUMNS}
# Skips on any unique conflict (orderid, or the click's conversion): the caller finds out which.
_INSERT = {
    "postgresql": pg_insert(T).values(_VALUES).on_conflict_do_nothing(),
    "sqlite": sqlite_insert(T).values(_VALUES).on_conflict_do_nothing(),
}
CLICK_NAMES = tuple(CLICK_CONTEXT.selected_columns.keys())


class HotConversion:
    """The pair compiled for one dialect."""

    def __init__(self, dialect: Dialect) -> None:
        self.click = HotStatement(CLICK_CONTEXT, dialect)
        stmt = _INSERT.get(dialect.name, insert(T).values(_VALUES))
        self.insert = HotStatement(stmt.returning(T.c.transactionid), dialect)

    def click_context(
        self, conn: Connection, click_hash: str, orderid: str | None
    ) -> dict[str, Any] | None:
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(
                self.click.sql, self.click.params({"hash": click_hash, "orderid": orderid})
            )
            row = cursor.fetchone()
        finally:
            cursor.close()
        return dict(zip(CLICK_NAMES, row, strict=True)) if row is not None else None

    def record(self, conn: Connection, row: Mapping[str, Any]) -> int | None:
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(self.insert.sql, self.insert.params(row))
            found = cursor.fetchone()
        finally:
            cursor.close()
        return int(found[0]) if found is not None else None


_BY_DIALECT: dict[str, HotConversion] = {}


def statements(conn: Connection) -> HotConversion:
    """The compiled pair for this connection's dialect (compiled on first use)."""
    name = conn.dialect.name
    found = _BY_DIALECT.get(name)
    if found is None:
        found = _BY_DIALECT[name] = HotConversion(conn.dialect)
    return found
