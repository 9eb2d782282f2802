"""Every query on conversion_caps, cap_usage, cap_visitors and cap_bookings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import (
    Connection,
    RowMapping,
    and_,
    bindparam,
    case,
    delete,
    insert,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from trackpost.core.db import UTCDateTime
from trackpost.core.hot import Hot
from trackpost.models.tables import cap_bookings as B
from trackpost.models.tables import cap_usage as U
from trackpost.models.tables import cap_visitors as V
from trackpost.models.tables import conversion_caps as C
from trackpost.models.tables import offers as O

_LIVE = and_(C.c.enabled.is_(True), C.c.deleted.is_(False))
# Every live cap with each offer it covers (an advertiser's cap covers all its offers).
_BY_OFFER = select(C, C.c.offerid.label("target")).where(_LIVE, C.c.offerid.is_not(None))
_BY_ADVERTISER = (
    select(C, O.c.offerid.label("target"))
    .join(O, O.c.advertiserid == C.c.advertiserid)
    .where(_LIVE, C.c.advertiserid.is_not(None))
)
# The live caps on one offer or its advertiser: every booked ledger row asks, so it runs hot
# (compiled once, on the driver's cursor); an offer without caps costs one indexed read.
_FOR_BOOKING = Hot(
    select(C)
    .where(
        _LIVE,
        or_(
            C.c.offerid == bindparam("offerid"),
            C.c.advertiserid
            == select(O.c.advertiserid)
            .where(O.c.offerid == bindparam("offerid"))
            .scalar_subquery(),
        ),
    )
    .order_by(C.c.capid)
)
# The caps that counted a ledger row, with the window and counter it went into: every later
# change of the row (refund, void, chargeback, reversal, approval, new amount) reads it.
_COUNTED = Hot(
    select(C, B.c.window_start.label("counted_window"), B.c.loginid.label("counted_key"))
    .join(B, B.c.capid == C.c.capid)
    .where(B.c.transactionid == bindparam("tid"))
    .order_by(C.c.capid)
)
_ONE = select(C).where(C.c.capid == bindparam("capid"), C.c.deleted.is_(False))


def _when(name: str) -> Any:
    """A timestamp parameter, bound as the columns store it (UTC text on SQLite)."""
    return bindparam(name, type_=UTCDateTime())


_KEY = and_(
    U.c.capid == bindparam("capid"),
    U.c.window_start == _when("window"),
    U.c.loginid == bindparam("key"),
)
# The click path's statements run hot: only capped offers pay them, once per click.
_USED = Hot(select(U.c.used).where(_KEY))
# A unit a click took is given back only while it was the one that filled the cap at most.
_UNDO = update(U).where(_KEY).values(used=U.c.used - 1, reached_at=None)
_VISITOR_ROW: dict[str, Any] = {
    "capid": bindparam("capid"),
    "window_start": _when("window"),
    "loginid": bindparam("key"),
    "ip": bindparam("ip"),
}
_FORGET_VISITOR = delete(V).where(
    V.c.capid == bindparam("capid"),
    V.c.window_start == _when("window"),
    V.c.loginid == bindparam("key"),
    V.c.ip == bindparam("ip"),
)


def _upserts(dialect: Any) -> dict[str, Any]:
    """The counters' two atomic statements in one dialect (ON CONFLICT is spelled alike)."""
    row: dict[str, Any] = {
        "capid": bindparam("capid"),
        "window_start": _when("window"),
        "loginid": bindparam("key"),
        "used": bindparam("delta"),
        "reached_at": _when("first_reached"),
    }
    # Whether this very change set reached_at (the one that reached the cap in the window).
    returned = (U.c.used, (U.c.reached_at == _when("now")).label("fresh"))
    bumped = U.c.used + bindparam("delta")
    # A click takes one unit only while the cap has room: the row is locked by the update, so
    # two transactions at the edge cannot both pass (the second sees the first's count).
    take = (
        dialect.insert(U)
        .values(row)
        .on_conflict_do_update(
            index_elements=[U.c.capid, U.c.window_start, U.c.loginid],
            set_={"used": bumped, "reached_at": _reached_if(bumped)},
            where=U.c.used < bindparam("value"),
        )
        .returning(*returned)
    )
    # A booking always counts (caps govern traffic, not revenue).
    add = (
        dialect.insert(U)
        .values(row)
        .on_conflict_do_update(
            index_elements=[U.c.capid, U.c.window_start, U.c.loginid],
            set_={"used": bumped, "reached_at": _reached_if(bumped)},
        )
        .returning(*returned)
    )
    # RETURNING, not rowcount: a pipelined PostgreSQL batch does not report rowcounts.
    visitor = dialect.insert(V).values(_VISITOR_ROW).on_conflict_do_nothing().returning(V.c.ip)
    remember = (
        dialect.insert(B)
        .values(
            transactionid=bindparam("tid"),
            capid=bindparam("capid"),
            window_start=_when("window"),
            loginid=bindparam("key"),
        )
        .on_conflict_do_nothing()
    )
    return {"take": Hot(take), "add": Hot(add), "visitor": Hot(visitor), "remember": Hot(remember)}


def _reached_if(bumped: Any) -> Any:
    """reached_at is set once per window: by the change that first brings used to the cap."""
    return case(
        (
            and_(U.c.reached_at.is_(None), bumped >= bindparam("value")),
            _when("now"),
        ),
        else_=U.c.reached_at,
    )


_DIALECTS = {"sqlite": _upserts(sqlite), "postgresql": _upserts(postgresql)}


def live_caps(conn: Connection) -> list[RowMapping]:
    """Every enabled cap with each offer it covers (column `target`), for the click cache."""
    rows = list(conn.execute(_BY_OFFER).mappings())
    rows.extend(conn.execute(_BY_ADVERTISER).mappings())
    return rows


