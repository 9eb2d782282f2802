"""Parameters and response of the transaction report."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Field

from trackpost.core.errors import InvalidParameter
from trackpost.core.fields import MAX_ID, CountryFilter
from trackpost.core.validation import ParamModel

# trans_type's kinds and their synonyms -> the ledger's trans_type.
KINDS = {
    "initial": "initial",
    "conversion": "initial",
    "sale": "initial",
    "trial": "trial",
    "continuity": "continuity",
    "rebill": "continuity",
    "refund": "refund",
    "cancel": "cancel",
    "expire": "expire",
    "void": "void",
    "chargeback": "chargeback",
    "reversal": "reversal",
}
SOURCES = ("advertiser", "admin")


def _trans_type(raw: str) -> str:
    """A kind, optionally prefixed by its source, as '<kind>' or '<source>_<kind>' (no synonyms)."""
    if not raw:
        return raw
    text = raw.strip().lower()
    source, _, kind = text.partition("_") if text.startswith(SOURCES) else ("", "", text)
    if kind not in KINDS:
        allowed = ", ".join(sorted(set(KINDS.values())))
        raise InvalidParameter(
            f"Parameter 'trans_type' must be one of {allowed} (optionally prefixed advertiser_ "
            f"or admin_), got {raw[:64]!r}."
        )
    return f"{source}_{KINDS[kind]}" if source else KINDS[kind]


def _affiliate(raw: str) -> str:
    """An affiliate's username, or a loginid (digits), surrounding blanks dropped."""
    affiliate = raw.strip()
    if affiliate.isascii() and affiliate.isdigit() and int(affiliate) > MAX_ID:
        raise InvalidParameter(
            f"Parameter 'filter_affiliate' is not a loginid: {affiliate[:32]!r} is too big."
        )
    return affiliate


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
        default=None,
        description="2026-03-01 (a day of the network, TRACKPOST_TIMEZONE), with period 8",
    )
    end: Annotated[str, Field(max_length=32)] | None = Field(
        default=None, description="2026-03-31, inclusive (the network's day), with period 8"
    )
    filter_affiliate: Annotated[Filter, AfterValidator(_affiliate)] | None = Field(
        default=None, description="An affiliate's username or loginid"
    )
    filter_loginid: OptionalCount | None = None
    filter_campaignid: OptionalCount | None = None
    filter_offerid: OptionalCount | None = None
    filter_landingpageid: OptionalCount | None = None
    filter_adtoolid: OptionalCount | None = None
    filter_programid: OptionalCount | None = None
    filter_countryid: CountryFilter | None = Field(
        default=None,
        description="The sale's country as an ISO 3166-1 alpha-2 code (US): its click's "
        "(trusted proxy header or GeoIP), else the customer's posted one; 0 is every country",
    )
    no_inhouse: Annotated[int, Field(ge=0, le=1)] = 0
    trans_type: Annotated[Filter, AfterValidator(_trans_type)] | None = Field(
        default=None,
        description="initial, continuity, refund, cancel, expire, void, chargeback, reversal, "
        "or the report's own form such as advertiser_initial or admin_void",
    )
    filter_external_clickid: Filter | None = None
    filter_transaction_hash: Filter | None = None
    filter_orderid: Filter | None = Field(
        default=None,
        description="An order: its row and its offset rows (void, refund, chargeback). Orderids "
        "are unique per advertiser: one several advertisers hold needs filter_advertiserid (or "
        "filter_offerid), else 409 ambiguous_orderid",
    )
    filter_advertiserid: OptionalCount | None = Field(
        default=None, description="An advertiser's loginid (a trackpost extension)"
    )
    trans_start: Annotated[int, Field(ge=0, le=10**9)] = 0
    trans_count: Annotated[int, Field(ge=1, le=1000)] = 100


PAYOUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "integer", "description": "the payout row's id"},
        "type": {"enum": ["affiliate", "referral", "manager", "partner"]},
        "tier": {
            "type": "integer",
            "description": "referral rows: 1 is the direct referrer; 0 the signup bonus",
        },
        "username": {"type": ["string", "null"]},
        "loginid": {"type": "integer"},
        "amount": {"type": "string", "description": "base currency, two decimals ('5.00')"},
    },
}
ROW_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "time": {"type": "integer", "description": "unix seconds"},
        "loginid": {"type": ["integer", "null"]},
        "amount": {
            "type": "string",
            "description": "revenue in the base currency, two decimals ('9.95'; negative for "
            "credits)",
        },
        "trans_type": {"type": "string", "examples": ["advertiser_initial", "admin_void"]},
        "status": {"enum": ["approved", "pending", "voided", "charged_back", "denied"]},
        "transaction_hash": {"type": ["string", "null"]},
        "orderid": {"type": ["string", "null"]},
        "external_clickid": {"type": ["string", "null"]},
        "offerid": {"type": ["integer", "null"]},
        "landing_pageid": {"type": ["integer", "null"]},
        "customer_id": {"type": "integer"},
        "parent_transactionid": {"type": ["integer", "null"]},
        "chargeback_cost": {"type": "string", "description": "base currency ('15.00')"},
        "total_payout": {"type": "string", "description": "base currency ('5.00')"},
        "payouts": {"type": "array", "items": PAYOUT_SCHEMA},
        **{
            f"trans_custom{n}": {
                "type": ["string", "null"],
                "description": "as the advertiser posted it" if n == 1 else "",
            }
            for n in range(1, 6)
        },
        **{
            f"subaff{n}": {
                "type": ["string", "null"],
                "description": "the click's (null when the click is unknown or pruned)"
                if n == 1
                else "",
            }
            for n in range(1, 6)
        },
        "advertiserid": {"type": ["integer", "null"], "description": "the customer's advertiser"},
        "advertiser_username": {"type": ["string", "null"]},
        "customer_name": {
            "type": ["string", "null"],
            "description": "the customer's first and last names; null when it has neither",
        },
        "customer_username": {"type": ["string", "null"]},
    },
}
REPORT_RESPONSE: dict[str, Any] = {
    "type": "object",
    "description": "Transactions keyed by transactionid (oldest first); X-Total-Count says how "
    "many match in all.",
    "additionalProperties": ROW_SCHEMA,
}
