"""Reading payments: the search with its totals, a payment's lines, and dump files."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import Connection

from trackpost.core.errors import InvalidParameter
from trackpost.core.fields import cents_text, iso
from trackpost.payments import dumps
from trackpost.payments import repository as repo
from trackpost.payments import setup_repository as setup
from trackpost.payments.errors import PaymentNotFound, PaymentState
from trackpost.payments.schemas import STATES, DumpParams, SearchPayments
from trackpost.payments.service import payment_out
from trackpost.payments.terms import DEFAULT_FORMAT, format_of


def _usernames(conn: Connection, loginids: set[int]) -> dict[int, str]:
    return {i: str(r["username"]) for i, r in repo.payees(conn, loginids).items()}


def search(conn: Connection, params: SearchPayments) -> dict[str, Any]:
    """A page of payments (oldest first) and, over every match, counts and totals by state."""
    if params.period_start and params.period_end and params.period_end <= params.period_start:
        raise InvalidParameter("Parameter 'period_end' must be after 'period_start'.")
    filters = params.model_dump(exclude={"start", "count"})
    rows, sums = repo.search(conn, repo.conditions(filters), params.start, params.count)
    names = _usernames(conn, {int(r["loginid"]) for r in rows})
    by_state = {s: {"count": 0, "total": "0.00"} for s in STATES}
    count = total = 0
    for s in sums:
        state, n, amount = s["state"], int(s["count"]), int(s["total"])
        by_state[state] = {"count": n, "total": cents_text(amount)}
        count, total = count + n, total + amount
    return {
        "payments": [payment_out(r, names) for r in rows],
        "totals": {"count": count, "total": cents_text(total), "by_state": by_state},
    }


def payment(conn: Connection, paymentid: int) -> Any:
    row = repo.payment(conn, paymentid)
    if row is None:
        raise PaymentNotFound(f"Parameter 'paymentid': no payment {paymentid}.")
    return row


def lines(conn: Connection, paymentid: int) -> dict[str, Any]:
    """A payment and every line that makes it up: which payee rows, adjustments, invoices, fees."""
    row = payment(conn, paymentid)
    reasons = {int(a["adjustmentid"]): a for a in repo.adjustments_of(conn, paymentid)}
    out = []
    for ln in repo.lines(conn, paymentid):
        adj = reasons.get(int(ln["adjustmentid"])) if ln["adjustmentid"] is not None else None
        out.append(
            {
                "lineid": str(ln["lineid"]),
                "kind": ln["kind"],
                "amount": cents_text(ln["amount"]),
                "transactionid": _text(ln["transactionid"]),
                "payoutid": _text(ln["payoutid"]),
                "payee_type": ln["payee_kind"],
                "adjustmentid": _text(ln["adjustmentid"]),
                "reason": adj["reason"] if adj else None,
                "admin": adj["admin"] if adj else None,
                "payable_at": iso(ln["payable_at"]),
                "added_at": iso(ln["added_at"]),
            }
        )
    names = _usernames(conn, {int(row["loginid"])})
    return {"payment": payment_out(row, names), "lines": out}


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def dump(conn: Connection, params: DumpParams, zone: dt.tzinfo) -> tuple[str, str, str]:
    """(file text, media type, file name) of the stored (or paid) payments asked for."""
    if params.paymentid is None and params.payvia_type_id is None:
        raise InvalidParameter("Send 'paymentid' (one or several) or 'payvia_type_id'.")
    filters: dict[str, Any] = {"paymentids": params.paymentid}
    if params.payvia_type_id is not None:
        filters["payvia_type_id"] = params.payvia_type_id
    if params.paymentid is None:
        filters["state"] = params.state
    rows, _ = repo.search(conn, repo.conditions(filters), 0, 100_000)
    if params.paymentid is not None:
        found = {int(r["paymentid"]) for r in rows}
        missing = [p for p in params.paymentid if p not in found]
        if missing:
            raise PaymentNotFound(f"Parameter 'paymentid': no payment {missing[0]}.")
        for r in rows:
            if r["state"] not in ("stored", "paid"):
                raise PaymentState(
                    f"Payment {r['paymentid']} is {r['state']}: only stored or paid payments "
                    "have a dump."
                )
    if not rows:
        raise PaymentNotFound("No stored payments match: there is nothing to dump.")
    formats = {r["dump_format"] or DEFAULT_FORMAT for r in rows}
    if len(formats) > 1:
        raise InvalidParameter(
            "These payments use different dump formats "
            f"({', '.join(sorted(formats))}): ask for one payvia at a time."
        )
    kept = json.loads(rows[0]["frozen"] or "{}").get("dump_parts")
    fmt = dumps.thawed(kept) if kept else format_of(conn, formats.pop())
    text = dumps.render_file(fmt, rows, zone)
    first, last = rows[0]["paymentid"], rows[-1]["paymentid"]
    ext = {"text/csv": "csv", "application/xml": "xml", "text/tab-separated-values": "tsv"}
    ext |= {"iif": "iif", "nacha": "ach"}
    suffix = ext.get(fmt.name) or ext.get(fmt.media_type, "txt")
    return text, fmt.media_type, f"payments-{first}-{last}.{suffix}"


def dump_formats(conn: Connection) -> list[dict[str, Any]]:
    """The shipped formats and the admin's own, with their five parts."""
    out = []
    for name in sorted(dumps.FORMATS):
        fmt = dumps.dump_format(name)
        out.append(
            {
                "name": name,
                "title": fmt.title,
                "media_type": fmt.media_type,
                "shipped": True,
                **fmt.parts,
            }
        )
    for row in setup.dump_formats(conn):
        parts = {p: row[p] for p in dumps.PARTS}
        out.append(
            {
                "name": row["name"],
                "title": row["title"],
                "media_type": row["media_type"],
                "shipped": False,
                **parts,
            }
        )
    return out
