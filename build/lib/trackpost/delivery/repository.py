"""Queries on the outbox (deliveries), its attempt log and the destinations' health."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    RowMapping,
    Select,
    bindparam,
    exists,
    func,
    literal_column,
    select,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from trackpost.models.tables import deliveries as D
from trackpost.models.tables import delivery_attempts as A
from trackpost.models.tables import delivery_destinations as S

OPEN = ("pending", "sending", "paused")
_E = D.alias("earlier")
# The partial index's own condition, as literal text: SQLite uses a partial index only for a
# query that repeats its WHERE term (bound parameters would not match it).
_OPEN_TERM: ColumnElement[bool] = _E.c.status.in_([literal_column(f"'{s}'") for s in OPEN])
# A customer's deliveries to one subscription go out in order: a row waits while an earlier
# row of its queue is still open (the partial index ix_deliveries_queue answers this).
_HEAD_OF_QUEUE = ~exists().where(
    _E.c.kind == D.c.kind,
    _E.c.subscription_id == D.c.subscription_id,
    _E.c.customer_id == D.c.customer_id,
    _E.c.id < D.c.id,
    _OPEN_TERM,
)
# Due rows come off ix_deliveries_due in next_at order, without a sort.
_CLAIM = (
    select(D)
    .where(
        D.c.status == "pending",
        D.c.next_at <= bindparam("now"),
        D.c.host.not_in(bindparam("busy", expanding=True)),
        _HEAD_OF_QUEUE,
    )
    .order_by(D.c.next_at)
    .limit(bindparam("lim"))
    .with_for_update(skip_locked=True)
)
# A worker that died mid-send left its lease behind: the row is due again once it expires.
_EXPIRED = (
    D.update()
    .where(D.c.status == "sending", D.c.lease_until < bindparam("now"))
    .values(status="pending", lease_until=None)
)
_TAKE = (
    D.update()
    .where(D.c.id.in_(bindparam("ids", expanding=True)))
    .values(
        status="sending",
        lease_until=bindparam("lease"),
        attempts=D.c.attempts + 1,
        updated_at=bindparam("now"),
    )
)
_GIVE_BACK = (
    D.update()
    .where(D.c.id.in_(bindparam("ids", expanding=True)))
    .values(status="pending", lease_until=None, attempts=D.c.attempts - 1)
)
_FINISH = (
    D.update()
    .where(D.c.id == bindparam("b_id"), D.c.status == "sending")
    .values(
        status=bindparam("b_status"),
        next_at=bindparam("b_next_at"),
        lease_until=None,
        last_status=bindparam("b_last_status"),
        last_error=bindparam("b_last_error"),
        delivered_at=bindparam("b_delivered_at"),
        updated_at=bindparam("b_now"),
    )
)
_DESTINATIONS = select(S).where(
    S.c.kind == bindparam("kind"), S.c.subscription_id.in_(bindparam("ids", expanding=True))
)
_UPSERT_KEYS = [S.c.kind, S.c.subscription_id]
_SET_QUEUE = (
    D.update()
    .where(
        D.c.kind == bindparam("b_kind"),
        D.c.subscription_id == bindparam("b_sub"),
        D.c.status == bindparam("b_from"),
    )
    .values(status=bindparam("b_to"), next_at=bindparam("b_now"), updated_at=bindparam("b_now"))
)
_RETRY = (
    D.update()
    .where(D.c.id.in_(bindparam("ids", expanding=True)), D.c.status != "sending")
    .values(status="pending", attempts=0, next_at=bindparam("now"), updated_at=bindparam("now"))
)
_ATTEMPTS = select(A).where(A.c.delivery_id.in_(bindparam("ids", expanding=True))).order_by(A.c.id)
_BY_IDS = select(D).where(D.c.id.in_(bindparam("ids", expanding=True))).order_by(D.c.id)


def insert(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        conn.execute(D.insert(), list(rows))


def claim(
    conn: Connection, now: dt.datetime, lease: dt.datetime, limit: int, busy: Sequence[str]
) -> list[RowMapping]:
    """Due deliveries at the head of their queues, locked (skipping others' locks) and leased."""
    conn.execute(_EXPIRED, {"now": now})
    rows = list(conn.execute(_CLAIM, {"now": now, "lim": limit, "busy": list(busy)}).mappings())
    if rows:
        conn.execute(_TAKE, {"ids": [r["id"] for r in rows], "lease": lease, "now": now})
    return rows


def give_back(conn: Connection, ids: Sequence[int]) -> None:
    """Claimed rows this worker has no room for go back to the queue untried."""
    if ids:
        conn.execute(_GIVE_BACK, {"ids": list(ids)})


def finish(conn: Connection, outcomes: Sequence[dict[str, Any]]) -> None:
    """Each row's new state (b_* keys); only a row still `sending` changes."""
    if outcomes:
        conn.execute(_FINISH, list(outcomes))


def log_attempts(conn: Connection, attempts: Sequence[dict[str, Any]]) -> None:
    if attempts:
        conn.execute(A.insert(), list(attempts))


def destinations(conn: Connection, kind: str, ids: Sequence[int]) -> dict[int, RowMapping]:
    if not ids:
        return {}
    rows = conn.execute(_DESTINATIONS, {"kind": kind, "ids": sorted(set(ids))}).mappings()
    return {int(r["subscription_id"]): r for r in rows}


def save_destinations(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Insert or overwrite destination rows (kind, subscription_id, state, failing_since, ...)."""
    if not rows:
        return
    maker = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    stmt = maker(S)
    update = {c: stmt.excluded[c] for c in ("state", "failing_since", "last_success_at")}
    update["updated_at"] = stmt.excluded.updated_at
    conn.execute(stmt.on_conflict_do_update(index_elements=_UPSERT_KEYS, set_=update), list(rows))


def move_queue(
    conn: Connection, kind: str, sub: int, from_status: str, to_status: str, now: dt.datetime
) -> None:
    """Every delivery of a subscription in one status moves to another (pause, resume, stop)."""
    values = {"b_kind": kind, "b_sub": sub, "b_from": from_status, "b_to": to_status, "b_now": now}
    conn.execute(_SET_QUEUE, values)


def retry(conn: Connection, ids: Sequence[int], now: dt.datetime) -> int:
    """Back to pending with a fresh schedule; a row being sent right now is left alone."""
    return int(conn.execute(_RETRY, {"ids": list(ids), "now": now}).rowcount)


def by_ids(conn: Connection, ids: Sequence[int]) -> list[RowMapping]:
    return list(conn.execute(_BY_IDS, {"ids": list(ids)}).mappings())


def attempts_of(conn: Connection, ids: Sequence[int]) -> list[RowMapping]:
    if not ids:
        return []
    return list(conn.execute(_ATTEMPTS, {"ids": list(ids)}).mappings())


def search(
    conn: Connection, filters: dict[str, Any], limit: int, offset: int
) -> tuple[int, list[RowMapping]]:
    """Deliveries matching the filters (newest first) and how many match in all."""
    count, page = search_statements(filters)
    total = conn.execute(count).scalar_one()
    rows = conn.execute(page.limit(limit).offset(offset)).mappings()
    return int(total), list(rows)


def search_statements(filters: dict[str, Any]) -> tuple[Select[Any], Select[Any]]:
    """The search's count and its page (newest first, without limit): a customer's deliveries
    come off ix_deliveries_customer_id, an affiliate's off ix_deliveries_loginid."""
    where = []
    for name, column in (
        ("loginid", D.c.loginid),
        ("event", D.c.event_type),
        ("status", D.c.status),
        ("kind", D.c.kind),
        ("subscription_id", D.c.subscription_id),
        ("customer_id", D.c.customer_id),
    ):
        if filters.get(name) is not None:
            where.append(column == filters[name])
    if filters.get("start") is not None:
        where.append(D.c.created_at >= filters["start"])
    if filters.get("end") is not None:
        where.append(D.c.created_at < filters["end"])
    count = select(func.count()).select_from(D).where(*where)
    return count, select(D).where(*where).order_by(D.c.id.desc())


_BY_STATE = (
    select(S)
    .where(S.c.state.in_(bindparam("states", expanding=True)))
    .order_by(S.c.updated_at.desc(), S.c.kind, S.c.subscription_id)
    .limit(bindparam("lim"))
)
_WAITING = (
    select(D.c.kind, D.c.subscription_id, func.count().label("waiting"))
    .where(D.c.status == "paused")
    .group_by(D.c.kind, D.c.subscription_id)
)
_FAILING = (
    select(D)
    .where(D.c.created_at >= bindparam("since"), D.c.status.in_(["failed", "gone", "paused"]))
    .order_by(D.c.id.desc())
    .limit(bindparam("lim"))
)


def destinations_in(conn: Connection, states: Sequence[str], limit: int) -> list[RowMapping]:
    """Destinations in these health states (paused, gone), most recently changed first."""
    return list(conn.execute(_BY_STATE, {"states": list(states), "lim": limit}).mappings())


def paused_counts(conn: Connection) -> dict[tuple[str, int], int]:
    """How many deliveries wait paused, per destination."""
    rows = conn.execute(_WAITING).mappings()
    return {(str(r["kind"]), int(r["subscription_id"])): int(r["waiting"]) for r in rows}


def failing(conn: Connection, since: dt.datetime, limit: int) -> list[RowMapping]:
    """Deliveries made since a time (ix_deliveries_created_at) now failed, gone or paused."""
    return list(conn.execute(_FAILING, {"since": since, "lim": limit}).mappings())
