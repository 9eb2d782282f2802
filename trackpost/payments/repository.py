"""Every query of the payments domain; statements are built once at import."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    Connection,
    RowMapping,
    Select,
    bindparam,
    case,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from trackpost.models.tables import logins as L
from trackpost.models.tables import payment_adjustments as PA
from trackpost.models.tables import payment_audit as AU
from trackpost.models.tables import payment_builds as PB
from trackpost.models.tables import payment_lines as PL
from trackpost.models.tables import payments as P
from trackpost.models.tables import payvia_info as PI
from trackpost.models.tables import transaction_payouts as TP
from trackpost.models.tables import transactions as T

WHEN = T.c.created_at.type
ACCRUING = ("open", "banned")
NOT_COUNTED = ("pending", "denied")  # ledger statuses that count toward no payout (yet)

# --- the ledger, read: each payee row's amount not yet in a payment -----------------------------
_PAYABLE_AT = func.coalesce(T.c.approved_at, T.c.created_at, type_=WHEN)
# A row counts once its event does (a pending sale from its approval); a row whose event stopped
# counting is owed nothing, so what a payment already holds of it comes back out.
_TARGET = case((T.c.status.in_(NOT_COUNTED), 0), else_=TP.c.amount)
# What payments hold of one row, read through ix_payment_lines_payoutid.
_HELD = (
    select(func.coalesce(func.sum(PL.c.amount), 0))
    .where(PL.c.payoutid == TP.c.payoutid)
    .correlate(TP)
    .scalar_subquery()
)
_ROW_COLUMNS = (
    TP.c.payoutid,
    TP.c.loginid,
    TP.c.kind,
    TP.c.transactionid,
    _PAYABLE_AT.label("payable_at"),
    (_TARGET - _HELD).label("delta"),
    T.c.updated_at.label("changed_at"),
)
# A build reads only what may have changed since the cursor (payment_builds' cursor_*): payee
# rows after its payoutid, and rows of transactions changed since its time. A changed event is
# one whose updated_at passed its created_at (the partial index ix_transactions_changed, which
# a conversion's insert never writes to); the term is repeated so SQLite uses that index.
_CHANGED = T.c.updated_at > T.c.created_at
_NEW_ROWS = (
    select(*_ROW_COLUMNS)
    .select_from(TP.join(T, T.c.transactionid == TP.c.transactionid))
    .where(TP.c.payoutid > bindparam("after"))
    .order_by(TP.c.payoutid)
)
_CHANGED_ROWS = (
    select(*_ROW_COLUMNS)
    .select_from(T.join(TP, TP.c.transactionid == T.c.transactionid))
    .where(
        _CHANGED,
        T.c.updated_at >= bindparam("since", type_=WHEN),
        TP.c.payoutid <= bindparam("after"),
    )
)
_CURSOR = (
    select(PB.c.cursor_payoutid, PB.c.cursor_since)
    .where(PB.c.cursor_payoutid.is_not(None))
    .order_by(PB.c.built_at.desc())
    .limit(1)
)
# --- accounts, read: who is paid, how, and where ----------------------------------------------
_PAYEES = select(
    L.c.loginid,
    L.c.type,
    L.c.username,
    L.c.email,
    L.c.firstname,
    L.c.lastname,
    L.c.company,
    L.c.address1,
    L.c.address2,
    L.c.city,
    L.c.state,
    L.c.zip_code,
    L.c.country,
    L.c.tel,
    L.c.status,
    L.c.payvia_type_id,
    L.c.minimum_payout,
).where(L.c.loginid.in_(bindparam("ids", expanding=True)))
_PAYVIA_INFO = (
    select(PI.c.loginid, PI.c.field, PI.c.value)
    .where(PI.c.loginid.in_(bindparam("ids", expanding=True)))
    .order_by(PI.c.loginid, PI.c.field)
)

# --- payments, lines, adjustments, builds, audit ----------------------------------------------
_PAYMENT = select(P).where(P.c.paymentid == bindparam("id"))
_PAYMENT_LOCKED = _PAYMENT.with_for_update()
_ACCRUING_OF = select(P).where(P.c.loginid == bindparam("id"), P.c.state.in_(ACCRUING))
_LINES = select(PL).where(PL.c.paymentid == bindparam("id")).order_by(PL.c.lineid)
_SET_TOTAL = (
    update(P)
    .where(P.c.paymentid == bindparam("b_id"))
    .values(
        total=select(func.coalesce(func.sum(PL.c.amount), 0))
        .where(PL.c.paymentid == P.c.paymentid)
        .scalar_subquery()
    )
)
_WAITING_INVOICES = (
    select(PA)
    .where(PA.c.paymentid.is_(None), PA.c.loginid.in_(bindparam("ids", expanding=True)))
    .order_by(PA.c.adjustmentid)
    .with_for_update()
)
_SET_ADJUSTMENT_PAYMENT = (
    update(PA).where(PA.c.adjustmentid == bindparam("b_id")).values(paymentid=bindparam("b_pay"))
)
_ALL_WAITING = select(PA.c.loginid).where(PA.c.paymentid.is_(None)).distinct()
_ALL_ACCRUING = select(P.c.loginid).where(P.c.state.in_(ACCRUING))
_ADJUSTMENTS_OF = select(PA).where(PA.c.paymentid == bindparam("id")).order_by(PA.c.adjustmentid)
# RETURNING says whether the claim went in: a DO NOTHING insert's rowcount is -1 on psycopg.
_BUILD_INSERT = {
    "sqlite": sqlite_insert(PB).on_conflict_do_nothing().returning(PB.c.periodid),
    "postgresql": pg_insert(PB).on_conflict_do_nothing().returning(PB.c.periodid),
}
_LAST_BUILD = select(func.max(PB.c.period_end)).where(PB.c.periodid == bindparam("id"))
_SET_BUILD_COUNTS = (
    update(PB)
    .where(PB.c.periodid == bindparam("b_id"), PB.c.period_end == bindparam("b_end", type_=WHEN))
    .values(payments=bindparam("payments"), stored=bindparam("stored"))
)


def build_cursor(conn: Connection) -> tuple[int, dt.datetime | None]:
    """Where the newest build left the ledger: (payoutid read up to, change time read from)."""
    row = conn.execute(_CURSOR).first()
    if row is None:
        return 0, None  # no cursor yet: every row is new
    return int(row.cursor_payoutid), row.cursor_since


def candidate_rows(conn: Connection, after: int, since: dt.datetime | None) -> list[RowMapping]:
    """Payee rows after `after`, and those of transactions changed since `since`, with deltas."""
    rows = list(conn.execute(_NEW_ROWS, {"after": after}).mappings())
    if after and since is not None:
        changed = conn.execute(_CHANGED_ROWS, {"after": after, "since": since}).mappings()
        rows.extend(changed)
    return rows


def payees(conn: Connection, loginids: Iterable[int]) -> dict[int, RowMapping]:
    ids = sorted(set(loginids))
    if not ids:
        return {}
    return {int(r["loginid"]): r for r in conn.execute(_PAYEES, {"ids": ids}).mappings()}


def payvia_info(conn: Connection, loginids: Iterable[int]) -> dict[int, list[tuple[str, str]]]:
    out: dict[int, list[tuple[str, str]]] = {}
    ids = sorted(set(loginids))
    if ids:
        for row in conn.execute(_PAYVIA_INFO, {"ids": ids}):
            out.setdefault(int(row.loginid), []).append((row.field, row.value))
    return out


def payment(conn: Connection, paymentid: int, *, lock: bool = False) -> RowMapping | None:
    stmt = _PAYMENT_LOCKED if lock else _PAYMENT
    return conn.execute(stmt, {"id": paymentid}).mappings().first()


def accruing(conn: Connection, loginid: int) -> RowMapping | None:
    """The account's open (or banned) payment, locked."""
    return conn.execute(_ACCRUING_OF.with_for_update(), {"id": loginid}).mappings().first()


