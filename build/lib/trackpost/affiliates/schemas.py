"""Parameters and responses of the affiliate endpoints, tracking links included."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema

from trackpost.accounts.schemas import ContactFields, Password, Username, success_message
from trackpost.core.fields import Email, Flag, Id, Money, SmallId, Str64, Str255, When
from trackpost.core.validation import ParamModel


def _pairs(value: object) -> object:
    """payvia_info as field/value pairs: [{field, value}], {0: {field, value}} or {field: value}."""
    if isinstance(value, dict):
        items = list(value.values())
        if items and all(isinstance(i, dict) for i in items):
            return items
        return [{"field": k, "value": v} for k, v in value.items()]
    return value


Status = Annotated[int, Field(ge=0, le=5)]


class PayviaPair(ParamModel):
    field: Annotated[str, Field(min_length=1, max_length=64)]
    value: Str255


PayviaInfo = Annotated[
    list[PayviaPair],
    BeforeValidator(_pairs),
    Field(max_length=50),
    WithJsonSchema(
        {
            "type": "object",
            "description": "payvia_info[0][field]=Pay To&payvia_info[0][value]=...",
            "additionalProperties": True,
        }
    ),
]


class AffiliateFields(ContactFields):
    """What an affiliate has beyond contact fields: payout method, threshold, status."""

    minimum_payout: Money | None = Field(
        default=None, description="payout threshold in the base currency (50.00)"
    )
    status: Status | None = None
    tax_id_or_ssn: Str64 | None = None


class AddAffiliate(AffiliateFields):
    username: Username
    password: Password
    email: Email
    payvia: SmallId
    payvia_info: PayviaInfo | None = None


class EditAffiliate(AffiliateFields):
    loginid: Id
    password: Password | None = None
    email: Email | None = None
    payvia: SmallId | None = None
    payvia_info: PayviaInfo | None = None
    affiliate_manager_loginid: Id | None = None


class SetPayvia(ParamModel):
    loginid: Id
    payvia_type_id: SmallId
    payvia_info: PayviaInfo


ORDER_COLUMNS = (
    "loginid",
    "username",
    "email",
    "status",
    "firstname",
    "lastname",
    "company",
    "country",
    "join_date",
)


def _orderby(value: str) -> str:
    parts = value.strip().lower().split()
    if (
        not parts
        or len(parts) > 2
        or parts[0] not in ORDER_COLUMNS
        or (len(parts) == 2 and parts[1] not in ("asc", "desc"))
    ):
        raise ValueError(
            f"must be one of {', '.join(ORDER_COLUMNS)}, optionally followed by asc or desc"
        )
    return " ".join(parts)


Period = Annotated[int, Field(ge=0, le=8)]
Bound = Annotated[str, Field(max_length=32)]
Count = Annotated[int, Field(ge=0, le=2**62)]
_LESS = "accounts whose {} in the stats period is less than this (the vendor's rule)"


class SearchAffiliates(ParamModel):
    """Every filter of the vendor's search page; they combine with AND (docs/compatibility.md)."""

    loginid: Id | None = None
    username: Str64 | None = None
    password: Str64 | None = Field(
        default=None,
        description="The reference's misprint of username (searched as the username); "
        "passwords are never compared or returned",
    )
    email: Str255 | None = None
    status: Status | None = None
    name: Str255 | None = None
    type: Literal["affiliate", "advertiser", "admin"] = "affiliate"
    firstname: Str255 | None = None
    lastname: Str255 | None = None
    company: Str255 | None = None
    address: Str255 | None = Field(default=None, description="fragment of address1 or address2")
    city: Str255 | None = None
    state: Str255 | None = None
    country: Str255 | None = None
    aim: Str64 | None = None
    icq: Str64 | None = None
    url: Str255 | None = Field(default=None, description="fragment of the website")
    inhouse: Flag | None = None
    deleted: Flag | None = Field(
        default=None, description="trackpost deletes no accounts: 1 matches none, 0 all"
    )
    payvia_type_id: SmallId | None = None
    payvia_details: Str255 | None = Field(
        default=None, description="fragment of any payout detail value"
    )
    refid: Id | None = None
    ref: Annotated[str, Field(max_length=400)] | None = Field(
        default=None, description="the referring affiliate: loginid or tracking code"
    )
    trackingcode: Annotated[str, Field(max_length=400)] | None = Field(
        default=None, description="the affiliate a tracking code belongs to"
    )
    sales_rep: Id | None = Field(default=None, description="affiliates this manager manages")
    join_date: When = Field(default=None, description="joined before this date")
    join_range: Flag = Field(default=False, description="1: join_date means joined after it")
    login_date: When = Field(
        default=None,
        description="last login before this date; trackpost records no affiliate logins, so "
        "it matches none",
    )
    login_ip: Str64 | None = Field(
        default=None, description="trackpost records no affiliate logins: matches none"
    )
    login_range: Flag = Field(default=False, description="1: login_date means after it")
    min_pay: Money | None = Field(
        default=None,
        description="minimum payout (base currency, 50.00) below this; with pay_range=1, "
        "at least this",
    )
    pay_range: Flag = False
    stats_period: Period | None = Field(
        default=None, description="period code of the statistics filters (default all time)"
    )
    stats_start: Bound | None = None
    stats_end: Bound | None = None
    raw_clicks: Count | None = Field(default=None, description=_LESS.format("click count"))
    unq_clicks: Count | None = Field(
        default=None, description=_LESS.format("count of distinct visitor IPs")
    )
    join_count: Count | None = Field(default=None, description=_LESS.format("conversion count"))
    continuity_count: Count | None = Field(
        default=None, description=_LESS.format("continuity count")
    )
    void_count: Count | None = Field(default=None, description=_LESS.format("void count"))
    ratio: Count | None = Field(default=None, description=_LESS.format("clicks per conversion"))
    total_earned: Money | None = Field(
        default=None, description=_LESS.format("payout (base currency)")
    )
    total: Money | None = Field(
        default=None, description=_LESS.format("approved revenue (base currency)")
    )
    return_payvia_info: Flag = False
    return_referred_info: Flag = Field(
        default=False, description="adds referred_details: the chain of referring affiliates"
    )
    return_referring_info: Flag = Field(
        default=False, description="adds referring_details: the affiliates this one referred"
    )
    start: Annotated[int, Field(ge=0, le=10**9)] = 0
    end: Annotated[int, Field(ge=1, le=10**9)] | None = Field(
        default=None, description="the position after the last row: count = end - start"
    )
    count: Annotated[int, Field(ge=1, le=1000)] = 100
    orderby: Annotated[str, Field(max_length=32), AfterValidator(_orderby)] = "loginid"


