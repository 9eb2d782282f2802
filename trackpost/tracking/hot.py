"""The click path's two statements, compiled once from Core and run on the DBAPI cursor.

A click is the highest-volume request of the system. Through `Connection.execute` each statement
costs about 50 microseconds of SQLAlchemy bookkeeping, several times the database's own work, so
these two run directly on the driver's cursor of the request's connection, inside the request's
transaction. They are still the Core statements below: compiled once per dialect, with each
column type's own bind processor (UTC timestamps are stored exactly as Core stores them).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select
from sqlalchemy.engine import Dialect

from trackpost.core.hot import HotStatement
from trackpost.models.tables import cache_versions as CV
from trackpost.models.tables import clicks as C

CACHE_NAME = "tracking"
CLICK_COLUMNS = tuple(c.name for c in C.columns if c.name != "clickid")
_VERSION = select(CV.c.version).where(CV.c.name == bindparam("name"))
# inline(): no RETURNING of the new id, which nothing on the click path needs.
_INSERT_CLICK = (
    insert(C).inline().values({n: bindparam(n, type_=C.c[n].type) for n in CLICK_COLUMNS})
)


class HotStatements:
    """The compiled pair for one engine's dialect."""

    def __init__(self, dialect: Dialect) -> None:
        self.version = HotStatement(_VERSION, dialect)
        self.insert_click = HotStatement(_INSERT_CLICK, dialect)
        self._version_params = self.version.params({"name": CACHE_NAME})

    def read_version(self, conn: Connection) -> int:
        """The tracking cache version, read on the request's own connection and transaction."""
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(self.version.sql, self._version_params)
            row = cursor.fetchone()
        finally:
            cursor.close()
        return int(row[0])

    def add_click(self, conn: Connection, row: Mapping[str, Any]) -> None:
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(self.insert_click.sql, self.insert_click.params(row))
        finally:
            cursor.close()


_BY_DIALECT: dict[str, HotStatements] = {}


def statements(conn: Connection) -> HotStatements:
    """The compiled statements for this connection's dialect (compiled on first use)."""
    dialect = conn.dialect
    found = _BY_DIALECT.get(dialect.name)
    if found is None:
        found = _BY_DIALECT[dialect.name] = HotStatements(dialect)
    return found
