"""Reports: the transaction report with its filters and CSV, and profit and loss by day."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from trackpost.accounts.roles import Permission
from trackpost.core.db import utcnow
from trackpost.core.errors import InvalidParameter, TrackpostError
from trackpost.core.validation import validate
from trackpost.reports import service as reports
from trackpost.reports.schemas import TransactionReport
from trackpost.ui.chart import bar_chart
from trackpost.ui.format import money, when
from trackpost.ui.pages import Download, Page, Pages, UiRequest
from trackpost.ui.pnl import profit_loss

pages = Pages()
ROOT = "/admin/reports"
REPORT_FIELDS = (
    "period",
    "start",
    "end",
    "filter_affiliate",
    "filter_offerid",
    "filter_landingpageid",
    "trans_type",
    "filter_orderid",
    "filter_transaction_hash",
)
PERIODS = (
    ("0", "This month"),
    ("1", "Last month"),
    ("2", "Today"),
    ("3", "Yesterday"),
    ("4", "This week"),
    ("6", "This year"),
    ("7", "All time"),
    ("8", "From start to end"),
)
CSV_COLUMNS = (
    "transactionid",
    "time",
    "trans_type",
    "status",
    "customer_id",
    "orderid",
    "offerid",
    "landing_pageid",
    "loginid",
    "amount",
    "total_payout",
    "chargeback_cost",
)


def _report_params(req: UiRequest, start: int, count: int) -> TransactionReport:
    raw = {k: v.strip() for k in REPORT_FIELDS if (v := req.query.get(k, ""))}
    if raw.get("period") != "8":
        raw.pop("start", None)
        raw.pop("end", None)
    raw.update(trans_start=str(start), trans_count=str(count))
    return validate(TransactionReport, raw)


@pages.get(ROOT + "/transactions", Permission.REPORTS)
def transaction_report(req: UiRequest) -> Page:
    """The ledger, filtered, 100 rows a page."""
    try:
        start = max(0, int(req.query.get("page") or 0)) * 100
    except ValueError:
        start = 0
    values: dict[str, Any] = {"query": req.query, "periods": PERIODS, "rows": {}, "error": None}
    try:
        total, rows = reports.transaction_report(
            req.conn, _report_params(req, start, 100), req.settings.zone
        )
    except TrackpostError as exc:
        values["error"] = exc.message
        return Page("report.html", values, status=exc.status)
    page = start // 100
    values.update(total=total, rows=rows, page=page, more=start + len(rows) < total)
    return Page("report.html", values)


@pages.get(ROOT + "/transactions.csv", Permission.REPORTS)
def transaction_csv(req: UiRequest) -> Download:
    """The same filters as a CSV file (at most 10,000 rows)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for page in range(10):
        total, rows = reports.transaction_report(
            req.conn, _report_params(req, page * 1000, 1000), req.settings.zone
        )
        for tid, row in rows.items():
            line = {**row, "transactionid": tid, "time": when(row["time"])}
            for key in ("amount", "total_payout", "chargeback_cost"):
                line[key] = money(row[key])
            writer.writerow([_cell(line.get(c)) for c in CSV_COLUMNS])
        if (page + 1) * 1000 >= total:
            break
    return Download("transactions.csv", "text/csv; charset=utf-8", out.getvalue().encode())


def _cell(value: Any) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") and not _number(text) else text


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _range(req: UiRequest) -> tuple[dt.date, dt.date]:
    today = utcnow().date()
    try:
        first = (
            dt.date.fromisoformat(req.query.get("start") or "") if req.query.get("start") else None
        )
        last = dt.date.fromisoformat(req.query.get("end") or "") if req.query.get("end") else None
    except ValueError:
        raise InvalidParameter(
            "Parameters 'start' and 'end' must be dates such as 2026-03-01."
        ) from None
    last = last or today
    first = first or last - dt.timedelta(days=29)
    if first > last:
        raise InvalidParameter("Parameter 'end' must not be before 'start'.")
    if (last - first).days > 366:
        raise InvalidParameter("Parameters 'start' and 'end' may span at most a year.")
    return first, last


@pages.get(ROOT + "/pnl", Permission.REPORTS)
def pnl(req: UiRequest) -> Page:
    """Profit and loss by day with a chart of the net."""
    try:
        first, last = _range(req)
    except TrackpostError as exc:
        return Page("pnl.html", {"error": exc.message, "query": req.query}, status=exc.status)
    result = profit_loss(req.conn, first, last)
    chart = bar_chart([d.day.isoformat() for d in result.days], [d.net for d in result.days])
    return Page(
        "pnl.html",
        {
            "pnl": result,
            "chart": chart,
            "first": first,
            "last": last,
            "query": req.query,
            "error": None,
        },
    )


@pages.get(ROOT + "/pnl.csv", Permission.REPORTS)
def pnl_csv(req: UiRequest) -> Download:
    first, last = _range(req)
    result = profit_loss(req.conn, first, last)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(("day", "conversions", "revenue", "payouts", "net"))
    for d in result.days:
        writer.writerow(
            (d.day.isoformat(), d.conversions, money(d.revenue), money(d.payouts), money(d.net))
        )
    return Download("profit-loss.csv", "text/csv; charset=utf-8", out.getvalue().encode())
