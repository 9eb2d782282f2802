"""Payments' rules: minimums, fees, storing, paying, adjustments, invoices; never commits.

A payment's total is always the sum of its lines (the repository sets it so on every append).
Open and Banned payments accrue; a Stored one is frozen (payvia, details, dump entry) and takes
only audited adjustments; a Paid one never changes.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, RowMapping

from trackpost.core.db import utcnow
from trackpost.core.fields import cents_text, iso
from trackpost.core.origin import Origin
from trackpost.events import service as events
from trackpost.payments import dumps
from trackpost.payments import repository as repo
from trackpost.payments import setup_repository as setup
from trackpost.payments.dumps import Rec
from trackpost.payments.errors import (
    AffiliateNotFound,
    BelowMinimum,
    PaymentNotFound,
    PaymentState,
    PayviaDetailsInvalid,
)
from trackpost.payments.terms import details_problem, fee_of, format_of, settings_of, storable

OPEN, STORED, PAID, BANNED = "open", "stored", "paid", "banned"


def audit(
    conn: Connection,
    origin: Origin,
    action: str,
    detail: Rec,
    *,
    paymentid: int | None = None,
    loginid: int | None = None,
) -> None:
    """One audit row: who did what to which payment, when."""
    repo.insert_audit(
        conn,
        {
            "paymentid": paymentid,
            "loginid": loginid,
            "action": action,
            "actor": origin.actor[:64],
            "source": origin.source,
            "source_ip": origin.source_ip,
            "request_id": origin.request_id,
            "detail": json.dumps(dict(detail), sort_keys=True, default=str),
            "created_at": utcnow(),
        },
    )


def _frozen(
    payment: Rec,
    payee: Rec,
    info: list[tuple[str, str]],
    setting: Rec,
    payvia_name: str | None,
) -> dict[str, Any]:
    return {
        "payvia_type_id": payment["payvia_type_id"],
        "payvia_name": payvia_name,
        "fields": dict(info),
        "contact": {k: payee[k] for k in dumps.CONTACT},
        "vars": json.loads(setting["dump_vars"] or "{}"),
        "cost_type": setting["cost_type"],
        "cost_amount": int(setting["cost_amount"]),
        "dump_format": setting["dump_format"],
    }


def store(
    conn: Connection,
    payment: Rec,
    origin: Origin,
    zone: dt.tzinfo,
    *,
    instant: bool = False,
) -> None:
    """Freeze an open payment: its fee line, payvia and details, and its dump entry, once."""
    pid = int(payment["paymentid"])
    if payment["state"] != OPEN:
        raise PaymentState(
            f"Payment {pid} is {payment['state']}: only an open payment can be stored."
        )
    loginid = int(payment["loginid"])
    payee = repo.payees(conn, [loginid])[loginid]
    setting = settings_of(conn, int(payment["payvia_type_id"]))
    ok, net, minimum = storable(payment, payee, setting, instant)
    if not ok:
        raise BelowMinimum(
            f"Payment {pid} comes to {cents_text(net)} after the payvia's cost, under the "
            f"minimum of {cents_text(minimum)} for loginid {loginid} (or the affiliate is "
            "banned): it stays open and rolls over to the next period."
        )
    problem = details_problem(conn, loginid, setting)
    if problem is not None:
        raise PayviaDetailsInvalid(
            f"Payment {pid} cannot be stored: for loginid {loginid}, {problem} Fix the "
            "affiliate's payout details (PATCH /api/affiliate/payvia); it stays open meanwhile."
        )
    now = utcnow()
    fee = fee_of(setting, int(payment["total"]))
    if fee:
        repo.add_lines(conn, pid, [_line("fee", -fee, now)])
    names = {int(r["payvia_type_id"]): r["name"] for r in setup.payvias(conn)}
    info = repo.payvia_info(conn, [loginid]).get(loginid, [])
    frozen = _frozen(payment, payee, info, setting, names.get(int(payment["payvia_type_id"])))
    frozen["dump_parts"] = dumps.frozen_parts(format_of(conn, setting["dump_format"]))
    values = {
        "state": STORED,
        "fee": fee,
        "minimum": minimum,
        "payvia_name": frozen["payvia_name"],
        "frozen": json.dumps(frozen, sort_keys=True),
        "dump_format": setting["dump_format"],
        "stored_at": now,
        "stored_by": origin.actor[:64],
        "updated_at": now,
    }
    repo.update_payment(conn, pid, values)
    _render_entry(conn, pid, zone)
    audit(conn, origin, "store", {"total": net, "fee": fee, "minimum": minimum}, paymentid=pid)
    events.record(conn, events.Event("payment.stored", _event(conn, pid)))


def _event(conn: Connection, paymentid: int) -> dict[str, Any]:
    """A payment as events tell it: ids, money in cents, times in ISO 8601."""
    row = repo.payment(conn, paymentid)
    assert row is not None
    return {
        "paymentid": paymentid,
        "loginid": row["loginid"],
        "payvia_type_id": row["payvia_type_id"],
        "state": row["state"],
        "total": row["total"],
        "fee": row["fee"],
        "period_start": iso(row["period_start"]),
        "period_end": iso(row["period_end"]),
        "paid_at": iso(row["paid_at"]),
        "paid_reference": row["paid_reference"],
    }


def _render_entry(conn: Connection, paymentid: int, zone: dt.tzinfo) -> None:
    row = repo.payment(conn, paymentid)
    assert row is not None
    frozen = json.loads(row["frozen"] or "{}")
    fmt = dumps.thawed(frozen["dump_parts"])
    entry = dumps.render_entry(fmt, dumps.entry_context(row, frozen, zone))
    repo.update_payment(conn, paymentid, {"dump_entry": entry})


def _line(kind: str, amount: int, when: dt.datetime, **extra: Any) -> dict[str, Any]:
    return {
        "kind": kind,
        "amount": amount,
        "payoutid": None,
        "transactionid": None,
        "payee_kind": None,
        "adjustmentid": None,
        "payable_at": when,
        "added_at": when,
        **extra,
    }


def locked(conn: Connection, paymentid: int) -> RowMapping:
    row = repo.payment(conn, paymentid, lock=True)
    if row is None:
        raise PaymentNotFound(f"Parameter 'paymentid': no payment {paymentid}.")
    return row


def instant_of(conn: Connection, loginid: int) -> bool:
    prof = setup.profile(conn, loginid)
    return bool(prof and prof["instant"])


def store_payments(
    conn: Connection, paymentids: tuple[int, ...], origin: Origin, zone: dt.tzinfo
) -> list[int]:
    """Store each listed payment (all or none: the first refusal is the answer)."""
    for pid in paymentids:
        row = locked(conn, pid)
        store(conn, row, origin, zone, instant=instant_of(conn, int(row["loginid"])))
    return list(paymentids)


def store_payvia(
    conn: Connection, payvia_type_id: int, origin: Origin, zone: dt.tzinfo
) -> tuple[list[int], list[int]]:
    """Store every open payment of a payvia that reaches its minimum: (stored, left open)."""
    rows, _ = repo.search(
        conn, repo.conditions({"state": OPEN, "payvia_type_id": payvia_type_id}), 0, 10**6
    )
    done, left = [], []
    for r in rows:
        row = locked(conn, int(r["paymentid"]))
        loginid = int(row["loginid"])
        payee = repo.payees(conn, [loginid])[loginid]
        instant = instant_of(conn, loginid)
        setting = settings_of(conn, payvia_type_id)
        good = details_problem(conn, loginid, setting) is None
        if good and storable(row, payee, setting, instant)[0]:
            store(conn, row, origin, zone, instant=instant)
            done.append(int(row["paymentid"]))
        else:
            left.append(int(row["paymentid"]))
    return done, left


def mark_paid(
    conn: Connection,
    paymentids: tuple[int, ...],
    reference: str,
    paid_at: dt.datetime | None,
    origin: Origin,
) -> None:
    """Stored payments become Paid, with a date and reference; nothing else can be paid."""
    when = paid_at or utcnow()
    for pid in paymentids:
        row = locked(conn, pid)
        if row["state"] == OPEN:
            raise PaymentState(f"Payment {pid} is open: store it before marking it paid.")
        if row["state"] == PAID:
            raise PaymentState(
                f"Payment {pid} was already paid on {row['paid_at']:%Y-%m-%d} "
                f"(reference {row['paid_reference']!r})."
            )
        if row["state"] == BANNED:
            raise PaymentState(f"Payment {pid} is owed to a banned affiliate: it is never paid.")
        values = {"state": PAID, "paid_at": when, "paid_reference": reference}
        repo.update_payment(
            conn, pid, {**values, "paid_by": origin.actor[:64], "updated_at": utcnow()}
        )
        audit(
            conn, origin, "mark_paid", {"reference": reference, "paid_at": iso(when)}, paymentid=pid
        )
        events.record(conn, events.Event("payment.paid", _event(conn, pid)))


def add_adjustment(
    conn: Connection, paymentid: int, amount: int, reason: str, origin: Origin, zone: dt.tzinfo
) -> int:
    """A manual amount on an open, banned or stored payment; a paid one is refused."""
    row = locked(conn, paymentid)
    if row["state"] == PAID:
        raise PaymentState(
            f"Payment {paymentid} was paid on {row['paid_at']:%Y-%m-%d}: it can no longer change; "
            "adjust the affiliate's next payment instead (add_invoice, or an adjustment there)."
        )
    now = utcnow()
    adjustmentid = repo.insert_adjustment(
        conn,
        {
            "loginid": row["loginid"],
            "paymentid": paymentid,
            "kind": "adjustment",
            "amount": amount,
            "reason": reason,
            "admin": origin.actor[:64],
            "created_at": now,
        },
    )
    repo.add_lines(conn, paymentid, [_line("adjustment", amount, now, adjustmentid=adjustmentid)])
    detail: dict[str, Any] = {"amount": amount, "reason": reason, "before": row["total"]}
    if row["state"] == STORED:
        _restate_stored(conn, paymentid, row, now, zone)
    after = repo.payment(conn, paymentid)
    assert after is not None
    detail["after"] = after["total"]
    audit(conn, origin, "add_adjustment", detail, paymentid=paymentid, loginid=row["loginid"])
    return adjustmentid


def _restate_stored(
    conn: Connection, paymentid: int, before: Rec, now: dt.datetime, zone: dt.tzinfo
) -> None:
    """A stored payment's fee follows its new amount, and its kept entry shows the new total."""
    frozen = json.loads(before["frozen"] or "{}")
    subtotal = sum(int(ln["amount"]) for ln in repo.lines(conn, paymentid) if ln["kind"] != "fee")
    fee = fee_of(frozen, subtotal)
    if fee != int(before["fee"]):
        repo.add_lines(conn, paymentid, [_line("fee", int(before["fee"]) - fee, now)])
        repo.update_payment(conn, paymentid, {"fee": fee})
    repo.update_payment(conn, paymentid, {"updated_at": now})
    _render_entry(conn, paymentid, zone)


