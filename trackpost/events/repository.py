"""Queries on the event log and its cursors."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Connection, and_, bindparam, literal_column, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.elements import ColumnClause

from trackpost.core.hot import Hot
from trackpost.models.tables import EVENTS_CACHE
from trackpost.models.tables import cache_versions as CV
from trackpost.models.tables import event_cursors as C
from trackpost.models.tables import events as E

_VALUES: dict[str, Any] = {
    "type": bindparam("type"),
    "customer_id": bindparam("customer_id"),
    "payload": bindparam("payload"),
    "created_at": bindparam("created_at"),
}
# PostgreSQL stamps each row with its transaction's id: a reader then takes only rows of
# transactions older than every running one, so a row committed later never appears before
# a row already read (ids from a sequence are not in commit order there).
_XID: ColumnClause[int] = literal_column("pg_current_xact_id()::text::bigint", BigInteger())
_INSERT = {
    "sqlite": Hot(E.insert().values(_VALUES)),
    "postgresql": Hot(E.insert().values({**_VALUES, "txid": _XID})),
}
_VERSION = Hot(select(CV.c.version).where(CV.c.name == literal_column(f"'{EVENTS_CACHE}'")))
_BUMP = CV.update().where(CV.c.name == EVENTS_CACHE).values(version=CV.c.version + 1)
_COLUMNS = (E.c.id, E.c.type, E.c.customer_id, E.c.payload, E.c.created_at, E.c.txid)
_XMIN: ColumnClause[int] = literal_column(
    "pg_snapshot_xmin(pg_current_snapshot())::text::bigint", BigInteger()
)
_PENDING = {
    # SQLite has one writer: ids are in commit order.
    "sqlite": select(*_COLUMNS)
    .where(E.c.id > bindparam("last_id"))
    .order_by(E.c.id)
    .limit(bindparam("lim")),
    "postgresql": select(*_COLUMNS)
    .where(
        or_(
            E.c.txid > bindparam("txid"),
            and_(E.c.txid == bindparam("txid"), E.c.id > bindparam("last_id")),
        ),
        E.c.txid < _XMIN,
    )
    .order_by(E.c.txid, E.c.id)
    .limit(bindparam("lim")),
}
# Locked: two processes running one consumer take turns instead of reading the same events.
_CURSOR = (
    select(C.c.txid, C.c.last_id).where(C.c.consumer == bindparam("consumer")).with_for_update()
)
_ENSURE = {
    "sqlite": sqlite_insert(C).on_conflict_do_nothing(),
    "postgresql": pg_insert(C).on_conflict_do_nothing(),
}
_UPSERT = {
    "sqlite": sqlite_insert(C).on_conflict_do_update(
        index_elements=[C.c.consumer],
        set_={"txid": bindparam("b_txid"), "last_id": bindparam("b_last_id")},
    ),
    "postgresql": pg_insert(C).on_conflict_do_update(
        index_elements=[C.c.consumer],
        set_={"txid": bindparam("b_txid"), "last_id": bindparam("b_last_id")},
    ),
}


def insert(conn: Connection, values: dict[str, Any]) -> None:
    """Append one event; under group commit it goes in with the batch's rows before COMMIT."""
    _INSERT[conn.dialect.name].later(conn, values)


def cursor(conn: Connection, consumer: str) -> tuple[int, int]:
    """(txid, last id) this consumer has read through, its row locked until the commit."""
    conn.execute(_ENSURE[conn.dialect.name], {"consumer": consumer, "txid": 0, "last_id": 0})
    row = conn.execute(_CURSOR, {"consumer": consumer}).one()
    return int(row[0]), int(row[1])


def after(conn: Connection, txid: int, last_id: int, limit: int) -> list[Any]:
    """Committed rows after the position, in the order safe to read."""
    params = {"txid": txid, "last_id": last_id, "lim": limit}
    return list(conn.execute(_PENDING[conn.dialect.name], params))


def move(conn: Connection, consumer: str, txid: int, last_id: int) -> None:
    values = {"consumer": consumer, "txid": txid, "last_id": last_id}
    conn.execute(_UPSERT[conn.dialect.name], {**values, "b_txid": txid, "b_last_id": last_id})


def version(conn: Connection) -> int | None:
    """The log's cache version (what subscriptions want recorded); None before the migration."""
    found = _VERSION.scalar(conn, {})
    return None if found is None else int(found)


def bump_version(conn: Connection) -> None:
    conn.execute(_BUMP)
