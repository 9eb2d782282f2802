"""The click log page: GET /api/report/clicks's filters and keyset pages, and its CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from trackpost.accounts.roles import Permission
from trackpost.core.errors import TrackpostError
from trackpost.core.validation import validate
from trackpost.reports.clicklog import service as clicklog
from trackpost.reports.clicklog.schemas import CSV_COLUMNS, ClickReport
from trackpost.ui.pages import Download, Page, Pages, UiRequest
from trackpost.ui.pnl import PERIODS

pages = Pages()
ROOT = "/admin/reports/clicks"
FIELDS = (
    "period",
    "start",
    "end",
    "filter_loginid",
    "filter_offerid",
    "filter_landingpageid",
    "filter_campaignid",
    "filter_countryid",
    "subaff",
    "converted",
    "count",
)
PER_PAGE = 100
# The console's download is built in one answer: at most this many clicks (the API's
# format=csv streams every one).
CSV_PAGES = 50
CSV_PAGE = 1000


def _params(query: Mapping[str, str]) -> dict[str, str]:
    """The page's query as the API's parameters (dates only with period 8, as the P&L)."""
    raw = {k: v.strip() for k in FIELDS if (v := query.get(k)) and v.strip()}
    dated = "start" in raw or "end" in raw
    if raw.setdefault("period", "8" if dated else "0") != "8":
        raw.pop("start", None)
        raw.pop("end", None)
    return raw


def _after(query: Mapping[str, str]) -> str:
    return (query.get("after") or "").strip()


@pages.get(ROOT, Permission.REPORTS)
def click_log(req: UiRequest) -> Page:
    """A page of clicks, oldest first; "Next page" continues after the last one shown."""
    params = _params(req.query)
    after = _after(req.query)
    values: dict[str, Any] = {
        "query": params,
        "periods": PERIODS,
        "filters": urlencode(params),
        "after": after,
        "clicks": [],
        "next_after": None,
        "zone": req.settings.timezone,
        "error": None,
    }
    try:
        model = validate(ClickReport, {"count": str(PER_PAGE), **params, "after": after})
        answer = clicklog.click_report(req.conn, model, req.settings.zone)
    except TrackpostError as exc:
        values["error"] = exc.message
        return Page("clicks.html", values, status=exc.status)
    values.update(clicks=answer["clicks"], next_after=answer["next_after"])
    return Page("clicks.html", values)


@pages.get(ROOT + ".csv", Permission.REPORTS)
def click_csv(req: UiRequest) -> Download:
    """The filtered clicks as the API's CSV columns, from `after` on (at most 50,000)."""
    params = _params(req.query)
    after: str | None = _after(req.query)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for _ in range(CSV_PAGES):
        model = validate(ClickReport, {**params, "after": after, "count": str(CSV_PAGE)})
        answer = clicklog.click_report(req.conn, model, req.settings.zone)
        for row in answer["clicks"]:
            writer.writerow([_cell(row[c]) for c in CSV_COLUMNS])
        if answer["next_after"] is None:
            break
        after = str(answer["next_after"])
    return Download("clicks.csv", "text/csv; charset=utf-8", out.getvalue().encode())


def _cell(value: Any) -> Any:
    """As the API's CSV: blanks for nothing, 0/1 for flags; text a spreadsheet won't run."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value
