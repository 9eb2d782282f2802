"""Building payments at a period's end: idempotent, and safe with many builders at once.

A build is one period at one period end. Its row in payment_builds is claimed first, in the
build's own transaction: a second builder's claim waits for the first one's transaction and
then finds the row (PostgreSQL), or waits for the writer's turn (SQLite); either way it builds
nothing. The period's row is locked first too, so a period's builds run one after another.

What a build adds to each account's accruing (open or banned) payment: every payee row payable
before the end of the earnings period (the period `delay` periods back) whose amount differs
from what payments already hold of it (a new row, a late event, a revenue update), and the
account's invoices awaiting a payment. Nothing already stored or paid is touched: late events
land in the next open payment. It reads only the rows after the last build's cursor and those
of transactions changed since (`next_cursor`), never the whole ledger.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, RowMapping

from trackpost.core.db import utcnow
from trackpost.core.origin import Origin
from trackpost.core.payperiods import PeriodSpec, bounds, parse_spec, previous
from trackpost.payments import repository as repo
from trackpost.payments import service
from trackpost.payments import setup_repository as setup
from trackpost.payments.dumps import Rec
from trackpost.payments.service import BANNED, OPEN
from trackpost.payments.terms import BANNED_STATUS, details_problem, settings_of, storable

MAX_DUE = 5000  # period ends one run builds at most (a daily period over 13 years)
# A transaction that was still committing when a build read the ledger may carry an earlier
# updated_at than the build's start: the next build reads changes from this much before it.
CURSOR_MARGIN = dt.timedelta(hours=1)


@dataclass(frozen=True)
class Due:
    """One build to make: a period at one of its ends, and the earnings period it pays."""

    periodid: int
    period_end: dt.datetime
    earn_start: dt.datetime
    earn_end: dt.datetime


@dataclass
class Outcome:
    due: Due
    payments: int = 0
    stored: int = 0


def _spec(row: Rec) -> PeriodSpec:
    return parse_spec(str(row["spec"]))


def earnings(
    spec: PeriodSpec, delay: int, end: dt.datetime, zone: dt.tzinfo
) -> tuple[dt.datetime, dt.datetime]:
    """The earnings period paid at the end `end`: the period ending there, `delay` periods back."""
    start = bounds(spec, end - dt.timedelta(microseconds=1), zone)[0]
    return previous(spec, start, zone, delay)


def due(conn: Connection, as_of: dt.datetime, zone: dt.tzinfo) -> list[Due]:
    """Every build not yet made of a period that ended by `as_of`, oldest first."""
    out: list[Due] = []
    earliest: dt.datetime | None = None
    looked = False
    for row in setup.periods(conn):
        spec, delay = _spec(row), int(row["delay"])
        last = repo.last_build(conn, int(row["periodid"]))
        if last is not None:
            end = bounds(spec, last, zone)[1]
        else:
            if not looked:
                rows = owed(conn, as_of, *repo.build_cursor(conn))
                earliest = min((r["payable_at"] for r in rows), default=None)
                looked = True
            if earliest is None:
                continue
            end = bounds(spec, earliest, zone)[1]
            for _ in range(delay):
                end = bounds(spec, end, zone)[1]
        for _ in range(MAX_DUE):
            if end > as_of:
                break
            lo, hi = earnings(spec, delay, end, zone)
            out.append(Due(int(row["periodid"]), end, lo, hi))
            end = bounds(spec, end, zone)[1]
    out.sort(key=lambda d: (d.period_end, d.periodid))
    return out


def owed(
    conn: Connection, cutoff: dt.datetime, after: int, since: dt.datetime | None
) -> list[RowMapping]:
    """The payee rows payable before `cutoff` whose amount differs from what payments hold."""
    return [
        r
        for r in repo.candidate_rows(conn, after, since)
        if r["delta"] != 0 and r["payable_at"] < cutoff
    ]


def next_cursor(
    read: list[RowMapping], left: list[RowMapping], after: int, floor: dt.datetime
) -> tuple[int, dt.datetime]:
    """The cursor after a build: `read` were the candidates, `left` those still owed after it.

    The payoutid moves up to just before the first new row still owed (another period's
    account, one not yet payable); the change time stays at or before the oldest change still
    owed below it, so the next build reads both again. `floor` bounds it (the build's start
    less a margin for transactions committed while it ran).
    """
    waiting = [int(r["payoutid"]) for r in left if int(r["payoutid"]) > after]
    newest = max((int(r["payoutid"]) for r in read), default=after)
    upto = min(waiting) - 1 if waiting else max(after, newest)
    changed = [r["changed_at"] for r in left if int(r["payoutid"]) <= upto]
    return upto, min([floor, *changed])


def _members(conn: Connection, periodid: int, loginids: Iterable[int]) -> set[int]:
    """The accounts paid on this period: assigned to it, or to none while it is the default."""
    profiles = setup.profiles(conn)
    default = next((int(p["periodid"]) for p in setup.periods(conn) if p["is_default"]), None)
    out = set()
    for loginid in loginids:
        prof = profiles.get(loginid)
        chosen = prof["periodid"] if prof is not None and prof["periodid"] is not None else default
        if chosen == periodid:
            out.add(loginid)
    return out


def build_one(conn: Connection, item: Due, origin: Origin, zone: dt.tzinfo) -> Outcome | None:
    """Make one build; None when another builder made it (or is making it and then did)."""
    period = setup.period(conn, item.periodid, lock=True)
    if period is None:
        return None
    now = utcnow()
    claim = {
        "periodid": item.periodid,
        "period_end": item.period_end,
        "earn_start": item.earn_start,
        "earn_end": item.earn_end,
        "payments": 0,
        "stored": 0,
        "built_at": now,
        "built_by": origin.actor[:64],
    }
    if not repo.claim_build(conn, claim):
        return None
    after, since = repo.build_cursor(conn)
    read = repo.candidate_rows(conn, after, since)
    rows: dict[int, list[RowMapping]] = defaultdict(list)
    for r in read:
        if r["delta"] != 0 and r["payable_at"] < item.earn_end:
            rows[int(r["loginid"])].append(r)
    members = _members(conn, item.periodid, set(rows) | repo.waiting_or_accruing(conn))
    payees = repo.payees(conn, members)
    outcome = Outcome(item)
    paid_to: set[int] = set()
    for loginid in sorted(members):
        payee = payees.get(loginid)
        if payee is None:
            continue  # a payee row of an account since removed: kept unassigned, visible
        paid_to.add(loginid)
        pid = _accrue(conn, item, int(period["periodid"]), payee, rows.get(loginid, []), now)
        if pid is None:
            continue
        outcome.payments += 1
        payment = repo.payment(conn, pid)
        assert payment is not None
        if payment["state"] != OPEN or not period["auto_store"]:
            continue
        instant = service.instant_of(conn, loginid)
        setting = settings_of(conn, int(payment["payvia_type_id"]))
        if not storable(payment, payee, setting, instant)[0]:
            continue
        # Details its dump cannot use keep a payment open (store by hand once they are fixed).
        if details_problem(conn, loginid, setting) is None:
            service.store(conn, payment, origin, zone, instant=instant)
            outcome.stored += 1
    repo.set_build_counts(conn, item.periodid, item.period_end, outcome.payments, outcome.stored)
    left = [
        r
        for r in read
        if r["delta"] != 0
        and not (int(r["loginid"]) in paid_to and r["payable_at"] < item.earn_end)
    ]
    cursor = next_cursor(read, left, after, now - CURSOR_MARGIN)
    repo.set_build_cursor(conn, item.periodid, item.period_end, *cursor)
    detail = {
        "periodid": item.periodid,
        "period_end": item.period_end.isoformat(),
        "payments": outcome.payments,
        "stored": outcome.stored,
    }
    service.audit(conn, origin, "build", detail)
    return outcome


def _accrue(
    conn: Connection,
    item: Due,
    periodid: int,
    payee: Rec,
    rows: list[RowMapping],
    now: dt.datetime,
) -> int | None:
    """Add the rows and waiting invoices to the account's accruing payment (made if needed)."""
    loginid = int(payee["loginid"])
    state = BANNED if payee["status"] == BANNED_STATUS else OPEN
    payvia = int(payee["payvia_type_id"] or 0)
    current = repo.accruing(conn, loginid)
    invoices = repo.waiting_invoices(conn, [loginid])
    if current is None and not rows and not invoices:
        return None
    if current is None:
        values = {
            "loginid": loginid,
            "payvia_type_id": payvia,
            "periodid": periodid,
            "state": state,
            "period_start": item.earn_start,
            "last_start": item.earn_start,
            "period_end": item.earn_end,
            "total": 0,
            "fee": 0,
            "minimum": 0,
            "created_at": now,
            "updated_at": now,
        }
        pid = repo.insert_payment(conn, values)
    else:
        pid = int(current["paymentid"])
        # An open payment follows the account: its payvia now, its state, its latest period.
        changes = {
            "payvia_type_id": payvia,
            "periodid": periodid,
            "state": state,
            "last_start": max(current["last_start"], item.earn_start),
            "period_end": max(current["period_end"], item.earn_end),
            "updated_at": now,
        }
        repo.update_payment(conn, pid, changes)
    lines = [
        {
            "kind": "payout",
            "amount": int(r["delta"]),
            "payoutid": r["payoutid"],
            "transactionid": r["transactionid"],
            "payee_kind": r["kind"],
            "adjustmentid": None,
            "payable_at": r["payable_at"],
            "added_at": now,
        }
        for r in rows
    ]
    for inv in invoices:
        repo.attach_adjustment(conn, int(inv["adjustmentid"]), pid)
        lines.append(
            {
                "kind": "invoice",
                "amount": int(inv["amount"]),
                "payoutid": None,
                "transactionid": None,
                "payee_kind": None,
                "adjustmentid": inv["adjustmentid"],
                "payable_at": inv["created_at"],
                "added_at": now,
            }
        )
    repo.add_lines(conn, pid, lines)
    return pid
