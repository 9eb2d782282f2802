"""The console's queries: an admin's sign-in row, and the server-side sessions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Connection,
    RowMapping,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)

from trackpost.models.tables import admin_sessions as S
from trackpost.models.tables import logins as L

_CONSOLE_ACCOUNT = select(
    L.c.loginid, L.c.username, L.c.password_hash, L.c.disabled, L.c.role, L.c.api_allow_ips
).where(func.lower(L.c.username) == func.lower(bindparam("u")), L.c.type == "admin")
_SESSION = (
    select(
        S.c.loginid,
        S.c.csrf_token,
        S.c.created_at,
        S.c.last_seen_at,
        L.c.username,
        L.c.role,
        L.c.disabled,
        L.c.api_allow_ips,
    )
    .join_from(S, L, S.c.loginid == L.c.loginid)
    .where(S.c.token_hash == bindparam("h"))
)
_TOUCH_SESSION = (
    update(S).where(S.c.token_hash == bindparam("b_h")).values(last_seen_at=bindparam("b_now"))
)
_DELETE_SESSION = delete(S).where(S.c.token_hash == bindparam("h"))
_DELETE_STALE = delete(S).where(
    S.c.loginid == bindparam("loginid"), S.c.last_seen_at < bindparam("before")
)
_DELETE_LOGIN_SESSIONS = delete(S).where(S.c.loginid == bindparam("loginid"))


def console_account(conn: Connection, username: str) -> RowMapping | None:
    """The admin of this username (any case) with its password hash and role, or None."""
    return conn.execute(_CONSOLE_ACCOUNT, {"u": username}).mappings().first()


def insert_session(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(insert(S), values)


def session(conn: Connection, token_hash: str) -> RowMapping | None:
    """A session with its admin's name, role, state and allowed addresses."""
    return conn.execute(_SESSION, {"h": token_hash}).mappings().first()


def touch_session(conn: Connection, token_hash: str, now: Any) -> None:
    conn.execute(_TOUCH_SESSION, {"b_h": token_hash, "b_now": now})


def delete_session(conn: Connection, token_hash: str) -> None:
    conn.execute(_DELETE_SESSION, {"h": token_hash})


def delete_stale_sessions(conn: Connection, loginid: int, before: Any) -> None:
    conn.execute(_DELETE_STALE, {"loginid": loginid, "before": before})


def delete_login_sessions(conn: Connection, loginid: int) -> None:
    conn.execute(_DELETE_LOGIN_SESSIONS, {"loginid": loginid})
