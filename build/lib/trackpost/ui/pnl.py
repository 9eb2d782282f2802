"""Profit and loss by day for the console: the one function the P&L page and dashboard call.

Until the statistics domain answers it (GET /api/report/profitloss), it is summed here from the
transaction report's pages; swap `profit_loss` for the statistics service when it lands.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from trackpost.reports import service as reports
from trackpost.reports.schemas import TransactionReport

PAGE = 1000
MAX_PAGES = 50
UNCOUNTED = frozenset({"pending", "denied"})


@dataclass
class Day:
    """One day's totals, money in cents."""

    day: dt.date
    conversions: int = 0
    revenue: int = 0
    payouts: int = 0

    @property
    def net(self) -> int:
        return self.revenue - self.payouts


@dataclass
class ProfitLoss:
    days: list[Day]
    # More rows than this summary reads: the figures are of the first MAX_PAGES * PAGE rows.
    partial: bool = False
    total: Day = field(default_factory=lambda: Day(dt.date.min))


def _cents(value: Any) -> int:
    """Report money as integer cents, or as the decimal strings some answers use ('49.00')."""
    if isinstance(value, int):
        return value
    return int((Decimal(str(value or 0)) * 100).to_integral_value())


def profit_loss(conn: Connection, first: dt.date, last: dt.date) -> ProfitLoss:
    """Each UTC day from first to last (inclusive): conversions, revenue, payouts and net."""
    span = range((last - first).days + 1)
    days = {first + dt.timedelta(days=i): Day(first + dt.timedelta(days=i)) for i in span}
    partial = False
    for page in range(MAX_PAGES):
        params = TransactionReport(
            period=8,
            start=first.isoformat(),
            end=last.isoformat(),
            trans_start=page * PAGE,
            trans_count=PAGE,
        )
        total, rows = reports.transaction_report(conn, params)
        for row in rows.values():
            if row["status"] in UNCOUNTED:
                continue
            when = dt.datetime.fromtimestamp(int(row["time"]), dt.UTC).date()
            bucket = days.get(when)
            if bucket is None:
                continue
            if str(row["trans_type"]).endswith("_initial"):
                bucket.conversions += 1
            bucket.revenue += _cents(row["amount"])
            bucket.payouts += _cents(row["total_payout"])
        if (page + 1) * PAGE >= total:
            break
    else:
        partial = True
    ordered = [days[d] for d in sorted(days)]
    summary = Day(first)
    for d in ordered:
        summary.conversions += d.conversions
        summary.revenue += d.revenue
        summary.payouts += d.payouts
    return ProfitLoss(ordered, partial, summary)
