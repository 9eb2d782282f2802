"""The Profit & Loss report at the vendor's path, and trackpost's own statistics report."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from starlette.responses import Response, StreamingResponse

from trackpost.core.http import RequestContext, Router
from trackpost.core.responses import json_response
from trackpost.stats import service
from trackpost.stats.schemas import ProfitLoss, Stats

router = Router("report")
_FIGURES: dict[str, Any] = {
    "type": "object",
    "description": "counts as integers; money as decimal strings in the base currency ('9.95')",
    "properties": {
        **{k: {"type": "integer"} for k in service.COUNTS},
        "income": {"type": "string"},
        "refund_amount": {"type": "string"},
        "payouts": {
            "type": "object",
            "properties": {p: {"type": "string"} for p in service.PAYEES},
        },
        "total_payouts": {"type": "string"},
        "fees": {"type": "string"},
        "total_expenses": {"type": "string", "description": "payouts + fees + refund_amount"},
        "net": {"type": "string", "description": "income - total_expenses"},
        "epc": {"type": "string", "description": "income per 100 raw clicks"},
        "conversion_rate": {"type": "string", "description": "percent of raw clicks"},
    },
}
_ROW = {"offer": 12, "raw_clicks": 1000, "unique_clicks": 800, "conversions": 20}
PL_EXAMPLE = {
    "total": {"breakdown": "offer", **_ROW, "income": "199.00", "net": "99.00"},
    "12": {**_ROW, "income": "199.00", "net": "99.00"},
}
STATS_EXAMPLE = {
    "dims": ["day", "offer"],
    "total": {**_ROW, "income": "199.00"},
    "count": 1,
    "rows": [{"day": "2026-03-01", **_ROW, "income": "199.00"}],
}


def _csv(dims: list[str], rows: list[dict[str, Any]], name: str) -> Response:
    def lines() -> Iterator[str]:
        buf = io.StringIO()
        writer = csv.writer(buf)
        for line in service.csv_rows(dims, rows):
            writer.writerow(line)
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()

    return StreamingResponse(
        lines(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


@router.route(
    "GET",
    "/api/report/profitloss",
    params=ProfitLoss,
    summary="The Profit & Loss report: clicks, sales and money by one view",
    description="`total` (with `breakdown` naming the view) and one object per key (a network "
    "day for view=period, an id, a country code...; 'unknown' where nothing was recorded). "
    "Figures are exact: the hourly rollups plus a live count of what the fold has not reached. "
    "Filters may be sent as params[x] or x. format=csv streams the rows with a header.",
    response={"type": "object", "additionalProperties": _FIGURES},
    example=PL_EXAMPLE,
    errors=(400,),
)
def profit_loss(ctx: RequestContext, params: ProfitLoss) -> Response:
    """View and filters as the vendor names them."""
    settings = ctx.services.settings
    dim, answer = service.profit_loss(
        ctx.conn, params, settings.zone, settings.stats_unique_seconds
    )
    if params.format == "csv":
        rows = [v for k, v in answer.items() if k != "total"]
        return _csv([dim], rows, "profit-loss")
    return json_response(answer)


# The vendor's page gives this path in its URL cell; its heading and overview the one above.
router.alias("GET", "/api/service/profitloss", of="GET /api/report/profitloss")


@router.route(
    "GET",
    "/api/report/stats",
    params=Stats,
    summary="Statistics by one or two dimensions crossed (day x offer...), sorted and paged",
    description="trackpost's own: `rows` (each with its dimensions' values and the P&L "
    "figures), `total` over every row, `count` of rows before paging (start_row, count). "
    "format=csv streams the page with a header.",
    response={"type": "object"},
    example=STATS_EXAMPLE,
    errors=(400,),
)
def stats(ctx: RequestContext, params: Stats) -> Response:
    """Days, months and years are the network's (TRACKPOST_TIMEZONE)."""
    settings = ctx.services.settings
    dims, answer = service.stats(ctx.conn, params, settings.zone, settings.stats_unique_seconds)
    if params.format == "csv":
        return _csv(dims, answer["rows"], "stats")
    return json_response(answer)