def caps_for_booking(conn: Connection, offerid: int) -> list[dict[str, Any]]:
    return _FOR_BOOKING.mappings(conn, {"offerid": offerid})


def used(conn: Connection, capid: int, window: dt.datetime, key: int) -> int:
    found = _USED.scalar(conn, {"capid": capid, "window": window, "key": key})
    return int(found or 0)


def _params(
    capid: int, window: dt.datetime, key: int, delta: int, value: int, now: dt.datetime
) -> dict[str, Any]:
    return {
        "capid": capid,
        "window": window,
        "key": key,
        "delta": delta,
        "value": value,
        "now": now,
        "first_reached": now if delta >= value else None,
    }


def take(
    conn: Connection, capid: int, window: dt.datetime, key: int, value: int, now: dt.datetime
) -> tuple[int, bool] | None:
    """One more unit while used < value: (used, whether it reached the cap), or None when full."""
    stmt = _DIALECTS[conn.dialect.name]["take"]
    row = stmt.first(conn, _params(capid, window, key, 1, value, now))
    return None if row is None else (int(row[0]), bool(row[1]))


def add(
    conn: Connection,
    capid: int,
    window: dt.datetime,
    key: int,
    delta: int,
    value: int,
    now: dt.datetime,
) -> tuple[int, bool]:
    """Add `delta` (signed): (used, whether this change reached the cap)."""
    stmt = _DIALECTS[conn.dialect.name]["add"]
    row = stmt.first(conn, _params(capid, window, key, delta, value, now))
    assert row is not None  # an upsert always returns its row
    return int(row[0]), bool(row[1])


def undo(conn: Connection, capid: int, window: dt.datetime, key: int) -> None:
    """Give back a unit taken by a click that another cap then overflowed."""
    conn.execute(_UNDO, {"capid": capid, "window": window, "key": key})


def new_visitor(conn: Connection, capid: int, window: dt.datetime, key: int, ip: str) -> bool:
    """Remember the address in the window; False when it was already counted."""
    stmt = _DIALECTS[conn.dialect.name]["visitor"]
    params = {"capid": capid, "window": window, "key": key, "ip": ip}
    return stmt.first(conn, params) is not None


def forget_visitor(conn: Connection, capid: int, window: dt.datetime, key: int, ip: str) -> None:
    conn.execute(_FORGET_VISITOR, {"capid": capid, "window": window, "key": key, "ip": ip})


def insert_cap(conn: Connection, values: Mapping[str, Any]) -> int:
    return int(conn.execute(insert(C).values(dict(values)).returning(C.c.capid)).scalar_one())


def get_cap(conn: Connection, capid: int) -> RowMapping | None:
    return conn.execute(_ONE, {"capid": capid}).mappings().first()


def update_cap(conn: Connection, capid: int, values: Mapping[str, Any]) -> None:
    conn.execute(update(C).where(C.c.capid == capid).values(dict(values)))


def remember(conn: Connection, tid: int, capid: int, window: dt.datetime, key: int) -> None:
    """The ledger row `tid` counted in this cap's counter (window, key)."""
    params = {"tid": tid, "capid": capid, "window": window, "key": key}
    _DIALECTS[conn.dialect.name]["remember"].rowcount(conn, params)


def counted(conn: Connection, tid: int) -> list[dict[str, Any]]:
    """The caps that counted ledger row `tid`, with counted_window and counted_key."""
    return _COUNTED.mappings(conn, {"tid": tid})


def reset_usage(conn: Connection, capid: int) -> None:
    """A cap that now counts something else starts from nothing."""
    conn.execute(delete(U).where(U.c.capid == capid))
    conn.execute(delete(V).where(V.c.capid == capid))
    conn.execute(delete(B).where(B.c.capid == capid))


def cap_windows(conn: Connection) -> list[RowMapping]:
    """Every cap's id, duration, zone and whether it is deleted: what pruning needs."""
    stmt = select(C.c.capid, C.c.duration, C.c.zone, C.c.deleted).order_by(C.c.capid)
    return list(conn.execute(stmt).mappings())


# The memories pruning clears, each with its primary key (a batch is deleted by key).
_MEMORIES = {
    "visitors": (V, (V.c.capid, V.c.window_start, V.c.loginid, V.c.ip)),
    "bookings": (B, (B.c.transactionid, B.c.capid)),
}


def prune_memory(conn: Connection, kind: str, capid: int, before: dt.datetime, batch: int) -> int:
    """Delete up to `batch` rows of the cap's windows that began before `before`."""
    table, key = _MEMORIES[kind]
    chosen = select(*key).where(table.c.capid == capid, table.c.window_start < before).limit(batch)
    # RETURNING, not rowcount: counted the same way on both backends.
    gone = conn.execute(delete(table).where(tuple_(*key).in_(chosen)).returning(key[0]))
    return len(gone.all())


def list_caps(conn: Connection, filters: Mapping[str, Any]) -> list[RowMapping]:
    stmt = select(C).order_by(C.c.capid)
    for name, value in filters.items():
        stmt = stmt.where(C.c[name] == value)
    return list(conn.execute(stmt).mappings())


def usage(
    conn: Connection, keys: list[tuple[int, dt.datetime]]
) -> dict[tuple[int, int], tuple[int, dt.datetime | None]]:
    """(capid, loginid) -> (used, reached_at) in each cap's current window."""
    if not keys:
        return {}
    cond = or_(*(and_(U.c.capid == c, U.c.window_start == w) for c, w in keys))
    stmt = select(U.c.capid, U.c.loginid, U.c.used, U.c.reached_at).where(cond)
    return {(int(r[0]), int(r[1])): (int(r[2]), r[3]) for r in conn.execute(stmt)}
