"""The click log: filters, keyset pages and the CSV export of recorded clicks."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, RowMapping

from trackpost.core.db import Database, utcnow
from trackpost.reports import service as reports
from trackpost.reports.clicklog import repository as repo
from trackpost.reports.clicklog.schemas import CSV_COLUMNS, ClickReport
from trackpost.reports.periods import CURRENT, LAST, period_range

# How far a click's created_at may lag behind a later id (clicks of concurrent batches commit
# in their own order): the id range a period is turned into is widened by this much, and the
# exact created_at bounds are checked as well.
ID_SKEW = dt.timedelta(seconds=60)
CSV_PAGE = 1000
_ID_FILTERS = {
    "filter_loginid": "loginid",
    "filter_offerid": "offerid",
    "filter_landingpageid": "landingpageid",
    "filter_campaignid": "campaignid",
}
_SUBS = {"subaff": "subaff1", **{f"subaff{n}": f"subaff{n}" for n in range(2, 6)}}


def filters_of(
    conn: Connection, params: ClickReport, now: dt.datetime, zone: dt.tzinfo
) -> tuple[dict[str, Any], int]:
    """The repository's conditions, and the clickid the scan starts after."""
    payout = None
    if params.period in (None, CURRENT, LAST) and not (params.start or params.end):
        payout = reports.payout_periods(conn, params.filter_loginid, now, zone)
    lo, hi = period_range(params.period, params.start, params.end, now, payout, zone)
    out: dict[str, Any] = {}
    after = params.after
    if lo is not None:
        out["from"] = lo
        after = max(after, repo.first_id_at(conn, lo - ID_SKEW) - 1)
    if hi is not None:
        out["until"] = hi
        out["upto"] = repo.first_id_at(conn, hi + ID_SKEW) - 1
    for param, name in _ID_FILTERS.items():
        value = getattr(params, param)
        if value is not None:
            out[name] = value
    for param, name in _SUBS.items():
        value = getattr(params, param)
        if value:
            out[name] = value
    if params.filter_countryid:
        out["country"] = params.filter_countryid
    if params.converted is not None:
        out["converted" if params.converted else "unconverted"] = True
    return out, after


def _row(row: RowMapping) -> dict[str, Any]:
    made: dt.datetime = row["created_at"]
    out = {name: row[name] for name in CSV_COLUMNS if name in row and name != "customer_id"}
    out["time"] = int(made.timestamp())
    out["_ocid"] = row["ocid"]
    out["converted"] = row["customer_id"] is not None
    out["customer_id"] = row["customer_id"]
    return {name: out.get(name) for name in CSV_COLUMNS}


def click_report(conn: Connection, params: ClickReport, zone: dt.tzinfo = dt.UTC) -> dict[str, Any]:
    """One page: {"clicks": [...], "next_after": clickid or None on the last page}."""
    filters, after = filters_of(conn, params, utcnow(), zone)
    if "upto" in filters and filters["upto"] <= after:
        return {"clicks": [], "next_after": None}
    found = repo.page(conn, filters, after, params.count)
    full = len(found) == params.count
    return {
        "clicks": [_row(r) for r in found],
        "next_after": int(found[-1]["clickid"]) if full else None,
    }


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    return int(value) if isinstance(value, bool) else value


def _csv_text(rows: list[dict[str, Any]], header: bool = False) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if header:
        writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([_cell(v) for v in row.values()])
    return out.getvalue()


def click_csv(
    conn: Connection, db: Database, params: ClickReport, zone: dt.tzinfo = dt.UTC
) -> Iterator[str]:
    """The CSV export: the first page read now (bad filters are refused before any byte is
    sent), the rest streamed, each page in a read transaction of its own."""
    filters, after = filters_of(conn, params, utcnow(), zone)
    first = _csv_page(conn, filters, after)
    return _stream(db, filters, first)


def _csv_page(
    conn: Connection, filters: dict[str, Any], after: int
) -> tuple[list[dict[str, Any]], int | None]:
    if "upto" in filters and filters["upto"] <= after:
        return [], None
    found = repo.page(conn, filters, after, CSV_PAGE)
    last = int(found[-1]["clickid"]) if len(found) == CSV_PAGE else None
    return [_row(r) for r in found], last


def _stream(
    db: Database, filters: dict[str, Any], first: tuple[list[dict[str, Any]], int | None]
) -> Iterator[str]:
    rows, after = first
    yield _csv_text(rows, header=True)
    while after is not None:
        # No snapshot outlives a page: a long export holds no read transaction open.
        with db.transaction(write=False) as conn:
            rows, after = _csv_page(conn, filters, after)
        yield _csv_text(rows)