def insert_payment(conn: Connection, values: Mapping[str, Any]) -> int:
    pk = conn.execute(insert(P), dict(values)).inserted_primary_key
    assert pk is not None
    return int(pk[0])


def update_payment(conn: Connection, paymentid: int, values: Mapping[str, Any]) -> None:
    conn.execute(update(P).where(P.c.paymentid == paymentid).values(**values))


def add_lines(conn: Connection, paymentid: int, lines: Sequence[Mapping[str, Any]]) -> None:
    """Append lines, then set the payment's total to the sum of all its lines."""
    if lines:
        conn.execute(insert(PL), [{"paymentid": paymentid, **line} for line in lines])
    conn.execute(_SET_TOTAL, {"b_id": paymentid})


def lines(conn: Connection, paymentid: int) -> list[RowMapping]:
    return list(conn.execute(_LINES, {"id": paymentid}).mappings())


def insert_adjustment(conn: Connection, values: Mapping[str, Any]) -> int:
    pk = conn.execute(insert(PA), dict(values)).inserted_primary_key
    assert pk is not None
    return int(pk[0])


def waiting_invoices(conn: Connection, loginids: Iterable[int]) -> list[RowMapping]:
    ids = sorted(set(loginids))
    if not ids:
        return []
    return list(conn.execute(_WAITING_INVOICES, {"ids": ids}).mappings())


