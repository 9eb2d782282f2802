"""Queries on admin logins; statements are built once at import."""

from __future__ import annotations

from sqlalchemy import Connection, RowMapping, bindparam, func, insert, select, update

from trackpost.core.auth import AdminCredentials
from trackpost.core.config import parse_networks
from trackpost.core.db import utcnow
from trackpost.models.tables import logins as L

_CREDENTIALS = select(
    L.c.loginid, L.c.username, L.c.api_key_hash, L.c.disabled, L.c.api_allow_ips
).where(func.lower(L.c.username) == func.lower(bindparam("username")), L.c.type == "admin")
_BY_USERNAME = select(L.c.loginid).where(func.lower(L.c.username) == func.lower(bindparam("u")))
_LIST = (
    select(L.c.loginid, L.c.username, L.c.disabled, L.c.api_allow_ips, L.c.created_at)
    .where(L.c.type == "admin")
    .order_by(L.c.loginid)
)
_ANY_ADMIN = select(L.c.loginid).where(L.c.type == "admin").limit(1)


def find_credentials(conn: Connection, username: str) -> AdminCredentials | None:
    """The authentication lookup: one indexed read."""
    row = conn.execute(_CREDENTIALS, {"username": username}).first()
    if row is None:
        return None
    nets = parse_networks(row.api_allow_ips, "allow_ips") if row.api_allow_ips else ()
    return AdminCredentials(row.loginid, row.username, row.api_key_hash, row.disabled, nets)


def username_exists(conn: Connection, username: str) -> bool:
    return conn.execute(_BY_USERNAME, {"u": username}).first() is not None


def any_admin(conn: Connection) -> bool:
    return conn.execute(_ANY_ADMIN).first() is not None


def insert_admin(conn: Connection, username: str, key_hash: str, allow_ips: str) -> int:
    now = utcnow()
    result = conn.execute(
        insert(L).values(
            type="admin",
            username=username,
            api_key_hash=key_hash,
            api_allow_ips=allow_ips,
            disabled=False,
            status=0,
            inhouse=False,
            join_date=now,
            created_at=now,
            updated_at=now,
        )
    )
    pk = result.inserted_primary_key
    assert pk is not None
    return int(pk[0])


def list_admins(conn: Connection) -> list[RowMapping]:
    return list(conn.execute(_LIST).mappings())


def update_admin(conn: Connection, username: str, **values: object) -> bool:
    """Update an admin by username; False when there is no such admin."""
    stmt = (
        update(L)
        .where(func.lower(L.c.username) == func.lower(username), L.c.type == "admin")
        .values(updated_at=utcnow(), **values)
    )
    return conn.execute(stmt).rowcount == 1
