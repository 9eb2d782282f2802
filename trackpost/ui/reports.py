"""Reports: the transaction report with its filters and CSV, and the P&L by each view."""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import urlencode

from trackpost.accounts.roles import Permission
from trackpost.core.errors import TrackpostError
from trackpost.core.validation import validate
from trackpost.reports import service as reports
from trackpost.reports.schemas import TransactionReport
from trackpost.stats import service as stats
from trackpost.ui import pnl
from trackpost.ui.chart import Chart, bar_chart
from trackpost.ui.format import money, when
from trackpost.ui.pages import Download, Page, Pages, UiRequest

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
            writer.writerow([csv_cell(line.get(c)) for c in CSV_COLUMNS])
        if (page + 1) * 1000 >= total:
            break
    return Download("transactions.csv", "text/csv; charset=utf-8", out.getvalue().encode())


def csv_cell(value: Any) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") and not _number(text) else text


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _net_chart(report: pnl.Report) -> Chart | None:
    """A bar chart of the net for the time views (days, months, years in key order)."""
    if report.view not in pnl.TIME_VIEWS or not report.rows:
        return None
    return bar_chart([k for k, _ in report.rows], [pnl.cents(f["net"]) for _, f in report.rows])


@pages.get(ROOT + "/pnl", Permission.REPORTS)
def pnl_page(req: UiRequest) -> Page:
    """Profit and loss by any view of the statistics service, with a chart for time views."""
    params = pnl.api_params(req.query)
    values: dict[str, Any] = {
        "query": params,
        "views": pnl.VIEWS,
        "periods": pnl.PERIODS,
        "label": pnl.VIEW_LABEL.get(params["view"], params["view"]),
        "key_page": pnl.KEY_PAGES.get(params["view"]),
        "csv": urlencode(params),
        "zone": req.settings.timezone,
        "error": None,
    }
    try:
        report = pnl.profit_loss(req.conn, req.settings, req.query)
    except TrackpostError as exc:
        values["error"] = exc.message
        return Page("pnl.html", values, status=exc.status)
    values.update(report=report, chart=_net_chart(report))
    return Page("pnl.html", values)


@pages.get(ROOT + "/pnl.csv", Permission.REPORTS)
def pnl_csv(req: UiRequest) -> Download:
    """The view's rows as the API's format=csv gives them."""
    report = pnl.profit_loss(req.conn, req.settings, req.query)
    out = io.StringIO()
    writer = csv.writer(out)
    for line in stats.csv_rows([report.dim], [f for _, f in report.rows]):
        writer.writerow([csv_cell(v) for v in line])
    name = f"profit-loss-{report.view}.csv"
    return Download(name, "text/csv; charset=utf-8", out.getvalue().encode())