def attach_adjustment(conn: Connection, adjustmentid: int, paymentid: int) -> None:
    conn.execute(_SET_ADJUSTMENT_PAYMENT, {"b_id": adjustmentid, "b_pay": paymentid})


def waiting_or_accruing(conn: Connection) -> set[int]:
    """Accounts with an invoice awaiting a payment or an open (or banned) payment."""
    found = {int(r[0]) for r in conn.execute(_ALL_WAITING)}
    return found | {int(r[0]) for r in conn.execute(_ALL_ACCRUING)}


def adjustments_of(conn: Connection, paymentid: int) -> list[RowMapping]:
    return list(conn.execute(_ADJUSTMENTS_OF, {"id": paymentid}).mappings())


def search(
    conn: Connection, where: Sequence[Any], start: int, count: int
) -> tuple[list[RowMapping], list[RowMapping]]:
    """(the page of payments, counts and totals by state) for conditions built by `conditions`."""
    page: Select[Any] = select(P).where(*where).order_by(P.c.paymentid).offset(start).limit(count)
    sums = (
        select(
            P.c.state,
            func.count().label("count"),
            func.coalesce(func.sum(P.c.total), 0).label("total"),
        )
        .where(*where)
        .group_by(P.c.state)
    )
    return list(conn.execute(page).mappings()), list(conn.execute(sums).mappings())


def conditions(filters: Mapping[str, Any]) -> list[Any]:
    """Search filters as conditions on payments."""
    where: list[Any] = []
    if filters.get("loginid") is not None:
        where.append(P.c.loginid == filters["loginid"])
    if filters.get("state"):
        where.append(P.c.state == filters["state"])
    if filters.get("payvia_type_id") is not None:
        where.append(P.c.payvia_type_id == filters["payvia_type_id"])
    if filters.get("paymentids"):
        where.append(P.c.paymentid.in_(filters["paymentids"]))
    if filters.get("period_start") is not None:
        where.append(P.c.period_end > filters["period_start"])
    if filters.get("period_end") is not None:
        where.append(P.c.period_start < filters["period_end"])
    return where


def claim_build(conn: Connection, values: Mapping[str, Any]) -> bool:
    """Record a period's build; False when another builder has (it waits for theirs to end)."""
    stmt = _BUILD_INSERT[conn.dialect.name]
    return conn.execute(stmt, dict(values)).first() is not None


def set_build_counts(
    conn: Connection, periodid: int, period_end: dt.datetime, payments: int, stored: int
) -> None:
    params = {"b_id": periodid, "b_end": period_end, "payments": payments, "stored": stored}
    conn.execute(_SET_BUILD_COUNTS, params)


def set_build_cursor(
    conn: Connection,
    periodid: int,
    period_end: dt.datetime,
    after: int,
    since: dt.datetime,
) -> None:
    stmt = (
        update(PB)
        .where(PB.c.periodid == periodid, PB.c.period_end == period_end)
        .values(cursor_payoutid=after, cursor_since=since)
    )
    conn.execute(stmt)


def last_build(conn: Connection, periodid: int) -> dt.datetime | None:
    value: dt.datetime | None = conn.execute(_LAST_BUILD, {"id": periodid}).scalar()
    return value


def insert_audit(conn: Connection, values: Mapping[str, Any]) -> None:
    conn.execute(insert(AU), dict(values))
