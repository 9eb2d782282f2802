"""The stats page: two dimensions crossed (day x offer...), sorted and paged, and its CSV."""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import urlencode

from trackpost.accounts.roles import Permission
from trackpost.core.errors import TrackpostError
from trackpost.stats import service as stats
from trackpost.ui import pnl
from trackpost.ui.pages import Download, Page, Pages, UiRequest
from trackpost.ui.reports import csv_cell

pages = Pages()
ROOT = "/admin/reports/stats"
# The form's own names, kept in the paging and download links.
FORM = ("dim1", "dim2", "period", "start", "end", *pnl.FILTERS, "sort", "order", "count")
# The download answers in one piece: the API's largest page.
CSV_ROWS = 10000


def _number(req: UiRequest, name: str, default: int, top: int) -> int:
    """A paging number from the query, within 0..top (the default when unreadable)."""
    try:
        return min(top, max(0, int(req.query.get(name) or default)))
    except ValueError:
        return default


@pages.get(ROOT, Permission.REPORTS)
def stats_page(req: UiRequest) -> Page:
    """GET /api/report/stats as a table: 100 rows a page (`count`), the total over every row."""
    form = {k: v.strip() for k in FORM if (v := req.query.get(k)) and v.strip()}
    params = pnl.stats_params(req.query)
    page = _number(req, "page", 0, 10**6)
    size = _number(req, "count", pnl.STATS_PAGE, 1000) or pnl.STATS_PAGE
    dims = params["dims"].split(",")
    values: dict[str, Any] = {
        "form": form,
        "query": params,
        "dims": dims,
        "dim_choices": pnl.DIMS,
        "labels": [pnl.DIM_LABEL.get(d, d) for d in dims],
        "periods": pnl.PERIODS,
        "sorts": pnl.SORTS,
        "link": urlencode(form),
        "page": page,
        "zone": req.settings.timezone,
        "error": None,
    }
    try:
        dims, answer = pnl.crossed(req.conn, req.settings, params, page * size, size)
    except TrackpostError as exc:
        values["error"] = exc.message
        return Page("stats.html", values, status=exc.status)
    shown = page * size + len(answer["rows"])
    values.update(answer=answer, more=shown < answer["count"])
    return Page("stats.html", values)


@pages.get(ROOT + ".csv", Permission.REPORTS)
def stats_csv(req: UiRequest) -> Download:
    """Every row (at most 10,000) as the API's format=csv gives them."""
    dims, answer = pnl.crossed(req.conn, req.settings, pnl.stats_params(req.query), 0, CSV_ROWS)
    out = io.StringIO()
    writer = csv.writer(out)
    for line in stats.csv_rows(dims, answer["rows"]):
        writer.writerow([csv_cell(v) for v in line])
    return Download("stats.csv", "text/csv; charset=utf-8", out.getvalue().encode())
