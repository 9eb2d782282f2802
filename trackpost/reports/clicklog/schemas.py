"""Parameters and response of the click log (GET /api/report/clicks)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from trackpost.core.fields import CountryFilter
from trackpost.core.validation import ParamModel

Id = Annotated[int, Field(ge=0, le=2**63 - 1)]
Sub = Annotated[str, Field(max_length=255)]


class ClickReport(ParamModel):
    period: Annotated[int, Field(ge=0, le=8)] | None = Field(
        default=None,
        description="As the transaction report: 0 current payout period (else this month), 1 "
        "the previous one, 2 today, 3 yesterday, 4 this week, 5 this month, 6 this year, 7 all "
        "time, 8 free (start/end), in the network's days (TRACKPOST_TIMEZONE). Default 0, or 8 "
        "when start or end is sent.",
    )
    start: Annotated[str, Field(max_length=32)] | None = Field(
        default=None, description="2026-03-01 (the network's day), with period 8"
    )
    end: Annotated[str, Field(max_length=32)] | None = Field(
        default=None, description="2026-03-31, inclusive (the network's day), with period 8"
    )
    filter_loginid: Id | None = Field(default=None, description="The affiliate's loginid")
    filter_offerid: Id | None = None
    filter_landingpageid: Id | None = None
    filter_campaignid: Id | None = None
    filter_countryid: CountryFilter | None = Field(
        default=None,
        description="The click's country as an ISO 3166-1 alpha-2 code (US); 0 is every country",
    )
    subaff: Sub | None = Field(default=None, description="Only clicks with this subaff1")
    subaff2: Sub | None = None
    subaff3: Sub | None = None
    subaff4: Sub | None = None
    subaff5: Sub | None = None
    converted: Annotated[int, Field(ge=0, le=1)] | None = Field(
        default=None,
        description="1: only clicks that made a customer; 0: only those that did not",
    )
    after: Id = Field(
        default=0,
        description="Keyset paging: only clicks with a clickid above this (the previous "
        "page's next_after)",
    )
    count: Annotated[int, Field(ge=1, le=1000)] = Field(
        default=100, description="Clicks per page (JSON), at most 1000"
    )
    format: Literal["json", "csv"] = Field(
        default="json",
        description="csv: every matching click from `after` on, streamed, with a header row "
        "(count does not apply)",
    )


ROW_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "clickid": {"type": "integer"},
        "time": {"type": "integer", "description": "unix seconds"},
        "click_hash": {"type": "string"},
        "loginid": {"type": "integer", "description": "the affiliate"},
        "username": {"type": ["string", "null"], "description": "the affiliate's username"},
        "offerid": {"type": "integer"},
        "landing_pageid": {"type": "integer"},
        "campaignid": {"type": "integer"},
        **{f"subaff{n}": {"type": ["string", "null"]} for n in range(1, 6)},
        "subids": {"type": ["string", "null"]},
        "_ocid": {"type": ["string", "null"], "description": "the click's external id"},
        "ip": {"type": ["string", "null"]},
        "user_agent": {"type": ["string", "null"]},
        "referrer": {"type": ["string", "null"]},
        "country": {"type": ["string", "null"], "description": "ISO 3166-1 alpha-2"},
        "device_type": {"enum": ["desktop", "mobile", "tablet", "bot", "other", None]},
        "device_os": {"type": ["string", "null"], "examples": ["iOS", "Windows"]},
        "device_browser": {"type": ["string", "null"], "examples": ["Mobile Safari"]},
        "converted": {"type": "boolean"},
        "customer_id": {
            "type": ["integer", "null"],
            "description": "the customer the click made, when converted",
        },
    },
}
RESPONSE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "clicks": {"type": "array", "items": ROW_SCHEMA},
        "next_after": {
            "type": ["integer", "null"],
            "description": "send as `after` for the next page; null on the last page",
        },
    },
}
CSV_COLUMNS = tuple(ROW_SCHEMA["properties"])
