"""GET /api/report/clicks: the click log (trackpost's own)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response, StreamingResponse

from trackpost.core.http import RequestContext, Router
from trackpost.core.responses import json_response
from trackpost.reports.clicklog import service
from trackpost.reports.clicklog.schemas import RESPONSE, ClickReport

router = Router("report")
EXAMPLE: dict[str, Any] = {
    "clicks": [
        {
            "clickid": 981,
            "time": 1767225600,
            "click_hash": "019b7c0f3e2aQmC8yUu3w4Hq9kLr2sT0",
            "loginid": 4004,
            "username": "aff1",
            "offerid": 12,
            "landing_pageid": 7,
            "campaignid": 0,
            "subaff1": "spring",
            "subaff2": None,
            "subaff3": None,
            "subaff4": None,
            "subaff5": None,
            "subids": None,
            "_ocid": "abc123",
            "ip": "198.51.100.20",
            "user_agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) ...",
            "referrer": "https://publisher.example/page",
            "country": "US",
            "device_type": "mobile",
            "device_os": "iOS",
            "device_browser": "Mobile Safari",
            "converted": True,
            "customer_id": 42,
        }
    ],
    "next_after": 981,
}


@router.route(
    "GET",
    "/api/report/clicks",
    params=ClickReport,
    summary="The click log: every recorded click, filtered, in keyset pages (trackpost's own)",
    description="Clicks oldest first (clickid order). Paging is by keyset: send the answer's "
    "next_after as `after` for the next page (null: the last page); each page is an index "
    "range read however many clicks there are, and no total is counted. Period codes and "
    "start/end as the transaction report, in the network's days (TRACKPOST_TIMEZONE). "
    "converted says whether the click made a customer (customer_id names it). format=csv "
    "streams every matching click from `after` on, with a header row of the JSON's field names.",
    response=RESPONSE,
    example=EXAMPLE,
    errors=(400,),
)
def click_report(ctx: RequestContext, params: ClickReport) -> Response:
    """A page of the click log, or all of it as streamed CSV."""
    zone = ctx.services.settings.zone
    if params.format == "csv":
        chunks = service.click_csv(ctx.conn, ctx.services.db, params, zone)
        return StreamingResponse(
            chunks,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="clicks.csv"'},
        )
    return json_response(service.click_report(ctx.conn, params, zone))