def add_invoice(conn: Connection, loginid: int, amount: int, reason: str, origin: Origin) -> int:
    """A one-time credit, paid with the affiliate's next stored payment; never removed."""
    if loginid not in repo.payees(conn, [loginid]):
        raise AffiliateNotFound(f"Parameter 'loginid': no account {loginid}.")
    current = repo.accruing(conn, loginid)
    now = utcnow()
    adjustmentid = repo.insert_adjustment(
        conn,
        {
            "loginid": loginid,
            "paymentid": current["paymentid"] if current else None,
            "kind": "invoice",
            "amount": amount,
            "reason": reason,
            "admin": origin.actor[:64],
            "created_at": now,
        },
    )
    pid = int(current["paymentid"]) if current else None
    if pid is not None:
        repo.add_lines(conn, pid, [_line("invoice", amount, now, adjustmentid=adjustmentid)])
    audit(
        conn,
        origin,
        "add_invoice",
        {"amount": amount, "reason": reason},
        paymentid=pid,
        loginid=loginid,
    )
    return adjustmentid


def payment_out(row: Rec, usernames: Mapping[int, str]) -> dict[str, Any]:
    """A payment as the API shows it: money as decimal strings, times in ISO 8601."""
    return {
        "paymentid": str(row["paymentid"]),
        "loginid": str(row["loginid"]),
        "username": usernames.get(int(row["loginid"]), ""),
        "state": row["state"],
        "payvia_type_id": str(row["payvia_type_id"]),
        "payvia_name": row["payvia_name"],
        "total": cents_text(row["total"]),
        "fee": cents_text(row["fee"]),
        "minimum": cents_text(row["minimum"]),
        "period_start": iso(row["period_start"]),
        "period_end": iso(row["period_end"]),
        "stored_at": iso(row["stored_at"]),
        "paid_at": iso(row["paid_at"]),
        "paid_reference": row["paid_reference"],
    }
