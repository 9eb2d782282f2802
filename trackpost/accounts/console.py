"""Console sign-in: admins' passwords and roles, and server-side sessions (no HTTP here)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, RowMapping

from trackpost.accounts import console_repository as sessions
from trackpost.accounts import repository as repo
from trackpost.accounts.errors import AdminNotFound, InvalidPassword
from trackpost.accounts.roles import SUPPORT, check_role
from trackpost.accounts.rules import password_problem
from trackpost.core.config import IPNetwork, parse_networks
from trackpost.core.security import KeyHasher, password_hash_of
from trackpost.core.websession import new_token

# A session's last use is written at most this often: a page view is a read, not a write.
TOUCH_EVERY = dt.timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class ConsoleAdmin:
    """The signed-in admin a console request acts as."""

    loginid: int
    username: str
    role: str
    csrf_token: str
    token_hash: str
    allow_ips: tuple[IPNetwork, ...]
    # The last use is older than TOUCH_EVERY: the pipeline writes it after the page.
    stale: bool


def sign_in_account(conn: Connection, username: str) -> RowMapping | None:
    """The admin a sign-in names (password hash, disabled flag, role, allowed addresses)."""
    return sessions.console_account(conn, username[:64])


def allow_ips(raw: str | None) -> tuple[IPNetwork, ...]:
    return parse_networks(raw, "allow_ips") if raw else ()


def open_session(
    conn: Connection, hasher: KeyHasher, loginid: int, ip: str, now: dt.datetime, idle: dt.timedelta
) -> str:
    """A new session for this admin; returns its token (stored only as a keyed hash)."""
    token = new_token()
    sessions.delete_stale_sessions(conn, loginid, now - idle)
    sessions.insert_session(
        conn,
        {
            "token_hash": hasher.hash(token),
            "loginid": loginid,
            "csrf_token": new_token(),
            "created_at": now,
            "last_seen_at": now,
            "source_ip": ip[:64],
        },
    )
    return token


def find_session(
    conn: Connection,
    hasher: KeyHasher,
    token: str,
    now: dt.datetime,
    idle: dt.timedelta,
    longest: dt.timedelta,
) -> ConsoleAdmin | None:
    """The live session of this token: None when unknown, idle too long, too old or disabled."""
    token_hash = hasher.hash(token)
    row = sessions.session(conn, token_hash)
    if row is None or row["disabled"]:
        return None
    if row["last_seen_at"] <= now - idle or row["created_at"] <= now - longest:
        return None
    return ConsoleAdmin(
        loginid=int(row["loginid"]),
        username=row["username"],
        role=row["role"],
        csrf_token=row["csrf_token"],
        token_hash=token_hash,
        allow_ips=allow_ips(row["api_allow_ips"]),
        stale=row["last_seen_at"] <= now - TOUCH_EVERY,
    )


def touch_session(conn: Connection, token_hash: str, now: dt.datetime) -> None:
    sessions.touch_session(conn, token_hash, now)


def close_session(conn: Connection, token_hash: str) -> None:
    sessions.delete_session(conn, token_hash)


def check_password(password: str) -> None:
    why = password_problem(password)
    if why:
        raise InvalidPassword(f"Parameter 'password' {why}.")


def set_password(conn: Connection, username: str, password: str) -> None:
    """Give an admin a console password (a HashedPassword is stored as it is)."""
    if not isinstance(password, str) or not password:
        raise InvalidPassword("Parameter 'password' is empty.")
    if not repo.update_admin(conn, username, password_hash=password_hash_of(password)):
        raise AdminNotFound(f"No admin named '{username}'.")


def check_role_text(role: str) -> str:
    """A role typed into a form, or 400 invalid_role."""
    return check_role(role.strip())


def set_role(conn: Connection, username: str, role: str) -> None:
    """Change an admin's role; support holds no API key, so its key stops working."""
    check_role(role)
    values: dict[str, object] = {"role": role}
    if role == SUPPORT:
        values["api_key_hash"] = None
    if not repo.update_admin(conn, username, **values):
        raise AdminNotFound(f"No admin named '{username}'.")


def end_sessions(conn: Connection, loginid: int) -> None:
    """Sign an admin out everywhere (disabled, or a new password)."""
    sessions.delete_login_sessions(conn, loginid)