SEARCH_RESPONSE: dict[str, Any] = {
    "type": "object",
    "description": "Accounts keyed by loginid; ids and flags are strings, as the vendor's.",
    "additionalProperties": {
        "type": "object",
        "required": ["loginid", "username", "type", "status"],
        "properties": {
            "loginid": {"type": "string"},
            "username": {"type": "string"},
            "type": {"type": "string"},
            "status": {"type": "string"},
        },
    },
}
PAYVIA_RESPONSE: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["field", "result"],
        "properties": {"field": {"type": "string"}, "result": {"type": "string"}},
    },
}


# Tracking links: get_single_link, get_links, decode_trackingcode.
Hidden = Annotated[int, Field(ge=0, le=2)]


class LinkParams(ParamModel):
    """What every link carries: the affiliate, what it points at, and the affiliate's extras."""

    loginid: Id
    offerid: Id | None = None
    landing_pageid: Id | None = None
    style: Literal["encoded", "unencoded"] = "encoded"
    subaff: Str255 | None = None
    subaff1: Str255 | None = None
    subaff2: Str255 | None = None
    subaff3: Str255 | None = None
    subaff4: Str255 | None = None
    subaff5: Str255 | None = None
    subids: Str255 | None = None
    ocid: Str255 | None = Field(default=None, alias="_ocid")
    code_only: Flag = False


class SingleLink(LinkParams):
    pass


class Links(LinkParams):
    get_hidden: Hidden = 0
    get_hidden_offers: Hidden = 2
    get_advertiser: Flag = False
    get_commission: Flag = False
    get_countries: Flag = False


class DecodeCode(ParamModel):
    ocode: Annotated[str, Field(min_length=1, max_length=400)]


SINGLE_LINK_RESPONSE = success_message({"type": "string"})
LINKS_RESPONSE = success_message(
    {
        "type": "object",
        "description": "One entry per landing page, keyed by landing_pageid.",
        "additionalProperties": {
            "type": "object",
            "required": ["offerid", "landing_pageid", "link"],
            "properties": {
                "offerid": {"type": "string"},
                "offer_name": {"type": "string"},
                "landing_pageid": {"type": "string"},
                "landing_page_name": {"type": "string"},
                "link": {
                    "type": ["string", "null"],
                    "description": "null for a private page the affiliate may only request",
                },
                "requestable": {"enum": ["0", "1"]},
            },
        },
    }
)
_ID_TEXT = {"type": "string", "pattern": "^[0-9]+$"}
DECODE_RESPONSE: dict[str, Any] = {
    "type": "object",
    "required": ["loginid", "offerid", "landing_pageid", "tracked_details"],
    "properties": {
        "loginid": _ID_TEXT,
        "programid": _ID_TEXT,
        "offerid": _ID_TEXT,
        "landing_pageid": _ID_TEXT,
        "campaignid": _ID_TEXT,
        "adtoolid": _ID_TEXT,
        "is_unencoded": {"enum": ["0", "1"]},
        "tracked_details": {
            "type": "object",
            "properties": {
                "login_details": {"type": ["object", "null"]},
                "lp_details": {"type": ["object", "null"]},
            },
        },
    },
}
