"""Queries on affiliates' payout details and managers (the login rows are accounts')."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import cast

from sqlalchemy import (
    Connection,
    RowMapping,
    Table,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)

from trackpost.core.db import utcnow
from trackpost.models.accounts import AffiliateManager
from trackpost.models.tables import payvia_info as PI
from trackpost.models.tables import payvia_types as PT

AM = cast(Table, AffiliateManager.__table__)

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
_EVERY_MANAGER = select(AM.c.loginid, AM.c.manager_loginid).order_by(
    AM.c.loginid, AM.c.manager_loginid
)
_MANAGERS = (
    select(AM.c.loginid, AM.c.manager_loginid)
    .where(AM.c.loginid.in_(bindparam("ids", expanding=True)))
    .order_by(AM.c.loginid, AM.c.manager_loginid)
)


def payvia_type(conn: Connection, payvia_type_id: int) -> RowMapping | None:
    return conn.execute(_PAYVIA_TYPE, {"id": payvia_type_id}).mappings().first()


def set_payvia_enabled(conn: Connection, payvia_type_id: int, enabled: bool) -> None:
    stmt = update(PT).where(PT.c.payvia_type_id == payvia_type_id).values(enabled=enabled)
    conn.execute(stmt)


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


_MANAGED_BY = select(AM.c.loginid).where(AM.c.manager_loginid == bindparam("manager"))
_DETAIL_OWNERS = (
    select(PI.c.loginid)
    .where(func.lower(PI.c.value).like(bindparam("pattern"), escape="\\"))
    .distinct()
)


def managed_by(conn: Connection, manager: int) -> list[int]:
    """The affiliates a manager manages."""
    return [int(r.loginid) for r in conn.execute(_MANAGED_BY, {"manager": manager})]


def payvia_detail_owners(conn: Connection, fragment: str) -> list[int]:
    """The accounts with a payout detail value containing the fragment (any case)."""
    escaped = fragment.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = conn.execute(_DETAIL_OWNERS, {"pattern": f"%{escaped}%"})
    return [int(r.loginid) for r in rows]


def every_manager(conn: Connection) -> list[tuple[int, int]]:
    """Every (affiliate, manager) pair."""
    return [(int(r[0]), int(r[1])) for r in conn.execute(_EVERY_MANAGER)]
