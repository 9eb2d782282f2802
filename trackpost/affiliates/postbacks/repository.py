"""Queries on affiliate postbacks and event settings, and the batched reads that fill their
variables (the delivery fan-out's, off every request path)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, RowMapping, bindparam, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from trackpost.models.tables import affiliate_postbacks as P
from trackpost.models.tables import clicks as C
from trackpost.models.tables import customers as U
from trackpost.models.tables import landing_pages as L
from trackpost.models.tables import offers as O
from trackpost.models.tables import postback_event_settings as E
from trackpost.models.tables import transactions as T

_ONE = select(P).where(P.c.postbackid == bindparam("pid"))
_FOR_AFFILIATES = select(P).where(
    P.c.loginid.in_(bindparam("ids", expanding=True)),
    P.c.active.is_(True),
    P.c.kind == bindparam("kind"),
)
_ACTIVE_EVENTS = (
    select(P.c.event).where(P.c.active.is_(True), P.c.kind == bindparam("kind")).distinct()
)
_SETTINGS = select(E).where(E.c.loginid.in_(bindparam("ids", expanding=True)))
_CLICKS = select(C).where(C.c.click_hash.in_(bindparam("hashes", expanding=True)))
_CUSTOMERS = select(U).where(U.c.customer_id.in_(bindparam("ids", expanding=True)))
_CONVERSION_TYPE = select(L.c.conversion_type).where(L.c.landing_pageid == bindparam("lp"))
_TRANSACTIONS = select(T).where(T.c.transactionid.in_(bindparam("ids", expanding=True)))
_CONVERSION = select(T).where(T.c.click_hash == bindparam("hash"), T.c.trans_type == "initial")
_OFFERS = select(O.c.offerid, O.c.no_personal_member_info).where(
    O.c.offerid.in_(bindparam("ids", expanding=True))
)


def insert(conn: Connection, row: dict[str, Any]) -> int:
    return int(conn.execute(P.insert().values(row).returning(P.c.postbackid)).scalar_one())


def update(conn: Connection, postbackid: int, values: dict[str, Any]) -> None:
    conn.execute(P.update().where(P.c.postbackid == postbackid).values(values))


def delete(conn: Connection, postbackid: int) -> None:
    conn.execute(P.delete().where(P.c.postbackid == postbackid))


def one(conn: Connection, postbackid: int, *, for_update: bool = False) -> RowMapping | None:
    stmt = _ONE.with_for_update() if for_update else _ONE
    return conn.execute(stmt, {"pid": postbackid}).mappings().first()


def listing(conn: Connection, filters: dict[str, Any]) -> list[RowMapping]:
    where = [getattr(P.c, k) == v for k, v in filters.items() if v is not None]
    return list(conn.execute(select(P).where(*where).order_by(P.c.postbackid)).mappings())


def for_affiliates(conn: Connection, loginids: Sequence[int], kind: str) -> list[RowMapping]:
    if not loginids:
        return []
    params = {"ids": sorted(set(loginids)), "kind": kind}
    return list(conn.execute(_FOR_AFFILIATES, params).mappings())


def active_events(conn: Connection, kind: str) -> list[str]:
    """The events the active subscriptions of a kind fire on, each once."""
    return [str(r[0]) for r in conn.execute(_ACTIVE_EVENTS, {"kind": kind})]


def settings(conn: Connection, loginids: Sequence[int]) -> dict[tuple[int, str], bool]:
    rows = conn.execute(_SETTINGS, {"ids": sorted({0, *loginids})})
    return {(int(r.loginid), str(r.event)): bool(r.enabled) for r in rows}


def save_settings(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    maker = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    stmt = maker(E)
    stmt = stmt.on_conflict_do_update(
        index_elements=[E.c.loginid, E.c.event], set_={"enabled": stmt.excluded.enabled}
    )
    conn.execute(stmt, list(rows))


def clicks_by_hash(conn: Connection, hashes: Sequence[str]) -> dict[str, RowMapping]:
    if not hashes:
        return {}
    rows = conn.execute(_CLICKS, {"hashes": sorted(set(hashes))}).mappings()
    return {str(r["click_hash"]): r for r in rows}


def customers_by_id(conn: Connection, ids: Sequence[int]) -> dict[int, RowMapping]:
    if not ids:
        return {}
    rows = conn.execute(_CUSTOMERS, {"ids": sorted(set(ids))}).mappings()
    return {int(r["customer_id"]): r for r in rows}


def hidden_offers(conn: Connection, ids: Sequence[int]) -> set[int]:
    """The offers whose customers' personal data stays out of postbacks."""
    if not ids:
        return set()
    rows = conn.execute(_OFFERS, {"ids": sorted(set(ids))})
    return {int(r[0]) for r in rows if r[1]}


def conversion_type(conn: Connection, landing_pageid: int) -> str | None:
    """How the landing page's conversions arrive: iframe, image or post."""
    value = conn.execute(_CONVERSION_TYPE, {"lp": landing_pageid}).scalar()
    return None if value is None else str(value)


def transactions_by_id(conn: Connection, ids: Sequence[int]) -> dict[int, RowMapping]:
    if not ids:
        return {}
    rows = conn.execute(_TRANSACTIONS, {"ids": sorted(set(ids))}).mappings()
    return {int(r["transactionid"]): r for r in rows}


def conversion_of_click(conn: Connection, click_hash: str) -> RowMapping | None:
    return conn.execute(_CONVERSION, {"hash": click_hash}).mappings().first()
