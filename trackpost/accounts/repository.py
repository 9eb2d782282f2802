"""Every query on the logins table (admins, affiliates, advertisers), built once at import."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    RowMapping,
    Select,
    bindparam,
    event,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.compiler import SQLCompiler

from trackpost.core.auth import AdminCredentials
from trackpost.core.config import IPNetwork, parse_networks
from trackpost.core.db import utcnow
from trackpost.models.tables import logins as L

_CREDENTIALS = select(
    L.c.loginid, L.c.username, L.c.api_key_hash, L.c.disabled, L.c.api_allow_ips
).where(func.lower(L.c.username) == func.lower(bindparam("username")), L.c.type == "admin")
_BY_USERNAME = select(L.c.loginid).where(func.lower(L.c.username) == func.lower(bindparam("u")))
_LIST = (
    select(L.c.loginid, L.c.username, L.c.disabled, L.c.api_allow_ips, L.c.created_at, L.c.role)
    .where(L.c.type == "admin")
    .order_by(L.c.loginid)
)
_ADVERTISER_BY_NAME = select(L.c.loginid).where(
    func.lower(L.c.username) == func.lower(bindparam("u")), L.c.type == "advertiser"
)
_ANY_ADMIN = select(L.c.loginid).where(L.c.type == "admin").limit(1)
_BY_ID = select(L).where(L.c.loginid == bindparam("loginid"))
_BY_ID_LOCKED = _BY_ID.with_for_update()
_TYPE_BY_ID = select(L.c.type).where(L.c.loginid == bindparam("loginid"))
_AFFILIATE_STATUS = select(L.c.status).where(
    L.c.loginid == bindparam("loginid"), L.c.type == "affiliate"
)
_USERNAMES = select(L.c.loginid, L.c.username).where(
    L.c.loginid.in_(bindparam("ids", expanding=True))
)
_UPDATE = update(L).where(L.c.loginid == bindparam("b_loginid"))
# The commission rules' view of the affiliates: only those with a referrer or a status other
# than active (everyone else is active with no referrer).
_REFERRAL_GRAPH = select(L.c.loginid, L.c.ref_loginid, L.c.status).where(
    L.c.type == "affiliate", (L.c.ref_loginid.is_not(None)) | (L.c.status != 0)
)
_ADVERTISER_EMAIL_OWNER = select(L.c.loginid).where(
    func.lower(L.c.email) == func.lower(bindparam("email")), L.c.type == "advertiser"
)


@lru_cache(maxsize=256)
def _allow_ips(raw: str) -> tuple[IPNetwork, ...]:
    return parse_networks(raw, "allow_ips") if raw else ()


def _credentials(row: Any) -> AdminCredentials | None:
    if row is None:
        return None
    loginid, username, key_hash, disabled, allow_ips = row
    return AdminCredentials(int(loginid), username, key_hash, bool(disabled), _allow_ips(allow_ips))


def find_credentials(conn: Connection, username: str) -> AdminCredentials | None:
    """The authentication lookup: one indexed read."""
    return _credentials(conn.execute(_CREDENTIALS, {"username": username}).first())


class CredentialReader:
    """The authentication lookup for the request pipeline, on a per-thread autocommit connection.

    Every API call authenticates, so this read is the one cost every request pays. Through a
    pooled SQLAlchemy Connection inside the request's transaction it costs several times the
    query itself (checkout, BEGIN, statement bookkeeping, COMMIT, reset); here it is the same
    statement, compiled once, on a driver connection of its own, and sees the latest committed
    state exactly as before (rotate-key and disable take effect at once, in every process).
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        compiled = _CREDENTIALS.compile(dialect=engine.dialect)
        assert isinstance(compiled, SQLCompiler)
        self._sql = compiled.string
        defaults = compiled.construct_params({"username": ""})
        order = compiled.positiontup if engine.dialect.positional else None
        self._order = tuple(order) if order is not None else None
        self._defaults = defaults
        self._local = threading.local()
        self._open: list[Any] = []
        self._lock = threading.Lock()
        event.listen(engine, "engine_disposed", lambda _engine: self.close())

    def _connection(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            pooled = self.engine.raw_connection()
            conn = pooled.driver_connection
            pooled.detach()  # ours for the thread's life, not the pool's
            if self.engine.dialect.name != "sqlite":
                conn.autocommit = True  # type: ignore[union-attr]
            with self._lock:
                self._open.append(conn)
            self._local.conn = conn
        return conn

    def _params(self, username: str) -> Any:
        values = {**self._defaults, "username": username}
        if self._order is None:
            return values
        return tuple(values[name] for name in self._order)

    def __call__(self, username: str) -> AdminCredentials | None:
        conn = self._connection()
        dbapi = self.engine.dialect.loaded_dbapi
        try:
            cursor = conn.cursor()
            try:
                cursor.execute(self._sql, self._params(username))
                rows = cursor.fetchall()  # fetchall: SQLite keeps no statement (or snapshot) open
            finally:
                cursor.close()
        except dbapi.Error as exc:
            self._discard(conn)
            raise DBAPIError.instance(self._sql, None, exc, dbapi.Error) from exc
        return _credentials(rows[0] if rows else None)

    def _discard(self, conn: Any) -> None:
        self._local.conn = None
        with self._lock:
            if conn in self._open:
                self._open.remove(conn)
        with contextlib.suppress(Exception):  # already broken; the caller re-raises the cause
            conn.close()

    def close(self) -> None:
        """Close every thread's connection (the engine is being disposed)."""
        with self._lock:
            conns, self._open = self._open, []
        for conn in conns:
            with contextlib.suppress(Exception):  # closing on shutdown; nothing else to do
                conn.close()
        self._local = threading.local()


def _first_id(conn: Connection, stmt: Select[Any], params: dict[str, Any]) -> int | None:
    """The first column of the first matching row, as an int; None when no row matches."""
    value = conn.execute(stmt, params).scalar()
    return int(value) if value is not None else None


def username_exists(conn: Connection, username: str) -> bool:
    return loginid_of(conn, username) is not None


def loginid_of(conn: Connection, username: str) -> int | None:
    """The loginid of the account (of any type) with this username, in any case."""
    return _first_id(conn, _BY_USERNAME, {"u": username})


def advertiser_id(conn: Connection, username: str) -> int | None:
    """The loginid of the advertiser with this username (any case), or None."""
    return _first_id(conn, _ADVERTISER_BY_NAME, {"u": username})


def any_admin(conn: Connection) -> bool:
    return conn.execute(_ANY_ADMIN).first() is not None


def insert_admin(conn: Connection, username: str, key_hash: str, allow_ips: str) -> int:
    values = {
        "type": "admin",
        "username": username,
        "api_key_hash": key_hash,
        "api_allow_ips": allow_ips,
        "disabled": False,
        "status": 0,
        "inhouse": False,
    }
    return insert_login(conn, values)


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


def get(conn: Connection, loginid: int, *, lock: bool = False) -> RowMapping | None:
    """One login by id; lock=True takes the row lock for a check-then-write."""
    stmt = _BY_ID_LOCKED if lock else _BY_ID
    return conn.execute(stmt, {"loginid": loginid}).mappings().first()


def account_type(conn: Connection, loginid: int) -> str | None:
    row = conn.execute(_TYPE_BY_ID, {"loginid": loginid}).first()
    return str(row[0]) if row is not None else None


def affiliate_status(conn: Connection, loginid: int) -> int | None:
    return _first_id(conn, _AFFILIATE_STATUS, {"loginid": loginid})


def referral_graph(conn: Connection) -> list[tuple[int, int | None, int]]:
    """(loginid, ref_loginid, status) of every affiliate with a referrer or not active."""
    return [(int(r[0]), r[1], int(r[2])) for r in conn.execute(_REFERRAL_GRAPH)]


def usernames(conn: Connection, loginids: Iterable[int]) -> dict[int, str]:
    ids = list(loginids)
    if not ids:
        return {}
    return {int(r.loginid): r.username for r in conn.execute(_USERNAMES, {"ids": ids})}


def advertiser_email_owner(conn: Connection, email: str) -> int | None:
    """The advertiser using this email (case-insensitively), if any."""
    return _first_id(conn, _ADVERTISER_EMAIL_OWNER, {"email": email})


def insert_login(conn: Connection, values: dict[str, Any]) -> int:
    """Insert an account joined now; returns its loginid."""
    now = utcnow()
    row = {"created_at": now, "updated_at": now, "join_date": now, **values}
    pk = conn.execute(insert(L), row).inserted_primary_key
    assert pk is not None
    return int(pk[0])


def update_login(conn: Connection, loginid: int, values: dict[str, Any]) -> None:
    conn.execute(_UPDATE, {"b_loginid": loginid, "updated_at": utcnow(), **values})


# Search filters vary per call, so the statement is assembled from these column expressions
# (search is an admin listing, not a hot path); every value is still a bound parameter.
_EXACT_CI = {"username": L.c.username, "email": L.c.email}
_EXACT = {
    "loginid": L.c.loginid,
    "status": L.c.status,
    "inhouse": L.c.inhouse,
    "payvia_type_id": L.c.payvia_type_id,
    "refid": L.c.ref_loginid,
    "firstname": L.c.firstname,
    "lastname": L.c.lastname,
    "company": L.c.company,
    "city": L.c.city,
    "state": L.c.state,
    "country": L.c.country,
    "aim": L.c.aim,
    "icq": L.c.icq,
}
# Range filters: the column and the comparison a value is held to.
_RANGES = {
    "join_before": (L.c.join_date, "lt"),
    "join_after": (L.c.join_date, "gt"),
    "min_pay_below": (L.c.minimum_payout, "lt"),
    "min_pay_at_least": (L.c.minimum_payout, "ge"),
}
_ORDER = {
    "loginid": L.c.loginid,
    "username": func.lower(L.c.username),
    "email": func.lower(L.c.email),
    "status": L.c.status,
    "firstname": L.c.firstname,
    "lastname": L.c.lastname,
    "company": L.c.company,
    "country": L.c.country,
    "join_date": L.c.join_date,
}


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search(
    conn: Connection,
    account_type: str,
    filters: dict[str, Any],
    name: str | None,
    orderby: str,
    start: int,
    count: int | None,
) -> list[RowMapping]:
    """Accounts of one type matching every given filter, in a stable order (count None: all)."""
    conds: list[ColumnElement[bool]] = [L.c.type == account_type]
    for key, value in filters.items():
        if key in _EXACT_CI:
            conds.append(func.lower(_EXACT_CI[key]) == func.lower(bindparam(key, value)))
        elif key in _EXACT:
            conds.append(_EXACT[key] == bindparam(key, value))
        elif key in _RANGES:
            col, op = _RANGES[key]
            bound = bindparam(key, value, type_=col.type)
            conds.append({"lt": col < bound, "gt": col > bound, "ge": col >= bound}[op])
        elif key == "loginids":
            conds.append(L.c.loginid.in_(bindparam("loginids", list(value), expanding=True)))
        elif key in ("url", "address"):
            pattern = f"%{_like_escape(str(value).lower())}%"
            columns = (L.c.url,) if key == "url" else (L.c.address1, L.c.address2)
            conds.append(
                or_(
                    *(
                        func.lower(func.coalesce(c, "")).like(
                            bindparam(f"{key}_{i}", pattern), escape="\\"
                        )
                        for i, c in enumerate(columns)
                    )
                )
            )
    if name:
        pattern = f"%{_like_escape(name.lower())}%"
        full = func.lower(func.coalesce(L.c.firstname, "") + " " + func.coalesce(L.c.lastname, ""))
        conds.append(
            or_(
                full.like(bindparam("name_full", pattern), escape="\\"),
                func.lower(L.c.username).like(bindparam("name_user", pattern), escape="\\"),
                func.lower(func.coalesce(L.c.company, "")).like(
                    bindparam("name_company", pattern), escape="\\"
                ),
            )
        )
    column, _, direction = orderby.partition(" ")
    sort_key = _ORDER[column]
    order = [sort_key.desc() if direction == "desc" else sort_key.asc(), L.c.loginid.asc()]
    stmt = select(L).where(*conds).order_by(*order).offset(start)
    if count is not None:
        stmt = stmt.limit(count)
    return list(conn.execute(stmt).mappings())
