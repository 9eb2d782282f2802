"""Queries on the global postback and void IP lists and their cache version."""

from __future__ import annotations

from sqlalchemy import Connection, bindparam, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from trackpost.core.db import utcnow
from trackpost.models.tables import IPLISTS_CACHE
from trackpost.models.tables import cache_versions as CV
from trackpost.models.tables import ip_list_entries as IP

CACHE_NAME = IPLISTS_CACHE

_ENTRIES = select(IP.c.list, IP.c.ip).order_by(IP.c.list, IP.c.ip)
_VERSION = select(CV.c.version).where(CV.c.name == CACHE_NAME)
_BUMP = update(CV).where(CV.c.name == CACHE_NAME).values(version=CV.c.version + 1)
_INSERT = {
    "postgresql": pg_insert(IP).on_conflict_do_nothing().returning(IP.c.ip),
    "sqlite": sqlite_insert(IP).on_conflict_do_nothing().returning(IP.c.ip),
}
_DELETE = (
    delete(IP).where(IP.c.list == bindparam("list"), IP.c.ip == bindparam("ip")).returning(IP.c.ip)
)
_COUNT = select(func.count()).where(IP.c.list == bindparam("list"))


def entries(conn: Connection) -> list[tuple[str, str]]:
    """Every (list, ip) entry, in a stable order."""
    return [(str(r[0]), str(r[1])) for r in conn.execute(_ENTRIES)]


def version(conn: Connection) -> int:
    return int(conn.execute(_VERSION).scalar_one())


def bump_version(conn: Connection) -> None:
    """Called in the transaction of every change, so every worker reloads the lists."""
    conn.execute(_BUMP)


def add(conn: Connection, list_name: str, ip: str) -> bool:
    """True when the entry is new."""
    row = {"list": list_name, "ip": ip, "created_at": utcnow()}
    return conn.execute(_INSERT[conn.dialect.name], row).first() is not None


def remove(conn: Connection, list_name: str, ip: str) -> bool:
    """True when the entry existed."""
    return conn.execute(_DELETE, {"list": list_name, "ip": ip}).first() is not None


def count(conn: Connection, list_name: str) -> int:
    return int(conn.execute(_COUNT, {"list": list_name}).scalar_one())
