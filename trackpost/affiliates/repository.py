"""Queries on affiliate and advertiser logins, payout details and affiliate managers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    RowMapping,
    Table,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from trackpost.affiliates.errors import UsernameTaken
from trackpost.core.db import utcnow
from trackpost.models.accounts import AffiliateManager
from trackpost.models.tables import logins as L
from trackpost.models.tables import payvia_info as PI
from trackpost.models.tables import payvia_types as PT

AM = cast(Table, AffiliateManager.__table__)

_BY_ID = select(L).where(L.c.loginid == bindparam("loginid"))
_BY_ID_LOCKED = _BY_ID.with_for_update()
_USERNAME = select(L.c.loginid).where(func.lower(L.c.username) == func.lower(bindparam("u")))
_TYPE_BY_ID = select(L.c.loginid, L.c.type).where(L.c.loginid == bindparam("loginid"))
_UPDATE = update(L).where(L.c.loginid == bindparam("b_loginid"))
_PAYVIA_TYPE = select(PT.c.payvia_type_id, PT.c.name, PT.c.enabled).where(
    PT.c.payvia_type_id == bindparam("id")
)
_PAYVIA_INFO = (
    select(PI.c.loginid, PI.c.field, PI.c.value)
    .where(PI.c.loginid.in_(bindparam("ids", expanding=True)))
    .order_by(PI.c.loginid, PI.c.field)
)
_DELETE_PAYVIA_INFO = delete(PI).where(PI.c.loginid == bindparam("b_loginid"))
_INSERT_PAYVIA_INFO = insert(PI)
_HAS_MANAGER = select(AM.c.loginid).where(
    AM.c.loginid == bindparam("loginid"), AM.c.manager_loginid == bindparam("manager")
)
_INSERT_MANAGER = insert(AM)
_MANAGERS = (
    select(AM.c.loginid, AM.c.manager_loginid)
    .where(AM.c.loginid.in_(bindparam("ids", expanding=True)))
    .order_by(AM.c.loginid, AM.c.manager_loginid)
)


def get(conn: Connection, loginid: int, *, lock: bool = False) -> RowMapping | None:
    """One login by id; lock=True takes the row lock for a check-then-write."""
    stmt = _BY_ID_LOCKED if lock else _BY_ID
    return conn.execute(stmt, {"loginid": loginid}).mappings().first()


def account_type(conn: Connection, loginid: int) -> str | None:
    row = conn.execute(_TYPE_BY_ID, {"loginid": loginid}).first()
    return str(row.type) if row is not None else None


def username_taken(conn: Connection, username: str) -> bool:
    return conn.execute(_USERNAME, {"u": username}).first() is not None


def insert_login(conn: Connection, values: dict[str, Any]) -> int:
    """Insert an account; a concurrent duplicate username surfaces as UsernameTaken, not a 500."""
    now = utcnow()
    row = {"created_at": now, "updated_at": now, "join_date": now, **values}
    try:
        result = conn.execute(insert(L), row)
    except IntegrityError as exc:
        if "username" in str(exc.orig).lower():
            raise UsernameTaken(f"Username '{values.get('username')}' is already taken.") from None
        raise
    pk = result.inserted_primary_key
    assert pk is not None
    return int(pk[0])


def update_login(conn: Connection, loginid: int, values: dict[str, Any]) -> None:
    conn.execute(_UPDATE, {"b_loginid": loginid, "updated_at": utcnow(), **values})


def payvia_type(conn: Connection, payvia_type_id: int) -> RowMapping | None:
    return conn.execute(_PAYVIA_TYPE, {"id": payvia_type_id}).mappings().first()


def replace_payvia_info(conn: Connection, loginid: int, pairs: Sequence[tuple[str, str]]) -> None:
    """An affiliate's payout details are one set: a new set replaces the old one."""
    conn.execute(_DELETE_PAYVIA_INFO, {"b_loginid": loginid})
    if pairs:
        conn.execute(
            _INSERT_PAYVIA_INFO, [{"loginid": loginid, "field": f, "value": v} for f, v in pairs]
        )


def payvia_info(conn: Connection, loginids: Iterable[int]) -> dict[int, list[tuple[str, str]]]:
    out: dict[int, list[tuple[str, str]]] = {}
    ids = list(loginids)
    if ids:
        for row in conn.execute(_PAYVIA_INFO, {"ids": ids}):
            out.setdefault(int(row.loginid), []).append((row.field, row.value))
    return out


def add_manager(conn: Connection, loginid: int, manager: int) -> bool:
    """Add a manager; False when that manager was already assigned."""
    if conn.execute(_HAS_MANAGER, {"loginid": loginid, "manager": manager}).first():
        return False
    conn.execute(
        _INSERT_MANAGER, {"loginid": loginid, "manager_loginid": manager, "created_at": utcnow()}
    )
    return True


def managers(conn: Connection, loginids: Iterable[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    ids = list(loginids)
    if ids:
        for row in conn.execute(_MANAGERS, {"ids": ids}):
            out.setdefault(int(row.loginid), []).append(int(row.manager_loginid))
    return out


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
    count: int,
) -> list[RowMapping]:
    """Accounts of one type matching every given filter, in a stable order."""
    conds: list[ColumnElement[bool]] = [L.c.type == account_type]
    for key, value in filters.items():
        if key in _EXACT_CI:
            conds.append(func.lower(_EXACT_CI[key]) == func.lower(bindparam(key, value)))
        elif key in _EXACT:
            conds.append(_EXACT[key] == bindparam(key, value))
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
    stmt = select(L).where(*conds).order_by(*order).offset(start).limit(count)
    return list(conn.execute(stmt).mappings())
