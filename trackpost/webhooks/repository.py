"""Queries on webhook endpoints."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, RowMapping, bindparam, select

from trackpost.models.tables import webhook_endpoints as W

_ALL = select(W).order_by(W.c.endpointid)
_ACTIVE = select(W.c.endpointid, W.c.url, W.c.events).where(W.c.active.is_(True))
_ACTIVE_EVENTS = select(W.c.events).where(W.c.active.is_(True)).distinct()
_ONE = select(W).where(W.c.endpointid == bindparam("eid"))
_SECRETS = select(W.c.endpointid, W.c.secret).where(
    W.c.endpointid.in_(bindparam("ids", expanding=True))
)


def insert(conn: Connection, row: dict[str, Any]) -> int:
    return int(conn.execute(W.insert().values(row).returning(W.c.endpointid)).scalar_one())


def update(conn: Connection, endpointid: int, values: dict[str, Any]) -> None:
    conn.execute(W.update().where(W.c.endpointid == endpointid).values(values))


def delete(conn: Connection, endpointid: int) -> None:
    conn.execute(W.delete().where(W.c.endpointid == endpointid))


def one(conn: Connection, endpointid: int, *, for_update: bool = False) -> RowMapping | None:
    stmt = _ONE.with_for_update() if for_update else _ONE
    return conn.execute(stmt, {"eid": endpointid}).mappings().first()


def every(conn: Connection) -> list[RowMapping]:
    return list(conn.execute(_ALL).mappings())


def active(conn: Connection) -> list[RowMapping]:
    return list(conn.execute(_ACTIVE).mappings())


def secrets(conn: Connection, ids: list[int]) -> dict[int, str]:
    return {int(r[0]): str(r[1]) for r in conn.execute(_SECRETS, {"ids": sorted(set(ids))})}


def active_events(conn: Connection) -> list[str]:
    """The event filters of the active endpoints (comma lists), each once."""
    return [str(r[0]) for r in conn.execute(_ACTIVE_EVENTS)]
