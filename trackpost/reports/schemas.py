"""Parameters and response of the transaction report."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from trackpost.core.validation import ParamModel

Filter = Annotated[str, Field(max_length=255)]
OptionalCount = Annotated[int, Field(ge=0, le=2**63 - 1)]


class TransactionReport(ParamModel):
    period: Annotated[int, Field(ge=0, le=8)] | None = Field(
        default=None,
        description="0 current (this month), 1 last month, 2 today, 3 yesterday, 4 this week, "
        "5 this month, 6 this year, 7 all time, 8 free (start/end). Default 0, or 8 when "
        "start or end is sent.",
    )
    start: Annotated[str, Field(max_length=32)] | None = Field(
        default=None, description="2026-03-01 (UTC), with period 8"
    )
    end: Annotated[str, Field(max_length=32)] | None = Field(
        default=None, description="2026-03-31, inclusive (UTC), with period 8"
    )
    filter_affiliate: Filter | None = Field(
        default=None, description="An affiliate's username or loginid"
    )
    filter_loginid: OptionalCount | None = None
    filter_campaignid: OptionalCount | None = None
    filter_offerid: OptionalCount | None = None
    filter_landingpageid: OptionalCount | None = None
    filter_adtoolid: OptionalCount | None = None
    filter_programid: OptionalCount | None = None
    filter_countryid: Filter | None = Field(
        default=None, description="Not supported: trackpost does not record country ids (400)"
    )
    no_inhouse: Annotated[int, Field(ge=0, le=1)] = 0
    trans_type: Filter | None = Field(
        default=None,
        description="initial, continuity, refund, cancel, expire, void, chargeback, reversal, "
        "or the report's own form such as advertiser_initial or admin_void",
    )
    filter_external_clickid: Filter | None = None
    filter_transaction_hash: Filter | None = None
    filter_orderid: Filter | None = None
    trans_start: Annotated[int, Field(ge=0, le=10**9)] = 0
    trans_count: Annotated[int, Field(ge=1, le=1000)] = 100


PAYOUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "type": {"const": "affiliate"},
        "username": {"type": ["string", "null"]},
        "loginid": {"type": "integer"},
        "amount": {"type": "integer", "description": "cents"},
    },
}
ROW_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "time": {"type": "integer", "description": "unix seconds"},
        "loginid": {"type": ["integer", "null"]},
        "amount": {"type": "integer", "description": "revenue in cents (negative for credits)"},
        "trans_type": {"type": "string", "examples": ["advertiser_initial", "admin_void"]},
        "status": {"enum": ["approved", "pending", "voided", "charged_back", "denied"]},
        "transaction_hash": {"type": ["string", "null"]},
        "orderid": {"type": ["string", "null"]},
        "external_clickid": {"type": ["string", "null"]},
        "offerid": {"type": ["integer", "null"]},
        "landing_pageid": {"type": ["integer", "null"]},
        "customer_id": {"type": "integer"},
        "parent_transactionid": {"type": ["integer", "null"]},
        "chargeback_cost": {"type": "integer"},
        "total_payout": {"type": "integer", "description": "cents"},
        "payouts": {"type": "array", "items": PAYOUT_SCHEMA},
    },
}
REPORT_RESPONSE: dict[str, Any] = {
    "type": "object",
    "description": "Transactions keyed by transactionid (oldest first); X-Total-Count says how "
    "many match in all.",
    "additionalProperties": ROW_SCHEMA,
}
