"""A payment's statement: opening balance, payee rows, adjustments, fees, total and state.

As printable HTML, CSV, or PDF (fpdf2).

The opening balance is what the payment carried into its latest earnings period: amounts
rolled over from periods under the minimum, and late changes to earlier periods' rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, select_autoescape
from sqlalchemy import Connection

from trackpost.core.fields import cents_text
from trackpost.payments import repository as repo
from trackpost.payments.views import payment

if TYPE_CHECKING:
    from jinja2 import Template

_WHAT = {
    "payout": "{payee} payout",
    "adjustment": "Adjustment: {reason}",
    "invoice": "Invoice: {reason}",
    "fee": "Payout method cost",
}


def statement(conn: Connection, paymentid: int, zone: dt.tzinfo) -> dict[str, Any]:
    """The statement's figures; every amount a decimal string, dates in the network's days."""
    row = payment(conn, paymentid)
    reasons = {int(a["adjustmentid"]): a["reason"] for a in repo.adjustments_of(conn, paymentid)}
    opening = payouts = adjustments = fees = 0
    rows = []
    # Payee rows first, then adjustments and invoices, then the payvia's cost: a reader's order.
    order = {"payout": 0, "adjustment": 1, "invoice": 1, "fee": 2}
    for ln in sorted(repo.lines(conn, paymentid), key=lambda x: (order[x["kind"]], x["lineid"])):
        amount, kind = int(ln["amount"]), ln["kind"]
        if kind == "payout" and ln["payable_at"] < row["last_start"]:
            opening += amount
            continue
        if kind == "payout":
            payouts += amount
        elif kind == "fee":
            fees += amount
        else:
            adjustments += amount
        reason = reasons.get(int(ln["adjustmentid"])) if ln["adjustmentid"] is not None else ""
        what = _WHAT[kind].format(payee=(ln["payee_kind"] or "").capitalize(), reason=reason)
        rows.append(
            {
                "date": ln["payable_at"].astimezone(zone).date().isoformat(),
                "what": what,
                "transactionid": "" if ln["transactionid"] is None else str(ln["transactionid"]),
                "amount": cents_text(amount),
            }
        )
    last_day = (row["period_end"] - dt.timedelta(microseconds=1)).astimezone(zone).date()
    username = repo.payees(conn, [int(row["loginid"])]).get(int(row["loginid"]))
    return {
        "paymentid": row["paymentid"],
        "loginid": row["loginid"],
        "username": username["username"] if username else "",
        "state": row["state"],
        "payvia_name": row["payvia_name"],
        "period_start": row["last_start"].astimezone(zone).date().isoformat(),
        "period_end": last_day.isoformat(),
        "paid_at": row["paid_at"].astimezone(zone).date().isoformat() if row["paid_at"] else None,
        "paid_reference": row["paid_reference"],
        "opening": cents_text(opening),
        "payouts": cents_text(payouts),
        "adjustments": cents_text(adjustments),
        "fees": cents_text(fees),
        "total": cents_text(row["total"]),
        "rows": rows,
    }


@cache
def _html() -> Template:
    # Compiled on the first statement asked for, not in every serve worker at start.
    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    source = Path(__file__).with_name("templates_html") / "statement.html"
    return env.from_string(source.read_text(encoding="utf-8"))


def as_html(figures: dict[str, Any]) -> str:
    return _html().render(s=figures)


def as_csv(figures: dict[str, Any]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(["date", "what", "transactionid", "amount"])
    w.writerow(["", "Opening balance", "", figures["opening"]])
    for r in figures["rows"]:
        w.writerow([r["date"], r["what"], r["transactionid"], r["amount"]])
    w.writerow(["", "Payouts", "", figures["payouts"]])
    w.writerow(["", "Adjustments and invoices", "", figures["adjustments"]])
    w.writerow(["", "Payout method cost or bonus", "", figures["fees"]])
    w.writerow(["", f"Total ({figures['state']})", "", figures["total"]])
    return out.getvalue()


def _latin(text: object) -> str:
    """The PDF's core font covers Latin-1: other characters print as '?'."""
    return str(text).encode("latin-1", "replace").decode("latin-1")


def as_pdf(figures: dict[str, Any]) -> bytes:
    """The statement as a one-table PDF (fpdf2's core Helvetica; no font files needed)."""
    # Imported here: fpdf2 with fontTools and Pillow is a fifth of a serve worker's memory
    # (BENCHMARKS.md), for an endpoint a worker may never serve.
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_title(f"Statement {figures['paymentid']}")
    pdf.set_creator("trackpost")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, "Payment statement", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    paid = f", paid {figures['paid_at']} (reference {figures['paid_reference']})"
    facts = (
        ("Affiliate", f"{figures['username']} (loginid {figures['loginid']})"),
        ("Period", f"{figures['period_start']} to {figures['period_end']}"),
        (
            "Payment",
            f"{figures['paymentid']}, {figures['state']}{paid if figures['paid_at'] else ''}",
        ),
        ("Payout method", figures["payvia_name"] or "none chosen"),
    )
    for label, value in facts:
        pdf.cell(35, 6, _latin(label))
        pdf.cell(0, 6, _latin(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    rows = [["Date", "What", "Transaction", "Amount"]]
    rows.append(["", "Opening balance (carried from earlier periods)", "", figures["opening"]])
    rows += [[r["date"], r["what"], r["transactionid"], r["amount"]] for r in figures["rows"]]
    rows.append(["", "Payouts", "", figures["payouts"]])
    rows.append(["", "Adjustments and invoices", "", figures["adjustments"]])
    rows.append(["", "Payout method cost (-) or bonus (+)", "", figures["fees"]])
    rows.append(["", f"Total ({figures['state']})", "", figures["total"]])
    with pdf.table(
        col_widths=(25, 95, 30, 30), text_align=("LEFT", "LEFT", "LEFT", "RIGHT")
    ) as table:
        for cells in rows:
            row = table.row()
            for cell in cells:
                row.cell(_latin(cell))
    return bytes(pdf.output())
