"""The console's reads of the statistics service: the P&L by any view, the dashboard's figures.

Everything here is what GET /api/report/profitloss answers (the hourly rollups plus the live
unfolded tail), so the pages show the API's figures exactly and never scan the raw tables.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from trackpost.core.config import Settings
from trackpost.core.db import utcnow
from trackpost.core.validation import validate
from trackpost.stats import service as stats
from trackpost.stats.schemas import ProfitLoss, Stats

# The P&L views the console offers (the API's names) and how the page labels them.
VIEWS = (
    ("period", "Day"),
    ("month", "Month"),
    ("year", "Year"),
    ("offer", "Offer"),
    ("login", "Affiliate"),
    ("landing_page", "Landing page"),
    ("campaign", "Campaign"),
    ("advertiser", "Advertiser"),
    ("program", "Program"),
    ("adtool", "Ad tool"),
    ("demographic", "Country"),
    ("device_type", "Device type"),
    ("device_os", "Operating system"),
    ("device_browser", "Browser"),
    ("subid1", "Subid 1"),
    ("subid2", "Subid 2"),
)
VIEW_LABEL = dict(VIEWS)
TIME_VIEWS = frozenset({"period", "month", "year"})
# The views whose keys have a console page (the id is appended).
KEY_PAGES = {
    "offer": "/offers/",
    "login": "/affiliates/",
    "advertiser": "/advertisers/",
}
# The period codes, as the API names them (days are the network's, TRACKPOST_TIMEZONE).
PERIODS = (
    ("0", "Current payout period"),
    ("1", "Last payout period"),
    ("2", "Today"),
    ("3", "Yesterday"),
    ("4", "This week"),
    ("5", "This month"),
    ("6", "This year"),
    ("7", "All time"),
    ("8", "From start to end"),
)
# The page's filters, named as the API names them.
FILTERS = ("filter_loginid", "filter_offerid", "filter_landingpageid", "filter_countryid")


@dataclass(frozen=True)
class Report:
    """One P&L view: the dimension, the total's figures and one row of figures per key."""

    view: str
    dim: str
    total: dict[str, Any]
    rows: list[tuple[str, dict[str, Any]]]


def api_params(query: Mapping[str, str]) -> dict[str, str]:
    """The page's query as the API's parameters: dates only with period 8 (the default when
    dates are given), blanks dropped, so the page and the API read the same report."""
    raw = {
        k: v.strip() for k in ("view", "period", "start", "end", *FILTERS) if (v := query.get(k))
    }
    raw = {k: v for k, v in raw.items() if v}
    dated = "start" in raw or "end" in raw
    period = raw.setdefault("period", "8" if dated else "0")
    if period != "8":
        raw.pop("start", None)
        raw.pop("end", None)
    raw.setdefault("view", "period")
    return raw


def profit_loss(conn: Connection, settings: Settings, query: Mapping[str, str]) -> Report:
    """The P&L for the page's query (400 naming a bad parameter, as the API)."""
    params = validate(ProfitLoss, api_params(query))
    dim, answer = stats.profit_loss(conn, params, settings.zone, settings.stats_unique_seconds)
    total = answer.pop("total")
    view = params.view.strip().lower()
    return Report(view, dim, total, list(answer.items()))


def cents(text: str) -> int:
    """The API's decimal money text ('-12.50') as integer cents (for the chart)."""
    return int(Decimal(text) * 100)


def totals(conn: Connection, settings: Settings, first: dt.date, last: dt.date) -> dict[str, Any]:
    """The figures of the network's days first..last (inclusive), from the rollups."""
    raw = {"dims": "year", "start": first.isoformat(), "end": last.isoformat(), "count": "1"}
    params = validate(Stats, raw)
    _dims, answer = stats.stats(conn, params, settings.zone, settings.stats_unique_seconds)
    figures: dict[str, Any] = answer["total"]
    return figures


def dashboard(conn: Connection, settings: Settings) -> tuple[dict[str, Any], dict[str, Any]]:
    """Today's and the last 7 days' figures, days being the network's."""
    today = utcnow().astimezone(settings.zone).date()
    week = totals(conn, settings, today - dt.timedelta(days=6), today)
    return totals(conn, settings, today, today), week


# The stats page's dimensions (the API's names) and labels.
DIMS = (
    ("day", "Day"),
    ("hour", "Hour"),
    ("month", "Month"),
    ("year", "Year"),
    ("offer", "Offer"),
    ("affiliate", "Affiliate"),
    ("landing_page", "Landing page"),
    ("campaign", "Campaign"),
    ("advertiser", "Advertiser"),
    ("country", "Country"),
    ("device_type", "Device type"),
    ("device_os", "Operating system"),
    ("device_browser", "Browser"),
    *((f"subid{i}", f"Subid {i}") for i in range(1, 6)),
)
DIM_LABEL = dict(DIMS)
# The figures the stats page sorts by (the API's names).
SORTS = (
    ("", "Dimensions"),
    ("raw_clicks", "Raw clicks"),
    ("unique_clicks", "Unique clicks"),
    ("conversions", "Conversions"),
    ("income", "Income"),
    ("total_payouts", "Payouts"),
    ("net", "Net"),
    ("epc", "EPC"),
    ("conversion_rate", "Conversion %"),
)
STATS_PAGE = 100


def stats_params(query: Mapping[str, str]) -> dict[str, str]:
    """The stats page's query as the API's parameters: dims from `dim1` and `dim2`, the period
    and filters as the P&L's, the sort with its direction."""
    raw = api_params(query)
    raw.pop("view", None)
    dims = [d for k in ("dim1", "dim2") if (d := (query.get(k) or "").strip())]
    raw["dims"] = ",".join(dims or ["day"])
    field = (query.get("sort") or "").strip()
    if field:
        raw["sort"] = ("-" if query.get("order", "desc") != "asc" else "") + field
    return raw


def crossed(
    conn: Connection, settings: Settings, params: Mapping[str, str], start_row: int, count: int
) -> tuple[list[str], dict[str, Any]]:
    """GET /api/report/stats's answer for these parameters and this page."""
    model = validate(Stats, {**params, "start_row": str(start_row), "count": str(count)})
    return stats.stats(conn, model, settings.zone, settings.stats_unique_seconds)
